#!/usr/bin/env bash
# Boots Debian's stock 6.1 kernel under qemu (tools/vm/run_in_vm.sh) and runs
# tests/vm/in_vm_checks.py inside it against the given nf_bench build: the
# fentry and kprobe probes (which this host's kernel cannot attach), the
# bracket's refusal there, nf_watch, the bpftrace scripts and the cross-check.
#
# Usage (root): tests/vm/run_vm_tests.sh NF_BENCH_BINARY [NF_WATCH_BINARY]
#   NF_VM_TESTS="ID ..." runs only those unittest ids (default: in_vm_checks,
#   all of them), e.g.
#   NF_VM_TESTS=in_vm_checks.VmProbes.test_bracket_is_refused_clearly
# Exit: the tests' status; 77 (ctest: skipped) only when qemu cannot run here
# at all, with the reason printed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
nf_bench=$(readlink -f "$1")
nf_watch=$(readlink -f "${2:-$(dirname "$nf_bench")/nf_watch}")

if [[ $(id -u) -ne 0 ]]; then
  echo "vm tests: need root (qemu with the host root over 9p); skipped"
  exit 77
fi

read -ra tests <<<"${NF_VM_TESTS:-in_vm_checks}"

start=$(date +%s)
run() {
  # Paths and test ids go in as arguments, never into the script's text: a
  # checkout path may hold quotes, $ or spaces.
  # shellcheck disable=SC2016  # $1 and $@ are the inner bash's
  "$root/tools/vm/run_in_vm.sh" --timeout=1500 -- env \
    NF_BENCH="$nf_bench" NF_WATCH="$nf_watch" PYTHONDONTWRITEBYTECODE=1 \
    bash -c 'cd "$1" && shift && uname -r &&
             exec /usr/bin/python3 -m unittest -v "$@"' _ "$here" "${tests[@]}"
}
status=0
run || status=$?
# 126: the emulated kernel locked up (seen when a BPF trampoline on
# nf_hook_slow was rewritten under traffic; the tests no longer do that):
# once more.
if ((status == 126)); then
  echo "vm tests: the guest kernel locked up under emulation; running again once"
  status=0
  run || status=$?
fi
echo "vm tests: $(($(date +%s) - start)) s, exit $status"
if ((status == 125)); then
  # run_in_vm.sh printed why the VM could not boot or run.
  if ! command -v qemu-system-x86_64 >/dev/null; then
    echo "vm tests: SKIPPED: qemu-system-x86_64 is not available here"
    exit 77
  fi
fi
exit "$status"
