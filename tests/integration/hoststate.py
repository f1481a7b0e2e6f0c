"""Readings of the host: its firewall, namespaces, links, addresses and
routes, its processes and what they hold (namespaces, sockets), and its BPF
netfilter links. A test takes them before and after a run to prove the run
changed nothing and left nothing behind.

Names say what a reading is about: `host_*()` for the whole machine,
`*_of(pid)` for one process, `is_*` / `has_*` for a yes or no.
"""

import glob
import json
import os
import re
import shutil
import subprocess
import time
import unittest

COMMAND_TIMEOUT_S = 30       # one host command (ip, iptables-save, bpftool)
BPF_LINK_TYPE_NETFILTER = 10  # uapi enum bpf_link_type, Linux >= 6.4


def nonempty_lines(text):
    return [line for line in text.splitlines() if line.strip()]


def wait_until(condition, timeout_s, interval_s=0.1):
    """Polls condition() until true or timeout; returns its last value."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval_s)


# --- the whole machine -----------------------------------------------------

def _command_output(*argv):
    """stdout of a host command, or None when it is not installed/fails."""
    if shutil.which(argv[0]) is None:
        return None
    proc = subprocess.run(argv, capture_output=True, text=True,
                          timeout=COMMAND_TIMEOUT_S)
    return proc.stdout if proc.returncode == 0 else None


def _iptables_rules(text):
    """iptables-*-save output without comments and packet/byte counters."""
    return [re.sub(r"\[\d+:\d+\]", "[-]", line)
            for line in text.splitlines()
            if line.strip() and not line.startswith("#")]


def _link_names(text):
    """Names from `ip -o link show` (`3: eth0@if2: <...>` -> `eth0@if2`)."""
    return sorted(line.split(":")[1].strip() for line in text.splitlines()
                  if line.count(":") >= 2)


def _addresses(text):
    """`ip -o addr` lines without the lifetimes that count down."""
    return sorted(re.sub(r"\s*(valid|preferred)_lft \S+", "", line).strip()
                  for line in text.splitlines() if line.strip())


# What host_state() reads: {name: (command, normalise its output)}.
HOST_STATE_COMMANDS = {
    "iptables-legacy-save": (("iptables-legacy-save",), _iptables_rules),
    "iptables-nft-save": (("iptables-nft-save",), _iptables_rules),
    "nft list ruleset": (("nft", "list", "ruleset"), nonempty_lines),
    "ip netns list": (("ip", "netns", "list"), nonempty_lines),
    "ip -o link show": (("ip", "-o", "link", "show"), _link_names),
    "ip -o addr": (("ip", "-o", "addr"), _addresses),
    "ip route": (("ip", "route"), nonempty_lines),
}


def host_state():
    """{command: normalised output, or None when the command is missing}."""
    state = {}
    for name, (argv, normalise) in HOST_STATE_COMMANDS.items():
        text = _command_output(*argv)
        state[name] = None if text is None else normalise(text)
    return state


def host_link_names():
    """The names of the links in the host's namespace (`ip -o link show`)."""
    return _link_names(_command_output("ip", "-o", "link", "show") or "")


def host_nfb_links():
    """The host's links named nfb-* (nf_bench's, which belong elsewhere)."""
    return [name for name in host_link_names() if name.startswith("nfb-")]


def host_netfilter_link_count():
    """BPF links of type netfilter on the whole machine (bpftool). bpftool
    older than the kernel (Debian 12's 7.1) prints the type as a number."""
    text = _command_output("bpftool", "-j", "link", "show")
    if text is None:
        raise unittest.SkipTest("bpftool is not available")
    return sum(1 for link in json.loads(text or "[]")
               if link.get("type") in ("netfilter", BPF_LINK_TYPE_NETFILTER))


# --- one process -----------------------------------------------------------

def _readlink(path):
    try:
        return os.readlink(path)
    except OSError:
        return None


def host_netns_link():
    """`net:[inode]` of the namespace this test runs in (the host's)."""
    return _readlink("/proc/self/ns/net")


def comm_of(pid):
    """The process's name (/proc/PID/comm), or None once it is gone."""
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
    return {target for target in map(_readlink, paths)
            if target and target.startswith("net:[")}


def fd_path_of(pid, target):
    """/proc/PID/fd/N of an fd of pid that refers to `target` (e.g.
    `net:[4026532281]`), or None when it holds none."""
    for fd in os.listdir(f"/proc/{pid}/fd"):
        path = f"/proc/{pid}/fd/{fd}"
        if _readlink(path) == target:
            return path
    return None


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
