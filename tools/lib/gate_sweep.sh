# gate_sweep.sh (lib) — the gate's sweep, declared once: sourced by
# tools/gate_sweep.sh (one build) and tools/gate_ab.sh (two builds,
# interleaved). Sized by the calibration (results/gate-calibration.md): the
# points span the line (0..3000 for the slope; 500 and 1000 where an offset
# shows), 1 s repetitions (more of them beat longer ones), 8 processes a
# side, each REPS repetitions of every point, interleaved, a fresh table
# per repetition.
# shellcheck shell=bash

# shellcheck disable=SC2034  # read by the scripts that source this
readonly GATE_FILTER='^Chain/(0|500|1000|3000)/' GATE_RUNS=8 GATE_REPS=4
readonly GATE_DURATION=1

# gate_run NF_BENCH OUT_JSON [nf_bench flags]: one of the sweep's processes,
# its stderr in OUT_JSON's .err (removed when it succeeds); its exit status.
# Call it where tools/lib/interruptible.sh is sourced (run_child).
gate_run() {
  local bin=$1 json=$2
  shift 2
  if ! run_child "$bin" --benchmark_filter="$GATE_FILTER" \
    --benchmark_repetitions="$GATE_REPS" \
    --benchmark_enable_random_interleaving=true --duration="$GATE_DURATION" \
    --benchmark_out="$json" --benchmark_out_format=json \
    "$@" >/dev/null 2>"${json%.json}.err"; then
    return 1
  fi
  rm -f "${json%.json}.err"
}
