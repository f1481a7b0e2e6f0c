"""The command line of every tool with one (tools/*.py with a `__main__`
block: gate, plot, report, calibrate_gate), run as a subprocess, held to
the same rules:
  * --help and -h print the usage (a `usage:` line) on stdout, nothing on
    stderr, and exit 0 (gate.py's once raised on a '%' in a help text);
  * a tool that writes files (its --help names -o) refuses an output path
    whose folder does not exist (nested or not), is a file, or cannot be
    written (run as nobody when the test runs as root), before any work
    (the message is about the folder even when the input is missing):
    exit 2, one line, and no folder created;
  * what such a tool writes is whole or absent: when the disk fills midway
    (RLIMIT_FSIZE in the child) it exits 1 with one `cannot write` line,
    and leaves no file under the final name and no temporary;
  * a file whose repetitions are duplicated (one repetition_index twice
    at a point) is bad input: exit 2 and one line naming the file, the
    point and the index (gbench_json refuses it for all of them).

Every tool found must have an entry in ARGV, so a new tool is checked too.

Run from this folder:
    /usr/bin/python3 -m unittest -v test_cli
"""

import glob
import os
import re
import resource
import shutil
import subprocess
import sys
import unittest

import fake_runs
from fake_runs import TOOLS

TIMEOUT_S = 120


def tools():
    """{name: path} of the tools/*.py that have a command line."""
    out = {}
    for path in sorted(glob.glob(os.path.join(TOOLS, "*.py"))):
        with open(path, encoding="utf-8") as f:
            if 'if __name__ == "__main__"' in f.read():
                out[os.path.basename(path)] = path
    return out


# The name each tool prints before its one-line refusals.
PREFIX = {"gate.py": "gate", "plot.py": "plot", "report.py": "report",
          "calibrate_gate.py": "calibrate"}


def argv(tool, good, bad, out_dir):
    """A command line of the tool that reads good and bad (JSON files)
    and, for a tool that writes files, writes into out_dir."""
    return {"gate.py": [good, bad],
            "plot.py": [bad, "-o", os.path.join(out_dir, "fig")],
            "report.py": [bad, "-o", os.path.join(out_dir, "r.md")],
            "calibrate_gate.py": ["--same", good, bad, "-o",
                                  os.path.join(out_dir, "table.md")],
            }[tool]


def writers():
    """{name: path} of the tools that write files: their --help has -o."""
    out = {}
    for name, path in tools().items():
        r = subprocess.run([sys.executable, path, "--help"],
                           capture_output=True, text=True, timeout=TIMEOUT_S)
        usage = r.stdout.split("\n\n")[0]
        if re.search(r"[\s\[]-o[\s\]]", usage):
            out[name] = path
    return out


