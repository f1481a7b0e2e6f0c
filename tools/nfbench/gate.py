"""Regression gate: compares two nf_bench sweeps (Google Benchmark JSON
files, or folders of several runs) and fails (exit 1) when the contender
is worse than the baseline.

What (one run a side; several: see below): for every benchmark (point,
e.g. Chain/3000) present in both files, matched by name as Google
Benchmark's compare.py matches them, and for each gated metric, the relative change of the medians over the repetitions,
(new - old) / old, and a two-sided Mann-Whitney U test over the
repetitions. A point is gated on the metrics of --metrics its rows carry
(schema's rows of each quantity); by default on what its family
measures: hook_ns and bits_per_s (Chain, Shape, Remedy and Streams
families), hook_ns and packets_per_s (Udp*), hook_ns and connections_per_s
(ConnRate*), real_time_s, the time of one commit (Install*). A point
regressed on a metric when the change is in the worse direction (hook_ns,
cpu_time_s, real_time_s, loss_fraction, hook_cpu_share: up; bits_per_s,
packets_per_s, connections_per_s: down), larger than --threshold, and -
where the U test can be applied - p < --alpha. A change as large in the
better direction is an improvement.

Several runs a side (a folder, or a comma-separated list of files: the
gate's sweep, tools/gate_sweep.sh, writes 8 nf_bench processes): two runs
of one build differ by about 1% per point beyond their repetitions'
spread, and the machine drifts by as much between sweeps minutes apart
(results/gate-calibration.md). What stays put is the floor: per point,
the best repetition of all runs of a side (the lowest of a cost, the
highest of a rate); noise, from the table's placement in memory to a
busy host, only adds time (so the minimum is the robust estimator of a
timing, as in Chen and Revels, "Robust benchmarking in noisy
environments", 2016). A point regressed when its floor is worse than its
threshold (POINT_THRESHOLDS, else DEFAULT_THRESHOLD) and a permutation
test over runs says it is no accident: the runs of both sides are pooled
and split again into as many (every split, or PERMUTATIONS at random,
seed SLOPE_SEED); p is the share of splits whose change is at least as
far worse, and it must be below --alpha. Runs are the independent
samples, and under "no change" the runs of an interleaved sweep
(tools/gate_ab.sh) are exchangeable, so p is exact whatever the floor's
distribution (a bootstrap interval of a minimum is too narrow: no
resample's floor is below the sample's). With 3 runs a side no split is
rarer than 1/20: such comparisons are gated on the thresholds alone and
a note says so. The line too: for each family
whose x is the rule count (not the remedies, not the Install families),
and each lead (shape, payload, streams) of it, with at least 3 rule
counts compared, the least-squares line y = a + b*rules through the
floors (y: hook_ns, and 1/bits_per_s, the time per bit, linear in the
hook time, where the rows carry bits_per_s; x: the baseline's rule
counts, so a contender whose chains are longer at the same point is a
steeper line), fitted again in every split; its slope b (threshold
SLOPE_THRESHOLDS) and intercept a (its change relative to the baseline's
floor at its fewest rules, INTERCEPT_THRESHOLDS) are rows of the table,
gated like a point, and a section after the table gives both with their
p. The floor of N repetitions depends on N: both sides must hold
as many repetitions of each point (the same sweep), or the gate refuses
them (exit 2). The thresholds come from tools/calibrate_gate.sh on the
build machine: results/gate-calibration.md.

One run a side (two files): the U test below over repetitions, and the
Slope section, reported and NOT gated (it never changes the exit code):
per repetition r (Google Benchmark's repetition_index; a repetition that
failed at one point is left out at all) the least-squares line over the
compared points -> (a_r, b_r); one line each with the relative change of
the mean b and of the mean a, and a 95% percentile bootstrap interval
(each file's repetitions resampled with replacement, SLOPE_BOOTSTRAP
times, seed SLOPE_SEED, both printed). One repetition a side gives the
single fit, without an interval; fewer rule counts, a metric missing in
some rows, and families without a rule count x are named in notes. A
note says what one run a side cannot see: the spread between runs.

Why: Google Benchmark's compare.py (libbenchmark-tools) compares only
real_time and cpu_time, ignores user counters such as hook_ns and bits_per_s,
and always exits 0, so it cannot stop a change that makes the chain slower.

When the U test applies: both sides need at least --min-reps repetitions
(default 5) and enough of them for the test to ever give p < alpha. With n
vs m repetitions and no ties the smallest two-sided p is 2 / C(n+m, n):
3 vs 3 -> 0.100, 4 vs 4 -> 0.029, 5 vs 5 -> 0.0079. So with 3 repetitions
the test can never reach alpha 0.05, and with 4 it does so only when every
new repetition is worse than every old one (one outlier vetoes a real
regression); 5 vs 5 still gives p < 0.05 with two of the 25 pairs out of
order. Where the test cannot be applied, the point is gated on the threshold
alone; the table marks it (p-value "-", verdict with "*") and a note says
so. Run the sweep with --benchmark_repetitions=5 (or more) for the U test.

How:
    tools/gate.py BASELINE CONTENDER   (each a JSON file, a folder of
                                        runs, or FILE,FILE,...)
        [--threshold=T] [--slope-threshold=S] [--intercept-threshold=I]
        [--alpha=0.05]  (the U test, and the permutation test of several runs)
        [--min-reps=5]  (the U test of one run a side)
        [--metrics=hook_ns,bits_per_s]
                               (default: what each family measures)
        [--rules=0,500,3000]   (gate only the baseline's points with these
                                rule counts, and the same points of the
                                contender)
        [--family=ChainNft,...] (gate only these families' points)

It prints the table, its notes, the lines' (or the Slope) section and
last the PASS or FAIL line.

Points are matched by name, not by rule count: nf_bench --extra_rules=500
makes every chain 500 rules longer (its Chain/3000 has rules = 3500), and
the gate compares it with the baseline's Chain/3000; --rules selects by the
baseline's `rules` counter, in every family the files hold (Chain,
ChainIptNft, ChainNft: one per rule backend; ChainNft/3000 is compared with
ChainNft/3000 only; and the rule shapes Shape, ShapeIptNft, ShapeNft, whose
points Shape/<k>/<rules> are matched by name too: --rules=3000 selects
Shape/0/3000 .. Shape/3/3000); --family narrows the gate to some families
(Shape* included), and a family the baseline has no point of is bad
input. The table lists the points family by family, each by rule count
(then shape). table_ns (nf_bench --table_time) can be gated with
--metrics=table_ns when both files have it; a file without it is the
"gated metric missing" bad input below. The remedies, traffic profiles
and install families gate like any family (--family=RemedyIpset,...);
with --metrics, points whose rows carry none of them (hook_ns of an
Install row) are named "not gated" in a note.

Exit 0: every point of the baseline was compared and none regressed.
Exit 1: something regressed, a point of the baseline is missing from the
contender, or a contender run failed (error_occurred: a failed repetition is
a failure, not "left out"); the table's notes and the FAIL line name them.
Exit 2, one `gate: ...` line on stderr: bad input, i.e. what the loader
refuses (not JSON, NaN/inf or impossible counters, ...), a gated metric
missing in any usable run of a compared point in either file (a contender
with no counters at all), a baseline point whose runs all failed, no
common benchmark, or no compared point that carries --metrics: the gate
never passes what it did not compare.

Points watched by a foreign observer (the `observers` counter: another BPF
program at the hook or on nf_hook_slow) are marked `[observed: ...]` in the
table and a note says their hook_ns carries that observer's cost; a note
also quotes the load context (other nf_bench processes, busy CPUs, load
average) when it was high. The verdicts stand either way.
"""

