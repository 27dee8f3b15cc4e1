#!/usr/bin/env bash
# Prints the path of prometheus-operator's CRDs (monitoring.coreos.com) as one
# YAML stream, taken from the Go module
# github.com/prometheus-operator/prometheus-operator
# (example/prometheus-operator-crd) through the Go module proxy and cached
# under HONBAN_TESTENV_CACHE. The tests apply it to testenv for the audit's
# observability checks (ServiceMonitor, PodMonitor, Prometheus, PrometheusAgent).
set -euo pipefail

VERSION=${1:-v0.85.0}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${HONBAN_TESTENV_CACHE:-$HERE/../../testenv/.cache}
OUT_DIR=$CACHE/prometheus-operator-$VERSION
OUT=$OUT_DIR/crds.yaml

if [[ -s $OUT ]]; then
	echo "$OUT"
	exit 0
fi

GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
mkdir -p "$OUT_DIR"
# Outside any module, so no go.mod is needed or touched.
info=$(cd "$OUT_DIR" && GOFLAGS=-mod=mod "$GO" mod download -json "github.com/prometheus-operator/prometheus-operator@$VERSION")
dir=$(printf '%s\n' "$info" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
[[ -n $dir && -d $dir/example/prometheus-operator-crd ]] || {
	echo "prometheus-operator-crds: go mod download gave no module directory:" >&2
	printf '%s\n' "$info" >&2
	exit 1
}

tmp=$(mktemp "$OUT_DIR/.crds.XXXXXX")
trap 'rm -f "$tmp"' EXIT
for f in "$dir"/example/prometheus-operator-crd/monitoring.coreos.com_*.yaml; do
	printf -- '---\n' >>"$tmp"
	cat "$f" >>"$tmp"
done
mv "$tmp" "$OUT"
trap - EXIT
echo "$OUT"
