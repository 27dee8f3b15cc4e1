#!/usr/bin/env bash
# Prints the path of the Gateway API standard CRDs as one YAML stream, taken
# from the Go module sigs.k8s.io/gateway-api (config/crd/standard) through
# the Go module proxy and cached under HONBAN_TESTENV_CACHE. The tests apply
# it to testenv for `kubectl publish --api gateway`.
set -euo pipefail

# The release line the AWS Load Balancer Controller's gateway support targets.
VERSION=${1:-v1.6.3}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${HONBAN_TESTENV_CACHE:-$HERE/../../testenv/.cache}
OUT_DIR=$CACHE/gateway-api-$VERSION
OUT=$OUT_DIR/standard-crds.yaml

if [[ -s $OUT ]]; then
	echo "$OUT"
	exit 0
fi

GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
mkdir -p "$OUT_DIR"
# Outside any module, so no go.mod is needed or touched.
info=$(cd "$OUT_DIR" && GOFLAGS=-mod=mod "$GO" mod download -json "sigs.k8s.io/gateway-api@$VERSION")
dir=$(printf '%s\n' "$info" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
[[ -n $dir && -d $dir/config/crd/standard ]] || {
	echo "gateway-api-crds: go mod download gave no module directory:" >&2
	printf '%s\n' "$info" >&2
	exit 1
}

tmp=$(mktemp "$OUT_DIR/.crds.XXXXXX")
trap 'rm -f "$tmp"' EXIT
# Only the CRDs: the release's ValidatingAdmissionPolicy guards upgrades of
# a real cluster and is no part of what publish needs.
for f in "$dir"/config/crd/standard/gateway.networking.k8s.io_*.yaml; do
	[[ $f == *_vap_* ]] && continue
	printf -- '---\n' >>"$tmp"
	cat "$f" >>"$tmp"
done
mv "$tmp" "$OUT"
trap - EXIT
echo "$OUT"
