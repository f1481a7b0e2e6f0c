#!/usr/bin/env bash
# Installs what is missing, then configures and builds nf_bench and its tests
# into build/ (or $NF_BENCH_BUILD).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NF_BENCH_BUILD:-$root/build}

"$root/tools/install_deps.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)"
