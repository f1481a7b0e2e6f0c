#!/usr/bin/env bash
# The main result in one command (as root): installs what is missing, builds,
# runs the default sweep (Chain/0 .. Chain/3000) and writes its Google
# Benchmark JSON into results/runs/. Extra arguments go to nf_bench, e.g.
#   tools/sweep.sh --benchmark_repetitions=5 --duration=3
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NF_BENCH_BUILD:-$root/build}

if [[ $(id -u) -ne 0 ]]; then
  echo "sweep: needs root (namespaces, iptables, eBPF): sudo $0 $*" >&2
  exit 1
fi
"$root/tools/build.sh"

mkdir -p "$root/results/runs"
out="$root/results/runs/chain-$(uname -r)-$(date +%Y%m%d-%H%M%S).json"
start=$(date +%s)
"$build/nf_bench" --benchmark_filter='^Chain/' --benchmark_out="$out" \
  --benchmark_out_format=json "$@"
echo
echo "sweep: $(($(date +%s) - start)) s; results in $out"
