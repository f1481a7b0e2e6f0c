#!/usr/bin/env bash
# Calibrates the regression gate on this machine: runs the gate's sweep
# (tools/gate_sweep.sh: several nf_bench processes) K times on this build
# and R times with each known regression (every chain 3% and 5% longer,
# --scale_rules, which changes the cost per rule; and an offset of 30 rules,
# --extra_rules, 3% at 1000 rules), the kinds interleaved so that drift hits
# every kind alike; then gates every pair (tools/calibrate_gate.py) and
# writes the table beside the sweeps in results/runs/calibration-<date>/
# (table.md). About 140 s per sweep (K=5, R=2: 11 sweeps, 26 min):
#   tools/calibrate_gate.sh [K=5] [R=2]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

# shellcheck source=SCRIPTDIR/lib/as_root.sh
source "$root/tools/lib/as_root.sh"
as_root_and_build "$0" "$@"

same=${1:-5} reps=${2:-2}
[[ $same =~ ^[0-9]+$ && $same -ge 2 && $reps =~ ^[0-9]+$ && $reps -ge 1 ]] || {
  echo "calibrate_gate: want K >= 2 same-build sweeps and R >= 1, got '$*'" >&2
  exit 2
}
out="$root/results/runs/calibration-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
# name and nf_bench flags of each kind of sweep
declare -A flags=([same]="" [scale103]="--scale_rules=1.03"
  [scale105]="--scale_rules=1.05" [offset30]="--extra_rules=30")

# shellcheck source=SCRIPTDIR/lib/interruptible.sh
source "$root/tools/lib/interruptible.sh"
interrupted() {
  echo "calibrate_gate: interrupted: no table; the sweeps so far are in" \
    "$out (the last one may be incomplete: gate_sweep said which runs)"
}
on_interrupt interrupted

sweep() { # kind index
  # shellcheck disable=SC2086  # the flags are words
  run_child "$root/tools/gate_sweep.sh" "$out/$1-$2" ${flags[$1]} >/dev/null
  echo "calibrate_gate: $1 $2 done ($(date +%T))"
}

# The order: the regression sweeps round by round, a same-build sweep
# spread evenly among them.
order=()
for ((i = 1; i <= reps; i++)); do
  for kind in scale103 scale105 offset30; do order+=("$kind $i"); done
done
every=$(((${#order[@]} + same - 1) / same))
next=1
for ((j = 0; j <= ${#order[@]}; j++)); do
  if ((j % every == 0 && next <= same)); then sweep same $((next++)); fi
  if ((j < ${#order[@]})); then
    read -r kind i <<<"${order[j]}"
    sweep "$kind" "$i"
  fi
done
while ((next <= same)); do sweep same $((next++)); done

dirs() { local f=("$out/$1"-*); (IFS=,; echo "${f[*]}"); }
/usr/bin/python3 "$root/tools/calibrate_gate.py" --same "$out"/same-* \
  --regression "scale 1.03=$(dirs scale103)" \
  --regression "scale 1.05=$(dirs scale105)" \
  --regression "offset 30 rules=$(dirs offset30)" -o "$out/table.md"
cat "$out/table.md"
echo "calibrate_gate: sweeps and table in $out"
