#!/usr/bin/env bash
# The regression gate as it must be run: two builds on this machine,
# interleaved in time. Builds BASE_REV and HEAD_REV once each (a git
# worktree and build folder per commit under build-gate/, kept, so a rerun
# does not rebuild), then runs the gate's sweep (tools/lib/gate_sweep.sh) as
# alternating processes, base and head in random order within each of the
# pairs, into two folders, and gates them with tools/gate.py: its exit
# status is this script's (0 pass, 1 regression or a failed run, 2 bad
# input). A stored baseline from another machine, or sweeps minutes apart,
# mislead: the machine changes (results/gate-calibration.md).
#   tools/gate_ab.sh BASE_REV [HEAD_REV=HEAD] [--base-flags=FLAGS]
#                    [--head-flags=FLAGS] [--out=DIR] [--pairs=N]
# FLAGS: nf_bench flags for one side only, e.g.
# --head-flags=--scale_rules=1.03 (a known regression, to check the gate).
# DIR (default results/runs/gate-ab-<date>) gets base/, head/, gate.txt and
# the figure base-vs-head.png/.svg. N pairs of processes (default 8, at
# least 4: the permutation test cannot reach p < 0.05 with 3 a side):
# about 36 s a pair, so 8 pairs take about 5 minutes with both builds
# cached; 16 catch a 3% slope more often (results/gate-calibration.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
  echo "gate_ab: $1; usage: tools/gate_ab.sh BASE_REV [HEAD_REV]" \
    "[--base-flags=FLAGS] [--head-flags=FLAGS] [--out=DIR] [--pairs=N]" >&2
  exit 2
}

revs=() base_flags='' head_flags='' out='' pairs=''
for arg in "$@"; do
  case $arg in
  --base-flags=*) base_flags=${arg#*=} ;;
  --head-flags=*) head_flags=${arg#*=} ;;
  --out=*) out=${arg#*=} ;;
  --pairs=*) pairs=${arg#*=} ;;
  -h | --help) sed -n '2,19p' "$0" | cut -c3-; exit 0 ;;
  -*) usage "unknown option '$arg'" ;;
  *) revs+=("$arg") ;;
  esac
done
((${#revs[@]} >= 1)) || usage "give the base revision"
((${#revs[@]} <= 2)) || usage "at most two revisions, got ${#revs[@]}"
[[ ${#revs[@]} == 2 ]] || revs+=(HEAD)
[[ -z $pairs || ($pairs =~ ^[0-9]+$ && $pairs -ge 4 && $pairs -le 1000) ]] ||
  usage "bad --pairs='$pairs': give a whole number from 4 (the permutation \
test needs 4 runs a side to reach p < 0.05)"
[[ -n $out ]] || out="$root/results/runs/gate-ab-$(date +%Y%m%d-%H%M%S)"
if [[ -e $out/base || -e $out/head ]]; then
  usage "$out already holds a comparison; give a new --out folder"
fi

# Each revision as a commit id, or one line and exit 2.
shas=()
for rev in "${revs[@]}"; do
  sha=$(git -C "$root" rev-parse --verify --quiet "$rev^{commit}") ||
    usage "'$rev' is not a revision of this repository (git rev-parse)"
  shas+=("$sha")
done

# shellcheck source=SCRIPTDIR/lib/as_root.sh
source "$root/tools/lib/as_root.sh"
as_root "$0" "$@"
"$root/tools/install_deps.sh"
# shellcheck source=SCRIPTDIR/lib/interruptible.sh
source "$root/tools/lib/interruptible.sh"
# shellcheck source=SCRIPTDIR/lib/gate_sweep.sh
source "$root/tools/lib/gate_sweep.sh"
pairs=${pairs:-$GATE_RUNS}

# build_rev SHA: build-gate/SHA/build/nf_bench of that commit, built once.
build_rev() {
  local sha=$1 dir="$root/build-gate/$1"
  [[ -x $dir/build/nf_bench && -e $dir/built ]] && return 0
  mkdir -p "$dir"
  if [[ ! -d $dir/src ]]; then
    git -C "$root" worktree add --detach --force "$dir/src" "$sha" \
      >"$dir/build.log" 2>&1 ||
      usage "no worktree of ${sha:0:12} (see $dir/build.log)"
  fi
  echo "gate_ab: building ${sha:0:12} in $dir" >&2
  if ! { cmake -S "$dir/src" -B "$dir/build" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
    cmake --build "$dir/build" -j "$(nproc)" --target nf_bench; } \
    >>"$dir/build.log" 2>&1; then
    echo "gate_ab: ${sha:0:12} does not build: $(tail -n 1 "$dir/build.log")" \
      "(whole log: $dir/build.log)" >&2
    exit 2
  fi
  touch "$dir/built"
}

start=$SECONDS
for sha in "${shas[@]}"; do build_rev "$sha"; done
built_s=$((SECONDS - start))

mkdir -p "$out/base" "$out/head"
# shellcheck disable=SC2317  # called by the trap
interrupted() {
  echo "gate_ab: interrupted: no verdict; the complete runs are in" \
    "$out/base and $out/head (*.json)"
}
on_interrupt interrupted

# side base|head I: that side's process I.
side() {
  local name=$1 i=$2 sha flags
  if [[ $name == base ]]; then sha=${shas[0]} flags=$base_flags; else
    sha=${shas[1]} flags=$head_flags; fi
  # shellcheck disable=SC2086  # the flags are words
  if ! gate_run "$root/build-gate/$sha/build/nf_bench" \
    "$out/$name/run-$i.json" $flags; then
    echo "gate_ab: $name run $i failed:" \
      "$(tail -n 1 "$out/$name/run-$i.err")" >&2
    exit 1
  fi
}

start=$SECONDS
for ((i = 1; i <= pairs; i++)); do
  if ((RANDOM % 2)); then side base "$i"; side head "$i"; else
    side head "$i"; side base "$i"; fi
done
swept_s=$((SECONDS - start))

start=$SECONDS
status=0
/usr/bin/python3 "$root/tools/gate.py" "$out/base" "$out/head" \
  >"$out/gate.txt" || status=$?
gated_s=$((SECONDS - start))
cat "$out/gate.txt"
/usr/bin/python3 "$root/tools/plot.py" "base=$out/base/run-1.json" \
  "head=$out/head/run-1.json" -o "$out/base-vs-head" >/dev/null ||
  echo "gate_ab: no figure (plot.py failed)" >&2
echo "gate_ab: base ${shas[0]:0:12}${base_flags:+ ($base_flags)}, head" \
  "${shas[1]:0:12}${head_flags:+ ($head_flags)}: exit $status;" \
  "build ${built_s} s, sweep ${swept_s} s ($pairs pairs), gate" \
  "${gated_s} s; in $out"
exit "$status"
