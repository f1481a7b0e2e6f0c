#!/usr/bin/env bash
# Calibrates the regression gate on this machine: runs the CI's short sweep
# K times on this build and R times with each known regression (every chain
# 3% and 5% longer, --scale_rules, which changes the cost per rule; and an
# offset of 30 rules, --extra_rules, 3% at 1000 rules), interleaved so that
# drift hits every kind alike; then gates every pair
# (tools/calibrate_gate.py) and writes the table beside the sweeps in
# results/runs/calibration-<date>/ (table.md). About a minute per sweep:
#   tools/calibrate_gate.sh [K=5] [R=3]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NF_BENCH_BUILD:-$root/build}

# shellcheck source=SCRIPTDIR/lib/as_root.sh
source "$root/tools/lib/as_root.sh"
as_root_and_build "$0" "$@"

same=${1:-5} reps=${2:-3}
[[ $same =~ ^[0-9]+$ && $same -ge 2 && $reps =~ ^[0-9]+$ && $reps -ge 1 ]] || {
  echo "calibrate_gate: want K >= 2 same-build sweeps and R >= 1, got '$*'" >&2
  exit 2
}
out="$root/results/runs/calibration-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
# name and nf_bench flags of each kind of sweep
declare -A flags=([same]="" [scale103]="--scale_rules=1.03"
  [scale105]="--scale_rules=1.05" [offset30]="--extra_rules=30")

sweep() { # kind index
  "$build/nf_bench" --benchmark_filter='^Chain/(0|500|1000|2000|3000)/' \
    --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true \
    --duration=2 ${flags[$1]} --benchmark_out="$out/$1-$2.json" \
    --benchmark_out_format=json >/dev/null 2>"$out/$1-$2.err"
  echo "calibrate_gate: $1 $2 done"
}

for ((i = 1; i <= same; i++)); do
  sweep same "$i"
  if ((i <= reps)); then
    for kind in scale103 scale105 offset30; do sweep "$kind" "$i"; done
  fi
done
files() { local f=("$out/$1"-*.json); (IFS=,; echo "${f[*]}"); }
/usr/bin/python3 "$root/tools/calibrate_gate.py" --same "$out"/same-*.json \
  --regression "scale 1.03=$(files scale103)" \
  --regression "scale 1.05=$(files scale105)" \
  --regression "offset 30 rules=$(files offset30)" -o "$out/table.md"
cat "$out/table.md"
echo "calibrate_gate: sweeps and table in $out"
