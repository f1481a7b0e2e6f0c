#!/usr/bin/env bash
# The main result in one command: installs what is missing, builds,
# runs the default sweep (Chain/0 .. Chain/3000) and writes, side by side in
# results/runs/: its Google Benchmark JSON, the figure (PNG and SVG) and the
# report (Markdown). With --all first it runs every family instead (chains,
# shapes, remedies, traffic profiles, install cost) and writes every figure.
# Extra arguments go to nf_bench, e.g.
#   tools/sweep.sh --benchmark_repetitions=5 --duration=3
#   tools/sweep.sh --all --benchmark_repetitions=3
# Run it as root, or as a user with sudo (it re-runs itself through sudo).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NF_BENCH_BUILD:-$root/build}

# shellcheck source=SCRIPTDIR/lib/as_root.sh
source "$root/tools/lib/as_root.sh"
as_root_and_build "$0" "$@"

filter='^Chain/' name=chain
if [[ ${1:-} == --all ]]; then
  filter='.' name=all
  shift
fi
mkdir -p "$root/results/runs"
stem="$root/results/runs/$name-$(uname -r)-$(date +%Y%m%d-%H%M%S)"
start=$(date +%s)
# shellcheck source=SCRIPTDIR/lib/interruptible.sh
source "$root/tools/lib/interruptible.sh"
interrupted() {
  if [[ -s $stem.json.partial ]]; then
    echo "sweep: interrupted: no $stem.json, no figure, no report; the" \
      "points finished before the interrupt are whole in $stem.json.partial" \
      "(rename it to $stem.json to keep them, then tools/plot.py and" \
      "tools/report.py)"
  else
    echo "sweep: interrupted before any point finished: nothing written"
  fi
}
on_interrupt interrupted
status=0
run_child "$build/nf_bench" --benchmark_filter="$filter" \
  --benchmark_out="$stem.json" --benchmark_out_format=json "$@" || status=$?
elapsed=$(($(date +%s) - start))
[[ -s "$stem.json" ]] || { echo "sweep: nf_bench wrote no results" >&2; exit 1; }

# Debian's interpreter: the one with python3-matplotlib and python3-scipy.
figures=$(/usr/bin/python3 "$root/tools/plot.py" "$stem.json" -o "$stem")
/usr/bin/python3 "$root/tools/report.py" "$stem.json" -o "$stem.md" >/dev/null
echo
echo "sweep: ${elapsed} s"
echo "  results: $stem.json"
echo "  figures: ${figures//$'\n'/$'\n'           }"
echo "  report:  $stem.md"
if ((status != 0)); then
  echo "sweep: nf_bench reported failed runs (exit $status); they are left out" >&2
  exit "$status"
fi
