#!/usr/bin/env bash
# Installs every honban plugin, the kubectl completion helpers, the man pages
# and the shell completions under one prefix, then runs the main job: an
# offline audit of the bundled example manifests, which needs no cluster.
#
#   ./install.sh                      # build (release) and install into ~/.local
#   PREFIX=/usr/local ./install.sh
#   ./install.sh --from DIR           # install binaries already built in DIR; no cargo build
#   ./install.sh --uninstall          # remove exactly what the last installs put there
#
# Every path written is listed in $PREFIX/share/honban/installed, which
# --uninstall reads; directories are removed only if install created them and
# they are empty again.
set -euo pipefail
cd "$(dirname "$0")"
PREFIX=${PREFIX:-$HOME/.local}
from=${HONBAN_INSTALL_FROM:-}
uninstall=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --from) from=${2:?--from needs a directory}; shift 2 ;;
    --uninstall) uninstall=1; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
PREFIX=${PREFIX%/}
record=share/honban/installed

# Entries of the record: "f path" for a file, "d path" for a directory that
# install created, both relative to PREFIX.
read_record() {
  [[ -f $PREFIX/$record ]] || return 0
  local kind path
  while read -r kind path; do
    # Only plain relative paths: a damaged record must not reach outside PREFIX.
    [[ $kind == [fd] && -n $path && $path != /* && $path != *..* ]] || continue
    echo "$kind $path"
  done <"$PREFIX/$record"
}

if [[ $uninstall -eq 1 ]]; then
  if [[ ! -f $PREFIX/$record ]]; then
    echo "install.sh: nothing to uninstall: $PREFIX/$record does not exist" >&2
    exit 1
  fi
  entries=$(read_record)
  removed=0
  while read -r kind path; do
    [[ $kind == f ]] || continue
    if [[ -e $PREFIX/$path || -L $PREFIX/$path ]]; then
      rm -f "$PREFIX/$path"
      removed=$((removed + 1))
    fi
  done <<<"$entries"
  rm -f "$PREFIX/$record"
  # Deepest directories first; rmdir leaves any that hold other files.
  # "d ." is PREFIX itself, when install created it; it sorts last.
  while read -r kind path; do
    [[ $kind == d ]] || continue
    if [[ $path == . ]]; then
      rmdir "$PREFIX" 2>/dev/null || true
    else
      rmdir "$PREFIX/$path" 2>/dev/null || true
    fi
  done < <(echo "$entries" | awk '$1 == "d"' | sort -r -k2)
  echo "removed $removed files installed under $PREFIX" >&2
  exit 0
fi

previous=$(read_record)
entries=()
# Creates DIR (relative to PREFIX) and notes each level install created.
ensure_dir() {
  local path=$1 sofar=
  local IFS=/
  for part in $path; do
    sofar=${sofar:+$sofar/}$part
    if [[ ! -d $PREFIX/$sofar ]]; then
      mkdir -p "$PREFIX/$sofar"
      entries+=("d $sofar")
    fi
  done
}
# put MODE SOURCE DEST: DEST relative to PREFIX.
put() {
  ensure_dir "$(dirname "$3")"
  install -m "$1" "$2" "$PREFIX/$3"
  entries+=("f $3")
}
if [[ ! -d $PREFIX ]]; then
  mkdir -p "$PREFIX"
  entries+=("d .")
fi

binaries=()
for dir in plugins/*/; do
  name=$(basename "$dir")
  binaries+=("kubectl-${name//-/_}")
done
if [[ -n $from ]]; then
  bin_dir=$from
  echo "installing ${#binaries[@]} plugins built in $bin_dir" >&2
else
  packages=()
  for dir in plugins/*/; do packages+=(-p "kubectl-$(basename "$dir")"); done
  echo "building ${#binaries[@]} plugins (release): several minutes on 2 cores from cold, seconds when up to date…" >&2
  # A person at a terminal sees cargo's progress bar; a log (CI, a pipe) gets
  # only errors, so it stays short.
  quiet=(-q)
  [[ -t 2 ]] && quiet=()
  cargo build --release --locked "${quiet[@]}" "${packages[@]}"
  bin_dir=target/release
fi
for bin in "${binaries[@]}"; do
  [[ -x $bin_dir/$bin ]] || { echo "install.sh: $bin_dir/$bin is missing" >&2; exit 1; }
  put 0755 "$bin_dir/$bin" "bin/$bin"
done
for helper in completions/kubectl_complete-*; do
  [[ -f $helper ]] && put 0755 "$helper" "bin/$(basename "$helper")"
done
for page in man/man1/*.1; do
  [[ -f $page ]] && put 0644 "$page" "share/man/man1/$(basename "$page")"
done
# Where each shell looks under a prefix; zsh wants the function name, _cmd.
for script in completions/*.bash; do
  [[ -f $script ]] && put 0644 "$script" "share/bash-completion/completions/$(basename "$script" .bash)"
done
for script in completions/*.zsh; do
  [[ -f $script ]] && put 0644 "$script" "share/zsh/site-functions/_$(basename "$script" .zsh)"
done
for script in completions/*.fish; do
  [[ -f $script ]] && put 0644 "$script" "share/fish/vendor_completions.d/$(basename "$script")"
done

# The record keeps what earlier installs noted too, so a reinstall still
# uninstalls everything; written whole, then renamed into place.
ensure_dir "$(dirname "$record")"
tmp=$(mktemp "$PREFIX/$record.XXXXXX")
{ [[ -n $previous ]] && echo "$previous"; printf '%s\n' "${entries[@]}"; } | sort -u -k2 -k1 >"$tmp"
chmod 0644 "$tmp"
mv "$tmp" "$PREFIX/$record"

BIN="$PREFIX/bin"
echo "installed into $PREFIX: $(grep -c '^f ' "$PREFIX/$record") files (bin/: $(cd "$BIN" && ls kubectl-* kubectl_complete-* 2>/dev/null | sort | tr '\n' ' '))" >&2
case ":$PATH:" in
  *":$BIN:"*) ;;
  *) echo "note: add $BIN to PATH, e.g. export PATH=\"$BIN:\$PATH\"" >&2 ;;
esac
case $PREFIX in
  /usr|/usr/local) ;;
  *) echo "note: for zsh completion, add fpath+=($PREFIX/share/zsh/site-functions) before compinit" >&2 ;;
esac

echo >&2
echo "main job: kubectl audit -f examples/ (offline, no cluster needed)" >&2
status=0
PATH="$BIN:$PATH" kubectl-audit -f examples/ || status=$?
# 3 means the audit ran and found problems, which the examples contain on purpose.
if [[ $status -ne 0 && $status -ne 3 ]]; then
  exit "$status"
fi
