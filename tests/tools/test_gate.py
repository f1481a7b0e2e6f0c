"""Tests for tools/gate.py, the regression gate over nf_bench JSON.

They write synthetic Google Benchmark JSON (shaped like a real sweep:
iterations with repetition_index, then mean/median/stddev aggregates; user
counters as top-level fields of each entry, as Google Benchmark writes them)
to a temporary folder and run gate.py as a subprocess:
  * identical runs, and runs that differ by +-2% noise, pass (exit 0);
  * hook_ns +40% and bits_per_s -30% at every point (about what 500 extra
    rules do) fails (exit 1) and the table names the regressed benchmarks;
  * an improvement passes; a change below the threshold passes; a change
    beyond the threshold that the U test cannot tell from noise passes;
  * with 3 repetitions the U test cannot reach p < 0.05, so the gate falls
    back to the threshold alone and says so;
  * a contender that failed (one repetition is enough) or lacks a point of
    the baseline fails (exit 1) and is named; failed baseline repetitions
    are left out and reported; points only in the contender are reported;
  * bad input exits 2 with one `gate:` line: not JSON, no Chain results, a
    missing file, a bad --threshold, an unknown metric, JSON nested 100 000
    deep, NaN/inf/impossible counters in either file, a gated metric
    missing in some or all runs (a contender with no counters at all), a
    baseline point that failed in every run, no common benchmark, a
    contender without the rules counter, a contender whose repetition rows
    are duplicated (the same repetition_index thousands of times: once
    "2 vs 2002 repetitions" and PASS);
  * points are matched by name: a contender made with --extra_rules=500
    (every chain 500 rules longer) is compared point by point, and
    --rules selects by the baseline's rules counter;
  * observed points are marked in the table with a note, and a busy
    machine (load context) gets a note; the verdict stands;
  * the gated directions come from the loader's table of quantities;
  * files of the three backend families: a ChainNft regression fails on
    ChainNft points only (ChainNft/N against ChainNft/N), the table goes
    family by family; --rules selects in every family, --family narrows
    to some (unknown or absent families are refused); install_ms can be
    gated;
  * results/reference.json passes against itself and the real regression
    results/regression-extra500.json fails.
  * shape families gate like any family: Shape/<k>/<rules> matched by
    name, --rules selecting by the rules counter across Chain and Shape
    families, --family=Shape,... narrowing; --metrics=table_ns gates table_ns
    when both files have it, and a file without it is bad input (exit 2).
  * every family gates: by default on what it measures (hook_ns and its
    rate: bits_per_s, packets_per_s, connections_per_s; real_time_s of the
    Install families), a regression of one point's install time, connection
    rate, UDP loss (--metrics=loss_fraction) or a remedy's hook time fails
    on that point only; --family takes the new families; points whose rows
    carry none of --metrics are named "not gated", and when no compared
    point carries them the input is bad (exit 2).

Run from this folder:
    /usr/bin/python3 -m unittest -v test_gate
"""

import math
import os
import subprocess
import sys
import unittest

import fake_runs
from fake_runs import LABEL, RESULTS, TOOLS, point
from nfbench import gate  # noqa: E402
from nfbench import schema  # noqa: E402

GATE = os.path.join(TOOLS, "gate.py")

RULES = fake_runs.SWEEP
SOME = fake_runs.SWEEP[:6]  # 0 to 500
LAST = point(RULES[-1])
COMPARED = 2 * len(RULES)  # the default metrics at every point


