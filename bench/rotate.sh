#!/usr/bin/env bash
# Side-by-side: switching a Secret referenced by N Deployments (default 50)
# in testenv, excluding the rollout wait.
#
#   honban:  kubectl rotate-secret app --from-literal ... --no-wait
#            (finds every reference of every kind itself, creates the version,
#            patches each Deployment with a test op on the old name)
#   kubectl: kubectl create secret generic app --append-hash ...
#            + kubectl patch deployment d0 ... dN --type=json (test + replace)
#            (the same end state, with the reference paths known in advance)
#
# API requests are counted from the request logs: honban's
# HONBAN_TRACE_REQUESTS=1 and kubectl's -v=6. The figure is the median wall
# time of RUNS rounds; the two alternate, each switching away from the other's
# last version, so both always do the full switch. Which side goes first
# alternates between rounds, and before each side the cluster settles (every
# rollout the previous side started has finished), so neither side runs while
# the controllers work through the other's 50 rollouts on the same cores.
# The sides differ in concurrency: honban patches 8 workloads at a time,
# kubectl patch sends its patches one after another.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
N=${DEPLOYMENTS:-50}

# The same build as install.sh and scripts/release (every plugin at once), so
# one fat-LTO build serves them all and nothing is rebuilt for a different set.
packages=()
for dir in plugins/*/; do packages+=(-p "kubectl-$(basename "$dir")"); done
cargo build --release --locked -q "${packages[@]}"
HONBAN=$PWD/target/release/kubectl-rotate_secret
KUBECTL=$(testenv/testenv kubectl-path)
eval "$(testenv/testenv up)"
export KUBECONFIG
NS=bench-rotate-$$
work=$(mktemp -d)
cleanup() {
	"$KUBECTL" delete namespace "$NS" --wait=false >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

"$KUBECTL" create namespace "$NS" >/dev/null
{
	printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: app}\nstringData: {password: bench-initial}\n'
	for ((i = 0; i < N; i++)); do
		cat <<EOF
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d$i}
spec:
  replicas: 1
  selector: {matchLabels: {app: d$i}}
  template:
    metadata: {labels: {app: d$i}}
    spec:
      containers:
      - name: c
        image: nginx
        env:
        - name: PASSWORD
          valueFrom: {secretKeyRef: {name: app, key: password}}
EOF
	done
} >"$work/fixture.yaml"
"$KUBECTL" apply -n "$NS" -f "$work/fixture.yaml" >/dev/null
"$KUBECTL" wait -n "$NS" --for=condition=Available deployment --all --timeout=180s >/dev/null

REF=/spec/template/spec/containers/0/env/0/valueFrom/secretKeyRef/name
names=()
for ((i = 0; i < N; i++)); do names+=("d$i"); done
current() { "$KUBECTL" get -n "$NS" deployment d0 -o "jsonpath={.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name}"; }

ms_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f\n", (b - a) * 1000 }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.0f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

: >"$work/h.ms"
: >"$work/k.ms"
# Every Deployment at its latest generation with its one new pod available.
settle() {
	local state
	for _ in $(seq 1 300); do
		state=$("$KUBECTL" get deployment -n "$NS" -o \
			'jsonpath={range .items[*]}{.metadata.generation}={.status.observedGeneration}/{.status.updatedReplicas}/{.status.replicas}/{.status.availableReplicas}{"\n"}{end}')
		if awk -F'[=/]' '$1 != $2 || $3 != 1 || $4 != 1 || $5 != 1 { bad = 1 } END { exit bad }' <<<"$state"; then
			return
		fi
		sleep 1
	done
	echo "rollouts did not settle within 300 s" >&2
	exit 1
}
honban_side() {
	local t0
	t0=$EPOCHREALTIME
	HONBAN_TRACE_REQUESTS=1 "$HONBAN" app -n "$NS" --from-literal "password=bench-honban-$1" --no-wait \
		>"$work/h.out" 2>"$work/h.err"
	ms_since "$t0" >>"$work/h.ms"
	[[ $(current) == app-* && $(grep -c ' switched: ' "$work/h.out") == "$N" ]] ||
		{ cat "$work/h.out" "$work/h.err" >&2; echo "honban did not switch all $N" >&2; exit 1; }
}
kubectl_side() {
	local from name t0
	from=$(current)
	t0=$EPOCHREALTIME
	name=$("$KUBECTL" -v=6 create secret generic app --append-hash -n "$NS" \
		--from-literal "password=bench-kubectl-$1" -o name 2>"$work/k.err")
	name=${name#secret/}
	"$KUBECTL" -v=6 patch deployment -n "$NS" "${names[@]}" --type=json \
		-p "[{\"op\":\"test\",\"path\":\"$REF\",\"value\":\"$from\"},{\"op\":\"replace\",\"path\":\"$REF\",\"value\":\"$name\"}]" \
		>/dev/null 2>>"$work/k.err"
	ms_since "$t0" >>"$work/k.ms"
	[[ $(current) == "$name" ]] || { echo "kubectl did not switch" >&2; exit 1; }
}
for ((r = 0; r < RUNS; r++)); do
	if ((r % 2 == 0)); then sides=(honban_side kubectl_side); else sides=(kubectl_side honban_side); fi
	for side in "${sides[@]}"; do
		settle
		"$side" "$r"
	done
done
settle

# Request counts of the last round of each. A GET of a collection
# (.../namespaces/NS/RESOURCE) is a LIST.
read -r h_total h_list h_get h_patch < <(awk '
	/honban-trace: request/ {
		m = $4; p = $5; sub(/\?.*/, "", p); n = split(p, a, "/"); ns = 0
		for (i = 1; i <= n; i++) if (a[i] == "namespaces") ns = i
		total++
		if (m == "GET" && n == ns + 2) list++; else if (m == "GET") get++; else if (m == "PATCH") patch++
	}
	END { print total + 0, list + 0, get + 0, patch + 0 }' "$work/h.err")
k_total=$(grep -c '"Response" verb=' "$work/k.err" || true)

hm=$(median <"$work/h.ms")
km=$(median <"$work/k.ms")
echo "switch $N Deployments (median of $RUNS, rollout wait excluded)"
printf 'honban  rotate-secret          %6d ms   %3d requests: %d LIST (one per kind), %d GET, %d PATCH (1 apply + %d workloads)\n' \
	"$hm" "$h_total" "$h_list" "$h_get" "$h_patch" "$((h_patch - 1))"
printf 'kubectl create + patch        %6d ms   %3d requests (paths known in advance, no discovery of other kinds)\n' "$km" "$k_total"
awk -v h="$hm" -v k="$km" 'BEGIN { printf "ratio   %.1fx (kubectl time / honban time)\n", k / h }'
echo "sides alternate first/second and start on a settled cluster; honban patches 8 workloads at a time, kubectl patch one at a time"
echo "honban requests of the last round:"
grep 'honban-trace: request' "$work/h.err" | sed 's/^honban-trace: request [0-9]*: //; s/?.*//' | sed "s/$NS/NS/" |
	awk '{ sub(/\/d[0-9]+$/, "/d<i>"); sub(/\/secrets\/app-[a-z0-9]+$/, "/secrets/app-<hash>"); print }' |
	sort | uniq -c | sort -rn
