"""What the integration tests share: where the binaries are, how to run
nf_bench, and readings of the host's state, processes and namespaces (to
prove a run changed nothing and left nothing).

Import with `from nf_bench_helpers import *` from a test module that has
already skipped itself without root.
"""

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time
import unittest

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
                "iptables_backend", "iperf3", "duration_s", "load_avg_1m",
                "cpus", "other_nf_bench", "cpu_busy_at_start",
                "observer_scan")
COUNTER_KEYS = ("bits_per_s", "hook_ns", "hook_p50_ns", "hook_p99_ns",
                "hook_calls", "bytes_per_call", "hook_unpaired", "rules",
                "observers")
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


def sender_netns_inode(stderr, timeout_s):
    """The inode of a running nf_bench's sender namespace, from the
    `sender_netns: N` line of its console context on `stderr` (printed
    before any benchmark runs); None when it does not come in time."""
    deadline = time.monotonic() + timeout_s
    for line in stderr:
        match = re.match(r"sender_netns: (\d+)", line)
        if match:
            return int(match.group(1))
        if time.monotonic() > deadline:
            break
    return None


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
