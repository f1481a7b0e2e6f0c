"""Faults a careful user meets, each a clear message and a non-zero exit,
never a number with exit 0 or a cut-off file under a finished name (issue
17). As root, the real binary, real tools, real signals:

  * a loader that installs nothing or drops the set's entries (a wrapper
    bound over the real tool in a private mount namespace): the read-back
    fails the point, naming the first difference and the right quantities;
  * two runs writing one --benchmark_out: the second is refused before
    set-up, naming the first;
  * SIGINT, SIGTERM and SIGKILL mid-run: no OUT, the finished points whole
    in OUT.partial, a line saying so; before any point: nothing written;
  * an open-file limit below what nf_bench needs: refused before set-up; a
    low soft limit is raised;
  * tools/gate_sweep.sh and tools/sweep.sh stopped: they stop nf_bench, say
    which files are complete, and leave no cut-off JSON.

Run (as root), from this folder:
    NF_BENCH=/path/to/nf_bench /usr/bin/python3 -m unittest -v test_faults
"""

import glob
import json
import os
import shutil
import signal
import subprocess
import tempfile
import unittest

if os.geteuid() != 0:
    raise unittest.SkipTest(
        "nf_bench integration tests need root (namespaces, iptables, BPF)")

from hoststate import wait_until  # noqa: E402
from nf_bench_helpers import (  # noqa: E402
    NF_BENCH, RUN_TIMEOUT_S, STARTUP_TIMEOUT_S, failed_benchmarks,
    nf_bench_running, note, run_nf_bench, sender_netns_inode, stop_process)

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.dirname(NF_BENCH)
IPTABLES_LEGACY_RESTORE = "/usr/sbin/iptables-legacy-restore"
IPSET = "/usr/sbin/ipset"

# A wrapper bound over TOOL: runs the real one (copied to REAL) with its
# name, except as the case says. xtables-legacy-multi picks its tool by
# the name it runs as, and every iptables-legacy-* is that one file.
NOOP_RESTORE = """#!/bin/bash
case "$(basename "$0")" in
  iptables-legacy-restore) cat >/dev/null; exit 0 ;;
esac
exec -a "$0" "{real}" "$@"
"""
IPSET_WITHOUT_ENTRIES = """#!/bin/sh
if [ "$1" = restore ]; then grep -v '^add ' | "{real}" "$@"; exit $?; fi
exec "{real}" "$@"
"""


def run_with_tool_replaced(tool, wrapper, *args):
    """nf_bench ARGS with `tool` replaced by `wrapper` (a shell script
    where {real} is the real tool) in a private mount namespace."""
    target = os.path.realpath(tool)
    with tempfile.TemporaryDirectory() as tmp:
        real = os.path.join(tmp, "real")
        shutil.copy2(target, real)
        fake = os.path.join(tmp, "fake")
        with open(fake, "w") as f:
            f.write(wrapper.format(real=real))
        os.chmod(fake, 0o755)
        return subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c",
             'mount --bind "$1" "$2" && shift 2 && exec "$@"', "sh", fake,
             target, NF_BENCH, *args],
            capture_output=True, text=True, timeout=RUN_TIMEOUT_S, cwd="/")


def error_lines(proc):
    """The failed points' errors (on the console, stdout) and nf_bench's
    own lines (stderr)."""
    return [line for line in (proc.stdout + proc.stderr).splitlines()
            if "ERROR OCCURRED" in line or line.startswith("nf_bench:")]


def finished_in(path):
    """The benchmarks of a whole JSON file; fails the caller's parse."""
    with open(path) as f:
        return json.load(f)["benchmarks"]


