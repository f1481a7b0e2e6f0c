#!/usr/bin/env bash
# The tests in one command (as root for the integration tests; without root
# they are skipped): installs what is missing, builds, runs ctest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NF_BENCH_BUILD:-$root/build}

"$root/tools/build.sh"
ctest --test-dir "$build" --output-on-failure "$@"
