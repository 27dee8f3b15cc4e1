#!/usr/bin/env bash
# Side-by-side: kubectl audit vs checkov (the slow anchor, from PyPI) and
# kube-score (the fast anchor, built from its Go module pinned in
# bench/kube-score, the way testenv builds its Go binaries) on the same
# 300-file corpus. RUNS (default 5) rounds, each running the three tools
# back to back in an order that alternates between rounds, so load changes
# on the shared machine fall on every tool alike; wall time, CPU time and
# peak memory from /usr/bin/time -v. Prints the medians and the median of
# the per-round ratios. Goals: 50x faster than checkov, at most 60 MB.
#
# Then `kubectl audit -f` on a big input in every output format: BIG_DOCS
# (10,000) documents, about 2.6 MB, written by
# tests/tools/audit-big-manifests.py (workloads with their Services,
# ConfigMaps, PDBs, HPAs and RBAC; comments, flow style, anchors, CRLF).
# Goal: at most 150 MB peak in every format.
#
# Then, unless LIVE=0 or testenv is not running, a live `kubectl audit -A`
# against testenv loaded with 500 namespaces, 2,000 Deployments and 10,000
# pods (kwok, on extra fake nodes). Goals: at most 3 s and 200 MB. The load
# is deleted afterwards (KEEP_LOAD=1 keeps it for another run). Loading and
# deleting it keeps testenv's controllers busy for 10-15 minutes on 2 cores:
# other tests' rollouts slow down meanwhile.
#
# PARTS picks the parts (default "corpus big live"); HONBAN_BIN measures
# another kubectl-audit build instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."

CORPUS=${CORPUS:-../shared/audit-corpus}
LIVE=${LIVE:-1}
RUNS=${RUNS:-5}
NAMESPACES=${NAMESPACES:-500}
DEPLOYMENTS=${DEPLOYMENTS:-2000}
PODS=${PODS:-10000}
NODES=${NODES:-100}
BIG_DOCS=${BIG_DOCS:-10000}
PARTS=" ${PARTS:-corpus big live} "

if [[ ! -x /usr/bin/time ]]; then
	echo "bench/audit.sh: needs GNU time for peak memory; install it: apt-get install time" >&2
	exit 1
fi
if [[ $PARTS == *" corpus "* && ! -d $CORPUS ]]; then
	echo "bench/audit.sh: corpus $CORPUS not found; set CORPUS=DIR" >&2
	exit 1
fi
if [[ -n ${HONBAN_BIN:-} ]]; then
	HONBAN=$HONBAN_BIN
else
	# The same build as install.sh and scripts/release (every plugin at once), so
	# one fat-LTO build serves them all and nothing is rebuilt for a different set.
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

if [[ $PARTS == *" corpus "* ]]; then
CHECKOV_BIN=$(tests/tools/setup-audit-python.sh checkov)
# kube-score from its Go module, cached like testenv's binaries.
KS_VERSION=$(awk '$1 == "require" && $2 == "github.com/zegl/kube-score" { print $3 }' bench/kube-score/go.mod)
KS_DIR=${HONBAN_TESTENV_CACHE:-testenv/.cache}/kube-score-$KS_VERSION
KS_DIR=$(mkdir -p "$KS_DIR" && cd "$KS_DIR" && pwd)
if [[ ! -x $KS_DIR/kube-score ]]; then
	echo "building kube-score $KS_VERSION from its Go module..." >&2
	(cd bench/kube-score && "${GO:-go}" build -trimpath -buildvcs=false -ldflags="-s -w" \
		-o "$KS_DIR/kube-score" github.com/zegl/kube-score/cmd/kube-score)
fi
KUBE_SCORE=$KS_DIR/kube-score
mapfile -t manifests < <(find "$CORPUS" -type f \( -name '*.yaml' -o -name '*.yml' \) | sort)

files=$(find "$CORPUS" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) | wc -l)
echo "corpus: $CORPUS ($files files); $RUNS interleaved rounds"
run_tool() { # tool round
	case $1 in
	honban) measure "honban-$2" "$HONBAN" -f "$CORPUS" -o json ;;
	kube-score) measure "kube-score-$2" "$KUBE_SCORE" score -o json "${manifests[@]}" ;;
	checkov) measure "checkov-$2" "$CHECKOV_BIN/checkov" -d "$CORPUS" --framework kubernetes --skip-download -o json --quiet ;;
	esac
}
: >"$work/results"
for ((round = 1; round <= RUNS; round++)); do
	if ((round % 2)); then order=(honban kube-score checkov); else order=(checkov kube-score honban); fi
	for tool in "${order[@]}"; do
		read -r wall rss cpu < <(run_tool "$tool" "$round")
		echo "$round $tool $wall $rss $cpu" >>"$work/results"
	done
