# interruptible.sh — sourced by the scripts that run nf_bench for long
# (tools/sweep.sh, gate_sweep.sh, calibrate_gate.sh): a signal to the
# script (Ctrl-C, or SIGTERM/SIGHUP to the script alone) stops the child it
# waits for and says what was kept, instead of a silent stop.
#
#   source "$root/tools/lib/interruptible.sh"
#   on_interrupt say_what_was_kept   # a function printing what is complete
#   run_child "$build/nf_bench" ...  # instead of running it directly
#
# nf_bench, stopped, leaves its finished points whole in OUT.partial and
# never a cut-off OUT (benchmarks/result_file.h).
# shellcheck shell=bash

_child='' _report=:
# The script's own stderr: a trap runs inside whatever redirection the
# interrupted command had (gate_sweep's 2>run-N.err).
exec {_stderr}>&2

on_interrupt() { _report=$1; }

_stop() { # signal number
  trap - INT TERM HUP
  if [[ -n $_child ]]; then
    kill -TERM "$_child" 2>/dev/null || true
    wait "$_child" 2>/dev/null || true
  fi
  echo >&"$_stderr"
  "$_report" >&"$_stderr"
  exit $((128 + $1))
}
trap '_stop 2' INT
trap '_stop 15' TERM
trap '_stop 1' HUP

# Runs a command in the background and waits for it, so that a trapped
# signal interrupts the wait at once; its exit status.
run_child() {
  local status=0
  "$@" &
  _child=$!
  wait "$_child" || status=$?
  _child=''
  return "$status"
}

# "a.json b.json" or "none": the files a glob matches.
files_or_none() {
  local files=("$@")
  [[ -e ${files[0]:-} ]] || { echo none; return; }
  echo "${files[*]}"
}