import math
import statistics
import sys
from dataclasses import dataclass

import numpy as np

from . import load, schema  # noqa: E402
from .load import OneLineParser, UsageError  # noqa: E402
from .stats import (  # noqa: E402
    PERMUTATIONS, SLOPE_BOOTSTRAP, SLOPE_SEED, bootstrap_change, fit_line,
    fit_lines, floors, min_p, min_two_sided_p, permutation_ps,
    relative_change, u_test)

# metric -> +1 when up is worse, -1 when down is worse: the metrics that are
# a cost, from the loader's one table of quantities.
DIRECTION = {q.name: q.worse for q in schema.QUANTITIES if q.worse}
DEFAULT_THRESHOLD = 0.10
DEFAULT_ALPHA = 0.05
DEFAULT_MIN_REPS = 5

# Several runs a side (tools/gate_sweep.sh): each point's floor, the best
# repetition of all runs (the lowest of a cost, the highest of a rate), with
# a permutation test over runs. Thresholds from tools/calibrate_gate.sh on the
# build machine (results/gate-calibration.md): a point's change (a metric
# missing here: DEFAULT_THRESHOLD), a line's slope, and its intercept's
# change relative to the baseline's floor at its fewest rules. --threshold,
# --slope-threshold and --intercept-threshold override them.
# Throughput (issue 18): over 48 interleaved pairs whose rules' cost
# differed by 5% at most (which moves bits_per_s by about 1%), its floor
# read up to 23.5% worse at a point and 21.3% at the intercept with the
# change beyond doubt (p < 0.05), and the slope of 1/bits_per_s up to
# +122%: the points and the intercept are held to 25%, and that slope is
# reported, not gated (NOT_GATED).
NOT_GATED = math.inf
POINT_THRESHOLDS = {"hook_ns": 0.03, "bits_per_s": 0.25}
# ... and by at least this much in the metric's unit: at 0 rules the floor
# of hook_ns moved by up to 9.5 ns (7%) between sweeps of one workload.
POINT_MIN_CHANGE = {"hook_ns": 15.0}
SLOPE_THRESHOLDS = {"hook_ns": 0.0175, "bits_per_s": NOT_GATED}
INTERCEPT_THRESHOLDS = {"hook_ns": 0.40, "bits_per_s": 0.25}
# The permutation test of several runs a side: splits of the pooled runs
# (all of them up to this many, else this many at random, seed SLOPE_SEED).
PERMUTATION_TEXT = (f"permutation test over runs, both sides' runs pooled "
                    f"and split again: every split, or {PERMUTATIONS} at "
                    f"random with seed {SLOPE_SEED}")

REGRESSED, IMPROVED, UNCHANGED = "REGRESSED", "improved", "unchanged"

# The slope section of one run a side (reported, not gated: its
# thresholds are not calibrated); its bootstrap too draws with SLOPE_SEED.
SLOPE_MIN_X = 3  # distinct rule counts: two always fit a line exactly
RULES_X = "rules"  # the x counter of the families a slope is fitted to
# metric -> (what is fitted, y of a value, unit of y): throughput as its
# inverse, the time per bit, which grows linearly with the hook time.
SLOPE_METRICS = {
    "hook_ns": ("hook_ns", lambda v: v,
                schema.QUANTITY["hook_ns"].unit),
    "bits_per_s": ("1/bits_per_s", lambda v: 1.0 / v, "s/bit"),
}


def verdict(change, direction, p, threshold, alpha):
    """REGRESSED, improved or unchanged; p is None when the U test did not
    apply (then the threshold alone decides)."""
    if abs(change) <= threshold or (p is not None and p >= alpha):
        return UNCHANGED
    return REGRESSED if change * direction > 0 else IMPROVED


def gated(point, metrics):
    """The metrics a point is gated on: of `metrics` (None: what its family
    measures, schema.measures) those its family's rows carry (a run
    with every flag: a metric asked for and missing is bad input)."""
    family = schema.FAMILY[load.family_of(point)]
    return [m for m in (metrics or schema.measures(family))
            if schema.carries(m, family, schema.ALL_FLAGS)]


