"""The statistics the tools share, pure functions over numbers: the one
least-squares fit (lines, and the curves the report fits), the one
per-point summary (median, min, max of the repetitions), the U test, the
permutation test over runs and the bootstrap the gate uses."""

import itertools
import math
import statistics
import warnings

import numpy as np

SLOPE_SEED = 20261126  # every bootstrap and permutation: same files, same p
PERMUTATIONS = 4000
SLOPE_BOOTSTRAP = 2000


# --------------------------------------------------------------------------
# Least squares.

def fit_lines(xs, ys):
    """(intercepts, slopes) of the least-squares lines y = a + b x through
    ys (one line, or a stack of them: rows over the xs); ValueError when
    the xs have fewer than two distinct values (no slope)."""
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    if y.shape[-1:] != x.shape or len(set(x.tolist())) < 2:
        raise ValueError("a line needs two distinct x and one y per x")
    dx = x - x.mean()
    slopes = (y - y.mean(axis=-1, keepdims=True)) @ dx / (dx @ dx)
    return y.mean(axis=-1) - slopes * x.mean(), slopes


def fit_line(xs, ys):
    """Least-squares line y = intercept + slope*x: (intercept, slope, r2).

    r2 is the coefficient of determination (nan when ys are all equal).
    Raises ValueError with fewer than two points or when all xs are equal.
    """
    xs = [float(x) for x in xs]
    ys = [float(y) for y in ys]
    if len(xs) != len(ys):
        raise ValueError("xs and ys differ in length")
    intercept, slope = (float(v) for v in fit_lines(xs, ys))
    my = math.fsum(ys) / len(ys)
    ss_tot = math.fsum((y - my) ** 2 for y in ys)
    ss_res = math.fsum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else math.nan
    return intercept, slope, r2


def fit_inverse(xs, ys):
    """Fit y ~ 1/(c + d*x) as the line 1/y = c + d*x: (c, d, r2).

    r2 is that of the linear fit of 1/y. ys must be positive.
    """
    ys = [float(y) for y in ys]
    if any(not y > 0 for y in ys):
        raise ValueError("an inverse fit needs positive y values")
    return fit_line(xs, [1.0 / y for y in ys])


def fit_quadratic(xs, ys):
    """Least-squares y = a + b*x + c*x²: (a, b, c, r2). Raises ValueError
    with fewer than three distinct x values."""
    xs = [float(x) for x in xs]
    ys = [float(y) for y in ys]
    if len(xs) != len(ys):
        raise ValueError("xs and ys differ in length")
    if len(set(xs)) < 3:
        raise ValueError("a quadratic needs at least three distinct x values")
    with warnings.catch_warnings():  # a poorly conditioned fit: still one
        warnings.simplefilter("ignore")
        c, b, a = np.polyfit(xs, ys, 2)
    my = math.fsum(ys) / len(ys)
    ss_tot = math.fsum((y - my) ** 2 for y in ys)
    ss_res = math.fsum((y - a - b * x - c * x * x) ** 2
                       for x, y in zip(xs, ys))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else math.nan
    return float(a), float(b), float(c), r2


def half_point(c, d):
    """N at which 1/(c + d*N) is half of its value at N = 0: c/d.

    None when the model never halves (d <= 0) or has no positive value at
    N = 0 (c <= 0: it does not describe the data).
    """
    if not (d > 0 and c > 0):
        return None
    return c / d


def data_half_point(xs, ys):
    """First x at which the measured ys fall to half of ys[0], interpolated
    linearly between the two points around the crossing; None if the data
    never get there. xs ascending; ys[0] is the reference."""
    if not xs:
        return None
    level = ys[0] / 2.0
    for i in range(1, len(xs)):
        if ys[i] <= level:
            x0, y0, x1, y1 = xs[i - 1], ys[i - 1], xs[i], ys[i]
            if y0 == y1:
                return float(x1)
            return x0 + (y0 - level) * (x1 - x0) / (y0 - y1)
    return None


# --------------------------------------------------------------------------
# Summaries of repetitions.

def medians(series):
    """{x: median} of a {x: [values]}."""
    return {x: statistics.median(v) for x, v in series.items()}


def spread(series, scale=1.0):
    """(xs, medians, mins, maxes) of a {x: [values]} as arrays, by x, each
    value times scale."""
    xs = sorted(series)
    values = [[v * scale for v in series[x]] for x in xs]
    return (np.array(xs, dtype=float),
            np.array([statistics.median(v) for v in values]),
            np.array([min(v) for v in values]),
            np.array([max(v) for v in values]))


# --------------------------------------------------------------------------
# Tests of a change between two sides.

def relative_change(old, new):
    """(new - old) / old; 0 when both are 0, +-inf when only old is 0."""
    if old == 0:
        return 0.0 if new == 0 else math.copysign(math.inf, new)
    return (new - old) / abs(old)


