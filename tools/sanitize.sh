#!/usr/bin/env bash
# The unit tests and the root fixture tests (tests/integration/fixtures_test.cpp)
# built with ASan and UBSan (g++) into build-asan/ (or $NF_BENCH_ASAN_BUILD),
# and run: any report fails the test that hit it. As root, also one short
# nf_bench run (one point of each workload and of two remedies, 1 s each):
# the fixture tests do not reach the BPF probe, libiperf, the connection loop
# or the JSON result; this does. Without root
# both skip. Extra arguments go to ctest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NF_BENCH_ASAN_BUILD:-$root/build-asan}

"$root/tools/install_deps.sh"
# Exported before the build too: gtest_discover_tests runs the test binaries.
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Leaks of the libraries themselves, each explained there.
export LSAN_OPTIONS=suppressions=$root/tools/lsan.supp:print_suppressions=0
CC=gcc CXX=g++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DNF_BENCH_SANITIZE=ON >/dev/null
cmake --build "$build" -j "$(nproc)" --target unit_tests fixtures_test nf_bench
# unit.<Suite>.<Test> and integration.<Suite>.<Test>: the GoogleTest cases,
# not integration.nf_bench (the binary's Python suite).
# Not the libraries' exits out of open files: UBSan's vptr check itself
# opens a pipe to read the thrown object's type, so a process with no file
# left dies in the check (the normal build runs them).
ctest --test-dir "$build" --output-on-failure -R '^(unit|integration)\.[^.]+\.' \
  -E '^integration\.LibraryExits\.Lib' "$@"

if [[ $(id -u) -ne 0 ]]; then
  echo "sanitize: not root, nf_bench run skipped"
  exit 0
fi
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
# The iperf3 server is a forked child: its reports show only on stderr.
points='^(Chain/(0|100)|Udp/64/0|ConnRate/0|Streams/4/0|RemedyIpset/500|RemedyNftSet/500|Install/1000|InstallLoop/100)/'
if ! "$build/nf_bench" --benchmark_filter="$points" --duration=1 \
  --benchmark_out="$out" --benchmark_out_format=json >/dev/null 2>"$err" ||
  grep -Eq 'Sanitizer|runtime error:' "$err" || ! grep -q '"hook_ns"' "$out"; then
  cat "$err" >&2
  echo "sanitize: nf_bench under ASan+UBSan failed (above)" >&2
  exit 1
fi
echo "sanitize: nf_bench $points under ASan+UBSan: clean"
