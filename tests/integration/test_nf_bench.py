"""Integration tests for nf_bench: run the real binary as root on this kernel.

What they check:
  * a short run at 0 and 3000 rules gives sane JSON (counters, context) and
    shows the chain's cost (hook time up at least 5x, throughput down);
  * a run leaves the host's iptables, namespaces, links, addresses and
    routes as they were;
  * SIGKILL, SIGINT and SIGTERM in the middle of a run leave nothing behind:
    no server child, no BPF netfilter link, no reference to the namespaces
    the run made, no nfb-* link on the host;
  * bad flags exit 2 with one `nf_bench:` line; the benchmark list is
    Chain/0..3000 step 100;
  * a user who is not root gets exit 1 and a message mentioning root;
  * each forced probe (--probe=fentry|kprobe|bracket) either measures or
    fails with `--probe=<kind> cannot attach` and changes nothing; auto
    always attaches something.

Run (as root), from this folder:
    NF_BENCH=/path/to/nf_bench /usr/bin/python3 -m unittest -v test_nf_bench
NF_BENCH defaults to ../../build/nf_bench relative to this file. Every run of
the binary has a timeout, so nothing hangs. The checks of BPF links count
netfilter links machine-wide: do not run another nf_bench at the same time.
"""

import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from netns_traffic import TrafficNamespace, watch_counts

if os.geteuid() != 0:
    raise unittest.SkipTest(
        "nf_bench integration tests need root (namespaces, iptables, BPF)")

HERE = os.path.dirname(os.path.abspath(__file__))
NF_BENCH = os.environ.get("NF_BENCH") or os.path.normpath(
    os.path.join(HERE, "..", "..", "build", "nf_bench"))
NF_WATCH = os.environ.get("NF_WATCH") or os.path.join(
    os.path.dirname(NF_BENCH), "nf_watch")

RUN_TIMEOUT_S = 120     # the longest any single nf_bench run may take
CLEANUP_TIMEOUT_S = 10  # how long the kernel may take to free what a run held
STARTUP_TIMEOUT_S = 10  # how long a run may take to fork its server and attach
IPERF_PORT = 5201       # the iperf3 server's port in the receiver namespace

RULE_COUNTS = list(range(0, 3001, 100))
CONTEXT_KEYS = ("kernel", "probe", "probe_self_ns", "probe_self_method",
                "iptables_backend", "iperf3", "duration_s")
COUNTER_KEYS = ("bits_per_s", "hook_ns", "hook_p50_ns", "hook_p99_ns",
                "hook_calls", "bytes_per_call", "hook_unpaired", "rules")
PROBE_KINDS = ("fentry", "kprobe", "bracket")


def note(message):
    """A line for the person reading `unittest -v` output."""
    print(f"\n    note: {message}", file=sys.stderr, flush=True)


# --- running nf_bench ------------------------------------------------------

def run_nf_bench(*args, user=None, timeout_s=RUN_TIMEOUT_S):
    """Runs nf_bench to completion (killed after timeout_s): CompletedProcess
    with text stdout/stderr. `user` runs it as that user with no privileges."""
    prefix = []
    if user is not None:
        prefix = ["setpriv", f"--reuid={user}", "--regid=nogroup",
                  "--clear-groups"]
    return subprocess.run(prefix + [NF_BENCH, *args], capture_output=True,
                          text=True, timeout=timeout_s, cwd="/")


def parse_json_run(test, proc):
    """The JSON report of a successful run, with a readable failure if not."""
    test.assertEqual(proc.returncode, 0,
                     f"nf_bench failed: {proc.stderr.strip()}")
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        test.fail(f"stdout is not JSON ({e}): {proc.stdout[:500]!r}")


def benchmarks_by_rules(report):
    """{N: benchmark entry} of Chain/<N>/manual_time entries."""
    out = {}
    for entry in report["benchmarks"]:
        match = re.fullmatch(r"Chain/(\d+)/manual_time", entry["name"])
        if match:
            out[int(match.group(1))] = entry
    return out


def nonempty_lines(text):
    return [line for line in text.splitlines() if line.strip()]


# --- host state ------------------------------------------------------------

def command_output(*argv):
    """stdout of a host command, or None when it is not installed/fails."""
    if shutil.which(argv[0]) is None:
        return None
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    return proc.stdout if proc.returncode == 0 else None


