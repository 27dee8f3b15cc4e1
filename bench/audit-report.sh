#!/usr/bin/env bash
# `kubectl audit -A --report` on testenv loaded with 500 namespaces, 2,000
# Deployments and 10,000 kwok pods (bench/audit-load.sh, the load of
# bench/audit.sh): the first run, which writes every report, and a second
# with nothing changed, which must write none. Goals: first <= 20 s and
# <= 250 MB; second <= 5 s and 0 writes.
#
# API requests are counted from the API server's own apiserver_request_total
# (before and after each run): LISTs, report writes (create, apply/patch,
# update, delete on the four report kinds; creates and applies also apart)
# and access reviews, with the CPU time the API server process spent during
# the run (the server's share of the run: what a run cannot go below on
# this machine). The counter has no client label, so other clients count
# too, and `-A --report` deletes honban's reports cluster-wide: run it on a
# control plane of its own, not the shared one:
#   HONBAN_TESTENV_STATE=/tmp/bench-env testenv/testenv up
#   HONBAN_TESTENV_STATE=/tmp/bench-env bench/audit-report.sh
#   HONBAN_TESTENV_STATE=/tmp/bench-env testenv/testenv down
# The audit's own count of what it wrote (its -o json) is printed beside
# them.
#
# Anchor: nothing else writes OpenReports from a best-practice audit, so the
# reference is the read alone: `kubectl get -A -o json` of the kinds the
# audit lists (Secrets and ConfigMaps left out: kubectl would fetch their
# data). RUNS (default 3) rounds, each running the anchor and the two honban
# runs in an order that alternates between rounds; between rounds the
# reports the round wrote are deleted (by their run id), so each first run
# is a first run. Wall time, CPU time and peak memory from /usr/bin/time -v.
#
# Needs testenv running. The report CRDs are applied with
# tests/tools/report-crds.sh. The load is deleted afterwards (KEEP_LOAD=1
# keeps it), and the reports with it (they belong to the load's objects).
# HONBAN_BIN measures another kubectl-audit build instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
NAMESPACES=${NAMESPACES:-500}
DEPLOYMENTS=${DEPLOYMENTS:-2000}
PODS=${PODS:-10000}
NODES=${NODES:-100}

if [[ ! -x /usr/bin/time ]]; then
	echo "bench/audit-report.sh: needs GNU time for peak memory; install it: apt-get install time" >&2
	exit 1
fi
if ! testenv/testenv status >/dev/null 2>&1; then
	echo "bench/audit-report.sh: testenv is not running (testenv/testenv up)" >&2
	exit 1
fi
if [[ -n ${HONBAN_BIN:-} ]]; then
	HONBAN=$HONBAN_BIN
else
	# As bench/audit.sh: every plugin at once, one fat-LTO build for all.
	packages=()
	for dir in plugins/*/; do packages+=(-p "kubectl-$(basename "$dir")"); done
	cargo build --release --locked -q "${packages[@]}"
	HONBAN=target/release/kubectl-audit
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# measure, load_audit_bench, cleanup_load
# shellcheck source=bench/audit-load.sh
. bench/audit-load.sh

eval "$(testenv/testenv env)"
KUBECTL=$(testenv/testenv kubectl-path)
k() { "$KUBECTL" --kubeconfig "$KUBECONFIG" --context testenv-admin "$@"; }
KUBECTL=$KUBECTL tests/tools/report-crds.sh all --apply >/dev/null

if [[ ${KEEP_LOAD:-0} != 1 ]]; then
	trap 'cleanup_load; rm -rf "$work"' EXIT
fi
load_audit_bench

ANCHOR_KINDS=nodes,namespaces,pods,services,serviceaccounts,resourcequotas,limitranges,replicationcontrollers,deployments,statefulsets,daemonsets,jobs,cronjobs,horizontalpodautoscalers,poddisruptionbudgets,networkpolicies,ingresses,endpointslices,roles,rolebindings,clusterroles,clusterrolebindings

# The API server's pid, from the state directory of the testenv in use.
state=$(testenv/testenv status | sed -n 's/^state: *//p')
apiserver_pid=$(awk '$1 == "kube-apiserver" {print $2}' "$state/pids" 2>/dev/null || true)
apiserver_cpu() { # -> CPU seconds the API server has used so far
	if [[ -n $apiserver_pid && -r /proc/$apiserver_pid/stat ]]; then
		awk '{printf "%.2f\n", ($14 + $15) / 100}' "/proc/$apiserver_pid/stat"
	else
		echo 0
	fi
}

snapshot() {
	k get --raw /metrics | grep '^apiserver_request_total' >"$work/metrics.$1" || true
	apiserver_cpu >"$work/cpu.$1"
}

