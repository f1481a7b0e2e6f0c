#!/usr/bin/python3
"""Calibration of the regression gate: how often it cries wolf, and what it
sees, measured on sweeps of this machine (tools/calibrate_gate.sh makes
them).

What: every pair of same-build sweeps (K sweeps: K(K-1)/2 pairs) and every
(same-build, regressed) pair of each known regression is gated as
tools/gate.py gates it, per metric (hook_ns, bits_per_s): by points (a
pair is flagged when some point's verdict is REGRESSED) and by slope (the
Slope section's 95% bootstrap interval of the change of the cost per rule
lies wholly on the worse side). The table gives, per kind of pair, the
share flagged: for same-build pairs the false-positive rate, for a
regression its detection rate, and which points were flagged (an offset
regression should be flagged where it is large).

How:
    tools/calibrate_gate.py --same A.json B.json ... \\
        [--regression 'scale 1.03=C.json,D.json' ...] [-o table.md]
        [--threshold=0.10] [--alpha=0.05] [--min-reps=5]

Exit 0 with the table (stdout, or -o); 2 with one `calibrate: ...` line on
bad input (fewer than two same-build sweeps, a file the loader refuses, a
regression without files).
"""

import itertools
import statistics
import sys

import gate
import gbench_json
from nf_schema import CHAIN

METRICS = ("hook_ns", "bits_per_s")


def parse_args(argv):
    p = gbench_json.OneLineParser(  # one line and exit 2 on a bad command line
        description="Gate every pair of sweeps and tabulate what the gate "
                    "flags.")
    p.add_argument("--same", nargs="+", required=True,
                   help="same-build sweeps (nf_bench JSON)")
    p.add_argument("--regression", action="append", default=[],
                   help="'NAME=A.json,B.json': sweeps of a known regression")
    p.add_argument("-o", "--output", help="write the table here")
    p.add_argument("--threshold", type=float, default=0.10)
    p.add_argument("--alpha", type=float, default=0.05)
    p.add_argument("--min-reps", type=int, default=5)
    args = p.parse_args(argv)
    if len(args.same) < 2:
        raise ValueError("--same needs at least two sweeps to pair")
    kinds = []
    for spec in args.regression:
        name, _, files = spec.partition("=")
        paths = [f for f in files.split(",") if f]
        if not name or not paths:
            raise ValueError(f"--regression '{spec}': want NAME=A.json,...")
        kinds.append((name, paths))
    args.kinds = kinds
    return args


def flagged_points(base, cont, args, metric):
    """The points whose per-point verdict on metric is REGRESSED."""
    common = [p for p in base.names if p in cont.points]
    return [p for p in common
            if gbench_json.carries(metric, gbench_json.family_of(p))
            and gate.compare_point(base, cont, p, metric, args.threshold,
                                   args.alpha, args.min_reps)["verdict"]
            == gate.REGRESSED]


def slope_change(base, cont, metric):
    """(change, lo, hi) of the Chain family's mean slope, or None."""
    common = [p for p in base.names if p in cont.points
              and gbench_json.family_of(p) == CHAIN.name]
    if len({base.x[p] for p in common}) < 3:
        return None
    xs = [base.x[p] for p in common]  # as gate.py: the baseline's counts
    fits = [gate.per_repetition_fits(run, CHAIN.name, metric, common, xs)
            for run in (base, cont)]
    return gate.bootstrap_change([b for _, b in fits[0]],
                                 [b for _, b in fits[1]])


def judge(pairs, args):
    """Per metric: pairs flagged by points, by slope, slope changes, and
    how often each point was flagged."""
    out = {}
    for metric in METRICS:
        by_points, by_slope, changes, points = 0, 0, [], {}
        for base, cont in pairs:
            flagged = flagged_points(base, cont, args, metric)
            by_points += bool(flagged)
            for p in flagged:
                points[p] = points.get(p, 0) + 1
            change = slope_change(base, cont, metric)
            if change is not None:
                changes.append(change[0])
                by_slope += change[1] is not None and change[1] > 0
        out[metric] = {"points": by_points, "slope": by_slope,
                       "changes": changes, "which": points}
    return out


def table(kinds, args):
    """The Markdown table: one row per kind of pair and metric."""
    out = ["| pairs | metric | n | flagged by points | flagged by slope "
           "| slope change: median (range) | points flagged (times) |",
           "| --- | --- | ---: | ---: | ---: | ---: | --- |"]
    for name, pairs in kinds:
        for metric, r in judge(pairs, args).items():
            n = len(pairs)
            c = r["changes"]
            median = (f"{statistics.median(c) * 100:+.2f}% ({min(c) * 100:+.2f}"
                      f" .. {max(c) * 100:+.2f}%)" if c else "-")
            which = ", ".join(f"{p} ({k})" for p, k in r["which"].items())
            out.append(f"| {name} | {metric} | {n} | {r['points']}/{n} | "
                       f"{r['slope']}/{n} | {median} | {which or '-'} |")
    return out


def main(argv=None):
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
        same = [gbench_json.load(p) for p in args.same]
        regressions = [(name, [gbench_json.load(p) for p in paths])
                       for name, paths in args.kinds]
    except (ValueError, gbench_json.UsageError, gbench_json.InputError) as e:
        print(f"calibrate: {e}", file=sys.stderr)
        return 2
    kinds = [("same build", list(itertools.combinations(same, 2)))]
    kinds += [(name, [(b, c) for b in same for c in runs])
              for name, runs in regressions]
    text = "\n".join(
        [f"Gate calibration: threshold {args.threshold:g}, alpha "
         f"{args.alpha:g}, min reps {args.min_reps}; slope flagged when its "
         "95% bootstrap interval lies above 0 (worse).", ""]
        + table(kinds, args)) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
