# as_root.sh — sourced (not run) by the scripts a user starts (tools/sweep.sh,
# tools/test.sh): the rest of the script runs as root, with or without sudo.
#
#   source "$root/tools/lib/as_root.sh"
#   as_root "$0" "$@"        # or as_root_and_build: then tools/build.sh
#
# As root: returns. Otherwise, when sudo is installed, runs the script again
# through sudo with the same arguments (and the NF_BENCH_*/NF_VM_* variables,
# which sudo would drop); without sudo (a minimal Debian, a container) prints
# one line saying how to run it as root and exits 1.
# shellcheck shell=bash

as_root() {
  local script=$1 name v cmd
  shift
  ((EUID == 0)) && return 0
  name=$(basename "$script" .sh)
  if command -v sudo >/dev/null 2>&1; then
    local keep=()
    for v in $(compgen -e); do
      [[ $v == NF_BENCH_* || $v == NF_VM_* ]] && keep+=("$v=${!v}")
    done
    exec sudo -- env "${keep[@]}" "$script" "$@"
  fi
  # The command as the user typed it, quoted for su -c '...'.
  cmd=$(printf '%q ' "$script" "$@")
  cmd=${cmd% }
  echo "$name: needs root (namespaces, iptables, eBPF) and sudo is not" \
    "installed: run it as root, e.g. su -c '${cmd//\'/\'\\\'\'}'" >&2
  exit 1
}

# as_root, then the build (tools/build.sh: installs what is missing, builds).
as_root_and_build() {
  as_root "$@"
  "$(dirname "${BASH_SOURCE[0]}")/../build.sh"
}
