"""Tests for the slope of tools/gate.py: the cost per rule b of hook_ns ~
a + b * rules (and of 1/bits_per_s).

One run a side (SlopeTest): fitted per repetition in each file, its
relative change with a bootstrap 95% interval; reported, never a verdict.
Several runs a side (BetweenRunTest, fake_runs.noisy_sweep: 8 processes of
the gate's sweep, each with its own between-run factor): the floor of each
point (its best repetition) and the line through the floors, with a
permutation test over runs (both sides' runs pooled and split again),
gated:
  * same-build pairs with between-run noise (1%) are never flagged, over
    ten seeds; 5% between-run noise hides a 3% steeper slope (its p
    grows more than 5-fold);
  * a 3% and a 5% steeper line fail on the slope (change within 1% of the
    truth, p < 0.05);
  * an offset of 30 rules fails at Chain/0 and Chain/500 and on the
    intercept, not on the slope;
  * a single file on one side falls back to the U test, says that it
    cannot see the spread between runs, and reports the slope ungated;
  * sides with different repetition counts are refused (exit 2);
  * floors, floor_verdict and the permutation test's p on known numbers
    (3 vs 3 runs, all new worse: p = 1/20; 4 vs 4: 1/70); 3 runs a side
    cannot reach p < 0.05, are gated on the thresholds alone, and a note
    says so.

Synthetic sweeps from fake_runs.noisy_line(): a known line with seeded
between-run noise (a factor per repetition and one per point).
  * fit_line recovers a and b exactly on noiseless data, and refuses one x;
  * a contender 3% steeper shows +3% (within 0.5%) with a CI excluding 0,
    and the gate still exits 0 (the per-point change is below the
    threshold); same-slope files with noise give a CI containing 0;
  * a regression still exits 1: the section changes no exit code;
  * a family with 2 rule counts gets no slope line, and a note why;
  * 1/bits_per_s: a contender whose seconds per bit per rule rise 5% shows
    +5% there and about 0 on hook_ns;
  * repetitions are paired by repetition_index (rows in any order); a
    repetition that failed at one point is left out at every point; one
    repetition a side gives the single fit, "cannot be bootstrapped";
  * a shape family gets one line per callbacks; remedies and installs are
    named as not fitted.

Run from this folder:
    /usr/bin/python3 -m unittest -v test_gate_slope
"""

import os
import re
import subprocess
import sys
import unittest

import fake_runs
from fake_runs import TOOLS, point
from nfbench import gate  # noqa: E402
from nfbench import stats  # noqa: E402
from nfbench import load  # noqa: E402

GATE = os.path.join(TOOLS, "gate.py")
CHAIN = fake_runs.CHAIN.name
HOOK, BITS = "hook_ns", "bits_per_s"
SLOPE = 4.2  # ns per rule of the baseline
NOISE = 0.003  # sd of each of the two noise factors
REPS = 10


def sweep(slope=SLOPE, seed=0, reps=REPS, noise=NOISE, rules=fake_runs.SWEEP,
          seconds_per_bit=fake_runs.SECONDS_PER_BIT, **kw):
    return fake_runs.doc(rules=rules, reps=reps, values=fake_runs.noisy_line(
        slope, noise=noise, seed=seed, seconds_per_bit=seconds_per_bit), **kw)


