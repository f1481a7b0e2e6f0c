#!/usr/bin/env bash
# Calibrates the regression gate on this machine, in rounds. A round runs
# five arms of the gate's sweep (tools/lib/gate_sweep.sh: 8 nf_bench
# processes each) with this build: the base, the same build again, and
# three known regressions (every chain 3% and 5% longer, --scale_rules,
# which changes the cost per rule; 30 rules more, --extra_rules=30, +3% at
# 1000 rules). Each arm is then gated against the round's base
# (tools/calibrate_gate.py --rounds). Designs:
#   interleaved: the arms' processes alternate, in random order within
#                each of the 8 turns (what tools/gate_ab.sh does);
#   sequential:  each arm's 8 processes one after the other (a sweep now,
#                another minutes later: the old way).
# Every round is run steady and with drift injected (tools/cpu_hog.sh: one
# core busy in alternate 20 s windows), so the gate is shown to hold when
# the machine changes under it. About 12 minutes a round:
#   tools/calibrate_gate.sh [ROUNDS=6] [--into=DIR]
#                           [--designs=interleaved,sequential]
# DIR (default results/runs/calibration-<date>) gets one folder per round,
# <design>-<steady|drift>-<n>/, and table.md. Rerun with the same --into to
# go on: finished rounds are kept, an unfinished one is run again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NF_BENCH_BUILD:-$root/build}

usage() {
  echo "calibrate_gate: $1; usage: tools/calibrate_gate.sh [ROUNDS]" \
    "[--into=DIR] [--designs=interleaved,sequential]" >&2
  exit 2
}
rounds=6 out='' designs=interleaved,sequential
for arg in "$@"; do
  case $arg in
  --into=*) out=${arg#*=} ;;
  --designs=*) designs=${arg#*=} ;;
  -*) usage "unknown option '$arg'" ;;
  *) [[ $arg =~ ^[1-9][0-9]*$ ]] || usage "ROUNDS is a count, not '$arg'"
    rounds=$arg ;;
  esac
done
IFS=, read -r -a design_list <<<"$designs"
for d in "${design_list[@]}"; do
  [[ $d == interleaved || $d == sequential ]] ||
    usage "no design '$d' (interleaved, sequential)"
done
[[ -n $out ]] || out="$root/results/runs/calibration-$(date +%Y%m%d-%H%M%S)"

# shellcheck source=SCRIPTDIR/lib/as_root.sh
source "$root/tools/lib/as_root.sh"
as_root_and_build "$0" "$@"
# shellcheck source=SCRIPTDIR/lib/interruptible.sh
source "$root/tools/lib/interruptible.sh"
# shellcheck source=SCRIPTDIR/lib/gate_sweep.sh
source "$root/tools/lib/gate_sweep.sh"
mkdir -p "$out"

# Each arm's nf_bench flags.
arms=(base same scale103 scale105 offset30)
declare -A flags=([base]="" [same]="" [scale103]="--scale_rules=1.03"
  [scale105]="--scale_rules=1.05" [offset30]="--extra_rules=30")

hog=''
# shellcheck disable=SC2317  # called by the trap
interrupted() {
  [[ -n $hog ]] && kill "$hog" 2>/dev/null
  echo "calibrate_gate: interrupted: no table; finished rounds (with a" \
    "done file) are in $out; rerun with --into=$out to go on"
}
on_interrupt interrupted

process() { # round_dir arm i
  # shellcheck disable=SC2086  # the flags are words
  gate_run "$build/nf_bench" "$1/$2/run-$3.json" ${flags[$2]} || {
    echo "calibrate_gate: $1/$2 run $3 failed:" \
      "$(tail -n 1 "$1/$2/run-$3.err")" >&2
    exit 1
  }
}

shuffled() { printf '%s\n' "$@" | shuf; }

round() { # design drift n
  local dir="$out/$1-$2-$3" arm i
  [[ -e $dir/done ]] && return 0
  rm -rf "$dir"
  for arm in "${arms[@]}"; do mkdir -p "$dir/$arm"; done
  if [[ $2 == drift ]]; then
    "$root/tools/cpu_hog.sh" 20 20 1 &
    hog=$!
  fi
  local start=$SECONDS
  if [[ $1 == interleaved ]]; then
    for ((i = 1; i <= GATE_RUNS; i++)); do
      for arm in $(shuffled "${arms[@]}"); do process "$dir" "$arm" "$i"; done
    done
  else
    for arm in $(shuffled "${arms[@]}"); do
      for ((i = 1; i <= GATE_RUNS; i++)); do process "$dir" "$arm" "$i"; done
    done
  fi
  if [[ -n $hog ]]; then
    kill "$hog"
    wait "$hog" 2>/dev/null || true
    hog=''
  fi
  touch "$dir/done"
  echo "calibrate_gate: $1 $2 round $3 done in $((SECONDS - start)) s" \
    "($(date +%T))"
}

# Steady and drift alternate, and the designs, so that slow changes of the
# machine over the hours hit every cell alike.
for ((n = 1; n <= rounds; n++)); do
  for drift in $(shuffled steady drift); do
    for design in $(shuffled "${design_list[@]}"); do
      round "$design" "$drift" "$n"
    done
  done
done

finished=()
for done in "$out"/*/done; do finished+=("$(dirname "$done")"); done
/usr/bin/python3 "$root/tools/calibrate_gate.py" --rounds "${finished[@]}" \
  -o "$out/table.md"
cat "$out/table.md"
echo "calibrate_gate: rounds and table in $out"
