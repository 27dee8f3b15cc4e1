#!/usr/bin/env bash
# Prints the path of the report CRDs `kubectl audit --report` writes to, as
# one YAML stream, taken through the Go module proxy and cached under
# HONBAN_TESTENV_CACHE:
#   openreports  github.com/openreports/reports-api  config/crd/
#                (openreports.io Report, ClusterReport)
#   wgpolicy     github.com/kyverno/kyverno          config/crds/policyreport/
#                (wgpolicyk8s.io PolicyReport, ClusterPolicyReport)
# Usage: report-crds.sh [openreports|wgpolicy|all] [--apply]
# With --apply it also applies them to the cluster $KUBECONFIG names
# (server-side, idempotent; CRDs are shared, so it never deletes any) and
# waits until they are established.
set -euo pipefail

WHICH=${1:-all}
APPLY=${2:-}
OPENREPORTS_VERSION=v0.2.1
KYVERNO_VERSION=v1.19.1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${HONBAN_TESTENV_CACHE:-$HERE/../../testenv/.cache}
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}

# module version subdir glob name -> prints the cached stream's path
fetch() {
	local module=$1 version=$2 sub=$3 glob=$4 name=$5
	local out_dir=$CACHE/report-crds
	local out=$out_dir/$name-$version.yaml
	if [[ -s $out ]]; then
		echo "$out"
		return
	fi
	mkdir -p "$out_dir"
	local info dir
	# Outside any module, so no go.mod is needed or touched.
	info=$(cd "$out_dir" && GOFLAGS=-mod=mod "$GO" mod download -json "$module@$version")
	dir=$(printf '%s\n' "$info" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
	[[ -n $dir && -d $dir/$sub ]] || {
		echo "report-crds: go mod download gave no module directory for $module:" >&2
		printf '%s\n' "$info" >&2
		exit 1
	}
	local tmp
	tmp=$(mktemp "$out_dir/.crds.XXXXXX")
	for f in "$dir"/$sub/$glob; do
		printf -- '---\n' >>"$tmp"
		cat "$f" >>"$tmp"
	done
	chmod 644 "$tmp"
	mv "$tmp" "$out"
	echo "$out"
}

paths=()
case $WHICH in
openreports | all)
	paths+=("$(fetch github.com/openreports/reports-api "$OPENREPORTS_VERSION" config/crd 'openreports.io_*.yaml' openreports)")
	;;&
wgpolicy | all)
	paths+=("$(fetch github.com/kyverno/kyverno "$KYVERNO_VERSION" config/crds/policyreport 'wgpolicyk8s.io_*.yaml' wgpolicy)")
	;;
openreports) ;;
*)
	echo "usage: report-crds.sh [openreports|wgpolicy|all] [--apply]" >&2
	exit 2
	;;
esac

if [[ $APPLY == --apply ]]; then
	KUBECTL=${KUBECTL:-kubectl}
	for p in "${paths[@]}"; do
		"$KUBECTL" apply --server-side --force-conflicts --field-manager=honban-tests -f "$p" >&2
		names=$("$KUBECTL" create --dry-run=client -o name -f "$p")
		# Right after the apply a CRD may have no conditions yet, which
		# `kubectl wait` takes for an error: ask again.
		for _ in $(seq 1 30); do
			# shellcheck disable=SC2086
			"$KUBECTL" wait --for=condition=Established --timeout=10s $names >/dev/null 2>&1 && break
			sleep 1
		done
	done
fi
printf '%s\n' "${paths[@]}"
