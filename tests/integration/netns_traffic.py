"""Known traffic in throwaway network namespaces, for checking that a probe
counts the hook calls of one namespace and no other.

A `TrafficNamespace` is a child process in a new, anonymous network namespace
(`unshare --net`, so nothing is left when it exits): loopback up, one
iptables-legacy rule so the IPv4 LOCAL_OUT hook has a table to walk (without
any hook, nf_hook_slow() is not even called), and on request it sends an
exact number of UDP datagrams to itself on 127.0.0.1. Each datagram is one
walk of that namespace's LOCAL_OUT hook; nothing else in the namespace sends
IPv4. nf_bench_helpers.watch_counts runs nf_watch on one of them.
"""

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

