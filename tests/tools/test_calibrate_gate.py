"""Tests of tools/calibrate.py on synthetic sweeps of the gate's
kind (fake_runs.noisy_sweep: folders of 8 runs, each with its own
between-run factor): same-build pairs are not flagged, a 5% steeper cost
per rule is flagged by the slope in every pair, the counts and the table's
shape, the spread and throughput CV tables, and bad input is one line and exit 2;
tools/gate_sweep.sh's refusals, too.

Run: python3 -m unittest test_calibrate_gate (from tests/tools)."""

import contextlib
import io
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
sys.path.insert(0, HERE)

from nfbench import calibrate  # noqa: E402
import fake_runs  # noqa: E402

SLOPE = 4.2   # ns per rule


class CalibrateTest(fake_runs.TempFiles, unittest.TestCase):
    def run_tool(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = calibrate.main(list(argv))
        return code, out.getvalue(), err.getvalue()

    def rows(self, text):
        """{(pairs, metric): cells} of the table."""
        out = {}
        for line in text.splitlines():
            cells = [c.strip() for c in line.strip("|").split("|")]
            if len(cells) == 8 and cells[2].isdigit():
                out[(cells[0], cells[1])] = cells
        return out

    def sweep(self, name, slope, seed):
        return self.write_runs(name, fake_runs.noisy_sweep(slope, seed=seed))

    def test_same_build_quiet_and_regression_seen(self):
        same = [self.sweep(f"same{i}", SLOPE, seed=i) for i in range(3)]
        steeper = [self.sweep(f"r{i}", SLOPE * 1.05, seed=10 + i)
                   for i in range(2)]
        code, text, err = self.run_tool(
            "--same", *same, "--regression", "scale 1.05=" + ",".join(steeper))
        self.assertEqual((code, err), (0, ""))
        rows = self.rows(text)
        self.assertEqual(rows[("same build", "hook_ns")][2:6],
                         ["3", "0/3", "0/3", "0/3"])
        self.assertEqual(rows[("same build", "bits_per_s")][3], "0/3")
        self.assertEqual(rows[("scale 1.05", "hook_ns")][2], "6")
        self.assertEqual(rows[("scale 1.05", "hook_ns")][3], "6/6")
        self.assertEqual(rows[("scale 1.05", "hook_ns")][5], "6/6")
        change = float(rows[("scale 1.05", "hook_ns")][6].split("%")[0])
        self.assertAlmostEqual(change, 5.0, delta=0.7)
        self.assertIn("the floor (the best repetition of all runs", text)
        cv = [line for line in text.splitlines()
              if line.startswith("| Chain/500 | 24 |")]
        self.assertEqual(len(cv), 1, text)  # 3 sweeps x 8 runs
        spread = {}
        for line in text.splitlines():
            cells = [c.strip() for c in line.strip("|").split("|")]
            if len(cells) == 8 and cells[2] == "Chain slope":
                spread[(cells[0], cells[1])] = cells[3:]
        # 3 same-build pairs: none worse beyond doubt; the steeper line's
        # largest of 6 changes near its 5%; each against its threshold
        self.assertEqual(spread[("same build", "hook_ns")][0], "3")
        self.assertEqual(spread[("same build", "hook_ns")][3:], ["-", "1.75%"])
        worse = spread[("scale 1.05", "hook_ns")][3]
        self.assertTrue(3.0 < float(worse.rstrip("%")) < 8.0, worse)
        self.assertEqual(spread[("scale 1.05", "bits_per_s")][4], "not gated")

    def test_rounds_gate_each_arm_against_its_base(self):
        rounds = []
        for r in range(2):
            name = f"interleaved-drift-{r + 1}"
            for arm, slope in (("base", SLOPE), ("same", SLOPE),
                               ("scale103", SLOPE * 1.03),
                               ("scale105", SLOPE * 1.05),
                               ("offset30", SLOPE)):
                self.sweep(os.path.join(name, arm), slope, seed=10 * r
                           + len(arm) + int(slope))
            rounds.append(os.path.join(self.tmp.name, name))
        code, text, err = self.run_tool("--rounds", *rounds)
        self.assertEqual((code, err), (0, ""))
        rows = self.rows(text)
        same = rows[("interleaved, drift: same build", "hook_ns")]
        self.assertEqual(same[2:6], ["2", "0/2", "0/2", "0/2"])
        steeper = rows[("interleaved, drift: scale 1.05", "hook_ns")]
        self.assertEqual(steeper[2:6], ["2", "2/2", "2/2", "2/2"])
        self.assertNotIn(("sequential, steady: same build", "hook_ns"), rows)
        code, _, err = self.run_tool("--rounds", os.path.join(
            self.tmp.name, "interleaved-drift-1", "base"))
        self.assertEqual(code, 2)
        self.assertIn("DESIGN-DRIFT-N", err)
        self.assertEqual(self.run_tool("--rounds", *rounds, "--same",
                                       *rounds)[0], 2)

    def test_writes_the_file(self):
        same = [self.sweep(f"s{i}", SLOPE, seed=i) for i in range(2)]
        out = os.path.join(self.tmp.name, "table.md")
        self.assertEqual(self.run_tool("--same", *same, "-o", out)[0], 0)
        with open(out, encoding="utf-8") as f:
            self.assertIn("| same build | hook_ns | 1 |", f.read())

    def test_bad_input_is_one_line(self):
        one = self.sweep("one", SLOPE, seed=0)
        empty = os.path.join(self.tmp.name, "empty")
        os.makedirs(empty)
        for argv in (["--same", one],
                     ["--same", one, one, "--regression", "x="],
                     ["--same", one, os.path.join(self.tmp.name, "no")],
                     ["--same", one, empty],
                     ["--same", one, one, "--alpha=2"],
                     ["--same", one, one, "--bogus"]):
            code, out, err = self.run_tool(*argv)
            self.assertEqual(code, 2, argv)
            self.assertEqual(len(err.strip().splitlines()), 1, err)
            self.assertTrue(err.startswith("calibrate: "), err)


class GateSweepUsageTest(fake_runs.TempFiles, unittest.TestCase):
    """tools/gate_sweep.sh refuses a missing folder, and a folder that
    already holds runs (the gate would mix two sweeps), before it needs
    root or a build."""

    def test_refusals_are_one_line(self):
        script = os.path.join(fake_runs.TOOLS, "gate_sweep.sh")
        used = self.write_runs("used", [fake_runs.doc()])
        for argv in ([], ["--duration=1"], [used]):
            r = subprocess.run(["bash", script, *argv], capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(r.returncode, 2, (argv, r.stderr))
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertTrue(r.stderr.startswith("gate_sweep: "), r.stderr)


if __name__ == "__main__":
    unittest.main()