def check_complete(run, who, points, metrics):
    """InputError unless every usable run of these points has every metric
    it is gated on (the loader already refused NaN, inf and impossible
    values): a gate that skips what is missing passes what was never
    measured."""
    for point in points:
        for metric in gated(point, metrics):
            have, runs = len(run.values(point, metric)), run.reps[point]
            if have < runs:
                raise load.InputError(
                    f"{who} {run.path}: {point}: {metric} missing in "
                    f"{runs - have} of {runs} runs; gate files nf_bench wrote "
                    f"in full, or leave {metric} out of --metrics")


def check_baseline(base, metrics):
    """InputError when the baseline cannot judge one of its points."""
    dead = dead_points(base)
    if dead:
        raise load.InputError(
            f"baseline {base.path}: {', '.join(dead)} failed in all runs "
            f"({base.failures[dead[0]][0]}); re-run the baseline")
    check_complete(base, "baseline", base.names, metrics)


@dataclass
class Row:
    """One gated quantity of one comparison, apart from its text: a point
    on one metric, or a line's slope or intercept."""
    point: str     # the benchmark, or "<family> slope" / "<family> intercept"
    metric: str
    n_old: int     # repetitions (one run a side) or runs (several)
    n_new: int
    old: float     # the median (U test) or the floor (several runs)
    new: float
    observed: str = ""  # which side saw a foreign observer, if any
    kind: str = "point"  # "point", "slope" or "intercept"
    threshold: float = 0.0  # the smallest change that counts
    change: float = 0.0  # relative
    p: float = None  # of the change's direction; None: no test applied
    p_worse: float = None  # the permutation test's, several runs a side
    p_better: float = None
    tested: bool = False  # False: the thresholds alone decided
    verdict: str = ""


def dead_points(run):
    """The points whose runs all failed (no results, no rule count)."""
    return [p for p in run.failures if p not in run.points]


def compare_point(base, cont, point, metric, args):
    """One row of the table: one point on one metric (both sides have it
    in every run, see check_complete); the floors when both sides hold
    several runs (args.between), else the U test."""
    if args.between:
        return compare_floors(base, cont, point, metric, args)
    old = base.values(point, metric)
    new = cont.values(point, metric)
    row = Row(point, metric, len(old), len(new), statistics.median(old),
              statistics.median(new), observed_by(base, cont, point),
              threshold=point_threshold(metric, args))
    row.change = relative_change(row.old, row.new)
    row.p = u_test(old, new, args.alpha, args.min_reps)
    row.tested = row.p is not None
    row.verdict = verdict(row.change, DIRECTION[metric], row.p, row.threshold,
                          args.alpha)
    return row


def point_threshold(metric, args):
    """The smallest change of a point that counts, on this metric."""
    if args.threshold is not None:
        return args.threshold
    table = POINT_THRESHOLDS if args.between else {}
    return table.get(metric, DEFAULT_THRESHOLD)


def line_threshold(what, metric, args):
    """The smallest change of a line's slope or intercept that counts."""
    given = getattr(args, f"{what}_threshold")
    if given is not None:
        return given
    table = SLOPE_THRESHOLDS if what == "slope" else INTERCEPT_THRESHOLDS
    return table.get(metric, DEFAULT_THRESHOLD)


def between(base, cont):
    """Whether both sides hold several runs: then the floors decide."""
    return min(base.runs, cont.runs) >= 2


def run_bests(run, point, metric, y_of=None):
    """{file: its best repetition at the point} (of y_of(value), a cost,
    when given): the lowest of a cost, the highest of a rate."""
    if y_of is not None:
        return {f: min(map(y_of, v))
                for f, v in run.by_process(point, metric).items()}
    pick = min if DIRECTION[metric] > 0 else max
    return {f: pick(v) for f, v in run.by_process(point, metric).items()}


def floor_verdict(change, p_worse, p_better, direction, threshold, alpha):
    """REGRESSED when worse by more than the threshold and a split of the
    runs as far worse is rarer than alpha; improved likewise; else
    unchanged."""
    worse = change * direction
    if worse > threshold and p_worse < alpha:
        return REGRESSED
    if worse < -threshold and p_better < alpha:
        return IMPROVED
    return UNCHANGED


def floor_row(row, change, p, direction, args):
    """A row of several runs a side completed: its change, the permutation
    test's p of its direction, its verdict."""
    row.change, (row.p_worse, row.p_better) = change, p
    row.p = p[0] if change * direction >= 0 else p[1]
    row.tested = min_p(row.n_old, row.n_new) < args.alpha
    row.verdict = floor_verdict(
        change, *(p if row.tested else (0.0, 0.0)), direction, row.threshold,
        args.alpha)
    return row


def compare_floors(base, cont, point, metric, args):
    """The row of a point with several runs a side: the change of its
    floor and the permutation test over runs."""
    direction = DIRECTION[metric]
    sides = [[[v] for v in run_bests(run, point, metric).values()]
             for run in (base, cont)]
    old, new = (float(floors(s, direction)[0]) for s in sides)
    [p] = permutation_ps(*sides, direction, lambda a, b: [
        (b[:, 0] - a[:, 0]) / np.abs(a[:, 0])])
    row = Row(point, metric, base.runs, cont.runs, old, new,
              observed_by(base, cont, point),
              threshold=point_threshold(metric, args))
    floor_row(row, relative_change(old, new), p, direction, args)
    if abs(new - old) < POINT_MIN_CHANGE.get(metric, 0.0):
        row.verdict = UNCHANGED
    return row


