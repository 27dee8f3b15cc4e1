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

started=0
if ! testenv/testenv env >/dev/null 2>&1; then
  started=1
fi
eval "$(testenv/testenv up)"
if [[ $started -eq 1 ]]; then
  trap 'testenv/testenv down' EXIT
fi

cargo build --workspace --locked
log=$(mktemp)
status=0
cargo test --workspace --locked -- --test-threads="${TEST_THREADS:-4}" 2>&1 | tee "$log" || status=$?
# One closing line for the whole suite: cargo ends on the (empty) doc-test run.
awk '/^test result:/ { p += $4; f += $6; i += $8 }
     END { printf "honban: %d passed, %d failed, %d skipped\n", p, f, i }' "$log"
rm -f "$log"
exit "$status"