class LoaderFaultTest(unittest.TestCase):
    """What was installed is read back before it is measured."""

    def assert_point_fails(self, proc, *words):
        self.assertEqual(proc.returncode, 1, proc.stderr[-2000:])
        errors = "\n".join(error_lines(proc))
        for word in words:
            self.assertIn(word, errors)
        self.assertIn("benchmark run(s) failed", errors)
        note(f"{error_lines(proc)[0][:220]}")

    def test_ipset_rule_never_installed(self):
        proc = run_with_tool_replaced(
            IPTABLES_LEGACY_RESTORE, NOOP_RESTORE,
            "--benchmark_filter=^RemedyIpset/1000/", "--duration=1")
        self.assert_point_fails(
            proc, "holds 0 rules, not the 1 installed",
            "'-m set --match-set nfb_block dst -j DROP' is missing")

    def test_ipset_entries_dropped(self):
        proc = run_with_tool_replaced(
            IPSET, IPSET_WITHOUT_ENTRIES,
            "--benchmark_filter=^RemedyIpset/1000/", "--duration=1")
        self.assert_point_fails(
            proc, "holds 0 entries in its set, not the 1000 installed")

    def test_prefix_rule_never_installed_names_one_rule(self):
        proc = run_with_tool_replaced(
            IPTABLES_LEGACY_RESTORE, NOOP_RESTORE,
            "--benchmark_filter=^RemedyPrefix/1000/", "--duration=1")
        self.assert_point_fails(
            proc, "holds 0 rules, not the 1 installed",
            "'-d 198.19.0.0/22 -j DROP' is missing")


class ResultFileTest(unittest.TestCase):
    """--benchmark_out is whole or absent, and has one writer."""

    FILTER = "--benchmark_filter=^Chain/(0|100|200|300)/"

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.out = os.path.join(self.tmp, "run.json")
        self.partial = self.out + ".partial"

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def start(self, *args):
        return subprocess.Popen(
            [NF_BENCH, self.FILTER, "--duration=2",
             f"--benchmark_out={self.out}", *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            cwd="/")

    def wait_for_points(self, proc, count):
        def finished():
            try:
                return len(finished_in(self.partial)) >= count
            except (OSError, ValueError, KeyError):
                return False
        if not wait_until(finished, RUN_TIMEOUT_S, 0.05):
            stop_process(proc)
            self.fail(f"no {count} finished points in {self.partial}")

    def test_second_writer_refused(self):
        first = self.start()
        try:
            self.assertTrue(wait_until(
                lambda: os.path.exists(self.partial), RUN_TIMEOUT_S))
            proc = run_nf_bench("--benchmark_filter=^Chain/0/",
                                "--duration=1", f"--benchmark_out={self.out}")
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertIn(f"another nf_bench (pid {first.pid}) is writing",
                          proc.stderr)
            self.assertNotIn("Running", proc.stderr)  # before set-up
            note(f"second writer: {proc.stderr.strip()}")
        finally:
            _, err = first.communicate(timeout=RUN_TIMEOUT_S)
        self.assertEqual(first.returncode, 0, err)
        self.assertEqual(len(finished_in(self.out)), 4)
        self.assertFalse(os.path.exists(self.partial))

    def interrupt(self, sig, after_points):
        proc = self.start()
        if after_points:
            self.wait_for_points(proc, after_points)
        else:  # set up (its handler in place), nothing measured yet
            self.assertIsNotNone(
                sender_netns_inode(proc.stderr, STARTUP_TIMEOUT_S))
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=RUN_TIMEOUT_S)
        self.assertEqual(proc.returncode, -sig, err)
        self.assertFalse(os.path.exists(self.out), "a finished name")
        return err

    def test_signal_mid_run_keeps_finished_points_whole(self):
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            with self.subTest(signal=sig.name):
                err = self.interrupt(sig, after_points=2)
                points = finished_in(self.partial)  # whole JSON
                self.assertGreaterEqual(len(points), 2)
                self.assertEqual(failed_benchmarks({"benchmarks": points}),
                                 {})
                if sig != signal.SIGKILL:
                    self.assertIn(f"are whole in {self.partial} (rename it",
                                  err)
                note(f"{sig.name} mid-run: {len(points)} points whole in "
                     f"OUT.partial, no OUT")
                os.unlink(self.partial)

    def test_signal_before_any_point_writes_nothing(self):
        err = self.interrupt(signal.SIGINT, after_points=0)
        self.assertFalse(os.path.exists(self.partial))
        self.assertIn("interrupted before any benchmark finished", err)