def iptables_save_rules(text):
    """iptables-*-save output without comments and packet/byte counters."""
    return [re.sub(r"\[\d+:\d+\]", "[-]", line)
            for line in text.splitlines()
            if line.strip() and not line.startswith("#")]


def link_names(text):
    """Names from `ip -o link show` (`3: eth0@if2: <...>` -> `eth0@if2`)."""
    return sorted(line.split(":")[1].strip() for line in text.splitlines()
                  if line.count(":") >= 2)


def addresses(text):
    """`ip -o addr` lines without the lifetimes that count down."""
    return sorted(re.sub(r"\s*(valid|preferred)_lft \S+", "", line).strip()
                  for line in text.splitlines() if line.strip())


HOST_STATE_COMMANDS = {
    "iptables-legacy-save": (("iptables-legacy-save",), iptables_save_rules),
    "iptables-nft-save": (("iptables-nft-save",), iptables_save_rules),
    "ip netns list": (("ip", "netns", "list"), nonempty_lines),
    "ip -o link show": (("ip", "-o", "link", "show"), link_names),
    "ip -o addr": (("ip", "-o", "addr"), addresses),
    "ip route": (("ip", "route"), nonempty_lines),
}


def host_state():
    """{command: normalised output, or None when the command is missing}."""
    state = {}
    for name, (argv, normalise) in HOST_STATE_COMMANDS.items():
        text = command_output(*argv)
        state[name] = None if text is None else normalise(text)
    return state


def host_nfb_links():
    text = command_output("ip", "-o", "link", "show") or ""
    return [name for name in link_names(text) if name.startswith("nfb-")]


BPF_LINK_TYPE_NETFILTER = 10  # uapi enum bpf_link_type, Linux >= 6.4


def netfilter_link_count():
    """BPF links of type netfilter on the whole machine (bpftool). bpftool
    older than the kernel (Debian 12's 7.1) prints the type as a number."""
    text = command_output("bpftool", "-j", "link", "show")
    if text is None:
        raise unittest.SkipTest("bpftool is not available")
    return sum(1 for link in json.loads(text or "[]")
               if link.get("type") in ("netfilter", BPF_LINK_TYPE_NETFILTER))


# --- processes and namespaces ----------------------------------------------

def readlink_or_none(path):
    try:
        return os.readlink(path)
    except OSError:
        return None


