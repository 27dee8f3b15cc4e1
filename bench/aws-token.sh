#!/usr/bin/env bash
# Side-by-side: kubectl aws-token vs `aws eks get-token` (awscli from PyPI, in
# the project's venv), same static credentials in the environment, no network.
# Cold = honban with --no-cache (sign every time); miss = honban's normal run
# on an empty cache (sign, then write the entry under its lock, the path every
# first call after expiry takes); cached = honban's normal run with a valid
# cache entry. awscli has no token cache, so it signs every time.
# Figures are median wall times of RUNS runs, interleaved so both tools see the
# same machine load; each token is verified before timing.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-21}

# The same build as install.sh and scripts/release (every plugin at once), so
# one fat-LTO build serves them all and nothing is rebuilt for a different set.
packages=()
for dir in plugins/*/; do packages+=(-p "kubectl-$(basename "$dir")"); done
cargo build --release --locked -q "${packages[@]}"
HONBAN=${CARGO_TARGET_DIR:-target}/release/kubectl-aws_token
PY=$(tests/tools/setup-python.sh)
AWS=$(dirname "$PY")/aws
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A clean AWS environment: test keys, no profile files, no IMDS.
export HOME=$work AWS_CONFIG_FILE=$work/none AWS_SHARED_CREDENTIALS_FILE=$work/none
export AWS_ACCESS_KEY_ID=AKIDBENCHMARK0000001 AWS_SECRET_ACCESS_KEY=bench/secret/key
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_REGION AWS_DEFAULT_REGION
ARGS=(--cluster-name demo --region us-east-1)
# As kubectl runs them: with exec info, each from its own parent process.
export KUBERNETES_EXEC_INFO='{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":false}}'

ms() { # command... -> elapsed milliseconds (float)
	local t0 t1
	t0=$EPOCHREALTIME
	"$@" >/dev/null 2>&1
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# `; exit $?` keeps bash from exec-ing the command in place of the subshell.
h_cold() { ("$HONBAN" "${ARGS[@]}" --no-cache; exit $?); }
h_cached() { ("$HONBAN" "${ARGS[@]}"; exit $?); }
# The cache is emptied outside the timed call.
h_miss() { ("$HONBAN" "${ARGS[@]}"; exit $?); }
aws_token() { ("$AWS" eks get-token "${ARGS[@]}"; exit $?); }
# The floor: what starting any process costs in this harness.
floor() { (/bin/true; exit $?); }

# Both tokens must verify before timing means anything.
h_cold | "$HONBAN" verify --cluster-name demo >/dev/null
aws_token | "$HONBAN" verify --cluster-name demo >/dev/null
h_cached >/dev/null # fills the cache
[[ $("$HONBAN" cache list -o name | wc -l) == 1 ]] || { echo "cache entry missing" >&2; exit 1; }

for ((i = 0; i < RUNS; i++)); do
	ms h_cold >>"$work/cold"
	ms aws_token >>"$work/aws"
	"$HONBAN" cache clear >/dev/null 2>&1
	ms h_miss >>"$work/miss"
	ms h_cached >>"$work/cached"
	ms floor >>"$work/floor"
done
cold=$(median <"$work/cold")
cached=$(median <"$work/cached")
miss=$(median <"$work/miss")
awsm=$(median <"$work/aws")
floorm=$(median <"$work/floor")

echo "$RUNS runs each, median wall time; $(nproc) cores; $("$AWS" --version 2>&1)"
printf 'aws eks get-token        %9.2f ms\n' "$awsm"
printf 'honban cold (--no-cache) %9.2f ms   ratio %7.1fx\n' "$cold" "$(awk -v a="$awsm" -v b="$cold" 'BEGIN { printf "%.1f", a / b }')"
printf 'honban miss (writes)     %9.2f ms   ratio %7.1fx\n' "$miss" "$(awk -v a="$awsm" -v b="$miss" 'BEGIN { printf "%.1f", a / b }')"
printf 'honban cached            %9.2f ms   ratio %7.1fx\n' "$cached" "$(awk -v a="$awsm" -v b="$cached" 'BEGIN { printf "%.1f", a / b }')"
printf 'process floor (/bin/true) %8.2f ms   (net of it: cold %.1fx, miss %.1fx, cached %.1fx)\n' "$floorm" \
	"$(awk -v a="$awsm" -v b="$cold" -v f="$floorm" 'BEGIN { printf "%.1f", (a - f) / (b - f) }')" \
	"$(awk -v a="$awsm" -v b="$miss" -v f="$floorm" 'BEGIN { printf "%.1f", (a - f) / (b - f) }')" \
	"$(awk -v a="$awsm" -v b="$cached" -v f="$floorm" 'BEGIN { printf "%.1f", (a - f) / (b - f) }')"
printf 'binary size              %9s\n' "$(du -h "$HONBAN" | cut -f1)"
