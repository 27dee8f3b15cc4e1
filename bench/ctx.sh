#!/usr/bin/env bash
# Side-by-side: kubectl ctx / ns vs the pinned kubectl (testenv's), in one run.
#
# ctx: four 2000-context (~5.5 MB) kubeconfigs with comments and 4-space
# indentation, built here: plain; plain plus an unused top-level anchor; a few
# flow-style entries with CRLF line ends; a `<<: *base` merge key in every user.
# For each shape: switch, list, -c and --prompt (honban's answer for a file
# just changed vs kube-ps1's two kubectl calls), then peak RSS of each command;
# on the plain file, the cached prompt vs kube-ps1 uncached and cached.
# ns: against testenv, `kubectl ns NAME` (with its GET) vs kubens's pair
# `kubectl get ns NAME` + `kubectl config set-context --current --namespace`,
# and the list vs `kubectl get ns -o name`.
# Each command runs on a fresh copy of the same file; the figure is the median
# wall time of RUNS runs, interleaved so both see the same machine load.
#
# HONBAN_DIR=dir uses the kubectl-ctx / kubectl-ns binaries there instead of
# building them; HONBAN_BEFORE=dir (or BASELINE=dir) also runs the binaries
# there, interleaved, as a third column (before/after on the same load), e.g.
# a release build of main copied aside before a change.
# CONTEXTS=20000 SHAPES=plain NS_BENCH=0 gives the 50 MB line.
set -euo pipefail
cd "$(dirname "$0")/.."
BASELINE=${HONBAN_BEFORE:-${BASELINE:-}}
RUNS=${RUNS:-7}
CONTEXTS=${CONTEXTS:-2000}
SHAPES=${SHAPES:-"plain anchor flow-crlf merge"}

if [[ -z ${HONBAN_DIR:-} ]]; then
  cargo build --release --locked -q -p kubectl-ctx -p kubectl-ns
  HONBAN_DIR=target/release
fi
CTX=$HONBAN_DIR/kubectl-ctx
NS=$HONBAN_DIR/kubectl-ns
KUBECTL=$(testenv/testenv kubectl-path)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work" "$CONTEXTS" <<'PY'
import base64, os, sys
work, n = sys.argv[1], int(sys.argv[2])
ca = base64.b64encode(os.urandom(1150)).decode()          # ~1.5 KB, like a real CA
token = base64.urlsafe_b64encode(os.urandom(675)).decode()  # ~900 characters

def build(anchor=False, flow=False, merge=False):
    out = ["# fleet kubeconfig, generated", "apiVersion: v1", "kind: Config"]
    if anchor:
        out.append('x-note: &note "owned by platform"')
    out += ["preferences: {}", "clusters:"]
    for i in range(n):
        if flow and i % 400 == 7:
            out.append(f"    - {{name: cluster-{i}, cluster: {{server: 'https://api-{i}.example.com:6443', certificate-authority-data: {ca}}}}}")
            continue
        if i % 10 == 0:
            out.append(f"    # region {i // 10}")
        out += [f"    - name: cluster-{i}", "      cluster:", f"          server: https://api-{i}.example.com:6443",
                f"          certificate-authority-data: {ca}"]
    out.append("users:")
    if merge:
        out += ["    - name: user-defaults", "      user: &base",
                "          exec:", "              apiVersion: client.authentication.k8s.io/v1beta1",
                "              command: aws", "              args:", "                  - eks",
                "                  - get-token", "              interactiveMode: Never"]
    for i in range(n):
        if flow and i % 400 == 7:
            out.append(f"    - {{name: user-{i}, user: {{token: {token}}}}}")
            continue
        out += [f"    - name: user-{i}  # owner team-{i % 17}", "      user:"]
        if merge:
            out.append("          <<: *base")
        out.append(f"          token: {token}")
    out.append("contexts:")
    for i in range(n):
        ns = f", namespace: ns-{i}" if i % 3 == 0 else ""
        if flow and i % 400 == 7:
            out.append(f"    - {{name: ctx-{i}, context: {{cluster: cluster-{i}, user: user-{i}{ns}}}}}")
            continue
        out += [f"    - name: ctx-{i}", "      context:", f"          cluster: cluster-{i}", f"          user: user-{i}"]
        if i % 3 == 0:
            out.append(f"          namespace: ns-{i}")
    out.append("current-context: ctx-0  # set by the installer")
    end = "\r\n" if flow else "\n"
    return end.join(out) + end