class CommandLineTest(fake_runs.TempFiles, unittest.TestCase):
    def run_tool(self, path, *args, as_user=False, env=None,
                 max_file_bytes=None):
        prefix = []
        if as_user and os.geteuid() == 0:
            setpriv = shutil.which("setpriv")
            if setpriv is None:
                self.skipTest("setpriv is not available")
            prefix = [setpriv, "--reuid=nobody", "--regid=nogroup",
                      "--clear-groups"]
        def limit():  # a file system that fills up after so many bytes
            resource.setrlimit(resource.RLIMIT_FSIZE,
                               (max_file_bytes, max_file_bytes))
        return subprocess.run(prefix + [sys.executable, path, *args],
                              capture_output=True, text=True,
                              timeout=TIMEOUT_S,
                              preexec_fn=limit if max_file_bytes else None,
                              env=dict(os.environ, MPLBACKEND="Agg",
                                       PYTHONDONTWRITEBYTECODE="1",
                                       **(env or {})))

    def refused(self, name, result, *words):
        line = fake_runs.refusal(self, result.returncode, result.stdout,
                                 result.stderr, PREFIX[name])
        for word in words:
            self.assertIn(word, line)
        return line

    def test_every_tool_is_known(self):
        self.assertGreaterEqual(set(PREFIX), set(tools()))
        self.assertIn("gate.py", tools())

    def test_help_of_every_tool(self):
        for name, path in tools().items():
            for flag in ("--help", "-h"):
                with self.subTest(tool=name, flag=flag):
                    r = self.run_tool(path, flag)
                    self.assertEqual((r.returncode, r.stderr), (0, ""),
                                     r.stderr)
                    self.assertTrue(r.stdout.startswith(
                        f"usage: {name} "), r.stdout[:200])

    def test_output_folder_must_exist_and_be_writable(self):
        found = writers()
        self.assertEqual(set(found),
                         {"plot.py", "report.py", "calibrate_gate.py"})
        os.chmod(self.tmp.name, 0o755)  # nobody reads the inputs
        good = self.write("good.json", fake_runs.doc(reps=2))
        absent = os.path.join(self.tmp.name, "absent.json")
        a_file = self.write("a_file", "not a folder")
        locked = os.path.join(self.tmp.name, "locked")
        os.mkdir(locked, 0o555)
        config = os.path.join(self.tmp.name, "mpl")  # matplotlib's, nobody's
        os.mkdir(config)
        os.chmod(config, 0o777)
        cases = ((os.path.join(self.tmp.name, "no", "dir"),
                  "folder {} does not exist"),
                 (os.path.join(self.tmp.name, "no"),
                  "folder {} does not exist"),
                 (a_file, "{} is not a folder"),
                 (locked, "folder {} is not writable"))
        for name, path in found.items():
            for folder, why in cases:
                for reads in (good, absent):  # refused before reading
                    with self.subTest(tool=name, folder=folder, input=reads):
                        args = argv(name, good, reads, folder)
                        out = args[args.index("-o") + 1]
                        r = self.run_tool(path, *args,
                                          as_user=folder == locked,
                                          env={"MPLCONFIGDIR": config})
                        self.refused(name, r, f"cannot write -o {out}: ",
                                     why.format(folder))
                        self.assertFalse(os.path.exists(
                            os.path.join(self.tmp.name, "no")))
                        self.assertEqual(os.listdir(locked), [])

    def test_output_whole_or_absent(self):
        # Python ignores SIGXFSZ: a write past the limit fails with EFBIG.
        good = self.write("good.json", fake_runs.doc(reps=2))
        other = self.write("other.json", fake_runs.doc(reps=2))
        for name, path in writers().items():
            with self.subTest(tool=name):
                out = os.path.join(self.tmp.name, name + ".out")
                os.mkdir(out)
                args = argv(name, other, good, out)
                r = self.run_tool(path, *args)  # without the limit: written
                self.assertEqual(r.returncode, 0, r.stderr)
                written = sorted(os.listdir(out))
                self.assertTrue(written, r.stdout)
                for f in written:
                    self.assertGreater(os.path.getsize(os.path.join(out, f)),
                                       100, f)
                    os.unlink(os.path.join(out, f))
                r = self.run_tool(path, *args, max_file_bytes=100)
                self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
                self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
                self.assertTrue(r.stderr.startswith(
                    f"{PREFIX[name]}: cannot write "), r.stderr)
                self.assertEqual(os.listdir(out), [])

    def test_duplicated_repetitions_refused_by_every_tool(self):
        good = self.write("good.json", fake_runs.doc(reps=2))
        doc = fake_runs.doc(reps=2)
        row = fake_runs.rows_of(doc, 200)[0]
        at = doc["benchmarks"].index(row)
        doc["benchmarks"][at:at] = [dict(row) for _ in range(50)]
        bad = self.write("dup.json", doc)
        out = os.path.join(self.tmp.name, "out")
        os.mkdir(out)
        for name, path in tools().items():
            with self.subTest(tool=name):
                self.refused(name, self.run_tool(
                    path, *argv(name, good, bad, out)), "dup.json",
                    "Chain/200:", "repetition_index = 0 ", "in two rows")
                self.assertEqual(os.listdir(out), [])


if __name__ == "__main__":
    unittest.main()
