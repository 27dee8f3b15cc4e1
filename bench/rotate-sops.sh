#!/usr/bin/env bash
# What `--from-sops` adds to a rotation: a Secret with 100 keys, referenced
# by one Deployment in testenv, rotated (--no-wait) three ways, interleaved
# in one run:
#
#   plain:  kubectl rotate-secret app --from-env-file keys.env
#           (the same 100 keys in the clear: the rotation without sops)
#   honban: kubectl rotate-secret app --from-sops keys.enc.env
#           (decrypted in-process: age unwrap, 100 AES-GCM values, the MAC)
#   anchor: sops -d keys.enc.env | kubectl rotate-secret app --from-env-file -
#           (the real sops, the pipe the docs name for other key types)
#
# Each run switches from the previous run's content (two contents, A and B,
# alternate), so every run does the same full switch. Prints the medians of
# RUNS rounds (the order rotates between rounds), what sops adds over plain
# (goal: at most 50 ms), the ratio to the anchor, and peak memory (GNU time).
#
# PROFILE=debug measures target/debug (an upper bound: the dev profile);
# the default builds release as install.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-9}
KEYS=100
PROFILE=${PROFILE:-release}

if [[ ! -x /usr/bin/time ]]; then
	echo "bench/rotate-sops.sh: needs GNU time for peak memory; install it: apt-get install time" >&2
	exit 1
fi
if [[ $PROFILE == release ]]; then
	packages=()
	for dir in plugins/*/; do packages+=(-p "kubectl-$(basename "$dir")"); done
	cargo build --release --locked -q "${packages[@]}"
fi
HONBAN=$PWD/target/$PROFILE/kubectl-rotate_secret
TOOLS=$(tests/tools/sops.sh)
SOPS=$TOOLS/sops
KUBECTL=$(testenv/testenv kubectl-path)
eval "$(testenv/testenv up)"
export KUBECONFIG
NS=bench-sops-$$
work=$(mktemp -d)
cleanup() {
	"$KUBECTL" delete namespace "$NS" --wait=false >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

"$TOOLS/age-keygen" -o "$work/age.txt" 2>/dev/null
recipient=$(sed -n 's/^# public key: //p' "$work/age.txt")
export SOPS_AGE_KEY_FILE=$work/age.txt
for v in A B; do
	for ((i = 0; i < KEYS; i++)); do printf 'KEY_%03d=value-%s-%03d-%s\n' "$i" "$v" "$i" "$(head -c 24 /dev/urandom | base64)"; done >"$work/$v.env"
	"$SOPS" encrypt --age "$recipient" "$work/$v.env" >"$work/$v.enc.env"
done

"$KUBECTL" create namespace "$NS" >/dev/null
"$KUBECTL" apply -n "$NS" -f - >/dev/null <<'EOF'
apiVersion: v1
kind: Secret
metadata: {name: app}
stringData: {KEY_000: initial}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: c
        image: nginx
        envFrom:
        - secretRef: {name: app}
EOF

ms_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f\n", (b - a) * 1000 }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.0f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
peak_kb() { sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$1"; }

content=A
next_content() { if [[ $content == A ]]; then content=B; else content=A; fi; }
side() { # name
	local t0
	next_content
	t0=$EPOCHREALTIME
	case $1 in
	plain)
		/usr/bin/time -v -o "$work/t" "$HONBAN" app -n "$NS" --from-env-file "$work/$content.env" --no-wait >"$work/out" 2>"$work/err"
		;;
	honban)
		/usr/bin/time -v -o "$work/t" "$HONBAN" app -n "$NS" --from-sops "$work/$content.enc.env" --no-wait >"$work/out" 2>"$work/err"
		;;
	anchor)
		"$SOPS" -d "$work/$content.enc.env" | /usr/bin/time -v -o "$work/t" "$HONBAN" app -n "$NS" --from-env-file - --no-wait >"$work/out" 2>"$work/err"
		;;
	esac
	ms_since "$t0" >>"$work/$1.ms"
	peak_kb "$work/t" >>"$work/$1.kb"
	grep -q ' switched: ' "$work/out" || { cat "$work/out" "$work/err" >&2; echo "$1 did not switch" >&2; exit 1; }
}
sides=(plain honban anchor)
for n in "${sides[@]}"; do : >"$work/$n.ms"; : >"$work/$n.kb"; done
# A warm-up round, not counted: both versions exist afterwards.
side plain; side plain
for n in "${sides[@]}"; do : >"$work/$n.ms"; : >"$work/$n.kb"; done
for ((r = 0; r < RUNS; r++)); do
	for ((j = 0; j < 3; j++)); do side "${sides[$(((r + j) % 3))]}"; done
done

p=$(median <"$work/plain.ms")
h=$(median <"$work/honban.ms")
a=$(median <"$work/anchor.ms")
pk=$(sort -n "$work/plain.kb" | tail -1)
hk=$(sort -n "$work/honban.kb" | tail -1)
ak=$(sort -n "$work/anchor.kb" | tail -1)
echo "rotate a $KEYS-key Secret used by one Deployment (median of $RUNS, --no-wait, $PROFILE build)"
printf 'plain   --from-env-file                       %5d ms   peak %6d KB\n' "$p" "$pk"
printf 'honban  --from-sops (in-process)              %5d ms   peak %6d KB\n' "$h" "$hk"
printf 'anchor  sops -d | --from-env-file -           %5d ms   peak %6d KB (rotate-secret only)\n' "$a" "$ak"
printf 'sops adds %d ms to a rotation (goal: at most 50 ms)\n' "$((h - p))"
awk -v h="$h" -v a="$a" 'BEGIN { printf "ratio   %.2fx (anchor time / honban time)\n", a / h }'