shapes = {"plain": {}, "anchor": {"anchor": True}, "flow-crlf": {"flow": True}, "merge": {"merge": True}}
for name, kw in shapes.items():
    with open(os.path.join(work, name), "w", newline="") as f:
        f.write(build(**kw))
PY

ms() { # command... -> elapsed milliseconds (float)
  local t0 t1
  t0=$EPOCHREALTIME
  "$@" >/dev/null 2>&1
  t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", (b - a) * 1000 }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
rss_mb() { # function args... -> peak RSS in MB (of the function's processes)
  /usr/bin/time -f %M -o "$work/rss" bash -c '"$@"' _ "$@" >/dev/null 2>&1 || true
  awk '{ printf "%.1f", $1 / 1024 }' "$work/rss"
}

# The commands, each on file $1 with run number $2; $BIN is the ctx binary.
h_switch() { XDG_CACHE_HOME="$work/cache" "$BIN" --kubeconfig "$1" "ctx-$((1000 + $2))"; }
k_switch() { "$KUBECTL" config use-context "ctx-$((1000 + $2))" --kubeconfig "$1"; }
h_list() { "$BIN" --kubeconfig "$1"; }
k_list() { "$KUBECTL" config get-contexts -o name --kubeconfig "$1"; }
h_current() { "$BIN" --kubeconfig "$1" -c; }
k_current() { "$KUBECTL" config current-context --kubeconfig "$1"; }
# A copy made just now is read again (a file changed in the last two seconds
# is never answered from the prompt cache).
h_prompt() { HOME="$work/home" "$BIN" --kubeconfig "$1" --prompt; }
k_prompt() { # kube-ps1 style: two kubectl calls per prompt.
  "$KUBECTL" config current-context --kubeconfig "$1"
  "$KUBECTL" config view --minify -o 'jsonpath={..namespace}' --kubeconfig "$1"
}

export -f h_switch k_switch h_list k_list h_current k_current h_prompt k_prompt
export KUBECTL work
bench_pair() { # label source-file honban-fn kubectl-fn
  local label=$1 src=$2 h=$3 k=$4 i
  : >"$work/t.h"; : >"$work/t.k"; : >"$work/t.b"
  for ((i = 0; i < RUNS; i++)); do
    cp "$src" "$work/copy-h"; cp "$src" "$work/copy-k"; cp "$src" "$work/copy-b"
    # kubectl first, so no honban run pays for the copies just made; then the
    # two honban builds back to back, in turns first.
    ms "$k" "$work/copy-k" "$i" >>"$work/t.k"
    if [[ -n ${BASELINE:-} ]] && ((i % 2)); then
      BIN=$BASELINE/kubectl-ctx ms "$h" "$work/copy-b" "$i" >>"$work/t.b"
      BIN=$CTX ms "$h" "$work/copy-h" "$i" >>"$work/t.h"
    else
      BIN=$CTX ms "$h" "$work/copy-h" "$i" >>"$work/t.h"
      if [[ -n ${BASELINE:-} ]]; then
        BIN=$BASELINE/kubectl-ctx ms "$h" "$work/copy-b" "$i" >>"$work/t.b"
      fi
    fi
  done
  local hm km base="" rss
  hm=$(median <"$work/t.h"); km=$(median <"$work/t.k")
  cp "$src" "$work/copy-h"
  rss=$(BIN=$CTX rss_mb "$h" "$work/copy-h" 0)
  if [[ -n ${BASELINE:-} ]]; then
    cp "$src" "$work/copy-b"
    base=$(printf '   before %8.2f ms %6.1fx %6s MB' "$(median <"$work/t.b")" \
      "$(awk -v a="$km" -v b="$(median <"$work/t.b")" 'BEGIN { printf "%.1f", a / b }')" \
      "$(BIN=$BASELINE/kubectl-ctx rss_mb "$h" "$work/copy-b" 0)")
  fi
  cp "$src" "$work/copy-k"
  printf '%-22s honban %8.2f ms   kubectl %8.2f ms   ratio %6.1fx   peak honban %6s MB kubectl %6s MB (file %s MB)%s\n' \
    "$label" "$hm" "$km" "$(awk -v a="$km" -v b="$hm" 'BEGIN { printf "%.1f", a / b }')" \
    "$rss" "$(rss_mb "$k" "$work/copy-k" 0)" "$(awk -v s="$(stat -c %s "$src")" 'BEGIN { printf "%.1f", s / 1048576 }')" "$base"
}

echo "kubeconfigs: $CONTEXTS contexts each; $RUNS runs each, median wall time; $(nproc) cores; $(uptime | sed 's/.*load/load/')"
echo "kubectl: $("$KUBECTL" version --client 2>/dev/null | head -1)"
for shape in $SHAPES; do
  f=$work/$shape
  # Both must agree before timing means anything.
  diff <(BIN=$CTX h_list "$f" | sort) <(k_list "$f" | sort) >/dev/null || { echo "$shape: list output differs" >&2; exit 1; }
  [[ $(BIN=$CTX h_current "$f") == "$(k_current "$f")" ]] || { echo "$shape: -c differs" >&2; exit 1; }
  bench_pair "$shape switch" "$f" h_switch k_switch
  bench_pair "$shape list" "$f" h_list k_list
  bench_pair "$shape -c" "$f" h_current k_current
  bench_pair "$shape --prompt" "$f" h_prompt k_prompt
done

# A prompt renders again and again on an unchanged file: honban answers from
# its cache once the file has been left alone for two seconds; kube-ps1 runs
# kubectl again only when the file's mtime is newer than its last read.
cp "$work/plain" "$work/settled"
sleep 2.1
h_prompt_settled() { HOME="$work/home" "$BIN" --kubeconfig "$work/settled" --prompt; }
k_prompt_settled() { k_prompt "$work/settled"; }
k_prompt_cached() {
  local mtime
  mtime=$(stat -L -c %Y "$work/settled")
  if ((mtime <= kps1_read)); then
    printf '%s/%s\n' "$kps1_context" "${kps1_namespace:-default}"
  fi
}
export -f h_prompt_settled k_prompt_settled
BIN=$CTX h_prompt_settled >/dev/null # keeps the answer
bench_pair "plain prompt (cached)" "$work/plain" h_prompt_settled k_prompt_settled
kps1_read=$(date +%s)
kps1_context=$("$KUBECTL" config current-context --kubeconfig "$work/settled")
kps1_namespace=$("$KUBECTL" config view --minify -o 'jsonpath={..namespace}' --kubeconfig "$work/settled")
export kps1_read kps1_context kps1_namespace
export -f k_prompt_cached
[[ $(BIN=$CTX h_prompt_settled) == "$(k_prompt_cached)" ]] || { echo "cached prompts differ" >&2; exit 1; }
bench_pair "prompt vs kube-ps1 cache" "$work/plain" h_prompt_settled k_prompt_cached

# ns against testenv, on a private copy of its kubeconfig.
if [[ ${NS_BENCH:-1} == 1 ]]; then
  eval "$(testenv/testenv up 2>/dev/null)"
  cp "$KUBECONFIG" "$work/testenv"
  h_ns_set() { XDG_CACHE_HOME="$work/cache" "$NSBIN" --kubeconfig "$1" "$(ns_name "$2")"; }
  k_ns_set() {
    "$KUBECTL" get ns "$(ns_name "$2")" --kubeconfig "$1" &&
      "$KUBECTL" config set-context --current --namespace "$(ns_name "$2")" --kubeconfig "$1"
  }
  ns_name() { if (($1 % 2)); then echo kube-system; else echo default; fi; }
  h_ns_list() { "$NSBIN" --kubeconfig "$1"; }
  k_ns_list() { "$KUBECTL" get ns -o name --kubeconfig "$1"; }
  ns_pair() { # label honban-fn kubectl-fn
    local label=$1 h=$2 k=$3 i
    : >"$work/t.h"; : >"$work/t.k"
    for ((i = 0; i < RUNS; i++)); do
      cp "$work/testenv" "$work/copy-h"; cp "$work/testenv" "$work/copy-k"
      NSBIN=$NS ms "$h" "$work/copy-h" "$i" >>"$work/t.h"
      ms "$k" "$work/copy-k" "$i" >>"$work/t.k"
    done
    local hm km
    hm=$(median <"$work/t.h"); km=$(median <"$work/t.k")
    printf '%-22s honban %8.2f ms   kubectl %8.2f ms   ratio %6.1fx\n' "$label" "$hm" "$km" \
      "$(awk -v a="$km" -v b="$hm" 'BEGIN { printf "%.1f", a / b }')"
  }
  cp "$work/testenv" "$work/copy-h"
  NSBIN=$NS h_ns_set "$work/copy-h" 0 >/dev/null 2>&1 || { echo "kubectl ns against testenv failed" >&2; exit 1; }
  ns_pair "ns NAME (testenv)" h_ns_set k_ns_set
  ns_pair "ns list (testenv)" h_ns_list k_ns_list
fi
echo "after: $(uptime | sed 's/.*load/load/')"
