"""nf_bench never reports success it did not have (issue 7): as root, the
real binary on this kernel.

  * Google Benchmark's own flags with values it would answer with its help
    and exit 0 (or a crash), from the command line or the environment: exit
    2, one line, before anything is set up;
  * a filter that selects nothing or is not a regular expression: exit 2,
    one line, before anything is set up;
  * results that cannot be written (/proc/version, /dev/full, a full file
    system at the start or in the middle of the run, a missing directory):
    exit 1 or 2 and one line naming the file; the same for stdout;
  * another BPF program in the timed walk (nf_watch on the sender
    namespace) is recorded per benchmark (`observers` counter, label) with a
    warning; a run nobody watches records observers = 0;
  * the context records the host's load and the other nf_bench runs.

Run (as root), from this folder:
    NF_BENCH=/path/to/nf_bench /usr/bin/python3 -m unittest -v test_fail_loud
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

if os.geteuid() != 0:
    raise unittest.SkipTest(
        "nf_bench integration tests need root (namespaces, iptables, BPF)")

from hoststate import (  # noqa: E402
    fd_path_of, host_netfilter_link_count, nonempty_lines, wait_until)
from nf_bench_helpers import (  # noqa: E402
    CLEANUP_TIMEOUT_S, NF_BENCH, NF_WATCH, RUN_TIMEOUT_S, STARTUP_TIMEOUT_S,
    benchmarks_by_rules, failed_benchmarks, nf_bench_running, note,
    run_nf_bench, run_nf_bench_json, sender_netns_inode, skip_without,
    start_nf_bench, stop_process)

# Bad values of Google Benchmark's flags, as (argument or environment, value).
BAD_BENCHMARK_FLAGS = (
    ("--benchmark_format", "bogus"),
    ("--benchmark_out_format", "bogus"),
    ("--benchmark_time_unit", "bogus"),
    ("--benchmark_repetitions", "0"),
    ("--benchmark_repetitions", "-1"),
    ("--benchmark_min_time", "1e12"),
    ("--benchmark_color", ""),
    ("--benchmark_out", ""),
)


class FailLoudTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        skip_without(NF_BENCH)

    def assert_one_line_exit(self, proc, status, *words):
        self.assertEqual(proc.returncode, status, proc.stderr)
        lines = [line for line in nonempty_lines(proc.stderr)
                 if line.startswith("nf_bench:")]
        self.assertEqual(len(lines), 1, proc.stderr)
        for word in words:
            self.assertIn(word, lines[0])
        return lines[0]

    def assert_refused_before_setup(self, *args, env=None, words=()):
        """Exit 2 with one line, and fast: nothing was set up."""
        links_before = host_netfilter_link_count()
        start = time.monotonic()
        proc = subprocess.run([NF_BENCH, "--duration=1", *args], env=env,
                              capture_output=True, text=True,
                              timeout=RUN_TIMEOUT_S, cwd="/")
        took = time.monotonic() - start
        line = self.assert_one_line_exit(proc, 2, *words)
        self.assertEqual(proc.stdout.strip(), "", "it ran something")
        self.assertLess(took, 5, "it set up before refusing")
        self.assertEqual(host_netfilter_link_count(), links_before)
        return line

    def test_bad_benchmark_flag_values(self):
        for flag, value in BAD_BENCHMARK_FLAGS:
            with self.subTest(flag=flag, value=value):
                line = self.assert_refused_before_setup(
                    f"{flag}={value}", "--benchmark_filter=^Chain/0/",
                    words=(flag,))
                note(f"{flag}={value}: {line}")
            with self.subTest(env=flag, value=value):
                env = dict(os.environ)
                env[flag[2:].upper()] = value
                self.assert_refused_before_setup(
                    "--benchmark_filter=^Chain/0/", env=env,
                    words=(flag[2:].upper(),))

    def test_filter_that_selects_nothing(self):
        for pattern in ("^Nothing$", "(", "Chain/(0"):
            for listing in ((), ("--benchmark_list_tests",)):
                with self.subTest(filter=pattern, listing=listing):
                    line = self.assert_refused_before_setup(
                        f"--benchmark_filter={pattern}", *listing,
                        words=("--benchmark_filter", "selects no benchmark"))
            note(f"--benchmark_filter={pattern}: {line}")

    def test_results_that_cannot_be_written(self):
        for out, status in (("/proc/version", 2), ("/dev/full", 1),
                            ("/nonexistent/dir/run.json", 2)):
            with self.subTest(out=out):
                links_before = host_netfilter_link_count()
                proc = run_nf_bench("--benchmark_filter=^Chain/0/",
                                    "--duration=1", f"--benchmark_out={out}")
                line = self.assert_one_line_exit(proc, status, out)
                self.assertEqual(host_netfilter_link_count(), links_before)
                note(f"--benchmark_out={out}: exit {status}: {line}")

    def test_stdout_that_takes_no_writes(self):
        with open("/dev/full", "w") as full:
            proc = subprocess.run(
                [NF_BENCH, "--benchmark_filter=^Chain/0/", "--duration=1",
                 "--benchmark_format=json"], stdout=full,
                stderr=subprocess.PIPE, text=True, timeout=RUN_TIMEOUT_S,
                cwd="/")
        line = self.assert_one_line_exit(proc, 1, "stdout")
        note(f"stdout on /dev/full: {line}")

    def run_on_small_tmpfs(self, free_kib, *args):
        """nf_bench writing its results to a tmpfs with about free_kib KiB
        left, in a private mount namespace (gone when it exits)."""
        if shutil.which("unshare") is None:
            self.skipTest("unshare is not available")
        with tempfile.TemporaryDirectory() as mnt:
            script = ('mount -t tmpfs -o size=16k nfb "$1" && '
                      'dd if=/dev/zero of="$1/fill" bs=1k count="$2" '
                      '2>/dev/null; shift 2; exec "$@"')
            return subprocess.run(
                ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                 script, "sh", mnt, str(16 - free_kib), NF_BENCH,
                 f"--benchmark_out={mnt}/run.json", *args],
                capture_output=True, text=True, timeout=RUN_TIMEOUT_S, cwd="/")

    def test_full_file_system(self):
        # Full from the start: not even the context fits.
        proc = self.run_on_small_tmpfs(0, "--benchmark_filter=^Chain/0/",
                                       "--duration=1")
        line = self.assert_one_line_exit(proc, 1, "No space left on device")
        note(f"full file system: {line}")
        # Full in the middle: the context (~1.5 KiB) fits in 4 KiB, five
        # repetitions and their aggregates (~0.8 KiB each) do not.
        proc = self.run_on_small_tmpfs(4, "--benchmark_filter=^Chain/0/",
                                       "--duration=1",
                                       "--benchmark_repetitions=5")
        line = self.assert_one_line_exit(proc, 1, "No space left on device")
        note(f"file system full mid-run: {line}")

    def test_unobserved_run_records_no_observers(self):
        proc = run_nf_bench("--benchmark_filter=^Chain/(0|100)/",
                            "--duration=1", "--benchmark_format=json")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        report = json.loads(proc.stdout)
        self.assertEqual(failed_benchmarks(report), {})
        entries = benchmarks_by_rules(report)
        self.assertEqual(sorted(entries), [0, 100])
        for rules, entry in entries.items():
            self.assertEqual(entry["observers"], 0, f"Chain/{rules}")
            self.assertNotIn("label", entry)
        self.assertNotIn("warning", proc.stderr)
        context = report["context"]
        self.assertEqual(int(context["cpus"]), os.cpu_count())
        self.assertGreaterEqual(float(context["load_avg_1m"]), 0)
        self.assertTrue(0 <= float(context["cpu_busy_at_start"]) <= 1)
        self.assertIn("BPF netfilter programs", context["observer_scan"])

    def test_watcher_in_the_sender_namespace_is_recorded(self):
        skip_without(NF_WATCH)
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "run.json")
            # Console output: its context (on stderr) names the namespace.
            bench = start_nf_bench("--benchmark_filter=^Chain/(0|100|200)/",
                                   "--duration=2", f"--benchmark_out={out}")
            watch = None
            try:
                netns = self.sender_netns_path(bench)
                watch = subprocess.Popen([NF_WATCH, f"--netns={netns}"],
                                         stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, text=True)
                watch.stdout.readline()  # "nf_watch: probe ..." once attached
                _, err = bench.communicate(timeout=RUN_TIMEOUT_S)
            finally:
                stop_process(bench)
                if watch is not None:
                    stop_process(watch)
            self.assertEqual(bench.returncode, 0, err)
            with open(out) as f:
                report = json.load(f)
        self.assertEqual(failed_benchmarks(report), {})
        entries = benchmarks_by_rules(report)
        # Attached during Chain/0 (2 s): Chain/200 ran entirely watched.
        last = entries[200]
        self.assertGreaterEqual(last["observers"], 1, last)
        self.assertIn("BPF program", last.get("label", ""))
        warnings = [line for line in err.splitlines()
                    if line.startswith("nf_bench: warning:")]
        self.assertTrue(warnings, err)
        note(f"observed: {warnings[0]}")

    def sender_netns_path(self, bench):
        """/proc/PID/fd/N of the running nf_bench's sender namespace, from
        the sender_netns line of its context (printed before any benchmark
        runs)."""
        inode = sender_netns_inode(bench.stderr, STARTUP_TIMEOUT_S)
        self.assertIsNotNone(inode, "no sender_netns in the context")
        path = fd_path_of(bench.pid, f"net:[{inode}]")
        self.assertIsNotNone(path, f"nf_bench holds no fd of net:[{inode}]")
        return path

    def test_concurrent_run_is_counted(self):
        # Runs of earlier tests (a killed one's server) gone first.
        wait_until(lambda: not nf_bench_running(), CLEANUP_TIMEOUT_S)
        first = start_nf_bench("--benchmark_filter=^Chain/0/", "--duration=4")
        try:
            self.sender_netns_path(first)  # its set-up is done
            report = run_nf_bench_json(self, "--benchmark_filter=^Chain/0/",
                                       "--duration=1")
        finally:
            stop_process(first)
        context = report["context"]
        self.assertEqual(context["other_nf_bench"], "1", context)


if __name__ == "__main__":
    unittest.main()
