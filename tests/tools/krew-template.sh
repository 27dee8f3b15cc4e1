#!/usr/bin/env bash
# Builds tests/tools/krew-template (Go's text/template with krew-release-bot's
# addURIAndSha, standard library only) with the Go toolchain testenv uses,
# caches it under HONBAN_TESTENV_CACHE by the source's digest and prints the
# binary's path. tests/krew_manifests.rs renders the krew templates with it.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${HONBAN_TESTENV_CACHE:-$HERE/../../testenv/.cache}
SOURCE=$HERE/krew-template/main.go
OUT=$CACHE/krew-template-$(sha256sum "$SOURCE" | cut -c1-16)
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}

if [[ ! -x $OUT/krew-template ]]; then
	mkdir -p "$OUT"
	exec 8>"$OUT/.lock"
	flock -w 600 8 || { echo "krew-template.sh: timed out waiting for $OUT/.lock" >&2; exit 1; }
	if [[ ! -x $OUT/krew-template ]]; then
		GOFLAGS=-buildvcs=false "$GO" build -trimpath -o "$OUT/krew-template.tmp" "$SOURCE" >&2
		mv "$OUT/krew-template.tmp" "$OUT/krew-template"
	fi
fi
echo "$OUT/krew-template"