class SlopeTest(fake_runs.TempFiles, unittest.TestCase):
    def load(self, doc, name="run.json"):
        return load.load(self.write(name, doc))

    def change(self, base, cont, metric=HOOK, family=CHAIN):
        """(change, lo, hi) of the mean slope, as the gate computes it."""
        fits = [[b for _, b in gate.per_repetition_fits(
            self.load(doc, name), family, metric)]
            for doc, name in ((base, "b.json"), (cont, "c.json"))]
        return stats.bootstrap_change(*fits, seed=stats.SLOPE_SEED)

    def gate(self, base, cont, *flags):
        r = subprocess.run([sys.executable, GATE, self.write("b.json", base),
                            self.write("c.json", cont), *flags],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.stderr, "")
        return r

    def slope_lines(self, result, title=CHAIN):
        """The section's lines of one family (and lead), by metric."""
        out = {}
        for line in result.stdout.splitlines():
            if line.startswith(f"  {title} ") and " slope: " in line:
                out[line.split(" slope: ")[0][len(title) + 3:]] = line
        return out

    def test_fit_line_exact_on_noiseless_data(self):
        xs = list(fake_runs.SWEEP)
        a, b, _ = stats.fit_line(xs, [140.0 + 4.27 * x for x in xs])
        self.assertAlmostEqual(a, 140.0, places=9)
        self.assertAlmostEqual(b, 4.27, places=12)
        self.assertEqual(stats.fit_line([0, 10, 20], [5, 25, 45])[:2], (5.0, 2.0))
        with self.assertRaises(ValueError):
            stats.fit_line([100, 100], [1.0, 2.0])
        fits = gate.per_repetition_fits(self.load(sweep(noise=0.0)), CHAIN,
                                        HOOK)
        self.assertEqual(len(fits), REPS)
        for a, b in fits:
            self.assertAlmostEqual(a, 130.0, places=6)
            self.assertAlmostEqual(b, SLOPE, places=9)

    def test_three_percent_steeper_is_seen_and_not_gated(self):
        base, cont = sweep(seed=1), sweep(SLOPE * 1.03, seed=2)
        change, lo, hi = self.change(base, cont)
        self.assertLess(abs(change - 0.03), 0.005, (change, lo, hi))
        self.assertGreater(lo, 0.0)
        self.assertLess(lo, change)
        self.assertGreater(hi, change)
        r = self.gate(base, cont)
        self.assertEqual(r.returncode, 0, r.stdout)  # reported, not gated
        self.assertIn("PASS: 0 regressed", r.stdout)
        self.assertIn(f"B = {stats.SLOPE_BOOTSTRAP}, seed {stats.SLOPE_SEED}",
                      r.stdout)
        line = self.slope_lines(r)[HOOK]
        self.assertRegex(line, r"hook_ns slope: 4\.2\d* -> 4\.3\d* ns/rule")
        self.assertIn(f"({gate.fmt_change(change)}, 95% CI "
                      f"{gate.fmt_change(lo)} .. {gate.fmt_change(hi)})", line)
        # the intercept's change in ns, not in % (it can be near 0)
        self.assertRegex(line, r"\); intercept 1[23]\d\.?\d* -> "
                         r"1[23]\d\.?\d* ns \([+-][\d.]+ ns, CI [+-][\d.]+ "
                         r"ns \.\. [+-][\d.]+ ns\)")

    def test_same_slope_with_noise_contains_zero(self):
        for seeds in ((1, 2), (3, 4), (5, 6)):
            change, lo, hi = self.change(sweep(seed=seeds[0]),
                                         sweep(seed=seeds[1]))
            self.assertLess(lo, 0.0, seeds)
            self.assertGreater(hi, 0.0, seeds)
            self.assertLess(abs(change), 0.005, seeds)

    def test_regression_still_fails(self):
        base, cont = sweep(seed=1), sweep(SLOPE * 1.5, seed=2)
        r = self.gate(base, cont)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("+50.", self.slope_lines(r)[HOOK])
        self.assertTrue(r.stdout.splitlines()[-2].startswith("FAIL: "))

    def test_two_rule_counts_give_no_slope(self):
        doc = sweep(rules=(0, 3000))
        r = self.gate(doc, doc)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(self.slope_lines(r), {})
        self.assertIn(f"no slope: {CHAIN}: 2 rule counts compared (0, 3000);"
                      f" a slope needs {gate.SLOPE_MIN_X} or more", r.stdout)
        r = self.gate(sweep(), sweep(), "--rules=0,3000")
        self.assertEqual(self.slope_lines(r), {})
        self.assertIn("2 rule counts compared", r.stdout)

    def test_throughput_as_seconds_per_bit(self):
        a, b = fake_runs.SECONDS_PER_BIT
        base = sweep(seed=1)
        cont = sweep(seed=2, seconds_per_bit=(a, b * 1.05))
        change, lo, hi = self.change(base, cont, BITS)
        self.assertLess(abs(change - 0.05), 0.005, (change, lo, hi))
        self.assertGreater(lo, 0.0)
        exact = self.change(sweep(noise=0.0),
                            sweep(noise=0.0, seconds_per_bit=(a, b * 1.05)),
                            BITS)
        self.assertAlmostEqual(exact[0], 0.05, places=9)
        r = self.gate(base, cont)
        lines = self.slope_lines(r)
        self.assertIn(f"({gate.fmt_change(change)}, 95% CI",
                      lines["1/bits_per_s"])
        self.assertIn("s/bit/rule", lines["1/bits_per_s"])
        self.assertLess(abs(self.change(base, cont)[0]), 0.005)  # hook_ns

    def test_repetitions_paired_by_index(self):
        doc = sweep(reps=4, fail=[(200, 1)])
        run = self.load(doc)
        for n in (100, 300):  # rows of these points in reverse order
            rows = fake_runs.rows_of(doc, n)[:4]
            first = doc["benchmarks"].index(rows[0])
            doc["benchmarks"][first:first + 4] = rows[::-1]
        shuffled = self.load(doc, "shuffled.json")
        fits = gate.per_repetition_fits(run, CHAIN, HOOK)
        self.assertEqual(len(fits), 3)  # repetition 1 failed at 200
        self.assertEqual(gate.per_repetition_fits(shuffled, CHAIN, HOOK),
                         fits)

    def test_one_repetition_cannot_be_bootstrapped(self):
        r = self.gate(sweep(reps=1), sweep(SLOPE * 1.03, reps=1, seed=2))
        self.assertEqual(r.returncode, 0, r.stdout)
        line = self.slope_lines(r)[HOOK]
        self.assertIn("one fit, cannot be bootstrapped (1 vs 1 repetitions)",
                      line)
        self.assertNotIn("CI", line)
        change, lo, hi = stats.bootstrap_change([4.0], [4.2, 4.4])
        self.assertAlmostEqual(change, 0.075)
        self.assertEqual((lo, hi), (None, None))

    def test_metric_missing_in_some_rows_is_not_fitted(self):
        base = sweep(reps=5, seed=1)
        cont = sweep(reps=5, seed=2)
        del fake_runs.rows_of(cont, 100)[0][BITS]
        with self.assertRaises(ValueError):
            gate.per_repetition_fits(self.load(cont), CHAIN, BITS)
        r = self.gate(base, cont, "--metrics=hook_ns")
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn(f"no slope: {CHAIN} 1/bits_per_s: not fitted "
                      f"(contender: {point(100)}: bits_per_s missing in 1 of "
                      "5 runs)", r.stdout)
        self.assertIn(HOOK, self.slope_lines(r))

    def test_shapes_per_callbacks_and_others_named(self):
        doc = fake_runs.merge(fake_runs.shapes(families=("ShapeNft",),
                                               reps=5),
                              fake_runs.remedies(("RemedyIpset",), reps=5))
        r = self.gate(doc, doc)
        self.assertEqual(r.returncode, 0, r.stdout)
        for k in range(4):
            lines = self.slope_lines(r, f"ShapeNft callbacks={k}")
            self.assertEqual(set(lines), {HOOK, "1/bits_per_s"})
        self.assertIn("no slope: RemedyIpset: x is not", r.stdout)

    def test_bootstrap_is_seeded(self):
        old, new = [4.0, 4.1, 3.9, 4.05], [4.2, 4.3, 4.1, 4.25]
        first = stats.bootstrap_change(old, new, seed=7, B=500)
        self.assertEqual(stats.bootstrap_change(old, new, seed=7, B=500),
                         first)
        self.assertAlmostEqual(first[0], 4.2125 / 4.0125 - 1)
        self.assertLess(first[1], first[0])
        self.assertGreater(first[2], first[0])


