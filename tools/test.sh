#!/usr/bin/env bash
# The tests in one command: installs what is missing, builds, runs ctest
# (extra arguments go to ctest, e.g. tools/test.sh -L unit), then prints what
# the tests measured (probe, kernel, hook times). Run it as root, or as a user
# with sudo (it re-runs itself through sudo): the integration and VM tests
# need root. Without any root, `ctest --test-dir build` runs the others.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NF_BENCH_BUILD:-$root/build}

# shellcheck source=SCRIPTDIR/lib/as_root.sh
source "$root/tools/lib/as_root.sh"
as_root_and_build "$0" "$@"
status=0
ctest --test-dir "$build" --output-on-failure "$@" || status=$?

log="$build/Testing/Temporary/LastTest.log"
if [[ -f $log ]] && grep -q 'note: ' "$log"; then
  echo
  echo "Measured by the tests (probe, kernel, hook times):"
  grep -h 'note: ' "$log" | sed 's/^ *note: /  /' | cut -c1-240
fi
exit "$status"
