"""Tests of tools/calibrate_gate.py on synthetic sweeps of known slope with
between-run noise (fake_runs.noisy_line): same-build pairs are not flagged
by slope, a 5% steeper cost per rule is flagged in every pair, the counts
and the table's shape, and bad input is one line and exit 2.

Run: python3 -m unittest test_calibrate_gate (from tests/tools)."""

import contextlib
import io
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
sys.path.insert(0, HERE)

import calibrate_gate  # noqa: E402
import fake_runs  # noqa: E402

SLOPE = 4.2   # ns per rule
NOISE = 0.004  # between-run and per-point noise, relative


def sweep(slope, seed):
    return fake_runs.doc(rules=fake_runs.SWEEP, reps=5,
                         values=fake_runs.noisy_line(slope, noise=NOISE,
                                                     seed=seed))


class CalibrateTest(fake_runs.TempFiles, unittest.TestCase):
    def run_tool(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = calibrate_gate.main(list(argv))
        return code, out.getvalue(), err.getvalue()

    def rows(self, text):
        """{(pairs, metric): cells} of the table."""
        out = {}
        for line in text.splitlines():
            cells = [c.strip() for c in line.strip("|").split("|")]
            if len(cells) == 7 and cells[2].isdigit():
                out[(cells[0], cells[1])] = cells
        return out

    def test_same_build_quiet_and_regression_seen(self):
        same = [self.write(f"same{i}.json", sweep(SLOPE, seed=i))
                for i in range(3)]
        steeper = [self.write(f"r{i}.json", sweep(SLOPE * 1.05, seed=10 + i))
                   for i in range(2)]
        code, text, err = self.run_tool(
            "--same", *same, "--regression", "scale 1.05=" + ",".join(steeper))
        self.assertEqual((code, err), (0, ""))
        rows = self.rows(text)
        self.assertEqual(rows[("same build", "hook_ns")][2], "3")
        self.assertEqual(rows[("same build", "hook_ns")][4], "0/3")
        self.assertEqual(rows[("scale 1.05", "hook_ns")][2], "6")
        self.assertEqual(rows[("scale 1.05", "hook_ns")][4], "6/6")
        change = float(rows[("scale 1.05", "hook_ns")][5].split("%")[0])
        self.assertAlmostEqual(change, 5.0, delta=0.5)

    def test_writes_the_file(self):
        same = [self.write(f"s{i}.json", sweep(SLOPE, seed=i))
                for i in range(2)]
        out = os.path.join(self.tmp.name, "table.md")
        self.assertEqual(self.run_tool("--same", *same, "-o", out)[0], 0)
        with open(out, encoding="utf-8") as f:
            self.assertIn("| same build | hook_ns | 1 |", f.read())

    def test_bad_input_is_one_line(self):
        one = self.write("one.json", sweep(SLOPE, seed=0))
        for argv in (["--same", one],
                     ["--same", one, one, "--regression", "x="],
                     ["--same", one, os.path.join(self.tmp.name, "no")],
                     ["--same", one, one, "--bogus"]):
            code, out, err = self.run_tool(*argv)
            self.assertEqual(code, 2, argv)
            self.assertEqual(len(err.strip().splitlines()), 1, err)
            self.assertTrue(err.startswith("calibrate: "), err)


if __name__ == "__main__":
    unittest.main()
