"""Known traffic in throwaway network namespaces, for checking that a probe
counts the hook calls of one namespace and no other.

A `TrafficNamespace` is a child process in a new, anonymous network namespace
(`unshare --net`, so nothing is left when it exits): loopback up, one
iptables-legacy rule so the IPv4 LOCAL_OUT hook has a table to walk (without
any hook, nf_hook_slow() is not even called), and on request it sends an
exact number of UDP datagrams to itself on 127.0.0.1. Each datagram is one
walk of that namespace's LOCAL_OUT hook; nothing else in the namespace sends
IPv4.
"""

import re
import signal
import subprocess

# Runs inside the namespace: set up, say "ready", then for every number read
# on stdin send that many datagrams (each received, so no ICMP answers) and
# say "sent".
_CHILD = r"""
import socket, subprocess, sys
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
subprocess.run(["iptables-legacy", "-A", "OUTPUT", "-d", "198.19.255.254/32",
                "-j", "DROP"], check=True)
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.bind(("127.0.0.1", 0))
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
print("ready", flush=True)
for line in sys.stdin:
    for _ in range(int(line)):
        tx.sendto(b"x", rx.getsockname())
        rx.recv(16)
    print("sent", flush=True)
"""


class TrafficNamespace:
    def __init__(self, timeout_s=60):
        self.timeout_s = timeout_s
        self.proc = subprocess.Popen(
            ["unshare", "--net", "/usr/bin/python3", "-c", _CHILD],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self._expect("ready")

    @property
    def pid(self):
        return self.proc.pid

    @property
    def netns_path(self):
        return f"/proc/{self.proc.pid}/ns/net"

    def send(self, datagrams):
        self.proc.stdin.write(f"{datagrams}\n")
        self.proc.stdin.flush()
        self._expect("sent")

    def _expect(self, word):
        line = self.proc.stdout.readline().strip()
        if line != word:
            self.close()
            raise RuntimeError(f"traffic namespace said {line!r}, not {word!r}")

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=self.timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


_TOTAL = re.compile(r"hook calls (\d+) \(")
_ROW = re.compile(r"^\s+(\d+)\s+(\S+)\s+\d+\s+\S+ \S+$")


def watch_counts(nf_watch, probe, watched, others, datagrams, timeout_s=120):
    """Runs nf_watch on `watched`, sends `datagrams` there and twice as many in
    each of `others`, then stops it with SIGINT (it prints the interval so
    far). Returns (total hook calls it printed, {pid: comm} of its rows,
    nf_watch's whole output)."""
    watch = subprocess.Popen(
        [nf_watch, f"--netns={watched.netns_path}", f"--probe={probe}",
         "--interval=3600", "--count=1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = watch.stdout.readline()
        if not first.startswith("nf_watch: probe"):
            watch.kill()
            _, err = watch.communicate(timeout=timeout_s)
            raise RuntimeError(f"nf_watch did not start: {first}{err}")
        for ns in others:
            ns.send(2 * datagrams)
        watched.send(datagrams)
        watch.send_signal(signal.SIGINT)
        out, err = watch.communicate(timeout=timeout_s)
    finally:
        if watch.poll() is None:
            watch.kill()
            watch.wait()
    if watch.returncode != 0:
        raise RuntimeError(f"nf_watch exited {watch.returncode}: {err}")
    text = first + out
    totals = [int(m.group(1)) for m in _TOTAL.finditer(text)]
    rows = {int(m.group(1)): m.group(2)
            for m in map(_ROW.match, text.splitlines()) if m}
    return (totals[-1] if totals else None), rows, text
