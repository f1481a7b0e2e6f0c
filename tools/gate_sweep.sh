#!/usr/bin/env bash
# The regression gate's sweep, the one the CI workflow, the baseline and
# tools/calibrate_gate.sh all run: RUNS separate nf_bench processes, one
# after the other, each REPS repetitions of every point, interleaved, a
# fresh table per repetition. Separate processes because two runs of one
# build differ by about 1% per point beyond their repetitions' spread
# (results/gate-calibration.md): only several processes show the gate
# that spread. Writes OUT_DIR/run-1.json .. run-RUNS.json; gate two such
# folders with tools/gate.py BASE_DIR NEW_DIR. About 140 s.
#   tools/gate_sweep.sh OUT_DIR [nf_bench flags, e.g. --scale_rules=1.03]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NF_BENCH_BUILD:-$root/build}

# shellcheck source=SCRIPTDIR/lib/gate_sweep.sh
source "$root/tools/lib/gate_sweep.sh"

out=${1:-}
if [[ -z $out || $out == -* ]]; then
  echo "gate_sweep: give the output folder first, e.g." \
    "tools/gate_sweep.sh results/runs/gate-$(date +%Y%m%d)" >&2
  exit 2
fi
if compgen -G "$out/*.json" >/dev/null; then
  echo "gate_sweep: $out already holds JSON files; give a new folder" \
    "(the gate reads every file there as one run)" >&2
  exit 2
fi
# shellcheck source=SCRIPTDIR/lib/as_root.sh
source "$root/tools/lib/as_root.sh"
as_root_and_build "$0" "$@"

shift
mkdir -p "$out"
# shellcheck source=SCRIPTDIR/lib/interruptible.sh
source "$root/tools/lib/interruptible.sh"
interrupted() {
  echo "gate_sweep: interrupted: complete runs in $out:" \
    "$(cd "$out" && files_or_none run-*.json);" \
    "the unfinished one's finished points:" \
    "$(cd "$out" && files_or_none run-*.json.partial)" \
    "(the gate reads only *.json: complete runs)"
}
on_interrupt interrupted
start=$(date +%s)
for ((i = 1; i <= GATE_RUNS; i++)); do
  if ! gate_run "$build/nf_bench" "$out/run-$i.json" "$@"; then
    echo "gate_sweep: run $i of $GATE_RUNS failed:" \
      "$(tail -n 1 "$out/run-$i.err")" >&2
    exit 1
  fi
done
echo "gate_sweep: $GATE_RUNS runs in $(($(date +%s) - start)) s, in $out"