def per_repetition_fits(run, family, metric, points=None, xs=None):
    """[(a_r, b_r)] of y = a + b N over the points (default: the run's
    points of the family), one fit per repetition r they all have (a
    repetition that failed at one point is left out at every point), y
    from SLOPE_METRICS[metric]; ValueError when a point lacks the metric
    in some rows (its values then cannot be paired with repetitions)."""
    points = points or [p for p in run.names
                        if load.family_of(p) == family]
    y_of = SLOPE_METRICS[metric][1]
    by_rep = []
    for point in points:  # {repetition: value} of each point
        values, reps = run.values(point, metric), run.repetitions(point)
        if len(values) != len(reps):
            raise ValueError(f"{point}: {metric} missing in "
                             f"{len(reps) - len(values)} of {len(reps)} runs")
        by_rep.append(dict(zip(reps, values)))
    common = sorted(set.intersection(*(set(d) for d in by_rep)))
    if not common:
        raise ValueError("no repetition that every point has")
    xs = xs or [run.x[p] for p in points]
    return [fit_line(xs, [y_of(d[r]) for d in by_rep])[:2] for r in common]


def fmt_change(change):
    """+0.94%, +inf%."""
    if math.isinf(change):
        return "+inf%" if change > 0 else "-inf%"
    return f"{change * 100:+.2f}%"


def slope_line(name, metric, base_fits, cont_fits, seed=SLOPE_SEED):
    """`Chain hook_ns slope: 4.2 -> 4.326 ns/rule (+3.00%, 95% CI +2.90%
    .. +3.10%); intercept 130 -> 130 ns (+0 ns, CI ...)`: the mean fits
    of each file and their changes."""
    label, _, unit = SLOPE_METRICS[metric]
    parts = []
    for i, what, per in ((1, "slope", f"{unit}/rule"), (0, "intercept", unit)):
        old = [fit[i] for fit in base_fits]
        new = [fit[i] for fit in cont_fits]
        # The intercept as a difference in its unit: it is near 0 when the
        # cost per rule grows along the sweep.
        show = fmt_change if i else (lambda d: f"{d:+.4g} {unit}")
        change, lo, hi = bootstrap_change(old, new, seed, absolute=not i)
        ci = ("" if lo is None else (", 95% CI " if i else ", CI ")
              + f"{show(lo)} .. {show(hi)}")
        parts.append(f"{what}{':' if i else ''} "
                     f"{statistics.fmean(old):.4g} -> "
                     f"{statistics.fmean(new):.4g} {per} "
                     f"({show(change)}{ci})")
    line = f"{name} {label} {parts[0]}; {parts[1]}"
    if min(len(base_fits), len(cont_fits)) < 2:
        line += (f"; one fit, cannot be bootstrapped ({len(base_fits)} vs "
                 f"{len(cont_fits)} repetitions)")
    return line


def side_fits(run, who, family, metric, points, xs):
    """per_repetition_fits of one file; its ValueError names the file."""
    try:
        return per_repetition_fits(run, family, metric, points, xs)
    except ValueError as e:
        raise ValueError(f"{who}: {e}") from None


def slope_series(points):
    """({(family, lead): its points} of the points of families whose x is
    the rule count, install families left out; the other families)."""
    series, others = {}, []
    for point in points:
        name = load.family_of(point)
        family = schema.FAMILY[name]
        if family.x != RULES_X or name in schema.INSTALLS:
            others.append(name)
            continue
        lead = point.split("/")[1] if family.lead else None
        series.setdefault((name, lead), []).append(point)
    return series, list(dict.fromkeys(others))


def slope_cases(base, common):
    """([(title, metric, points, xs)], notes): the lines to fit, per family
    (and lead) with at least SLOPE_MIN_X rule counts, on hook_ns and
    1/bits_per_s where its rows carry them, x the baseline's rule counts
    (points match by name, so a contender whose chains are longer:
    --extra_rules, --scale_rules, a dearer kernel, shows as a steeper
    line); and why the others are not fitted."""
    series, others = slope_series(common)
    cases, notes = [], []
    for (name, lead), points in series.items():
        family = schema.FAMILY[name]
        title = name if lead is None else f"{name} {family.lead}={lead}"
        if len(points) < SLOPE_MIN_X:
            rules = ", ".join(str(base.x[p]) for p in points)
            notes.append(f"{title}: {len(points)} rule counts compared "
                         f"({rules}); a slope needs {SLOPE_MIN_X} or more")
            continue
        xs = [base.x[p] for p in points]
        cases += [(title, m, points, xs) for m in SLOPE_METRICS
                  if schema.carries(m, family)]
    if others:
        notes.append(f"{', '.join(others)}: x is not the chain's rule "
                     "count, or install times")
    return cases, notes


def slope_section(base, cont, common):
    """The Slope lines of one run a side: the per-repetition line fits,
    reported, never a verdict (one process's repetitions do not show the
    spread between runs)."""
    cases, notes = slope_cases(base, common)
    lines = []
    for title, metric, points, xs in cases:
        try:
            fits = [side_fits(run, who, title.split()[0], metric, points, xs)
                    for run, who in ((base, "baseline"),
                                     (cont, "contender"))]
        except ValueError as e:
            notes.append(f"{title} {SLOPE_METRICS[metric][0]}: not "
                         f"fitted ({e})")
            continue
        lines.append(slope_line(title, metric, *fits))
    return section(
        f"Slope over the rule counts, REPORTED, NOT GATED (one run a side; "
        f"least squares y = a + b*rules per repetition; 95% CI: bootstrap "
        f"over repetitions, B = {SLOPE_BOOTSTRAP}, seed {SLOPE_SEED}; x: the "
        f"baseline's rule counts; give several runs a side, "
        f"tools/gate_sweep.sh, to gate it):", lines, "no slope", notes)


def section(title, lines, why_not, notes):
    """A section's lines: its title, its lines, then its notes."""
    return ([title] + [f"  {line}" for line in lines]
            + [f"  {why_not}: {note}" for note in notes] + [""])


