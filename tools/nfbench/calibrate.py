"""Calibration of the regression gate: how often it cries wolf, and what it
sees, measured on sweeps of this machine (tools/calibrate_gate.sh makes
them with tools/gate_sweep.sh).

What: every pair of same-build sweeps (K sweeps: K(K-1)/2 pairs) and every
(same-build, regressed) pair of each known regression is gated as
tools/gate.py gates it (gate.compare: with several runs a side, the
floors per point and the line through them, slope and intercept). The
table gives, per kind of pair and metric (hook_ns; bits_per_s, whose line
is 1/bits_per_s), how many pairs were flagged at all (the gate's exit 1),
by points, by the slope; the median and range of the slope's change; and
which points were flagged how often (an offset should be flagged where it
is large). For same-build pairs the flagged share is the false-positive
rate, for a regression its detection rate. A second table gives, per
kind of pair, each gated quantity's change (a point's floor, the line's
slope and intercept): the median of its size, the largest, the largest
worse change the gate's permutation test holds beyond doubt (p < alpha),
and the threshold it is held to: what the thresholds are set from. A
third gives the throughput's repetition CV per point of the same-build
sweeps (the spread of bits_per_s between one run's repetitions).

A sweep is what gate.py takes as a side: a folder of runs, a
comma-separated list of files, or one file.

With --rounds (tools/calibrate_gate.sh makes them): each round folder,
named DESIGN-DRIFT-N (interleaved or sequential; steady or drift), holds
the arms base/, same/, scale103/, scale105/ and offset30/; every arm is
gated against its round's base, and the table has one row per design,
drift, arm and metric. The repetition CV is over the base and same arms.

How:
    tools/calibrate_gate.py --rounds interleaved-drift-1/ ... [-o table.md]
    tools/calibrate_gate.py --same A/ B/ ... \\
        [--regression 'scale 1.03=C/,D/' ...] [-o table.md]
        [--threshold=T] [--slope-threshold=S] [--intercept-threshold=I]
        [--alpha=A] [--min-reps=5]   (as gate.py: default its calibrated
                                      values)

Exit 0 with the tables (stdout, or -o: written whole or not at all); 1
when -o cannot be written; 2 with one `calibrate: ...` line
on bad input (fewer than two same-build sweeps, a sweep the loader
refuses, a regression without sweeps, an -o whose folder does not exist
or cannot be written: checked before any sweep is read).
"""

import dataclasses
import itertools
import os
import statistics
import sys

from . import gate, load

METRICS = ("hook_ns", "bits_per_s")
LINE_OF = {m: gate.SLOPE_METRICS[m][0] for m in METRICS}


def parse_args(argv):
    p = load.OneLineParser(  # one line and exit 2 on a bad command line
        description="Gate every pair of sweeps and tabulate what the gate "
                    "flags.")
    p.add_argument("--same", nargs="+", default=[],
                   help="same-build sweeps (folders of runs, or files)")
    p.add_argument("--rounds", nargs="+", default=[],
                   help="round folders DESIGN-DRIFT-N of base/ and arms")
    p.add_argument("--regression", action="append", default=[],
                   help="'NAME=A/,B/': sweeps of a known regression")
    p.add_argument("-o", "--output", help="write the tables here")
    for flag in ("--threshold", "--slope-threshold", "--intercept-threshold",
                 "--alpha", "--min-reps"):
        p.add_argument(flag, help="as gate.py's")
    args = p.parse_args(argv)
    if args.output:  # its folder, before the work
        load.check_output(args.output)
    if bool(args.rounds) == bool(args.same):
        raise ValueError("give either --rounds or --same")
    if args.same and len(args.same) < 2:
        raise ValueError("--same needs at least two sweeps to pair")
    kinds = []
    for spec in args.regression:
        name, _, sweeps = spec.partition("=")
        paths = [f for f in sweeps.split(",") if f]
        if not name or not paths:
            raise ValueError(f"--regression '{spec}': want NAME=A/,B/,...")
        kinds.append((name, paths))
    args.kinds = kinds
    given = {k: getattr(args, k) for k in (
        "threshold", "slope_threshold", "intercept_threshold", "alpha",
        "min_reps") if getattr(args, k) is not None}
    args.gate = gate.settings(**given)  # the gate's own checks of them
    return args


def verdicts(base, cont, args):
    """(point rows, line rows, settings) of the gate on one pair of
    sweeps."""
    gate_args = dataclasses.replace(args.gate)
    base_run, cont_run, common = gate.load_both(base, cont, gate_args)
    rows, lines, _ = gate.compare(base_run, cont_run, common, gate_args)
    return rows, lines, gate_args


def judge(pairs, args):
    """Per metric: pairs flagged at all, by points, by slope; the slope's
    changes; how often each point was flagged."""
    out = {m: {"any": 0, "points": 0, "slope": 0, "changes": [],
               "which": {}, "spread": {}} for m in METRICS}
    for base, cont in pairs:
        rows, lines, gate_args = verdicts(base, cont, args)
        for metric in METRICS:
            r = out[metric]
            hit = [x.point for x in rows if x.metric == metric
                   and x.verdict == gate.REGRESSED]
            line = [x for x in lines if x.metric == LINE_OF[metric]]
            slope = [x for x in line if x.kind == "slope"]
            r["points"] += bool(hit)
            r["slope"] += any(x.verdict == gate.REGRESSED for x in slope)
            r["any"] += bool(hit) or any(x.verdict == gate.REGRESSED
                                         for x in line)
            r["changes"] += [x.change for x in slope]
            for p in hit:
                r["which"][p] = r["which"].get(p, 0) + 1
            for x in [x for x in rows if x.metric == metric] + line:
                r["spread"].setdefault(x.point, ([], [], x.threshold))
                r["spread"][x.point][0].append(x.change)
                r["spread"][x.point][1].append(worse_beyond_doubt(
                    x, metric, gate_args.alpha))
    return out


