#!/usr/bin/env bash
# Side-by-side: kubectl ctx vs kubectl config on a 2000-context (~5 MB) kubeconfig.
# The prompt rows: "prompt" is honban's cached answer vs kube-ps1's two
# uncached kubectl calls; "prompt-cached" compares both tools' cached paths.
# Each command runs on a fresh copy of the same file; the figure is the median
# wall time of RUNS runs, interleaved so both see the same machine load.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-15}
CONTEXTS=${CONTEXTS:-2000}

# The same build as install.sh and scripts/release (every plugin at once), so
# one fat-LTO build serves them all and nothing is rebuilt for a different set.
packages=()
for dir in plugins/*/; do packages+=(-p "kubectl-$(basename "$dir")"); done
cargo build --release --locked -q "${packages[@]}"
HONBAN=target/release/kubectl-ctx
KUBECTL=$(testenv/testenv kubectl-path)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work/config" "$CONTEXTS" <<'PY'
import base64, os, sys
path, n = sys.argv[1], int(sys.argv[2])
ca = base64.b64encode(os.urandom(1100)).decode()          # ~1.5 KB, like a real CA
token = base64.urlsafe_b64encode(os.urandom(675)).decode()  # ~900 characters
out = ["apiVersion: v1", "kind: Config", "preferences: {}", "clusters:"]
for i in range(n):
    out += [f"- name: cluster-{i}", "  cluster:", f"    server: https://api-{i}.example.com:6443",
            f"    certificate-authority-data: {ca}"]
out.append("users:")
for i in range(n):
    out += [f"- name: user-{i}", "  user:", f"    token: {token}"]
out.append("contexts:")
for i in range(n):
    out += [f"- name: ctx-{i}", "  context:", f"    cluster: cluster-{i}", f"    user: user-{i}"]
    if i % 3 == 0:
        out.append(f"    namespace: ns-{i}")
out.append("current-context: ctx-0")
open(path, "w").write("\n".join(out) + "\n")
PY
size=$(du -h "$work/config" | cut -f1)

ms() { # command... -> elapsed milliseconds (float)
  local t0 t1
  t0=$EPOCHREALTIME
  "$@" >/dev/null 2>&1
  t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", (b - a) * 1000 }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

declare -A samples
bench_pair() { # label honban-cmd-fn kubectl-cmd-fn
  local label=$1 h=$2 k=$3 i
  : >"$work/$label.h"; : >"$work/$label.k"
  for ((i = 0; i < RUNS; i++)); do
    cp "$work/config" "$work/copy-h"; cp "$work/config" "$work/copy-k"
    ms "$h" "$work/copy-h" "$i" >>"$work/$label.h"
    ms "$k" "$work/copy-k" "$i" >>"$work/$label.k"
  done
  local hm km
  hm=$(median <"$work/$label.h"); km=$(median <"$work/$label.k")
  printf '%-14s honban %8.2f ms   kubectl %8.2f ms   ratio %6.1fx\n' "$label" "$hm" "$km" \
    "$(awk -v a="$km" -v b="$hm" 'BEGIN { printf "%.1f", a / b }')"
}

h_switch() { XDG_CACHE_HOME="$work/cache" "$HONBAN" --kubeconfig "$1" "ctx-$((1000 + $2))"; }
k_switch() { "$KUBECTL" config use-context "ctx-$((1000 + $2))" --kubeconfig "$1"; }
h_list() { "$HONBAN" --kubeconfig "$1"; }
k_list() { "$KUBECTL" config get-contexts -o name --kubeconfig "$1"; }
h_prompt() { HOME="$work/home" "$HONBAN" --kubeconfig "$1" --prompt; }
# A prompt renders again and again on an unchanged file; it answers from its
# cache once the file has been left alone for two seconds.
h_prompt_settled() { HOME="$work/home" "$HONBAN" --kubeconfig "$work/settled" --prompt; }
k_prompt_settled() { k_prompt "$work/settled"; }
# kube-ps1 style: two kubectl calls per prompt.
k_prompt() {
  "$KUBECTL" config current-context --kubeconfig "$1"
  "$KUBECTL" config view --minify -o 'jsonpath={..namespace}' --kubeconfig "$1"
}
# kube-ps1 caches too: it runs kubectl again only when the file's mtime is
# newer than its last read, so a settled prompt costs it one stat per render.
k_prompt_cached() {
  local mtime
  mtime=$(stat -L -c %Y "$work/settled")
  if ((mtime <= kps1_read)); then
    printf '%s/%s\n' "$kps1_context" "${kps1_namespace:-default}"
  fi
}
h_current() { "$HONBAN" --kubeconfig "$1" -c; }
k_current() { "$KUBECTL" config current-context --kubeconfig "$1"; }

# Both must agree before timing means anything.
cp "$work/config" "$work/a"; cp "$work/config" "$work/b"
diff <(h_list "$work/a" | sort) <(k_list "$work/b" | sort) >/dev/null || { echo "list output differs" >&2; exit 1; }

echo "kubeconfig: $CONTEXTS contexts, $size; $RUNS runs each, median wall time; $(nproc) cores"
echo "kubectl: $("$KUBECTL" version --client 2>/dev/null | head -1)"
bench_pair switch h_switch k_switch
bench_pair list h_list k_list
bench_pair current h_current k_current
bench_pair prompt-changed h_prompt k_prompt
cp "$work/config" "$work/settled"
sleep 2.1
h_prompt_settled >/dev/null # keeps the answer
bench_pair prompt h_prompt_settled k_prompt_settled
kps1_read=$(date +%s)
kps1_context=$("$KUBECTL" config current-context --kubeconfig "$work/settled")
kps1_namespace=$("$KUBECTL" config view --minify -o 'jsonpath={..namespace}' --kubeconfig "$work/settled")
[[ $(h_prompt_settled) == "$(k_prompt_cached)" ]] || { echo "cached prompts differ" >&2; exit 1; }
bench_pair prompt-cached h_prompt_settled k_prompt_cached
