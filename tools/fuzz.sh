#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/: clang, ASan+UBSan, only the pure
# libraries nf_bench_pure, nf_bench_options) into build-fuzz/ (or $NF_BENCH_FUZZ_BUILD) and runs
# each for NF_BENCH_FUZZ_SECONDS (default 30) from its seed corpus
# (tests/fuzz/corpus/<target>/). Arguments: the targets to run (default all).
# Exits 1 if any target crashed, naming the reproducer.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NF_BENCH_FUZZ_BUILD:-$root/build-fuzz}
seconds=${NF_BENCH_FUZZ_SECONDS:-30}
targets=("$@")
((${#targets[@]})) || targets=(iperf_json take_options flag_values)

"$root/tools/install_deps.sh"
CC=clang CXX=clang++ cmake -S "$root" -B "$build" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNF_BENCH_FUZZ=ON >/dev/null
cmake --build "$build" -j "$(nproc)" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# One target for $seconds; its log in $build/fuzz-<target>.log.
fuzz() {
  local target=$1
  local binary=$build/tests/fuzz/fuzz_$target
  local corpus=$build/corpus/$target # grows; the committed seeds stay as they are
  local artifacts=$build/artifacts/$target/
  local log=$build/fuzz-$target.log
  local dict=$root/tests/fuzz/$target.dict
  local args=(-max_total_time="$seconds" -timeout=10 -print_final_stats=1
    -artifact_prefix="$artifacts")
  [[ -f $dict ]] && args+=(-dict="$dict")
  mkdir -p "$corpus" "$artifacts"
  if "$binary" "${args[@]}" "$corpus" "$root/tests/fuzz/corpus/$target" \
    >"$log" 2>&1; then
    # libFuzzer's last status line: "#<runs> DONE cov: .. ft: .. corp: .."
    local done
    done=$(grep -a 'DONE' "$log" | tail -1 | sed 's/^#\([0-9]*\)[[:space:]]*DONE[[:space:]]*/\1 runs, /')
    echo "fuzz: $target: ${seconds}s, no crash: $done"
    return 0
  fi
  tail -n 40 "$log" >&2
  echo "fuzz: $target CRASHED; log: $log" >&2
  local file
  for file in "$artifacts"*; do
    [[ -e $file ]] && echo "fuzz: reproducer: $file (replay: $binary $file)" >&2
  done
  return 1
}

failed=0
for target in "${targets[@]}"; do
  fuzz "$target" || failed=$((failed + 1))
done
echo "fuzz: $((${#targets[@]} - failed)) passed, $failed failed"
((failed == 0))
