#!/usr/bin/env bash
# Side-by-side: `kubectl aws-token setup --all` vs a loop of
# `aws eks update-kubeconfig`, one per cluster (awscli from PyPI, in the
# project's venv), against the same moto EKS on loopback holding CLUSTERS
# clusters spread over 4 regions. Each side starts from an empty kubeconfig and
# must end with one context per cluster. Figures: honban's median wall time
# over RUNS runs (and its second, idempotent run, which writes nothing); the
# awscli loop once (it takes ~0.5 s per cluster).
# PROFILE=debug times the debug build instead of building release.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
CLUSTERS=${CLUSTERS:-100}
PROFILE=${PROFILE:-release}
REGIONS=(eu-west-1 us-east-1 us-west-2 ap-southeast-2)

if [[ $PROFILE == release ]]; then
	packages=()
	for dir in plugins/*/; do packages+=(-p "kubectl-$(basename "$dir")"); done
	cargo build --release --locked -q "${packages[@]}"
fi
HONBAN=${CARGO_TARGET_DIR:-target}/$PROFILE/kubectl-aws_token
PY=$(tests/tools/setup-python.sh moto)
AWS=$(dirname "$PY")/aws
work=$(mktemp -d)

# moto's EKS, driven through its stdin (tests/tools/eks_moto.py).
coproc MOTO { "$PY" tests/tools/eks_moto.py 2>/dev/null; }
moto_pid=$MOTO_PID
trap 'exec {MOTO[1]}>&- 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
read -r port <&"${MOTO[0]}"
moto() { echo "$1" >&"${MOTO[1]}"; read -r _ <&"${MOTO[0]}"; }
names=()
for ((i = 0; i < CLUSTERS; i++)); do
	region=${REGIONS[i % ${#REGIONS[@]}]}
	name=$(printf 'c%03d' "$i")
	moto "{\"op\": \"cluster\", \"account\": \"123456789012\", \"region\": \"$region\", \"name\": \"$name\"}"
	names+=("$name $region")
done

# A clean AWS environment: test keys, no profile files, no IMDS, moto everywhere.
export HOME=$work AWS_CONFIG_FILE=$work/none AWS_SHARED_CREDENTIALS_FILE=$work/none
export AWS_ACCESS_KEY_ID=AKIDBENCHMARK0000001 AWS_SECRET_ACCESS_KEY=bench/secret/key
export AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL=http://127.0.0.1:$port
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_REGION AWS_DEFAULT_REGION

ms() { # command... -> elapsed milliseconds
	local t0 t1
	t0=$EPOCHREALTIME
	"$@" >/dev/null 2>&1
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
contexts() { "$PY" -c 'import sys, yaml; print(len(yaml.safe_load(open(sys.argv[1]))["contexts"]))' "$1"; }

region_args=()
for r in "${REGIONS[@]}"; do region_args+=(--region "$r"); done
honban_all() { rm -f "$work/h.kc"; "$HONBAN" setup --all "${region_args[@]}" --kubeconfig "$work/h.kc"; }
honban_again() { "$HONBAN" setup --all "${region_args[@]}" --kubeconfig "$work/h.kc"; }
aws_loop() {
	rm -f "$work/a.kc"
	local n r
	for entry in "${names[@]}"; do
		read -r n r <<<"$entry"
		"$AWS" eks update-kubeconfig --name "$n" --region "$r" --kubeconfig "$work/a.kc" >/dev/null
	done
}

for ((i = 0; i < RUNS; i++)); do
	ms honban_all >>"$work/honban"
	ms honban_again >>"$work/again"
done
[[ $(contexts "$work/h.kc") == "$CLUSTERS" ]] || { echo "honban wrote $(contexts "$work/h.kc") contexts, not $CLUSTERS" >&2; exit 1; }
ms aws_loop >"$work/aws"
[[ $(contexts "$work/a.kc") == "$CLUSTERS" ]] || { echo "awscli wrote $(contexts "$work/a.kc") contexts, not $CLUSTERS" >&2; exit 1; }

h=$(median <"$work/honban")
g=$(median <"$work/again")
a=$(cat "$work/aws")
printf '%d clusters in %d regions, moto on loopback, %s build, load %s\n' "$CLUSTERS" "${#REGIONS[@]}" "$PROFILE" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'kubectl aws-token setup --all          %10.1f ms (median of %d)\n' "$h" "$RUNS"
printf '  second run (writes nothing)          %10.1f ms (median of %d)\n' "$g" "$RUNS"
printf 'aws eks update-kubeconfig x %-3d        %10.1f ms\n' "$CLUSTERS" "$a"
awk -v h="$h" -v a="$a" 'BEGIN { printf "ratio                                  %10.1fx\n", a / h }'
