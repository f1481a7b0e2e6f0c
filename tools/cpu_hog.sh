#!/usr/bin/env bash
# Changes the machine's speed under a measurement, to show the gate holds
# when it does: one CPU-bound process on one core for ON seconds, then
# nothing for OFF seconds, again and again, until stopped (Ctrl-C, kill).
#   tools/cpu_hog.sh [ON=20] [OFF=20] [CPU=1] &
set -euo pipefail
on=${1:-20} off=${2:-20} cpu=${3:-1}
for v in "$on" "$off" "$cpu"; do
  [[ $v =~ ^[0-9]+$ ]] || {
    echo "cpu_hog: want whole numbers ON OFF CPU, got '$*'" >&2
    exit 2
  }
done
((cpu < $(nproc))) || {
  echo "cpu_hog: no CPU $cpu here (CPUs 0..$(($(nproc) - 1)))" >&2
  exit 2
}
hog=''
trap '[[ -n $hog ]] && kill "$hog" 2>/dev/null; exit 0' INT TERM HUP
while :; do
  # The spinning child dies with this script, even by kill -9.
  setpriv --pdeathsig KILL taskset -c "$cpu" \
    bash -c 'while :; do :; done' &
  hog=$!
  sleep "$on" & wait $!
  kill "$hog" 2>/dev/null || true
  wait "$hog" 2>/dev/null || true
  hog=''
  sleep "$off" & wait $!
done