def line_rows(base, cont, common, args):
    """(rows, section lines): the slope and intercept of each line fitted
    to the floors, gated like a point."""
    cases, notes = slope_cases(base, common)
    rows, lines = [], []
    for title, metric, points, xs in cases:
        try:
            new_rows = line_floor_rows(title, metric, (base, cont), points,
                                       xs, args)
        except ValueError as e:
            notes.append(f"{title} {SLOPE_METRICS[metric][0]}: not "
                         f"fitted ({e})")
            continue
        rows += new_rows
        lines.append(line_text(title, metric, new_rows))
    return rows, section(
        f"Lines over the rule counts, GATED (least squares y = a + b*rules "
        f"through the floors; p: {PERMUTATION_TEXT}; x: the baseline's rule "
        f"counts; the intercept's change in % of the baseline's floor at "
        f"its fewest rules):", lines, "no line", notes)


def side_floor_bests(run, metric, points):
    """The matrix runs x points of one side's bests of y (a cost), over
    its runs that have every point; ValueError when fewer than two do."""
    y_of = SLOPE_METRICS[metric][1]
    bests = [run_bests(run, p, metric, y_of) for p in points]
    files = sorted(set.intersection(*(set(b) for b in bests)))
    if len(files) < 2:
        raise ValueError(f"{run.path}: {len(files)} run(s) with every point")
    return [[b[f] for b in bests] for f in files]


def line_changes(xs, y0):
    """statistics_of for permutation_ps: (the slope's relative change,
    the intercept's change relative to y0) of the least-squares lines
    through two stacks of floors (splits x points)."""
    def changes(old, new):
        (a_old, b_old), (a_new, b_new) = (fit_lines(xs, f) for f in (old, new))
        return [(b_new - b_old) / np.abs(b_old), (a_new - a_old) / y0]
    return changes


def line_floor_rows(title, metric, sides, points, xs, args):
    """The slope row and the intercept row of one line (y a cost: up is
    worse); the intercept's change relative to the baseline's floor at
    its fewest rules (an intercept itself may be near 0)."""
    bests = [side_floor_bests(run, metric, points) for run in sides]
    (old, new) = (fit_line(xs, floors(b, 1))[:2] for b in bests)
    y0 = abs(float(floors(bests[0], 1)[0])) or 1.0
    ps = permutation_ps(*bests, 1, line_changes(xs, y0))
    rows = []
    for i, what, p in zip((1, 0), ("slope", "intercept"), ps):
        scale = abs(old[1]) if i else y0
        row = Row(f"{title} {what}", SLOPE_METRICS[metric][0],
                  len(bests[0]), len(bests[1]), old[i], new[i], kind=what,
                  threshold=line_threshold(what, metric, args))
        rows.append(floor_row(row, (new[i] - old[i]) / scale if scale
                              else 0.0, p, 1, args))
    return rows


def line_text(title, metric, rows):
    """`Chain hook_ns: slope 4.2 -> 4.33 ns/rule (+3.00%, p 0.0012);
    intercept 130 -> 131 ns (+0.70%, p 0.31); 8 vs 8 runs`."""
    label, _, unit = SLOPE_METRICS[metric]
    parts = [f"{row.kind} {row.old:.4g} -> "
             f"{row.new:.4g} {per} ({fmt_change(row.change)}, p "
             f"{row.p:.2g})"
             for row, per in zip(rows, (f"{unit}/rule", unit))]
    return (f"{title} {label}: {'; '.join(parts)}; {rows[0].n_old} vs "
            f"{rows[0].n_new} runs")


def fmt_value(x):
    """20.47G (SI prefix from 1e6 up), 12740 (whole from 1e3), 1.928."""
    if x is None:
        return "-"
    for scale, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M")):
        if abs(x) >= scale:
            return f"{x / scale:.4g}{prefix}"
    return f"{x:.0f}" if abs(x) >= 1e3 else f"{x:.4g}"


def observed_by(base, cont, point):
    """Which side saw a foreign observer at this point: '', 'baseline',
    'contender' or 'both'."""
    sides = [who for run, who in ((base, "baseline"), (cont, "contender"))
             if point in run.observed]
    return "both" if len(sides) == 2 else "".join(sides)


def fmt_row(row, name_width, metric_width=13):
    change = fmt_change(row.change)
    p = "-" if row.p is None else f"{row.p:.4f}"
    verdict_text = row.verdict + ("" if row.tested else "*")
    if row.observed:
        verdict_text += f"  [observed: {row.observed}]"
    return (f"{row.point:<{name_width}}"
            f"{row.metric:<{metric_width}}{fmt_value(row.old):>12}"
            f"{fmt_value(row.new):>12}{change:>11}{p:>16}  {verdict_text}")


def parse_args(argv):
    parser = OneLineParser(
        prog="gate.py",
        description="Fail (exit 1) when an nf_bench run regressed against a "
                    "baseline on hook_ns / bits_per_s.")
    parser.add_argument("baseline", help="Google Benchmark JSON, reference")
    parser.add_argument("contender", help="Google Benchmark JSON to judge")
    def literal(text):
        """text as argparse prints it: its '%' are not format specifiers."""
        return text.replace("%", "%%")

    parser.add_argument("--threshold", default=None,
                        help=literal("relative change of a point that counts "
                                     f"(default {DEFAULT_THRESHOLD:g} = "
                                     f"{DEFAULT_THRESHOLD * 100:g}%; with "
                                     "several runs a side: "
                                     + thresholds_text(POINT_THRESHOLDS)
                                     + ")"))
    parser.add_argument("--slope-threshold", default=None,
                        help=literal("relative change of a slope that counts, "
                                     "with several runs a side (default "
                                     + thresholds_text(SLOPE_THRESHOLDS)
                                     + ")"))
    parser.add_argument("--intercept-threshold", default=None,
                        help=literal("change of an intercept that counts, "
                                     "relative to the baseline's floor at "
                                     "its fewest rules, with several runs a "
                                     "side (default "
                                     + thresholds_text(INTERCEPT_THRESHOLDS)
                                     + ")"))
    parser.add_argument("--alpha", default=str(DEFAULT_ALPHA),
                        help="significance level of the U test (one run a "
                             "side) and of the permutation test (several) "
                             "(default %(default)s)")
    parser.add_argument("--metrics", default="",
                        help="comma-separated, from: " + ", ".join(DIRECTION)
                             + "; each point is gated on those its rows "
                             "carry (default: what its family measures: "
                             "hook_ns and its rate, bits_per_s, "
                             "packets_per_s or connections_per_s; "
                             "real_time_s of the Install families)")
    parser.add_argument("--min-reps", default=str(DEFAULT_MIN_REPS),
                        help="repetitions per side needed for the U test; "
                             "below it the threshold alone decides "
                             "(default %(default)s)")
    parser.add_argument("--rules", default="",
                        help="comma-separated rule counts to gate, e.g. "
                             "0,500,3000: the baseline's points with these "
                             "rules counters (each must be there), and the "
                             "same points of the contender; default: every "
                             "point of the baseline")
    parser.add_argument("--family", default="",
                        help="comma-separated families to gate, from "
                             + ", ".join(schema.FAMILY)
                             + "; default: every family of the baseline")
    args = parser.parse_args(argv)
    return args.baseline, args.contender, settings(
        args.threshold, args.slope_threshold, args.intercept_threshold,
        args.alpha, args.min_reps, args.metrics, args.rules, args.family)