def min_two_sided_p(n, m):
    """The smallest two-sided p the exact U test can give for n vs m values."""
    return min(1.0, 2.0 / math.comb(n + m, n))


def u_test(old, new, alpha, min_reps):
    """p of a two-sided Mann-Whitney U test, or None when it cannot decide:
    fewer than min_reps values on a side, or too few for p < alpha at all."""
    if min(len(old), len(new)) < min_reps:
        return None
    if min_two_sided_p(len(old), len(new)) >= alpha:
        return None
    from scipy.stats import mannwhitneyu
    # Exact for small samples even with ties (scipy's "auto" switches to the
    # normal approximation on ties, which for 3 vs 3 can give p = 0.047,
    # below what the exact test allows); normal approximation from 8 up.
    method = "exact" if max(len(old), len(new)) < 8 else "asymptotic"
    p = mannwhitneyu(old, new, alternative="two-sided", method=method).pvalue
    return 1.0 if math.isnan(p) else float(p)


def floors(bests, direction):
    """The floor of each point (column) of a matrix runs x points of
    bests, or of a stack of them (splits x runs x points): the lowest of
    a cost, the highest of a rate."""
    pick = np.min if direction > 0 else np.max
    return pick(np.asarray(bests, dtype=float), axis=-2)


def splits(n, m, rng):
    """(S x n, S x m) indexes into the n + m pooled runs of the two
    sides: every split into n and m when there are at most PERMUTATIONS
    of them, else the observed split (row 0) and PERMUTATIONS random
    ones. Under "no change" the runs of an interleaved sweep are
    exchangeable, so each split is as likely as the observed one."""
    total = math.comb(n + m, n)
    if total <= PERMUTATIONS:
        firsts = np.array(list(itertools.combinations(range(n + m), n)))
    else:
        shuffled = rng.permuted(np.tile(np.arange(n + m), (PERMUTATIONS, 1)),
                                axis=1)
        firsts = np.vstack([np.arange(n), np.sort(shuffled[:, :n], axis=1)])
    rest = np.ones((len(firsts), n + m), dtype=bool)
    rest[np.arange(len(firsts))[:, None], firsts] = False
    return firsts, np.nonzero(rest)[1].reshape(len(firsts), m)


def min_p(n, m):
    """The smallest p the permutation test can give for n vs m runs."""
    return 1.0 / min(math.comb(n + m, n), PERMUTATIONS + 1)


def p_values(changes, direction):
    """(p worse, p better) of the observed change, changes[0] (the
    observed split is row 0 of splits() either way), among all splits':
    the share at least as far on the worse (better) side."""
    worse = np.nan_to_num(np.asarray(changes) * direction, nan=-np.inf)
    slack = 1e-12 * abs(worse[0]) if np.isfinite(worse[0]) else 0.0
    return (float(np.mean(worse >= worse[0] - slack)),
            float(np.mean(worse <= worse[0] + slack)))


def permutation_ps(base_bests, cont_bests, direction, statistics_of):
    """[(p worse, p better)] of each statistic of statistics_of(old
    floors, new floors) -> [changes], computed for every split of the
    pooled runs (matrices runs x points)."""
    base = np.asarray(base_bests, dtype=float)
    pool = np.vstack([base, np.asarray(cont_bests, dtype=float)])
    firsts, rest = splits(len(base), len(pool) - len(base),
                          np.random.default_rng(SLOPE_SEED))
    with np.errstate(all="ignore"):
        changes = statistics_of(floors(pool[firsts], direction),
                                floors(pool[rest], direction))
    return [p_values(c, direction) for c in changes]


def bootstrap_change(base_values, cont_values, seed=SLOPE_SEED,
                     B=SLOPE_BOOTSTRAP, absolute=False):
    """(change, lo, hi): the relative change of the means, and its 95%
    percentile bootstrap interval (each side's values resampled with
    replacement, B times); lo and hi None when a side has fewer than two
    values. The same seed and sizes draw the same resamples, so the
    intervals of a and b of the same fits come from the same draws. With
    `absolute`, the change is new - old instead (an intercept near 0 makes
    any relative change huge)."""
    base = np.asarray(base_values, dtype=float)
    cont = np.asarray(cont_values, dtype=float)
    change = (float(cont.mean() - base.mean()) if absolute else
              relative_change(float(base.mean()), float(cont.mean())))
    if min(len(base), len(cont)) < 2:
        return change, None, None
    rng = np.random.default_rng(seed)
    old = base[rng.integers(0, len(base), (B, len(base)))].mean(axis=1)
    new = cont[rng.integers(0, len(cont), (B, len(cont)))].mean(axis=1)
    # a mean of 0 (a flat line) gives inf or nan, printed as such
    with np.errstate(all="ignore"):
        changes = new - old if absolute else (new - old) / np.abs(old)
        lo, hi = np.percentile(changes, [2.5, 97.5])
    return change, float(lo), float(hi)