def jitter(rules, rep, seed, amplitude):
    """Deterministic noise in [-amplitude, +amplitude], 5 levels."""
    step = (rep * 7 + (rules // 100) * 3 + seed * 2) % 5 - 2  # -2..2
    return 1.0 + amplitude * step / 2


def sweep(reps=5, hook_scale=1.0, bits_scale=1.0, noise=0.0, seed=0,
          rules=RULES, fail=(), cpu_scale=1.0, observed=None, **context):
    """A sweep: hook_ns grows 4.2 ns per rule, throughput falls with it.
    fail: rule counts that failed in every repetition, or (rules, rep)
    pairs; observed: None (no observers counter, files before 2026-12) or
    the rule counts whose rows saw an observer; context: added entries."""
    def values(r, rep):
        j = jitter(r, rep, seed, noise)
        hook = (130.0 + 4.2 * r) * hook_scale * j
        return {"bits_per_s": (2.1e10 - 3.0e6 * r) * bits_scale / j,
                "bytes_per_call": 47700.0, "hook_calls": 110000.0,
                "hook_ns": hook, "hook_p50_ns": hook,
                "hook_p99_ns": hook * 2, "real_time": 2001.5,
                "cpu_time": 1930.0 * cpu_scale * j}
    return fake_runs.doc(rules=rules, reps=reps, fail=fail, values=values,
                         observed=observed or (),
                         with_observers=observed is not None, **context)


class GateTest(fake_runs.TempFiles, unittest.TestCase):
    def gate(self, base, cont, *flags):
        """Runs gate.py; base and cont are sweeps (dicts) or paths."""
        if isinstance(base, dict):
            base = self.write("base.json", base)
        if isinstance(cont, dict):
            cont = self.write("cont.json", cont)
        return subprocess.run([sys.executable, GATE, base, cont, *flags],
                              capture_output=True, text=True, timeout=120)

    def assertExit(self, result, code):
        self.assertEqual(result.returncode, code,
                         f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")

    def assertBadInput(self, result, *words):
        line = fake_runs.refusal(self, result.returncode, result.stdout,
                                 result.stderr, "gate")
        for word in words:
            self.assertIn(word, line)

    def rows(self, result, verdict):
        """(benchmark, metric) of the table rows with this verdict."""
        out = set()
        for line in result.stdout.splitlines():
            cols = line.split()
            if (len(cols) >= 7 and cols[0].startswith("Chain")
                    and "/" in cols[0] and cols[6].rstrip("*") == verdict):
                out.add((cols[0], cols[1]))
        return out

    def marked(self, result):
        """{benchmark: side} of the table rows marked [observed: side]."""
        out = {}
        for line in result.stdout.splitlines():
            cols = line.split()
            if (len(cols) >= 9 and cols[0].startswith("Chain/")
                    and cols[7] == "[observed:"):
                out[cols[0]] = cols[8].rstrip("]")
        return out

    # --- pass / fail -------------------------------------------------------

    def test_identical_runs_pass(self):
        r = self.gate(sweep(), sweep())
        self.assertExit(r, 0)
        self.assertIn(f"0 regressed, 0 improved, {COMPARED} unchanged", r.stdout)
        self.assertIn("PASS", r.stdout)
        self.assertEqual(r.stderr, "")

    def test_noise_within_threshold_passes(self):
        r = self.gate(sweep(noise=0.02, seed=0), sweep(noise=0.02, seed=1))
        self.assertExit(r, 0)
        self.assertIn("0 regressed", r.stdout)

    def test_regression_fails_and_names_benchmarks(self):
        r = self.gate(sweep(noise=0.02),
                      sweep(noise=0.02, seed=1, hook_scale=1.4,
                            bits_scale=0.7))
        self.assertExit(r, 1)
        regressed = self.rows(r, "REGRESSED")
        expected = {(point(k), m) for k in RULES
                    for m in ("hook_ns", "bits_per_s")}
        self.assertEqual(regressed, expected)
        self.assertIn(f"{COMPARED} regressed, 0 improved, 0 unchanged",
                      r.stdout)
        self.assertIn("FAIL", r.stdout)
        self.assertIn("Chain/0 hook_ns", r.stdout)      # the regressed list
        self.assertIn(f"{LAST} bits_per_s", r.stdout)
        # 5 vs 5 repetitions: the U test applied, p = 2/252
        self.assertIn("0.0079", r.stdout)
        self.assertNotIn("U test NOT applied", r.stdout)
        self.assertIn("+40.", r.stdout)
        self.assertIn("-30.", r.stdout)

    def test_regression_in_one_metric_only(self):
        r = self.gate(sweep(), sweep(hook_scale=1.4), "--metrics=bits_per_s")
        self.assertExit(r, 0)
        r = self.gate(sweep(), sweep(hook_scale=1.4), "--metrics=hook_ns")
        self.assertExit(r, 1)

    def test_improvement_passes(self):
        r = self.gate(sweep(noise=0.02),
                      sweep(noise=0.02, seed=1, hook_scale=0.6,
                            bits_scale=1.3))
        self.assertExit(r, 0)
        self.assertIn(f"0 regressed, {COMPARED} improved", r.stdout)

    def test_change_below_threshold_passes(self):
        r = self.gate(sweep(), sweep(hook_scale=1.08, bits_scale=0.93))
        self.assertExit(r, 0)
        r = self.gate(sweep(), sweep(hook_scale=1.08), "--threshold=0.05")
        self.assertExit(r, 1)

    def test_u_test_vetoes_noise_beyond_threshold(self):
        # Medians 100 -> 115 (+15%) but the repetitions overlap: p > 0.05.
        base, cont = sweep(rules=[0]), sweep(rules=[0])
        for b, v in zip(base["benchmarks"][:5], [90, 95, 100, 105, 150]):
            b["hook_ns"] = float(v)
        for b, v in zip(cont["benchmarks"][:5], [80, 100, 115, 118, 160]):
            b["hook_ns"] = float(v)
        r = self.gate(base, cont, "--metrics=hook_ns")
        self.assertExit(r, 0)
        self.assertIn("+15.00%", r.stdout)
        self.assertEqual(self.rows(r, "unchanged"), {("Chain/0", "hook_ns")})

    def test_three_repetitions_fall_back_to_threshold(self):
        r = self.gate(sweep(reps=3), sweep(reps=3, hook_scale=1.4))
        self.assertExit(r, 1)
        self.assertIn("U test NOT applied", r.stdout)
        self.assertIn("3 vs 3", r.stdout)
        self.assertIn("threshold ALONE", r.stdout)
        self.assertIn("REGRESSED*", r.stdout)
        # even when asked for, 3 vs 3 cannot give p < 0.05
        r = self.gate(sweep(reps=3), sweep(reps=3), "--min-reps=3")
        self.assertExit(r, 0)
        self.assertIn("U test NOT applied", r.stdout)
        # ... but can at alpha 0.2
        r = self.gate(sweep(reps=3, noise=0.02),
                      sweep(reps=3, noise=0.02, seed=1, hook_scale=1.4),
                      "--min-reps=3", "--alpha=0.2")
        self.assertExit(r, 1)
        self.assertNotIn("U test NOT applied", r.stdout)
        self.assertIn("0.1000", r.stdout)

    def test_time_gated_only_when_asked(self):
        r = self.gate(sweep(), sweep(cpu_scale=1.5))
        self.assertExit(r, 0)
        r = self.gate(sweep(), sweep(cpu_scale=1.5), "--metrics=cpu_time_s")
        self.assertExit(r, 1)
        self.assertIn("cpu_time_s", r.stdout)

    def test_failed_contender_point_fails_and_is_named(self):
        # Chain/300 failed in every contender repetition: a failure, not a
        # point "left out" (the gate passed it before).
        r = self.gate(sweep(rules=SOME),
                      sweep(rules=fake_runs.SWEEP[:7], fail=(300,)))
        self.assertExit(r, 1)
        self.assertIn("FAILED in the contender (error_occurred): Chain/300 "
                      "(5 of 5 runs: iperf3 JSON has no \"sum_received\")",
                      r.stdout)
        self.assertIn("only in contender (not compared): Chain/600",
                      r.stdout)
        self.assertIn("FAIL: 0 regressed, 0 improved, 10 unchanged, "
                      "1 failed in the contender", r.stdout)

    def test_one_failed_contender_repetition_fails(self):
        r = self.gate(sweep(rules=SOME),
                      sweep(rules=SOME, fail=((200, 3),)))
        self.assertExit(r, 1)
        self.assertIn("Chain/200 (1 of 5 runs: iperf3", r.stdout)
        # its other four repetitions are still compared
        self.assertEqual(self.rows(r, "unchanged"),
                         {(point(k), m) for k in SOME
                          for m in ("hook_ns", "bits_per_s")})

    def test_point_missing_from_contender_fails(self):
        r = self.gate(sweep(rules=SOME),
                      sweep(rules=[0, 100, 200, 400, 500]))
        self.assertExit(r, 1)
        self.assertIn("MISSING from the contender (in the baseline): "
                      "Chain/300", r.stdout)
        self.assertIn("1 missing from the contender", r.stdout)

    def test_rules_gates_a_named_subset_of_the_baseline(self):
        base, cont = sweep(rules=SOME), sweep(rules=[0, 300])
        r = self.gate(base, cont, "--rules=0,300")
        self.assertExit(r, 0)
        self.assertNotIn("MISSING", r.stdout)
        self.assertIn("2 rule counts", r.stdout)
        # within the subset a missing point still fails
        r = self.gate(base, cont, "--rules=0,100,300")
        self.assertExit(r, 1)
        self.assertIn("MISSING from the contender (in the baseline): "
                      "Chain/100", r.stdout)
        # a rule count the baseline never measured is bad input
        self.assertBadInput(self.gate(base, cont, "--rules=0,700"),
                            "no benchmark with rules = 700", "--rules")
        self.assertBadInput(self.gate(base, cont, "--rules=zero"), "--rules")

    def test_extra_rules_matched_by_name(self):
        # nf_bench --extra_rules=500: Chain/N has rules = N + 500, and is
        # still compared with the baseline's Chain/N.
        cont = sweep(rules=SOME, extra_rules=500, hook_scale=1.4)
        r = self.gate(sweep(rules=SOME), cont, "--metrics=hook_ns")
        self.assertExit(r, 1)
        self.assertEqual(self.rows(r, "REGRESSED"),
                         {(point(k), "hook_ns") for k in SOME})
        self.assertNotIn("MISSING", r.stdout)
        self.assertNotIn("only in contender", r.stdout)
        # --rules selects by the baseline's rules counter, and the same
        # points (by name) of the contender
        r = self.gate(sweep(rules=SOME), cont, "--rules=0,500",
                      "--metrics=hook_ns")
        self.assertExit(r, 1)
        self.assertEqual(self.rows(r, "REGRESSED"),
                         {(point(0), "hook_ns"), (point(500), "hook_ns")})
        self.assertBadInput(self.gate(cont, sweep(rules=SOME), "--rules=0"),
                            "no benchmark with rules = 0")

    # --- families (one per rule backend) -----------------------------------

    def test_chain_nft_regression(self):
        base = fake_runs.backends(reps=5)
        cont = fake_runs.backends(reps=5, slopes={"ChainNft": 9.0})
        r = self.gate(base, base)
        self.assertExit(r, 0)
        self.assertIn("(24 comparisons: 12 points of 3 families x 2 metrics)",
                      r.stdout)
        r = self.gate(base, cont)
        self.assertExit(r, 1)
        # 0 rules: no change; throughput falls by less than 10% at 300
        nft = [n for n in fake_runs.SHORT if n > 0]
        self.assertEqual(self.rows(r, "REGRESSED"),
                         {(point(n, "ChainNft"), "hook_ns") for n in nft})
        self.assertIn("regressed: ChainNft/100 hook_ns", r.stdout)
        names = [line.split()[0] for line in r.stdout.splitlines()
                 if line.startswith("Chain") and "/" in line.split()[0]]
        self.assertEqual(names[::2], [point(n, f) for f in fake_runs.SLOPES
                                      for n in fake_runs.SHORT])
        r = self.gate(base, cont, "--family=Chain,ChainIptNft")
        self.assertExit(r, 0)
        self.assertNotIn("ChainNft/", r.stdout)
        r = self.gate(base, cont, "--family=ChainNft", "--rules=300",
                      "--metrics=hook_ns")
        self.assertExit(r, 1)
        self.assertEqual(self.rows(r, "REGRESSED"),
                         {(point(300, "ChainNft"), "hook_ns")})
        self.assertIn("1 regressed, 0 improved, 0 unchanged (1 comparisons: "
                      "1 rule counts x 1 metrics)", r.stdout)

    def test_rules_select_in_every_family(self):
        base = fake_runs.backends(reps=5)
        r = self.gate(base, base, "--rules=300")
        self.assertExit(r, 0)
        self.assertEqual(self.rows(r, "unchanged"),
                         {(point(300, f), m) for f in fake_runs.SLOPES
                          for m in ("hook_ns", "bits_per_s")})

    def test_install_ms_can_be_gated(self):
        base = fake_runs.backends(reps=5)
        cont = fake_runs.backends(reps=5)
        for b in cont["benchmarks"]:
            if b["run_name"].startswith("ChainIptNft/300/"):
                b["install_ms"] *= 2
        r = self.gate(base, cont, "--metrics=install_ms")
        self.assertExit(r, 1)
        self.assertEqual(self.rows(r, "REGRESSED"),
                         {(point(300, "ChainIptNft"), "install_ms")})

    def test_bad_or_absent_family(self):
        base = fake_runs.backends(families=("Chain", "ChainNft"))
        self.assertBadInput(self.gate(base, base, "--family=Nft"),
                            "--family")
        self.assertBadInput(self.gate(base, base, "--family=ChainIptNft"),
                            "no ChainIptNft benchmark", "--family")
        r = self.gate(base, fake_runs.backends(families=("Chain",)))
        self.assertExit(r, 1)
        self.assertIn("MISSING from the contender (in the baseline): "
                      "ChainNft/0, ChainNft/100", r.stdout)

    def test_contender_that_failed_everywhere_fails(self):
        r = self.gate(sweep(rules=[0, 100]), sweep(rules=[0, 100],
                                                   fail=(0, 100)))
        self.assertExit(r, 1)
        self.assertIn("Chain/0 (5 of 5 runs", r.stdout)
        self.assertIn("Chain/100 (5 of 5 runs", r.stdout)

    def test_failed_baseline_repetition_is_left_out(self):
        r = self.gate(sweep(rules=SOME, fail=((300, 1),)),
                      sweep(rules=SOME))
        self.assertExit(r, 0)
        self.assertIn("baseline: 1 failed run(s) (error_occurred) left out",
                      r.stdout)

    def test_metric_missing_at_one_point_is_bad_input(self):
        cont = sweep(rules=SOME, hook_scale=1.4)
        for b in cont["benchmarks"]:
            if b["run_name"].startswith("Chain/300/"):
                del b["hook_ns"]
        self.assertBadInput(self.gate(sweep(rules=SOME), cont),
                            "contender", "cont.json", "Chain/300", "hook_ns",
                            "missing in 5 of 5 runs")

    def test_metric_missing_in_one_repetition_is_bad_input(self):
        cont = sweep(rules=SOME)
        del fake_runs.rows_of(cont, 100)[2]["bits_per_s"]
        self.assertBadInput(self.gate(sweep(rules=SOME), cont),
                            "Chain/100", "bits_per_s", "missing in 1 of 5")

    def test_metric_missing_everywhere_is_bad_input(self):
        cont = sweep()
        for b in cont["benchmarks"]:
            b.pop("hook_ns", None)
        self.assertBadInput(self.gate(sweep(), cont), "hook_ns", "missing")

    def test_contender_without_counters_is_bad_input(self):
        cont = fake_runs.drop_counters(sweep())
        self.assertBadInput(self.gate(sweep(), cont), "contender", "missing")
        fake_runs.drop_counters(cont, keep=())
        self.assertBadInput(self.gate(sweep(), cont), "cont.json",
                            "no rules counter")

    def test_metric_missing_in_baseline_is_bad_input(self):
        base = sweep(rules=SOME)
        for b in base["benchmarks"]:
            if b["run_name"].startswith("Chain/500/"):
                del b["bits_per_s"]
        self.assertBadInput(self.gate(base, sweep(rules=SOME)),
                            "baseline", "base.json", "Chain/500",
                            "bits_per_s")

    def test_baseline_point_failed_everywhere_is_bad_input(self):
        self.assertBadInput(self.gate(sweep(rules=SOME,
                                            fail=(200,)),
                                      sweep(rules=SOME)),
                            "baseline", "Chain/200 failed in all runs",
                            "sum_received")

    def test_non_finite_counters_are_bad_input(self):
        for side in ("base", "cont"):
            for value in (math.nan, math.inf, -math.inf):
                docs = {"base": sweep(), "cont": sweep()}
                docs[side]["benchmarks"][2]["hook_ns"] = value
                self.assertBadInput(self.gate(docs["base"], docs["cont"]),
                                    f"{side}.json", "Chain/0/manual_time",
                                    "hook_ns", "not a finite number")

    def test_impossible_counters_are_bad_input(self):
        for key, value in (("hook_ns", 0.0), ("hook_ns", 1e308),
                           ("bits_per_s", -1.0), ("rules", -100.0)):
            cont = sweep()
            cont["benchmarks"][0][key] = value
            self.assertBadInput(self.gate(sweep(), cont), "cont.json",
                                "Chain/0/manual_time", key, "outside")

    def test_deeply_nested_is_bad_input_not_regression(self):
        deep = self.write("deep.json", "[" * 100000)
        self.assertBadInput(self.gate(sweep(), deep), "deep.json",
                            "nested too deep")
        self.assertBadInput(self.gate(deep, sweep()), "deep.json")

    # --- observers and load -----------------------------------------------

    def test_observed_points_marked_and_noted(self):
        r = self.gate(sweep(rules=SOME, observed=()),
                      sweep(rules=SOME, observed=(100, 300)))
        self.assertExit(r, 0)  # the verdict stands
        self.assertEqual(self.marked(r), {"Chain/100": "contender",
                                          "Chain/300": "contender"})
        self.assertIn(f"Chain/100 (contender: {LABEL})", r.stdout)
        self.assertIn("includes that observer's cost", r.stdout)
        self.assertIn("PASS", r.stdout)

    def test_observed_on_both_sides_and_regression_stands(self):
        r = self.gate(sweep(rules=SOME, observed=(0,)),
                      sweep(rules=SOME, observed=(0,),
                            hook_scale=1.4))
        self.assertExit(r, 1)
        self.assertEqual(self.marked(r), {"Chain/0": "both"})

    def test_unobserved_files_have_no_marks(self):
        r = self.gate(sweep(observed=()), sweep())  # counter vs no counter
        self.assertExit(r, 0)
        self.assertEqual(self.marked(r), {})
        self.assertNotIn("observed", r.stdout)

    def test_busy_machine_noted(self):
        r = self.gate(sweep(load_avg_1m="0.3", cpus="2", other_nf_bench="0",
                            cpu_busy_at_start="0.02"),
                      sweep(load_avg_1m="4.1", cpus="2", other_nf_bench="2",
                            cpu_busy_at_start="0.7"))
        self.assertExit(r, 0)
        note = [line for line in r.stdout.splitlines()
                if line.startswith("load: ")]
        self.assertEqual(len(note), 1, r.stdout)
        for fragment in ("contender: other_nf_bench = 2",
                         "cpu_busy_at_start = 0.7",
                         "load_avg_1m = 4.1 with cpus = 2"):
            self.assertIn(fragment, note[0])
        self.assertNotIn("baseline:", note[0])

    def test_quiet_machine_not_noted(self):
        r = self.gate(sweep(load_avg_1m="0.3", cpus="2"), sweep())
        self.assertExit(r, 0)
        self.assertNotIn("load:", r.stdout)

    def test_directions_come_from_the_loader_table(self):
        self.assertEqual(gate.DIRECTION,
                         {q.name: q.worse for q in schema.QUANTITIES
                          if q.worse})
        self.assertEqual(gate.DIRECTION["hook_ns"], +1)
        self.assertEqual(gate.DIRECTION["bits_per_s"], -1)

    # --- the real files -----------------------------------------------------

    def test_reference_files(self):
        ref = os.path.join(RESULTS, "reference.json")
        r = self.gate(ref, ref)
        self.assertExit(r, 0)
        self.assertIn(f"{COMPARED} unchanged ({COMPARED} comparisons",
                      r.stdout)
        r = self.gate(ref, os.path.join(RESULTS, "regression-extra500.json"))
        self.assertExit(r, 1)
        self.assertIn("REGRESSED", r.stdout)

    def test_failed_point_does_not_hide_regression(self):
        r = self.gate(sweep(rules=SOME),
                      sweep(rules=SOME, fail=(300,),
                            hook_scale=1.4))
        self.assertExit(r, 1)

    # --- bad input ---------------------------------------------------------

    def test_not_json(self):
        garbage = self.write("garbage.json", "not json at all\n")
        self.assertBadInput(self.gate(sweep(), garbage), "not JSON")

    def test_no_chain_results(self):
        other = {"context": {}, "benchmarks": [
            {"name": "BM_Other/1", "run_name": "BM_Other/1",
             "run_type": "iteration", "real_time": 1.0, "cpu_time": 1.0,
             "time_unit": "ns"}]}
        self.assertBadInput(self.gate(other, sweep()),
                            "no results of an nf_bench family (Chain/<rules>")

    def test_missing_file(self):
        missing = os.path.join(self.tmp.name, "nope.json")
        self.assertBadInput(self.gate(sweep(), missing), "nope.json")

    def test_bad_threshold(self):
        for value in ("abc", "-0.1", "nan"):
            self.assertBadInput(self.gate(sweep(), sweep(),
                                          f"--threshold={value}"),
                                "--threshold")

    def test_bad_alpha_and_min_reps(self):
        self.assertBadInput(self.gate(sweep(), sweep(), "--alpha=1.5"),
                            "--alpha")
        self.assertBadInput(self.gate(sweep(), sweep(), "--min-reps=1"),
                            "--min-reps")

    def test_unknown_metric(self):
        self.assertBadInput(self.gate(sweep(), sweep(),
                                      "--metrics=hook_ns,latency"),
                            "latency")

    def test_no_common_rule_counts(self):
        self.assertBadInput(self.gate(sweep(rules=[0, 100]),
                                      sweep(rules=[200])),
                            "no common benchmarks")

    def test_duplicated_repetitions_are_bad_input(self):
        cont = sweep(reps=2)
        row = fake_runs.rows_of(cont, 300)[1]
        at = cont["benchmarks"].index(row)
        cont["benchmarks"][at:at] = [dict(row) for _ in range(2000)]
        self.assertBadInput(self.gate(sweep(reps=2), cont), "cont.json",
                            "Chain/300:", "repetition_index = 1 ",
                            "in two rows")
        base = sweep(reps=2)
        fake_runs.rows_of(base, 0)[1]["repetition_index"] = 2
        self.assertBadInput(self.gate(base, sweep(reps=2)), "base.json",
                            "Chain/0:", "repetition_index = 2 ",
                            "repetitions = 2")

    def test_unknown_flag_and_missing_argument(self):
        self.assertBadInput(self.gate(sweep(), sweep(), "--frobnicate"))
        r = subprocess.run([sys.executable, GATE], capture_output=True,
                           text=True, timeout=60)
        self.assertBadInput(r)


class ShapeGateTest(unittest.TestCase):
    """Shape families and table_ns (GateTest's helpers, not its tests)."""

    setUp, write, gate, assertExit, assertBadInput = (
        GateTest.setUp, GateTest.write, GateTest.gate, GateTest.assertExit,
        GateTest.assertBadInput)

    def rows(self, result, verdict):
        """(benchmark, metric) of the table rows with this verdict, of any
        family."""
        return {(cols[0], cols[1]) for cols in map(str.split,
                                                   result.stdout.splitlines())
                if len(cols) >= 7 and cols[0].split("/")[0]
                in fake_runs.schema.FAMILY
                and cols[6].rstrip("*") == verdict}

    def test_shape_regression(self):
        base = fake_runs.merge(fake_runs.backends(reps=5),
                               fake_runs.shapes(reps=5))
        slopes = {"ShapeNft": (6.0, 10.0, 13.0, 20.0)}
        cont = fake_runs.merge(fake_runs.backends(reps=5),
                               fake_runs.shapes(reps=5, slopes=slopes))
        r = self.gate(base, base)
        self.assertExit(r, 0)
        self.assertIn("(120 comparisons: 60 points of 6 families x 2 "
                      "metrics)", r.stdout)
        r = self.gate(base, cont, "--metrics=hook_ns")
        self.assertExit(r, 1)
        self.assertEqual(self.rows(r, "REGRESSED"),
                         {(f"ShapeNft/3/{n}", "hook_ns")
                          for n in (1000, 2000, 3000)})
        r = self.gate(base, cont, "--rules=3000", "--metrics=hook_ns")
        self.assertExit(r, 1)
        self.assertEqual(
            {p for p, _ in self.rows(r, "unchanged")}
            | {p for p, _ in self.rows(r, "REGRESSED")},
            {f"{f}/{k}/3000" for f in fake_runs.SHAPE_SLOPES
             for k in range(4)})  # Chain has no 3000 in SHORT
        r = self.gate(base, cont, "--family=Shape,ShapeIptNft")
        self.assertExit(r, 0)
        self.assertNotIn("ShapeNft/", r.stdout)
        self.assertIn("(64 comparisons: 32 points of 2 families", r.stdout)
        r = self.gate(base, cont, "--family=ShapeNft", "--rules=0,2000",
                      "--metrics=hook_ns")
        self.assertExit(r, 1)
        self.assertIn("1 regressed, 0 improved, 7 unchanged (8 comparisons: "
                      "8 points of 1 family x 1 metrics)", r.stdout)
        names = [line.split()[0] for line in r.stdout.splitlines()
                 if line.startswith("ShapeNft/")]
        self.assertEqual(names, [f"ShapeNft/{k}/{n}" for n in (0, 2000)
                                 for k in range(4)])

    def test_table_ns(self):
        base = fake_runs.shapes(reps=5, table_outside_ns=60.0)
        cont = fake_runs.shapes(reps=5, table_outside_ns=60.0)
        for b in cont["benchmarks"]:
            if b["run_name"].startswith("Shape/2/3000/"):
                b["table_ns"] *= 1.5
        r = self.gate(base, base, "--metrics=table_ns")
        self.assertExit(r, 0)
        r = self.gate(base, cont, "--metrics=table_ns,hook_ns")
        self.assertExit(r, 1)
        self.assertEqual(self.rows(r, "REGRESSED"),
                         {("Shape/2/3000", "table_ns")})
        plain = fake_runs.shapes(reps=5)
        self.assertBadInput(self.gate(base, plain, "--metrics=table_ns"),
                            "contender", "table_ns missing in 5 of 5 runs")
        self.assertBadInput(self.gate(plain, base, "--metrics=table_ns"),
                            "baseline", "table_ns missing in 5 of 5 runs")
        self.assertExit(self.gate(plain, base), 0)  # not gated by default


class NewFamiliesGateTest(unittest.TestCase):
    """Remedies, traffic profiles and install cost, gated on what each
    family measures (schema.measures) or the --metrics its rows carry
    (GateTest's and ShapeGateTest's helpers, not their tests)."""

    setUp, write, gate, assertExit, assertBadInput = (
        GateTest.setUp, GateTest.write, GateTest.gate, GateTest.assertExit,
        GateTest.assertBadInput)
    rows = ShapeGateTest.rows

    def scaled(self, doc, prefix, key, factor):
        """doc with `key` of the rows of points starting with prefix
        scaled by factor (a worse or better run of those points)."""
        for b in doc["benchmarks"]:
            if b.get("run_name", "").startswith(prefix) and key in b:
                b[key] *= factor
        return doc

    def test_every_family_passes_against_itself(self):
        doc = fake_runs.everything(reps=5)
        r = self.gate(doc, doc)
        self.assertExit(r, 0)
        points = sum(len(f.points) * max(1, len(f.leads))
                     for f in schema.FAMILIES)
        # hook_ns and a rate at every traffic point, real_time_s at installs
        installs = sum(len(schema.FAMILY[f].points)
                       for f in schema.INSTALLS)
        comparisons = 2 * (points - installs) + installs
        self.assertIn(f"({comparisons} comparisons: {points} points of "
                      f"{len(schema.FAMILIES)} families x 1 to 2 "
                      "metrics)", r.stdout)
        self.assertIn("connections_per_s", r.stdout)
        self.assertIn("packets_per_s", r.stdout)

    def test_install_regression(self):
        base = fake_runs.installs(reps=5)
        cont = self.scaled(fake_runs.installs(reps=5), "InstallNft/30000/",
                           "real_time", 1.5)
        r = self.gate(base, cont)
        self.assertExit(r, 1)
        self.assertEqual(self.rows(r, "REGRESSED"),
                         {("InstallNft/30000", "real_time_s")})
        self.assertIn("(16 comparisons: 16 points of 4 families x 1 "
                      "metrics)", r.stdout)
        self.assertExit(self.gate(base, cont, "--family=Install"), 0)

    def test_profile_regressions(self):
        base = fake_runs.profiles(reps=5)
        cont = self.scaled(fake_runs.profiles(reps=5), "ConnRateNft/3000/",
                           "connections_per_s", 0.7)
        r = self.gate(base, cont, "--family=ConnRate,ConnRateNft")
        self.assertExit(r, 1)
        self.assertEqual(self.rows(r, "REGRESSED"),
                         {("ConnRateNft/3000", "connections_per_s")})
        self.assertIn("(12 comparisons: 6 points of 2 families x 2 "
                      "metrics)", r.stdout)
        cont = self.scaled(fake_runs.profiles(reps=5), "UdpPaced/64/1000/",
                           "loss_fraction", 3.0)
        r = self.gate(base, cont, "--metrics=loss_fraction")
        self.assertExit(r, 1)
        self.assertEqual(self.rows(r, "REGRESSED"),
                         {("UdpPaced/64/1000", "loss_fraction")})
        self.assertIn("not gated (their rows carry none of --metrics="
                      "loss_fraction): ConnRate/0, ", r.stdout)

    def test_remedy_family(self):
        base = fake_runs.merge(fake_runs.backends(reps=5),
                               fake_runs.remedies(reps=5))
        cont = self.scaled(fake_runs.merge(fake_runs.backends(reps=5),
                                           fake_runs.remedies(reps=5)),
                           "RemedyIpset/100000/", "hook_ns", 2.0)
        r = self.gate(base, cont, "--family=RemedyIpset")
        self.assertExit(r, 1)
        self.assertEqual(self.rows(r, "REGRESSED"),
                         {("RemedyIpset/100000", "hook_ns")})
        self.assertNotIn("Chain/", r.stdout)
        self.assertIn("(20 comparisons: 10 points of 1 family x 2 metrics)",
                      r.stdout)
        self.assertExit(self.gate(base, cont, "--family=RemedyNftSet"), 0)

    def test_metrics_no_point_carries(self):
        doc = fake_runs.merge(fake_runs.doc(reps=5), fake_runs.installs())
        self.assertBadInput(
            self.gate(doc, doc, "--family=Install", "--metrics=hook_ns"),
            "no compared point carries --metrics=hook_ns",
            "Install/1000")
        r = self.gate(doc, doc, "--metrics=hook_ns")
        self.assertExit(r, 0)
        self.assertIn("not gated (their rows carry none of --metrics="
                      "hook_ns): Install/1000, Install/3000", r.stdout)

if __name__ == "__main__":
    unittest.main()