@dataclass
class Settings:
    """What the gate holds a comparison to (checked: see settings())."""
    threshold: float = None  # None: the defaults, per metric
    slope_threshold: float = None
    intercept_threshold: float = None
    alpha: float = DEFAULT_ALPHA
    min_reps: int = DEFAULT_MIN_REPS
    metrics: list = None  # None: what each family measures
    rules: list = None  # None: every point
    family: list = None  # None: every family
    between: bool = False  # several runs a side (load_both sets it)


def _number(flag, text, ok, kind=float):
    try:
        value = kind(text)
    except (TypeError, ValueError):
        value = None
    if value is None or not ok(value):
        raise UsageError(f"bad {flag}={text!r}")
    return value


def _metrics(text):
    metrics = [m.strip() for m in text.split(",") if m.strip()]
    if not metrics and text:
        raise UsageError("--metrics is empty")
    for m in metrics:
        if m not in DIRECTION:
            raise UsageError(f"unknown metric {m!r} (known: "
                             + ", ".join(DIRECTION) + ")")
    return list(dict.fromkeys(metrics)) or None


def settings(threshold=None, slope_threshold=None, intercept_threshold=None,
             alpha=str(DEFAULT_ALPHA), min_reps=str(DEFAULT_MIN_REPS),
             metrics="", rules="", family=""):
    """Settings from the options as given on the command line (text);
    UsageError names the first bad one."""
    limits = [None if text is None else _number(
        flag, text, lambda v: math.isfinite(v) and v >= 0)
        for flag, text in (("--threshold", threshold),
                           ("--slope-threshold", slope_threshold),
                           ("--intercept-threshold", intercept_threshold))]
    return Settings(*limits, _number("--alpha", alpha, lambda v: 0 < v < 1),
                    _number("--min-reps", min_reps, lambda v: v >= 2, int),
                    _metrics(metrics), parse_rules(rules),
                    parse_families(family))


def parse_families(text):
    """The --family list, or None for all."""
    names = list(dict.fromkeys(f.strip() for f in text.split(",")
                               if f.strip()))
    if not text.strip():
        return None
    unknown = [f for f in names if f not in schema.FAMILY]
    if not names or unknown:
        raise UsageError(f"bad --family={text!r}: give families from "
                         + ", ".join(schema.FAMILY))
    return names


def parse_rules(text):
    """The --rules set, or None for all."""
    if not text.strip():
        return None
    try:
        rules = {int(r) for r in text.split(",") if r.strip()}
    except ValueError:
        rules = set()
    if not rules or min(rules) < 0:
        raise UsageError(f"bad --rules={text!r}: give rule counts like "
                         "0,500,3000")
    return rules


def failures(cont):
    """{point: line} of the contender's failed runs: each one fails the
    gate (a run that failed measured nothing, and may hide a regression)."""
    out = {}
    for point, errors in cont.failures.items():
        runs = len(errors) + cont.reps.get(point, 0)
        out[point] = f"{point} ({len(errors)} of {runs} runs: {errors[0]})"
    return out


def observer_note(base, cont, rows):
    """Which compared points a foreign observer watched, and what it costs."""
    seen = list(dict.fromkeys(r.point for r in rows if r.observed))
    if not seen:
        return []
    parts = []
    for point in seen:
        labels = [f"{who}: {'; '.join(run.observed[point])}"
                  for run, who in ((base, "baseline"), (cont, "contender"))
                  if point in run.observed]
        parts.append(f"{point} ({', '.join(labels)})")
    return [f"observed: another BPF program (at the sender's LOCAL_OUT hook "
            f"or on nf_hook_slow) watched {', '.join(parts)}. The hook_ns "
            "of these points includes that observer's cost; their verdicts "
            "stand, but a change there may be the observer's: re-run "
            "without it (nf_watch, bpftrace, other netfilter BPF programs)."]


def load_note(base, cont):
    """The load context of either run, when it says the machine was busy."""
    parts = [f"{who}: {'; '.join(warnings)}"
             for run, who in ((base, "baseline"), (cont, "contender"))
             for warnings in [load.load_warnings(run)] if warnings]
    if not parts:
        return []
    return [f"load: {' | '.join(parts)}. Concurrent load skews throughput "
            "and hook times; the verdicts stand, but compare runs made on an "
            "idle machine."]


