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
  * failed runs and rule counts in one file only are reported, not gated;
  * bad input (not JSON, no Chain results, a missing file, a bad
    --threshold, an unknown metric, ...) exits 2 with one `gate:` line.

Run from this folder:
    /usr/bin/python3 -m unittest -v test_gate
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

GATE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    "..", "..", "tools", "gate.py")
RULES = range(0, 3001, 100)


def jitter(rules, rep, seed, amplitude):
    """Deterministic noise in [-amplitude, +amplitude], 5 levels."""
    step = (rep * 7 + (rules // 100) * 3 + seed * 2) % 5 - 2  # -2..2
    return 1.0 + amplitude * step / 2


def entry(rules, rep, reps, hook_ns, bits_per_s, cpu_ms=1930.0):
    name = f"Chain/{rules}/manual_time"
    return {
        "name": name, "family_index": 0,
        "per_family_instance_index": rules // 100, "run_name": name,
        "run_type": "iteration", "repetitions": reps,
        "repetition_index": rep, "threads": 1, "iterations": 1,
        "real_time": 2001.5, "cpu_time": cpu_ms, "time_unit": "ms",
        "bits_per_s": bits_per_s, "bytes_per_call": 47700.0,
        "hook_calls": 110000.0, "hook_ns": hook_ns,
        "hook_p50_ns": hook_ns, "hook_p99_ns": hook_ns * 2,
        "rules": float(rules),
    }


def aggregates(entries):
    out = []
    for agg in ("mean", "median", "stddev"):
        e = dict(entries[0])
        del e["repetition_index"]
        e.update(name=e["run_name"] + "_" + agg, run_type="aggregate",
                 aggregate_name=agg, aggregate_unit="time",
                 iterations=len(entries))
        for key in ("hook_ns", "bits_per_s", "cpu_time"):
            values = sorted(x[key] for x in entries)
            mean = sum(values) / len(values)
            e[key] = {"mean": mean, "median": values[len(values) // 2],
                      "stddev": (sum((v - mean) ** 2 for v in values)
                                 / max(1, len(values) - 1)) ** 0.5}[agg]
        out.append(e)
    return out


def sweep(reps=5, hook_scale=1.0, bits_scale=1.0, noise=0.0, seed=0,
          rules=RULES, fail=(), cpu_scale=1.0):
    """A sweep: hook_ns grows 4.2 ns per rule, throughput falls with it."""
    benchmarks = []
    for r in rules:
        entries = []
        for rep in range(reps):
            if r in fail:
                name = f"Chain/{r}/manual_time"
                benchmarks.append({
                    "name": name, "run_name": name, "run_type": "iteration",
                    "repetitions": reps, "repetition_index": rep,
                    "error_occurred": True,
                    "error_message": "iperf3 JSON has no \"sum_received\"",
                    "iterations": 1, "real_time": 0.0, "cpu_time": 0.0,
                    "time_unit": "ms"})
                continue
            j = jitter(r, rep, seed, noise)
            entries.append(entry(r, rep, reps,
                                 (130.0 + 4.2 * r) * hook_scale * j,
                                 (2.1e10 - 3.0e6 * r) * bits_scale / j,
                                 1930.0 * cpu_scale * j))
        benchmarks += entries
        if entries:
            benchmarks += aggregates(entries)
    return {"context": {"date": "2026-11-26T15:22:10+00:00", "host_name": "vm",
                        "executable": "/work/main/build/nf_bench",
                        "num_cpus": 2, "library_build_type": "release",
                        "kernel": "6.18.44-test", "probe": "bracket",
                        "iptables_backend": "legacy (libiptc)"},
            "benchmarks": benchmarks}


class GateTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def write(self, name, data):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w", encoding="utf-8") as f:
            if isinstance(data, str):
                f.write(data)
            else:
                json.dump(data, f)
        return path

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
        self.assertExit(result, 2)
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertTrue(lines[0].startswith("gate: "), lines[0])
        for word in words:
            self.assertIn(word, lines[0])
        self.assertEqual(result.stdout, "")

    def rows(self, result, verdict):
        """(benchmark, metric) of the table rows with this verdict."""
        out = set()
        for line in result.stdout.splitlines():
            cols = line.split()
            if (len(cols) >= 7 and cols[0].startswith("Chain/")
                    and cols[6].rstrip("*") == verdict):
                out.add((cols[0], cols[1]))
        return out

    # --- pass / fail -------------------------------------------------------

    def test_identical_runs_pass(self):
        r = self.gate(sweep(), sweep())
        self.assertExit(r, 0)
        self.assertIn("0 regressed, 0 improved, 62 unchanged", r.stdout)
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
        expected = {(f"Chain/{k}", m) for k in RULES
                    for m in ("hook_ns", "bits_per_s")}
        self.assertEqual(regressed, expected)
        self.assertIn("62 regressed, 0 improved, 0 unchanged", r.stdout)
        self.assertIn("FAIL", r.stdout)
        self.assertIn("Chain/0 hook_ns", r.stdout)      # the regressed list
        self.assertIn("Chain/3000 bits_per_s", r.stdout)
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
        self.assertIn("0 regressed, 62 improved", r.stdout)

    def test_change_below_threshold_passes(self):
        r = self.gate(sweep(), sweep(hook_scale=1.08, bits_scale=0.93))
        self.assertExit(r, 0)
        r = self.gate(sweep(), sweep(hook_scale=1.08), "--threshold=0.05")
        self.assertExit(r, 1)

    def test_u_test_vetoes_noise_beyond_threshold(self):
        # Medians 100 -> 115 (+15%) but the repetitions overlap: p > 0.05.
        base, cont = sweep(rules=[0]), sweep(rules=[0])
        for b, v in zip(base["benchmarks"], [90, 95, 100, 105, 150]):
            b["hook_ns"] = float(v)
        for b, v in zip(cont["benchmarks"], [80, 100, 115, 118, 160]):
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

    def test_failed_runs_and_missing_points_reported(self):
        # Chain/300 failed in every contender repetition: the loader drops
        # the point, so it shows as a rule count in the baseline only.
        r = self.gate(sweep(rules=range(0, 501, 100)),
                      sweep(rules=range(0, 601, 100), fail=(300,)))
        self.assertExit(r, 0)
        self.assertIn("contender: 5 failed run(s)", r.stdout)
        self.assertRegex(r.stdout, r"only in baseline \(not compared[^)]*"
                                   r"failed[^)]*\): Chain/300\n")
        self.assertIn("only in contender (not compared): Chain/600",
                      r.stdout)

    def test_point_without_values_not_gated(self):
        cont = sweep(rules=range(0, 501, 100), hook_scale=1.4)
        for b in cont["benchmarks"]:
            if b["run_name"].startswith("Chain/300/"):
                del b["hook_ns"]
        r = self.gate(sweep(rules=range(0, 501, 100)), cont)
        self.assertExit(r, 1)
        self.assertIn("not gated (no values in contender)", r.stdout)
        self.assertIn("Chain/300 hook_ns (no values in contender)", r.stdout)
        self.assertIn("5 regressed, 0 improved, 6 unchanged, 1 not gated",
                      r.stdout)

    def test_failed_point_does_not_hide_regression(self):
        r = self.gate(sweep(rules=range(0, 501, 100)),
                      sweep(rules=range(0, 501, 100), fail=(300,),
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
        self.assertBadInput(self.gate(other, sweep()), "no Chain")

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
                            "no common rule counts")

    def test_unknown_flag_and_missing_argument(self):
        self.assertBadInput(self.gate(sweep(), sweep(), "--frobnicate"))
        r = subprocess.run([sys.executable, GATE], capture_output=True,
                           text=True, timeout=60)
        self.assertBadInput(r)


if __name__ == "__main__":
    unittest.main()
