#!/usr/bin/env bash
# The tests in one command (as root for the integration and VM tests; without
# root they are skipped): installs what is missing, builds, runs ctest, then
# prints what the tests measured (probe, kernel, hook times).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NF_BENCH_BUILD:-$root/build}

"$root/tools/build.sh"
status=0
ctest --test-dir "$build" --output-on-failure "$@" || status=$?

log="$build/Testing/Temporary/LastTest.log"
if [[ -f $log ]] && grep -q 'note: ' "$log"; then
  echo
  echo "Measured by the tests (probe, kernel, hook times):"
  grep -h 'note: ' "$log" | sed 's/^ *note: /  /' | cut -c1-240
fi
exit "$status"