def table(base, cont, rows, args):
    """The header lines and the compare.py-style table."""
    name_width = max([len("Benchmark")] + [len(r.point) for r in rows]) + 2
    # 13 fits hook_ns and bits_per_s; connections_per_s needs more
    metric_width = max([13] + [len(r.metric) + 1 for r in rows])
    old, new = (("Old floor", "New floor") if args.between
                else ("Old median", "New median"))
    header = (f"{'Benchmark':<{name_width}}{'Metric':<{metric_width}}"
              f"{old:>12}{new:>12}{'Change':>11}{'p-value':>16}  Verdict")
    return ([f"baseline:  {base.path} ({side_label(base)})",
             f"contender: {cont.path} ({side_label(cont)})", rule(args), "",
             header, "-" * len(header)]
            + [fmt_row(r, name_width, metric_width) for r in rows] + [""])


def side_label(run):
    """The run's label, and how many runs a side of several has."""
    return run.label + (f"; {run.runs} runs" if run.runs > 1 else "")


def thresholds_text(table, metric_name=lambda m: m):
    """`hook_ns 3%, the rest 10%` of a table of thresholds."""
    rest = f", the rest {DEFAULT_THRESHOLD * 100:g}%"
    return ", ".join(f"{metric_name(m)} {fmt_threshold(v)}"
                     for m, v in table.items()) + rest


def fmt_threshold(v):
    """`3%`, or `not gated`."""
    return "not gated" if v == NOT_GATED else f"{v * 100:g}%"


def rule(args):
    """What 'regressed' means in this table."""
    if not args.between:
        return (f"regressed = worse by more than "
                f"{point_threshold('hook_ns', args) * 100:g}% and, where the "
                f"U test applies (>= {args.min_reps} repetitions a side), "
                f"p < {args.alpha:g}")
    given = {"point": args.threshold, "slope": args.slope_threshold,
             "intercept": args.intercept_threshold}
    parts = []
    for what, table in (("point", POINT_THRESHOLDS),
                        ("slope", SLOPE_THRESHOLDS),
                        ("intercept", INTERCEPT_THRESHOLDS)):
        parts.append(f"{what}s " + (
            f"{given[what] * 100:g}%" if given[what] is not None else
            thresholds_text(table, lambda m: SLOPE_METRICS[m][0]
                            if what != "point" else m)))
    least = ", ".join(f"{m} {v:g} {schema.QUANTITY[m].unit}"
                      for m, v in POINT_MIN_CHANGE.items())
    return ("regressed = the floor (the best repetition of all runs: the "
            "lowest of a cost, the highest of a rate) worse by more than the "
            f"threshold ({'; '.join(parts)}; and a point by at least "
            f"{least}) and p < {args.alpha:g}, the share of splits at "
            f"least as far worse ({PERMUTATION_TEXT})")


def untested_note(rows, args):
    """Which comparisons the threshold alone decided, and why."""
    untested = [r for r in rows if not r.tested]
    if not untested:
        return []
    sizes = sorted({(r.n_old, r.n_new) for r in untested})
    if args.between:
        why = "; ".join(f"{n} vs {m} runs (smallest possible p "
                        f"{min_p(n, m):.3g})" for n, m in sizes)
        return [f"* permutation test NOT possible for {len(untested)} of "
                f"{len(rows)} comparisons: {why}, not below {args.alpha:g}. "
                "These are gated on the thresholds ALONE (noise can pass "
                "for a change); give 4 or more runs a side "
                "(tools/gate_sweep.sh runs 8)."]
    why = "; ".join(
        f"{n} vs {m} repetitions (smallest possible p "
        f"{min_two_sided_p(n, m):.3g})" for n, m in sizes)
    return [f"* U test NOT applied to {len(untested)} of {len(rows)} "
            f"comparisons: {why}; it needs >= {args.min_reps} repetitions a "
            f"side and a possible p < {args.alpha:g}. These are gated on the "
            f"{point_threshold('', args) * 100:g}% threshold ALONE (noise "
            f"can pass for a "
            f"change); run with --benchmark_repetitions={args.min_reps} or "
            f"more."]


def points_notes(base, failed, missing, only_cont):
    """Failed, missing and extra points."""
    lines = []
    if base.failed:
        lines.append(f"baseline: {base.failed} failed run(s) (error_occurred) "
                     "left out; its other runs of those points are compared")
    if failed:
        lines.append("FAILED in the contender (error_occurred): "
                     + ", ".join(failed.values()))
    if missing:
        lines.append("MISSING from the contender (in the baseline): "
                     + ", ".join(missing))
    if only_cont:
        lines.append("only in contender (not compared): "
                     + ", ".join(only_cont))
    return lines


def summary(rows, lines, args, failed, missing):
    """The PASS/FAIL line, and the regressed comparisons (points, then
    the lines' slopes and intercepts)."""
    every = rows + lines
    count = {v: sum(r.verdict == v for r in every)
             for v in (REGRESSED, IMPROVED, UNCHANGED)}
    order = {p: i for i, p in enumerate(dict.fromkeys(r.point
                                                      for r in every))}
    regressed = [f"{p} {m}" for p, m in sorted(
        {(r.point, r.metric) for r in every
         if r.verdict == REGRESSED},
        key=lambda pm: (order[pm[0]], pm[1]))]
    line = (f"{count[REGRESSED]} regressed, {count[IMPROVED]} improved, "
            f"{count[UNCHANGED]} unchanged")
    if failed:
        line += f", {len(failed)} failed in the contender"
    if missing:
        line += f", {len(missing)} missing from the contender"
    points = {r.point for r in rows}
    families = {load.family_of(p) for p in points}
    plain = all(schema.FAMILY[f].args == ("rules",) for f in families)
    each = sorted({len(gated(p, args.metrics)) for p in points}) or [0]
    line += (f" ({len(rows)} comparisons: {len(points)} "
             + ("rule counts" if len(families) < 2 and plain
                else f"points of {len(families)} famil"
                + ("y" if len(families) == 1 else "ies"))
             + f" x {each[0]}"
             + (f" to {each[-1]}" if len(each) > 1 else "") + " metrics"
             + (f"; {len(lines)} slopes and intercepts" if lines else "")
             + ")")
    fail = regressed or failed or missing
    return ([("FAIL: " if fail else "PASS: ") + line]
            + (["regressed: " + ", ".join(regressed)] if regressed else []))