done
h_findings=$(python3 -c 'import json,sys; print(sum(len(c["findings"]) for c in json.load(open(sys.argv[1]))["clusters"]))' "$work/honban-1.out")
c_failed=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d = d if isinstance(d, list) else [d]
print(sum(len(r.get("results", {}).get("failed_checks", [])) for r in d))' "$work/checkov-1.out" 2>/dev/null || echo "?")
k_objects=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$work/kube-score-1.out" 2>/dev/null || echo "?")
python3 - "$work/results" "$h_findings" "$c_failed" "$k_objects" <<'PY'
import statistics as st, sys
rows = [l.split() for l in open(sys.argv[1])]
by = {}
for r, tool, wall, rss, cpu in rows:
    by.setdefault(tool, {})[int(r)] = (float(wall), int(rss), float(cpu))
med = lambda tool, i: st.median(v[i] for v in by[tool].values())
what = {"honban": ("kubectl audit -f", sys.argv[2] + " findings"),
        "kube-score": ("kube-score score", sys.argv[4] + " objects"),
        "checkov": ("checkov -d", sys.argv[3] + " failed")}
print(f"{'tool (median of ' + str(len(by['honban'])) + ')':<26}{'wall s':>9}{'cpu s':>9}{'peak MB':>9}  {'max MB':>7}  output")
for tool in ("honban", "kube-score", "checkov"):
    peak = max(v[1] for v in by[tool].values())
    print(f"{what[tool][0]:<26}{med(tool, 0):>9.3f}{med(tool, 2):>9.3f}{med(tool, 1)/1024:>9.1f}  {peak/1024:>7.1f}  {what[tool][1]}")
def ratio(tool, i, floor):
    return st.median(by[tool][r][i] / max(by["honban"][r][i], floor) for r in by["honban"])
for tool in ("checkov", "kube-score"):
    walls = sorted(by[tool][r][0] / max(by["honban"][r][0], 0.001) for r in by["honban"])
    print(f"{tool}/honban: {ratio(tool, 0, 0.001):.1f}x wall (rounds {walls[0]:.1f}-{walls[-1]:.1f}x), "
          f"{ratio(tool, 2, 0.01):.1f}x cpu, {ratio(tool, 1, 1):.1f}x peak memory")
print(f"goals: >= 50x faster than checkov by wall time; honban peak <= 60 MB")
PY
fi

if [[ $PARTS == *" big "* ]]; then
	tests/tools/audit-big-manifests.py "$work/big" "$BIG_DOCS"
	size=$(cat "$work"/big/*.yaml | wc -c)
	echo "big input: $BIG_DOCS documents in $(find "$work/big" -name '*.yaml' | wc -l) files," \
		"$(awk -v b="$size" 'BEGIN { printf "%.2f", b / 1e6 }') MB; load average $(cut -d' ' -f1-3 /proc/loadavg)"
	printf '%-8s%10s%10s%10s%12s\n' format "wall s" "cpu s" "peak MB" "output MB"
	for format in table json yaml sarif junit; do
		read -r b_wall b_rss b_cpu < <(measure "big-$format" "$HONBAN" -f "$work/big" -o "$format")
		awk -v f="$format" -v w="$b_wall" -v c="$b_cpu" -v r="$b_rss" -v o="$(wc -c <"$work/big-$format.out")" \
			'BEGIN { printf "%-8s%10.2f%10.2f%10.1f%12.1f\n", f, w, c, r / 1024, o / 1e6 }'
	done
	echo "goal: every format <= 150 MB peak"
fi

[[ $LIVE == 1 && $PARTS == *" live "* ]] || exit 0
if ! testenv/testenv status >/dev/null 2>&1; then
	echo "live: testenv is not running (testenv/testenv up); skipped"
	exit 0
fi
eval "$(testenv/testenv env)"
KUBECTL=$(testenv/testenv kubectl-path)
k() { "$KUBECTL" --kubeconfig "$KUBECONFIG" --context testenv-admin "$@"; }

if [[ ${KEEP_LOAD:-0} != 1 ]]; then
	trap 'cleanup_load; rm -rf "$work"' EXIT
fi
load_audit_bench
read -r l_wall l_rss l_cpu < <(measure live "$HONBAN" --kubeconfig "$KUBECONFIG" --context testenv-admin -A -o json)
python3 - "$work/live.out" "$l_wall" "$l_rss" "$l_cpu" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["clusters"][0]
wall, rss, cpu = float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
print(f"live -A: {wall:.2f} s wall, {cpu:.2f} s cpu, {rss/1024:.1f} MB peak (goals <= 3 s, <= 200 MB); "
      f"{r['summary']['objects']} objects, {len(r['findings'])} findings, {len(r['notChecked'])} kinds not checked")
PY