def process_name(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return None


def is_alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (OSError, IndexError):
        return False


def children_of(pid):
    pids = set()
    for path in glob.glob(f"/proc/{pid}/task/*/children"):
        try:
            with open(path) as f:
                pids.update(int(p) for p in f.read().split())
        except OSError:
            pass
    return pids


def netns_links_of(pid):
    """`net:[inode]` strings pid refers to: by any thread's ns/net or any fd."""
    paths = glob.glob(f"/proc/{pid}/task/*/ns/net") + \
        glob.glob(f"/proc/{pid}/fd/*")
    return {target for target in map(readlink_or_none, paths)
            if target and target.startswith("net:[")}


def pids_referring_to(netns_links):
    """{pid: netns links} for every process that still refers to one."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            held = netns_links_of(int(entry)) & netns_links
            if held:
                found[int(entry)] = held
    return found


def has_established_tcp(pid, port):
    """True when pid's network namespace holds an established TCP connection
    to local `port` (/proc/<pid>/net/tcp: state 01)."""
    try:
        with open(f"/proc/{pid}/net/tcp") as f:
            rows = [line.split() for line in f.readlines()[1:]]
    except OSError:
        return False
    return any(len(row) > 3 and row[3] == "01"
               and int(row[1].rsplit(":", 1)[1], 16) == port for row in rows)


def wait_until(condition, timeout_s, interval_s=0.1):
    """Polls condition() until true or timeout; returns its last value."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval_s)


def stop_process(proc):
    """Kills and reaps a Popen of ours if it still runs (test cleanup)."""
    if proc.poll() is None:
        proc.kill()
    try:
        proc.communicate(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pass


# --- tests -----------------------------------------------------------------

class NfBenchTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not os.access(NF_BENCH, os.X_OK):
            raise unittest.SkipTest(f"no nf_bench binary at {NF_BENCH}")

    # 1
    def test_short_run_at_0_and_3000(self):
        runs = 2  # throughput is noisy: one more try before a verdict on it
        for attempt in range(1, runs + 1):
            report = parse_json_run(self, run_nf_bench(
                "--benchmark_filter=^Chain/(0|3000)/", "--duration=1",
                "--benchmark_format=json"))
            entries = benchmarks_by_rules(report)
            self.assertEqual(len(report["benchmarks"]), 2, report["benchmarks"])
            self.assertEqual(sorted(entries), [0, 3000])
            for rules, entry in entries.items():
                self.assertFalse(entry.get("error_occurred", False),
                                 entry.get("error_message"))
                for key in COUNTER_KEYS:
                    self.assertIn(key, entry, f"Chain/{rules}")
                self.assertGreater(entry["hook_calls"], 0, f"Chain/{rules}")
                # Entry and exit pair up: almost no walk is left out.
                self.assertLess(entry["hook_unpaired"],
                                0.01 * entry["hook_calls"], f"Chain/{rules}")
                self.assertEqual(entry["rules"], rules)
            context = report["context"]
            for key in CONTEXT_KEYS:
                self.assertTrue(str(context.get(key, "")).strip(),
                                f"context[{key!r}] missing or empty")
            self.assertGreater(float(context["probe_self_ns"]), 0)
            self.assertEqual(context["duration_s"], "1")

            hook_ns_0, hook_ns_3000 = (entries[n]["hook_ns"] for n in (0, 3000))
            bits_0, bits_3000 = (entries[n]["bits_per_s"] for n in (0, 3000))
            note(f"run {attempt}: probe={context['probe']} "
                 f"self={context['probe_self_ns']} ns; "
                 f"hook_ns 0 rules={hook_ns_0:.0f} 3000 rules={hook_ns_3000:.0f}"
                 f" ({hook_ns_3000 / hook_ns_0:.1f}x); "
                 f"Gbit/s 0 rules={bits_0 / 1e9:.2f} "
                 f"3000 rules={bits_3000 / 1e9:.2f}")
            self.assertGreaterEqual(hook_ns_3000, 5 * hook_ns_0)
            if bits_3000 < bits_0 or attempt == runs:
                break
            note("throughput at 3000 rules not below 0 rules: running again")
        self.assertLess(bits_3000, bits_0)

    # 2
    def test_host_state_unchanged(self):
        before = host_state()
        proc = run_nf_bench("--benchmark_filter=^Chain/100/", "--duration=1")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        after = host_state()
        for name in HOST_STATE_COMMANDS:
            if before[name] is None or after[name] is None:
                note(f"`{name}` not available here: not compared")
                continue
            self.assertEqual(before[name], after[name],
                             f"`{name}` differs after a run")

    # 3
    def check_nothing_left_after(self, signum):
        links_before = netfilter_link_count()
        host_netns = readlink_or_none("/proc/self/ns/net")
        proc = subprocess.Popen(
            [NF_BENCH, "--benchmark_filter=^Chain/3000/", "--duration=10"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            cwd="/")
        try:
            children = wait_until(lambda: children_of(proc.pid),
                                  STARTUP_TIMEOUT_S)
            self.assertTrue(children, "no iperf3 server child appeared")
            attached = wait_until(
                lambda: netfilter_link_count() >= links_before + 2,
                STARTUP_TIMEOUT_S)
            self.assertTrue(attached, "the BPF netfilter links never appeared")
            # Signal in the middle of an iperf3 run, not during setup.
            in_run = wait_until(
                lambda: any(has_established_tcp(pid, IPERF_PORT)
                            for pid in children), STARTUP_TIMEOUT_S)
            self.assertTrue(in_run, "no iperf3 connection to the server")
            self.assertIsNone(proc.poll(), "nf_bench ended before the signal")
            ours = {proc.pid} | children
            namespaces = set()
            for pid in ours:
                namespaces |= netns_links_of(pid)
            namespaces.discard(host_netns)
            self.assertGreaterEqual(len(namespaces), 2,
                                    f"expected sender+receiver: {namespaces}")

            proc.send_signal(signum)
            proc.wait(timeout=RUN_TIMEOUT_S)
        finally:
            stop_process(proc)
        note(f"{signal.Signals(signum).name}: exit status {proc.returncode}, "
             f"children {sorted(children)}, namespaces {sorted(namespaces)}")
        if signum != signal.SIGKILL:
            self.assertIsNotNone(proc.returncode)

        self.assert_nothing_left(ours, namespaces, links_before,
                                 f"after {signal.Signals(signum).name}")

    def assert_nothing_left(self, ours, namespaces, links_before, when):
        """Polls (bounded) until none of `ours` runs, the netfilter link count
        is back, nothing refers to `namespaces` and the host has no nfb-*."""
        def leftovers():
            left = {}
            alive = [pid for pid in ours if is_alive(pid)
                     and process_name(pid) in ("nf_bench", "iperf3")]
            if alive:
                left["processes"] = alive
            links = netfilter_link_count()
            if links != links_before:
                left["netfilter links"] = f"{links_before} -> {links}"
            holders = pids_referring_to(namespaces)
            if holders:
                left["netns holders"] = holders
            if host_nfb_links():
                left["host links"] = host_nfb_links()
            return left

        if not wait_until(lambda: not leftovers(), CLEANUP_TIMEOUT_S):
            self.fail(f"left behind {CLEANUP_TIMEOUT_S} s {when}: "
                      f"{leftovers()}")

    def test_nothing_left_after_kill9(self):
        self.check_nothing_left_after(signal.SIGKILL)

    def test_nothing_left_after_sigint(self):
        self.check_nothing_left_after(signal.SIGINT)

    def test_nothing_left_after_sigterm(self):
        self.check_nothing_left_after(signal.SIGTERM)

    # 4
    def test_bad_arguments(self):
        for bad in ("--duration=0", "--duration=abc", "--probe=foo",
                    "--duration", "--duration=3601", "--probe"):
            with self.subTest(arg=bad):
                proc = run_nf_bench(bad, "--benchmark_filter=^Chain/0/")
                self.assertEqual(proc.returncode, 2, proc.stderr)
                lines = nonempty_lines(proc.stderr)
                self.assertEqual(len(lines), 1, proc.stderr)
                self.assertTrue(lines[0].startswith("nf_bench:"), lines[0])

        listed = run_nf_bench("--benchmark_list_tests")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertEqual(nonempty_lines(listed.stdout),
                         [f"Chain/{n}/manual_time" for n in RULE_COUNTS])
        one = run_nf_bench("--benchmark_filter=Chain/3000",
                           "--benchmark_list_tests")
        self.assertEqual(one.returncode, 0, one.stderr)
        self.assertEqual(nonempty_lines(one.stdout),
                         ["Chain/3000/manual_time"])

    # 5
    def test_not_root(self):
        if shutil.which("setpriv") is None:
            self.skipTest("setpriv is not available")
        links_before = netfilter_link_count()
        proc = run_nf_bench("--benchmark_filter=^Chain/0/", "--duration=1",
                            user="nobody")
        self.assertEqual(proc.returncode, 1, proc.stderr)
        lines = nonempty_lines(proc.stderr)
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertIn("root", lines[0])
        self.assertEqual(netfilter_link_count(), links_before)
        self.assertEqual(host_nfb_links(), [])

    # 6
    def test_forced_probes(self):
        attached = []
        for kind in PROBE_KINDS:
            with self.subTest(probe=kind):
                links_before = netfilter_link_count()
                host_links_before = link_names(
                    command_output("ip", "-o", "link", "show") or "")
                proc = run_nf_bench(f"--probe={kind}",
                                    "--benchmark_filter=^Chain/0/",
                                    "--duration=1", "--benchmark_format=json")
                if proc.returncode == 0:
                    report = parse_json_run(self, proc)
                    self.assertEqual(report["context"]["probe"], kind)
                    entry = benchmarks_by_rules(report)[0]
                    self.assertFalse(entry.get("error_occurred", False),
                                     entry.get("error_message"))
                    self.assertGreater(entry["hook_calls"], 0)
                    attached.append(kind)
                else:
                    self.assertEqual(proc.returncode, 1, proc.stderr)
                    lines = nonempty_lines(proc.stderr)
                    self.assertTrue(lines, "no message on stderr")
                    self.assertIn(f"--probe={kind} cannot attach", lines[-1])
                    self.assertEqual(netfilter_link_count(), links_before)
                    self.assertEqual(
                        link_names(command_output("ip", "-o", "link", "show")
                                   or ""), host_links_before)
        note(f"probes that attach on {os.uname().release}: "
             f"{', '.join(attached) or 'none'}")

        report = parse_json_run(self, run_nf_bench(
            "--probe=auto", "--benchmark_filter=^Chain/0/", "--duration=1",
            "--benchmark_format=json"))
        self.assertIn(report["context"]["probe"], PROBE_KINDS)
        self.assertGreater(benchmarks_by_rules(report)[0]["hook_calls"], 0)
        note(f"--probe=auto picked {report['context']['probe']}")

    # 7
    def test_server_lost_mid_run_fails_cleanly(self):
        """The iperf3 server dies during a run: the running and the next
        benchmark record errors, not numbers; nf_bench exits 1 without
        hanging and leaves nothing."""
        links_before = netfilter_link_count()
        host_netns = readlink_or_none("/proc/self/ns/net")
        out = tempfile.NamedTemporaryFile(suffix=".json", delete=False)
        out.close()
        proc = subprocess.Popen(
            [NF_BENCH, "--benchmark_filter=^Chain/(0|100)/", "--duration=5",
             f"--benchmark_out={out.name}", "--benchmark_out_format=json"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            cwd="/")
        try:
            children = wait_until(lambda: children_of(proc.pid),
                                  STARTUP_TIMEOUT_S)
            self.assertTrue(children, "no iperf3 server child appeared")
            in_run = wait_until(
                lambda: any(has_established_tcp(pid, IPERF_PORT)
                            for pid in children), STARTUP_TIMEOUT_S)
            self.assertTrue(in_run, "no iperf3 connection to the server")
            namespaces = set()
            for pid in {proc.pid} | children:
                namespaces |= netns_links_of(pid)
            namespaces.discard(host_netns)
            for pid in children:
                os.kill(pid, signal.SIGKILL)
            _, stderr = proc.communicate(timeout=RUN_TIMEOUT_S)
        finally:
            stop_process(proc)
        try:
            with open(out.name) as f:
                report = json.load(f)
        finally:
            os.unlink(out.name)
        self.assertEqual(proc.returncode, 1, stderr)
        self.assertIn("benchmark run(s) failed", stderr)
        entries = benchmarks_by_rules(report)
        self.assertEqual(sorted(entries), [0, 100])
        for rules, entry in entries.items():
            self.assertTrue(entry.get("error_occurred"), f"Chain/{rules}")
            self.assertIn("iperf3", entry.get("error_message", ""))
            self.assertNotIn("hook_ns", entry, f"Chain/{rules} has a number")
        note(f"server lost: {entries[0]['error_message']!r}")
        self.assert_nothing_left({proc.pid} | children, namespaces,
                                 links_before, "after losing the server")

    # 8
    def test_watch_counts_only_its_namespace(self):
        """nf_watch on one namespace counts exactly the datagrams sent there
        (one LOCAL_OUT walk each), none of another namespace's, and names
        the process that sent them."""
        if not os.access(NF_WATCH, os.X_OK):
            self.skipTest(f"no nf_watch binary at {NF_WATCH}")
        links_before = netfilter_link_count()
        with TrafficNamespace() as watched, TrafficNamespace() as other:
            total, rows, text = watch_counts(NF_WATCH, "auto", watched,
                                             [other], datagrams=1000)
        note(text.strip().replace("\n", "\n    "))
        self.assertEqual(total, 1000, text)
        self.assertIn(watched.pid, rows, text)
        self.assertNotIn(other.pid, rows, text)
        self.assertEqual(netfilter_link_count(), links_before)

    # 9
    def test_watch_bad_arguments(self):
        for bad in ("--interval=0", "--probe=foo", "--netns=/nonexistent",
                    "--netns=/proc/self/ns/mnt", "--bogus"):
            with self.subTest(arg=bad):
                proc = subprocess.run([NF_WATCH, bad, "--count=1"],
                                      capture_output=True, text=True,
                                      timeout=RUN_TIMEOUT_S)
                self.assertIn(proc.returncode, (1, 2), proc.stderr)
                lines = nonempty_lines(proc.stderr)
                self.assertEqual(len(lines), 1, proc.stderr)
                self.assertTrue(lines[0].startswith("nf_watch:"), lines[0])


if __name__ == "__main__":
    unittest.main()