def worse_beyond_doubt(row, metric, alpha):
    """The row's change in the worse direction (a cost: up; a rate:
    down) when the permutation test puts it beyond doubt (p of a change
    that far worse < alpha), else None: the gate flags such a change once
    it passes the threshold. None too for a row without that test (one
    run a side: the U test's rows)."""
    if row.p_worse is None or row.p_worse >= alpha:
        return None
    direction = gate.DIRECTION[metric] if row.metric == metric else 1
    return row.change * direction


def fmt_changes(c):
    """+3.01% (+1.20 .. +4.50%)."""
    if not c:
        return "-"
    return (f"{statistics.median(c) * 100:+.2f}% ({min(c) * 100:+.2f} .. "
            f"{max(c) * 100:+.2f}%)")


def table(kinds, args):
    """The Markdown table: one row per kind of pair and metric, after the
    rule the gate applied (that of the first pair: all are sweeps alike)."""
    out = ["| pairs | metric | n | flagged (exit 1) | by points | by slope "
           "| slope change: median (range) | points flagged (times) |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    spread = [
        "", "Spread: the change of each gated quantity (a point's floor; "
        "the line's slope and intercept) per kind of pair: the median of "
        "its size, the largest, and the largest worse change the permutation "
        "test holds beyond doubt (p < alpha: what the gate flags once it "
        "passes the threshold), against the threshold.", "",
        "| pairs | metric | quantity | n | median abs. change | largest "
        "change | largest worse, p < alpha | threshold |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, pairs in kinds:
        n = len(pairs)
        for metric, r in judge(pairs, args).items():
            which = ", ".join(f"{p} ({k})" for p, k in r["which"].items())
            out.append(f"| {name} | {metric} | {n} | {r['any']}/{n} | "
                       f"{r['points']}/{n} | {r['slope']}/{n} | "
                       f"{fmt_changes(r['changes'])} | {which or '-'} |")
            spread += spread_rows(name, metric, r["spread"])
    rule = gate.rule(verdicts(*kinds[0][1][0], args)[2])
    return [f"Gate calibration: {rule}.", ""] + out + spread


def spread_rows(name, metric, spread):
    """One row per gated quantity: the median and the largest (signed)
    of its changes, the largest worse beyond doubt, and its threshold."""
    out = []
    for quantity, (changes, worse, limit) in spread.items():
        largest = max(changes, key=abs)
        worse = [w for w in worse if w is not None]
        out.append(f"| {name} | {metric} | {quantity} | {len(changes)} | "
                   f"{statistics.median(map(abs, changes)) * 100:.2f}% | "
                   f"{largest * 100:+.2f}% | "
                   + (f"{max(worse) * 100:+.2f}%" if worse else "-")
                   + f" | {gate.fmt_threshold(limit)} |")
    return out


def cv_table(same):
    """Throughput's repetition CV per point, over the same-build sweeps'
    runs: median and largest."""
    cvs = {}
    for spec in same:
        run = load.load_side(spec)
        for point in run.names:
            for values in run.by_process(point, "bits_per_s").values():
                if len(values) > 1:
                    cvs.setdefault(point, []).append(
                        statistics.stdev(values) / statistics.fmean(values))
    out = ["", "Throughput (bits_per_s): coefficient of variation of one "
           "run's repetitions, over every run of the same-build sweeps.", "",
           "| point | runs | median CV | largest CV |",
           "| --- | ---: | ---: | ---: |"]
    for point, c in cvs.items():
        out.append(f"| {point} | {len(c)} | {statistics.median(c) * 100:.1f}%"
                   f" | {max(c) * 100:.1f}% |")
    return out


# A round's arms after its base, as the table names them.
ARMS = (("same", "same build"), ("scale103", "scale 1.03"),
        ("scale105", "scale 1.05"), ("offset30", "offset 30 rules"))
DESIGNS = ("interleaved", "sequential")
DRIFTS = ("steady", "drift")


def round_kinds(rounds):
    """[(name, [(base, arm) per round])] per design, drift and arm, and the
    base and same-build sweeps (for the CV table)."""
    cells, same = {}, []
    for path in rounds:
        name = os.path.basename(os.path.normpath(path))
        design, _, rest = name.partition("-")
        drift = rest.partition("-")[0]
        if design not in DESIGNS or drift not in DRIFTS:
            raise ValueError(f"{path}: a round folder is named DESIGN-DRIFT-N"
                             f" ({'/'.join(DESIGNS)}, {'/'.join(DRIFTS)})")
        base = os.path.join(path, "base")
        same += [base, os.path.join(path, "same")]
        for arm, label in ARMS:
            cells.setdefault((design, drift, label), []).append(
                (base, os.path.join(path, arm)))
    kinds = [(f"{design}, {drift}: {label}", cells[(design, drift, label)])
             for design in DESIGNS for drift in DRIFTS for _, label in ARMS
             if (design, drift, label) in cells]
    return kinds, same


def main(argv=None):
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
        if args.rounds:
            kinds, same = round_kinds(args.rounds)
        else:
            same = args.same
            kinds = [("same build",
                      list(itertools.combinations(args.same, 2)))]
            kinds += [(name, [(b, c) for b in args.same for c in sweeps])
                      for name, sweeps in args.kinds]
        text = "\n".join(table(kinds, args) + cv_table(same)) + "\n"
    except (ValueError, load.UsageError, load.InputError) as e:
        print(f"calibrate: {e}", file=sys.stderr)
        return 2
    if args.output:
        return load.write_whole(args.output, text, "calibrate")
    sys.stdout.write(text)
    return 0

