#!/usr/bin/env bash
# Runs the whole test suite: builds the local control plane when needed,
# starts it (or reuses a running one), runs every test, and stops it again
# if this script started it.
set -euo pipefail
cd "$(dirname "$0")"

testenv/testenv build
# Python peers the tests check against: botocore and awscli (also used by
# testenv's token webhook), moto, and the SARIF/JUnit validators.
tests/tools/setup-python.sh >/dev/null
tests/tools/setup-publish-python.sh >/dev/null
tests/tools/setup-audit-python.sh validator >/dev/null
# The real sops and age-keygen, built from their Go modules (rotate-secret --from-sops).
tests/tools/sops.sh >/dev/null

started=0
if ! testenv/testenv env >/dev/null 2>&1; then
  started=1
fi
eval "$(testenv/testenv up)"
if [[ $started -eq 1 ]]; then
  trap 'testenv/testenv down' EXIT
fi

# The test build carries the test-only seams (see Cargo.toml [features]);
# install.sh and scripts/release build without them.
features=(--features honban/test-hooks)
cargo build --workspace --locked "${features[@]}"

# Shared test data beside the clone (CI has a read-only copy): the audit
# corpus and the real CRDs. Tests that need them say so in the closing line
# when they are absent, and fail under CI=true.
shared=$(cd .. && pwd)/shared
if [[ -z ${HONBAN_AUDIT_CORPUS:-} && -f $shared/audit-corpus/expectations.json ]]; then
  export HONBAN_AUDIT_CORPUS=$shared/audit-corpus
fi
if [[ -z ${HONBAN_SHARED_CRDS:-} && -d $shared/crds ]]; then
  export HONBAN_SHARED_CRDS=$shared/crds
fi
# Tests that skip part of their work append "what: why" here (tests/support).
HONBAN_SKIP_LOG=$(mktemp)
export HONBAN_SKIP_LOG
log=$(mktemp)
status=0
# --no-fail-fast: every test binary runs, so the closing line counts the whole suite.
cargo test --workspace --locked --no-fail-fast "${features[@]}" -- --test-threads="${TEST_THREADS:-4}" 2>&1 | tee "$log" || status=$?
# One closing line for the whole suite: cargo ends on the (empty) doc-test
# run. Skips are #[ignore]d tests plus the skips the tests logged, each named.
awk -v skiplog="$HONBAN_SKIP_LOG" '
  /^test result:/ { p += $4; f += $6 }
  /^test .* \.\.\. ignored/ { sub(/^test /, ""); sub(/ \.\.\. ignored.*$/, ""); names[++n] = $0 " (ignored)" }
  END {
    while ((getline line < skiplog) > 0) names[++n] = line
    # The names first, so the count line stays the plain closing line CI reads.
    for (k = 1; k <= n; k++) printf "%s%s", (k == 1 ? "skipped: " : "; "), names[k]
    if (n) printf "\n"
    printf "honban: %d passed, %d failed, %d skipped\n", p, f, n
  }' "$log"
rm -f "$log" "$HONBAN_SKIP_LOG"
exit "$status"
