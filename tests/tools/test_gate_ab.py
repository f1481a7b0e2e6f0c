"""tools/gate_ab.sh refuses what it cannot compare, in one line and exit 2,
before it builds or measures anything (no root needed for these).

Run from this folder:
    /usr/bin/python3 -m unittest -v test_gate_ab
"""

import os
import subprocess
import tempfile
import unittest

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(
    __file__)), "..", ".."))
GATE_AB = os.path.join(REPO, "tools", "gate_ab.sh")


def gate_ab(*args):
    return subprocess.run([GATE_AB, *args], capture_output=True, text=True,
                          timeout=60, cwd="/")


class GateAbUsageTest(unittest.TestCase):

    def assert_refused(self, proc, *words):
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1,
                         proc.stderr)
        self.assertTrue(proc.stderr.startswith("gate_ab: "), proc.stderr)
        for word in words:
            self.assertIn(word, proc.stderr)
        self.assertEqual(proc.stdout, "")

    def test_refusals(self):
        with tempfile.TemporaryDirectory() as used:
            os.mkdir(os.path.join(used, "base"))
            cases = {
                "no revision": ((), "give the base revision"),
                "unknown revision": (("no-such-rev-xyz",),
                                     "'no-such-rev-xyz' is not a revision"),
                "unknown head": (("HEAD", "deadbeef" * 5),
                                 "is not a revision"),
                "three revisions": (("HEAD", "HEAD", "HEAD"),
                                    "at most two revisions"),
                "unknown option": (("HEAD", "--bogus"),
                                   "unknown option '--bogus'"),
                "a used --out": (("HEAD", f"--out={used}"),
                                 "already holds a comparison"),
                "too few pairs": (("HEAD", "--pairs=3"),
                                  "bad --pairs='3'"),
                "pairs not a number": (("HEAD", "--pairs=8x"),
                                       "bad --pairs='8x'"),
            }
            for name, (args, words) in cases.items():
                with self.subTest(case=name):
                    self.assert_refused(gate_ab(*args), words)

    def test_help(self):
        proc = gate_ab("--help")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("tools/gate_ab.sh BASE_REV [HEAD_REV=HEAD]",
                      proc.stdout)


if __name__ == "__main__":
    unittest.main()