class BetweenRunTest(fake_runs.TempFiles, unittest.TestCase):
    def gate(self, base, cont, *flags):
        """gate.py on two sides: lists of docs (a folder of runs each), or
        one doc (a file)."""
        sides = []
        for name, side in (("base", base), ("cont", cont)):
            sides.append(self.write_runs(name, side) if isinstance(side, list)
                         else self.write(f"{name}.json", side))
        r = subprocess.run([sys.executable, GATE, *sides, *flags],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.stderr, "")
        return r

    def regressed(self, result):
        """The regressed comparisons the last line names."""
        last = result.stdout.splitlines()[-1]
        return (last[len("regressed: "):].split(", ")
                if last.startswith("regressed: ") else [])

    def line(self, result, metric=HOOK):
        """The Lines section's line of the Chain family on a metric."""
        return next(x for x in result.stdout.splitlines()
                    if x.startswith(f"  {CHAIN} {metric}: slope "))

    def test_same_build_is_quiet(self):
        for seed in range(10):
            r = self.gate(fake_runs.noisy_sweep(SLOPE, seed=2 * seed),
                          fake_runs.noisy_sweep(SLOPE, seed=2 * seed + 1))
            self.assertEqual(r.returncode, 0, r.stdout)
            self.assertIn("the floor (the best repetition of all runs",
                          r.stdout)
            self.assertIn(" slopes and intercepts)", r.stdout)

    def slope_p(self, result):
        """(change in %, p) of the Chain hook_ns slope in the Lines."""
        change, p = re.search(r"slope [\d.]+ -> [\d.]+ ns/rule \(([+-][\d.]+)%"
                              r", p ([\d.e-]+)\)", self.line(result)).groups()
        return float(change), float(p)

    def test_between_run_noise_hides_a_small_change(self):
        ps = []
        for between in (0.002, 0.05):
            r = self.gate(fake_runs.noisy_sweep(SLOPE, between=between,
                                                within=0.002, seed=1),
                          fake_runs.noisy_sweep(SLOPE * 1.03,
                                                between=between,
                                                within=0.002, seed=2))
            ps.append(self.slope_p(r)[1])
        self.assertLess(ps[0], 0.05, ps)
        self.assertGreater(ps[1], 5 * ps[0], ps)

    def test_steeper_line_fails_on_the_slope(self):
        for scale in (1.03, 1.05):
            r = self.gate(fake_runs.noisy_sweep(SLOPE, seed=3),
                          fake_runs.noisy_sweep(SLOPE * scale, seed=4))
            self.assertEqual(r.returncode, 1, r.stdout)
            self.assertIn(f"{CHAIN} slope hook_ns", self.regressed(r))
            change, p = self.slope_p(r)
            self.assertLess(abs(change - (scale - 1) * 100), 1.0,
                            self.line(r))
            self.assertLess(p, 0.05, self.line(r))

    def test_offset_fails_where_it_is_large(self):
        r = self.gate(fake_runs.noisy_sweep(SLOPE, seed=5),
                      fake_runs.noisy_sweep(SLOPE, seed=6,
                                            base_ns=130 + 30 * SLOPE))
        self.assertEqual(r.returncode, 1, r.stdout)
        regressed = self.regressed(r)
        for name in (f"{point(0)} hook_ns", f"{point(500)} hook_ns",
                     f"{CHAIN} intercept hook_ns"):
            self.assertIn(name, regressed)
        self.assertNotIn(f"{point(3000)} hook_ns", regressed)
        self.assertNotIn(f"{CHAIN} slope hook_ns", regressed)

    def test_throughput_slope_reported_not_gated(self):
        # the time per bit per rule 3x: the slope of 1/bits_per_s +200%,
        # reported but never a regression; the points it drags below 75%
        # of the baseline's throughput are
        spb = fake_runs.SECONDS_PER_BIT
        r = self.gate(fake_runs.noisy_sweep(SLOPE, seed=9),
                      fake_runs.noisy_sweep(SLOPE, seed=10, seconds_per_bit=(
                          spb[0], 3 * spb[1])))
        self.assertIn("slopes hook_ns 1.75%, 1/bits_per_s not gated",
                      r.stdout)
        row = next(x for x in r.stdout.splitlines()
                   if x.startswith(f"{CHAIN} slope") and "1/bits_per_s" in x)
        self.assertTrue(row.endswith("unchanged"), row)
        self.assertNotIn(f"{CHAIN} slope 1/bits_per_s", self.regressed(r))
        self.assertIn(f"{point(3000)} bits_per_s", self.regressed(r))
        self.assertEqual(r.returncode, 1, r.stdout)

    def test_one_file_on_a_side_falls_back(self):
        base = fake_runs.noisy_sweep(SLOPE, seed=7)
        r = self.gate(base[0], fake_runs.noisy_sweep(SLOPE, seed=8))
        self.assertIn("1 vs 8 run(s): the test sees the spread of "
                      "repetitions", r.stdout)
        self.assertIn("REPORTED, NOT GATED", r.stdout)
        self.assertIn("Old median", r.stdout)

    def test_different_sizes_are_refused(self):
        r = subprocess.run(
            [sys.executable, GATE,
             self.write_runs("a", fake_runs.noisy_sweep(SLOPE, seed=1)),
             self.write_runs("b", fake_runs.noisy_sweep(SLOPE, reps=3,
                                                        seed=2))],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 2, r.stdout)
        self.assertRegex(r.stderr, r"^gate: Chain/0: 32 repetitions in the "
                         r"baseline's 8 runs, 24 in the contender's 8: .*"
                         r"gate sweeps of the same size")

    def test_floors_and_verdicts_on_known_numbers(self):
        floor = stats.floors([[3.0, 9.0], [2.0, 8.0], [4.0, 7.0]], 1)
        self.assertEqual(list(floor), [2.0, 7.0])
        self.assertEqual(list(stats.floors([[3.0], [5.0]], -1)), [5.0])
        v = gate.floor_verdict  # change, p worse, p better, direction, ...
        self.assertEqual(v(0.05, 0.01, 0.99, 1, 0.03, 0.05), gate.REGRESSED)
        self.assertEqual(v(0.05, 0.06, 0.95, 1, 0.03, 0.05), gate.UNCHANGED)
        self.assertEqual(v(0.02, 0.01, 0.99, 1, 0.03, 0.05), gate.UNCHANGED)
        self.assertEqual(v(-0.05, 0.01, 0.99, -1, 0.03, 0.05),
                         gate.REGRESSED)
        self.assertEqual(v(-0.05, 0.99, 0.01, 1, 0.03, 0.05), gate.IMPROVED)

    def test_permutation_p_on_known_numbers(self):
        def change(a, b):
            return [(b[:, 0] - a[:, 0]) / a[:, 0]]
        # every new run worse than every old: only the observed split of
        # the C(6, 3) = 20 puts the floors this far apart
        [(worse, better)] = stats.permutation_ps(
            [[1.0], [2.0], [3.0]], [[4.0], [5.0], [6.0]], 1, change)
        self.assertEqual((worse, better), (1 / 20, 1.0))
        self.assertEqual(stats.min_p(3, 3), 1 / 20)
        [(worse, _)] = stats.permutation_ps(
            [[1.0], [2.0], [3.0], [4.0]], [[5.0], [6.0], [7.0], [8.0]], 1,
            change)
        self.assertEqual(worse, 1 / 70)
        # a rate: down is worse
        [(worse, _)] = stats.permutation_ps(
            [[8.0], [7.0], [6.0], [5.0]], [[4.0], [3.0], [2.0], [1.0]], -1,
            change)
        self.assertEqual(worse, 1 / 70)
        # the same runs on both sides: 5 of the 6 splits are as far worse
        # (all but the one putting both 3s first)
        [(worse, _)] = stats.permutation_ps(
            [[1.0], [3.0]], [[1.0], [3.0]], 1, change)
        self.assertEqual(worse, 5 / 6)
        # 8 vs 8 runs: C(16, 8) = 12870 splits, PERMUTATIONS drawn, seeded
        firsts, rest = stats.splits(8, 8, gate.np.random.default_rng(0))
        self.assertEqual(firsts.shape, (stats.PERMUTATIONS + 1, 8))
        self.assertEqual(list(firsts[0]), list(range(8)))
        self.assertTrue(all(sorted([*a, *b]) == list(range(16))
                            for a, b in zip(firsts, rest)))
        self.assertEqual(stats.min_p(8, 8), 1 / (stats.PERMUTATIONS + 1))

    def test_three_runs_a_side_gated_on_thresholds_alone(self):
        r = self.gate(fake_runs.noisy_sweep(SLOPE, seed=3)[:3],
                      fake_runs.noisy_sweep(SLOPE * 1.05, seed=4)[:3])
        self.assertIn("* permutation test NOT possible for 12 of 12 "
                      "comparisons: 3 vs 3 runs (smallest possible p 0.05)",
                      r.stdout)
        self.assertIn(f"{CHAIN} slope hook_ns", self.regressed(r))
        self.assertEqual(r.returncode, 1, r.stdout)


if __name__ == "__main__":
    unittest.main()