# requests BEFORE AFTER -> "lists report_writes reviews others creates applies apiserver_cpu"
requests() {
	python3 - "$work/metrics.$1" "$work/metrics.$2" "$work/cpu.$1" "$work/cpu.$2" <<'PY'
import re, sys
def read(path):
    out = {}
    for line in open(path):
        m = re.match(r'apiserver_request_total\{(.*)\} (\S+)', line)
        if m:
            labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
            key = (labels.get("verb"), labels.get("resource"), labels.get("subresource"))
            out[key] = out.get(key, 0) + float(m.group(2))
    return out
before, after = read(sys.argv[1]), read(sys.argv[2])
reports = {"reports", "clusterreports", "policyreports", "clusterpolicyreports"}
writes = {"POST", "PUT", "PATCH", "APPLY", "DELETE", "DELETECOLLECTION", "CREATE", "UPDATE"}
lists = report_writes = reviews = others = creates = applies = 0
for key, n in after.items():
    d = int(n - before.get(key, 0))
    if d <= 0:
        continue
    verb, resource, sub = key
    if verb == "LIST":
        lists += d
    elif resource in reports and verb in writes:
        report_writes += d
        creates += d if verb == "POST" else 0
        applies += d if verb == "APPLY" else 0
    elif resource in ("selfsubjectaccessreviews", "selfsubjectrulesreviews"):
        reviews += d
    elif verb != "WATCH":
        others += d
cpu = float(open(sys.argv[4]).read()) - float(open(sys.argv[3]).read())
print(lists, report_writes, reviews, others, creates, applies, f"{cpu:.1f}")
PY
}

# outcome NAME -> "written unchanged deleted" from the audit's -o json
outcome() {
	python3 - "$work/$1.out" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))["clusters"][0].get("reports") or {}
except Exception:
    r = {}
print(r.get("written", "?"), r.get("unchanged", "?"), r.get("deleted", "?"))
PY
}

run_honban() { # name
	snapshot "$1.before"
	read -r wall rss cpu < <(measure "$1" "$HONBAN" --kubeconfig "$KUBECONFIG" --context testenv-admin -A --report --fail-on none -o json)
	snapshot "$1.after"
	read -r lists rwrites reviews others creates applies server < <(requests "$1.before" "$1.after")
	read -r written unchanged deleted < <(outcome "$1")
	echo "$wall $rss $cpu $lists $rwrites $reviews $others $written $unchanged $deleted $creates $applies $server"
}

# Deletes what a first run wrote, so the next round's first run writes it all.
forget_reports() {
	local id
	id=$(k get reports.openreports.io,policyreports.wgpolicyk8s.io -n bench-audit-0 -l app.kubernetes.io/managed-by=honban \
		-o jsonpath='{.items[0].metadata.labels.audit\.honban\.io/run-id}' 2>/dev/null || true)
	[[ -n $id ]] || return 0
	for kind in reports.openreports.io clusterreports.openreports.io policyreports.wgpolicyk8s.io clusterpolicyreports.wgpolicyk8s.io; do
		k delete "$kind" -A -l "audit.honban.io/run-id=$id" --wait=false >/dev/null 2>&1 || true
	done
}

forget_reports
echo "live report: $NAMESPACES namespaces, $DEPLOYMENTS Deployments, $PODS pods; $RUNS interleaved rounds; load average $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$work/results"
for ((round = 1; round <= RUNS; round++)); do
	if ((round % 2)); then order=(anchor honban); else order=(honban anchor); fi
	for part in "${order[@]}"; do
		if [[ $part == anchor ]]; then
			read -r wall rss cpu < <(measure "anchor-$round" "$KUBECTL" --kubeconfig "$KUBECONFIG" --context testenv-admin get "$ANCHOR_KINDS" -A -o json)
			echo "$round anchor $wall $rss $cpu" >>"$work/results"
		else
			echo "$round first $(run_honban "first-$round")" >>"$work/results"
			echo "$round second $(run_honban "second-$round")" >>"$work/results"
		fi
	done
	if ((round < RUNS)); then forget_reports; fi
done
python3 - "$work/results" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import statistics as st, sys
rows = [l.split() for l in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault(r[1], {})[int(r[0])] = r[2:]
def med(part, i):
    return st.median(float(v[i]) for v in by[part].values())
print(f"{'run (median of ' + str(len(by['anchor'])) + ')':<34}{'wall s':>8}{'cpu s':>8}{'peak MB':>9}{'max MB':>8}")
names = {"anchor": "kubectl get -A -o json (anchor)", "first": "audit -A --report, first", "second": "audit -A --report, unchanged"}
for part in ("anchor", "first", "second"):
    peak = max(int(v[1]) for v in by[part].values()) / 1024
    print(f"{names[part]:<34}{med(part, 0):>8.2f}{med(part, 2):>8.2f}{med(part, 1)/1024:>9.1f}{peak:>8.1f}")
for part in ("first", "second"):
    for r, v in sorted(by[part].items()):
        print(f"  round {r} {part}: {v[7]} written, {v[8]} unchanged, {v[9]} deleted; API server counted "
              f"{v[3]} LIST, {v[4]} report writes ({v[10]} create, {v[11]} apply), {v[5]} access reviews, "
              f"{v[6]} other requests (all clients), and used {v[12]} CPU s")
for part in ("first", "second"):
    ratios = [float(by[part][r][0]) / max(float(by["anchor"][r][0]), 0.001) for r in by["anchor"]]
    print(f"{part}/anchor: {st.median(ratios):.2f}x wall (rounds {min(ratios):.2f}-{max(ratios):.2f}x)")
print("goals: first <= 20 s and <= 250 MB; unchanged <= 5 s and 0 writes; load average now " + sys.argv[2])
PY