class OpenFileLimitTest(unittest.TestCase):

    def run_limited(self, soft, hard):
        return subprocess.run(
            ["prlimit", f"--nofile={soft}:{hard}", NF_BENCH,
             "--benchmark_filter=^Chain/0/", "--duration=1"],
            capture_output=True, text=True, timeout=RUN_TIMEOUT_S, cwd="/")

    def test_low_limit_refused_before_setup(self):
        for limit in (16, 24):
            with self.subTest(limit=limit):
                proc = self.run_limited(limit, limit)
                self.assertEqual(proc.returncode, 2, proc.stderr)
                self.assertEqual(len(proc.stderr.strip().splitlines()), 1,
                                 proc.stderr)
                self.assertIn(f"open-file limit is {limit}", proc.stderr)
                note(f"ulimit -n {limit}: {proc.stderr.strip()}")

    def test_low_soft_limit_is_raised(self):
        proc = self.run_limited(24, 4096)
        self.assertEqual(proc.returncode, 0, proc.stderr[-2000:])


class StoppedScriptTest(unittest.TestCase):
    """The scripts stop nf_bench and say what is complete."""

    def stop_after(self, argv, ready, env=None):
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True,
                                env=env, start_new_session=True)
        if not wait_until(ready, RUN_TIMEOUT_S, 0.1):
            os.killpg(proc.pid, signal.SIGKILL)
            self.fail(f"{argv[0]} never got ready")
        proc.send_signal(signal.SIGTERM)  # the script alone
        _, err = proc.communicate(timeout=RUN_TIMEOUT_S)
        self.assertEqual(proc.returncode, 128 + signal.SIGTERM, err)
        self.assertTrue(wait_until(lambda: not nf_bench_running(), 10),
                        "nf_bench still runs")
        return err

    def test_gate_sweep_stopped(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "sweep")
            env = dict(os.environ, NF_BENCH_BUILD=BUILD)
            err = self.stop_after(
                [os.path.join(ROOT, "tools", "gate_sweep.sh"), out],
                lambda: os.path.exists(
                    os.path.join(out, "run-2.json.partial")),
                env)
            self.assertIn("gate_sweep: interrupted: complete runs in", err)
            self.assertIn("run-1.json;", err)
            for path in glob.glob(os.path.join(out, "*.json")):
                finished_in(path)  # every *.json whole
            self.assertFalse(os.path.exists(os.path.join(out, "run-2.json")))
            note(f"gate_sweep stopped: {err.strip().splitlines()[-1]}")

    def test_sweep_stopped(self):
        runs = os.path.join(ROOT, "results", "runs")
        before = set(glob.glob(os.path.join(runs, "*")))
        env = dict(os.environ, NF_BENCH_BUILD=BUILD)

        def new_partial():
            return [p for p in glob.glob(os.path.join(runs, "*.partial"))
                    if p not in before and finished_in_or_none(p)]
        try:
            err = self.stop_after(
                [os.path.join(ROOT, "tools", "sweep.sh"), "--duration=1"],
                new_partial, env)
            made = set(glob.glob(os.path.join(runs, "*"))) - before
            self.assertEqual([p for p in made if p.endswith(".json")], [])
            self.assertIn("sweep: interrupted: no ", err)
            self.assertIn("are whole in", err)
            self.assertTrue(all(finished_in(p) for p in made))
            note(f"sweep stopped: {err.strip().splitlines()[-1][:200]}")
        finally:
            for path in set(glob.glob(os.path.join(runs, "*"))) - before:
                os.unlink(path)


def finished_in_or_none(path):
    try:
        return finished_in(path)
    except (OSError, ValueError, KeyError):
        return None


if __name__ == "__main__":
    unittest.main()