def ungated_note(points, args):
    """The compared points whose rows carry none of --metrics."""
    none = [p for p in points if not gated(p, args.metrics)]
    if not none:
        return []
    return [f"not gated (their rows carry none of --metrics="
            f"{','.join(args.metrics)}): {', '.join(none)}"]


def compare(base, cont, common, args):
    """(point rows, line rows, the slope section's lines): every verdict
    of the gate on the compared points (line rows only with several runs
    a side; with one, the slope is reported, not gated)."""
    rows = [compare_point(base, cont, point, metric, args)
            for point in common for metric in gated(point, args.metrics)]
    if args.between:
        return (rows, *line_rows(base, cont, common, args))
    return rows, [], slope_section(base, cont, common)


def report(base, cont, compared, args, failed, missing, only_cont, common):
    """The table, its notes and the summary line, as lines of text."""
    rows, lines, section = compared
    return (table(base, cont, rows + lines, args)
            + untested_note(rows + lines, args)
            + one_run_note(base, cont, args) + ungated_note(common, args)
            + points_notes(base, failed, missing, only_cont)
            + observer_note(base, cont, rows) + load_note(base, cont)
            + section + summary(rows, lines, args, failed, missing))


def one_run_note(base, cont, args):
    """What a test of one run a side cannot see."""
    if args.between:
        return []
    return [f"{base.runs} vs {cont.runs} run(s): the test sees the spread of "
            "repetitions, not the spread between runs and sweeps (about 1% "
            "per point on the build machine, results/gate-calibration.md); "
            "gate folders of several runs (tools/gate_sweep.sh) to see it "
            "and to gate the slope."]


def select(base, cont, rules):
    """Cuts both runs to the baseline's points with these rule counts, or
    InputError naming the rule counts the baseline does not have."""
    absent = sorted(rules - set(base.rules))
    if absent:
        dead = dead_points(base)
        raise load.InputError(
            f"baseline {base.path} has no benchmark with rules = "
            f"{', '.join(map(str, absent))} (from --rules)"
            + (f"; {', '.join(dead)} failed in all runs and has no rule count"
               if dead else "")
            + ": gate rule counts the baseline measured")
    keep = {p for p in base.names if base.rule_count[p] in rules}
    base.restrict(keep)
    cont.restrict(keep)


def select_families(base, cont, families):
    """Cuts both runs to these families' points, or InputError naming a
    family the baseline has no point of."""
    have = {load.family_of(p) for p in [*base.points, *base.failures]}
    absent = [f for f in families if f not in have]
    if absent:
        raise load.InputError(
            f"baseline {base.path} has no {', '.join(absent)} benchmark "
            "(from --family): gate families the baseline measured")
    for run in (base, cont):
        run.restrict({p for p in [*run.points, *run.failures]
                      if load.family_of(p) in families})


def in_order(points):
    """Points family by family (schema order), keeping their order within
    a family (by rule count): the table's order."""
    rank = {f.name: i for i, f in enumerate(schema.FAMILIES)}
    return sorted(points,
                  key=lambda p: rank.get(load.family_of(p), -1))


def check_sizes(base, cont, common):
    """InputError when a point has more repetitions on one side than on
    the other and no failure explains it: the floor of more repetitions is
    lower by itself."""
    for point in common:
        sizes = (base.reps[point], cont.reps[point])
        if sizes[0] != sizes[1] and not (point in base.failures
                                         or point in cont.failures):
            raise load.InputError(
                f"{point}: {sizes[0]} repetitions in the baseline's "
                f"{base.runs} runs, {sizes[1]} in the contender's "
                f"{cont.runs}: the floor (the best repetition) depends on "
                "how many; gate sweeps of the same size (tools/gate_sweep.sh)")


def load_both(baseline, contender, args):
    """(baseline, contender, compared points) of the two sides named (a
    file, a folder of runs, a list), or InputError when the two cannot be
    compared: then the gate must not say PASS. Sets args.between."""
    base = load.load_side(baseline)
    cont = load.load_side(contender, need_results=False)
    args.between = between(base, cont)
    if args.family is not None:
        select_families(base, cont, args.family)
    if args.rules is not None:
        select(base, cont, args.rules)
    check_baseline(base, args.metrics)
    common = in_order(p for p in base.names if p in cont.points)
    check_complete(cont, "contender", common, args.metrics)
    if args.between:
        check_sizes(base, cont, common)
    if not common and not set(base.names) & set(cont.failures):
        raise load.InputError(
            f"no common benchmarks (baseline {', '.join(base.names)}; "
            f"contender {', '.join(cont.names) or 'none'}): nothing to "
            "compare; give two sweeps of nf_bench")
    if common and not any(gated(p, args.metrics) for p in common):
        raise load.InputError(
            f"no compared point carries --metrics={','.join(args.metrics)} "
            f"({', '.join(common[:3])}{', ...' if len(common) > 3 else ''}):"
            " nothing to gate; choose metrics these rows have")
    return base, cont, common


def main(argv=None):
    try:
        baseline, contender, args = parse_args(
            sys.argv[1:] if argv is None else argv)
        base, cont, common = load_both(baseline, contender, args)
    except (UsageError, load.InputError) as e:
        print(f"gate: {e}", file=sys.stderr)
        return 2
    compared = compare(base, cont, common, args)
    failed = failures(cont)
    missing = in_order(p for p in base.names
                       if p not in cont.points and p not in failed)
    only_cont = in_order(p for p in cont.names if p not in base.points)
    print("\n".join(report(base, cont, compared, args, failed, missing,
                            only_cont, common)))
    regressed = any(r.verdict == REGRESSED
                    for r in compared[0] + compared[1])
    return 1 if regressed or failed or missing else 0

