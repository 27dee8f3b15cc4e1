#!/usr/bin/env bash
# Builds the real sops and age-keygen from their Go modules (pinned below)
# with the Go toolchain testenv uses, caches them under HONBAN_TESTENV_CACHE
# and prints the directory that holds both binaries. The rotate-secret sops
# tests encrypt their files with them at test time. Idempotent: a finished
# build is reused; concurrent callers wait on one lock.
set -euo pipefail

SOPS_VERSION=v3.13.3
AGE_VERSION=v1.3.2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${HONBAN_TESTENV_CACHE:-$HERE/../../testenv/.cache}
OUT=$CACHE/sops-$SOPS_VERSION-age-$AGE_VERSION
STAMP="sops=$SOPS_VERSION age=$AGE_VERSION"

built() {
	[[ -f $OUT/.stamp && $(<"$OUT/.stamp") == "$STAMP" && -x $OUT/bin/sops && -x $OUT/bin/age-keygen ]]
}

if built; then
	echo "$OUT/bin"
	exit 0
fi

GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
mkdir -p "$OUT"
exec 8>"$OUT/.lock"
flock -w 3600 8 || { echo "sops.sh: timed out waiting for $OUT/.lock" >&2; exit 1; }
if ! built; then
	rm -f "$OUT/.stamp"
	echo "sops.sh: building sops $SOPS_VERSION and age-keygen $AGE_VERSION (slow on a cold cache)" >&2
	# `go install pkg@version` builds outside any module, from the module's own go.mod and go.sum.
	GOBIN=$OUT/bin GOFLAGS=-buildvcs=false "$GO" install -trimpath -ldflags='-s -w' \
		"github.com/getsops/sops/v3/cmd/sops@$SOPS_VERSION" >&2
	GOBIN=$OUT/bin GOFLAGS=-buildvcs=false "$GO" install -trimpath -ldflags='-s -w' \
		"filippo.io/age/cmd/age-keygen@$AGE_VERSION" >&2
	echo "$STAMP" >"$OUT/.stamp"
fi
echo "$OUT/bin"
