"""nf_watch's --netns= on paths that are not a network namespace.

What they check:
  * `--netns=` with an empty value (an unset shell variable) is refused with
    exit 2 and one `nf_watch:` line, instead of watching (and hooking) the
    host's namespace;
  * a FIFO, a regular file, a directory, a character device, a socket, a
    missing path and a namespace of another type (/proc/self/ns/mnt) are each
    refused at once with exit 2 and one line that names what the path is
    and what to give instead, and nothing on stdout (no watch started);
    none of them hangs (a FIFO used to block in open() until a writer came);
  * the paths a user should give still work: /proc/PID/ns/net and a
    bind-mounted namespace file (what `ip netns add` makes in /run/netns).

Run (as root), from this folder:
    NF_WATCH=/path/to/nf_watch /usr/bin/python3 -m unittest -v test_nf_watch_args
NF_WATCH defaults to ../../build/nf_watch relative to this file (see
nf_bench_helpers). Every run has
a timeout, so a hang is a failure, not a stuck suite.
"""

import os
import socket
import subprocess
import tempfile
import unittest

from hoststate import nonempty_lines
from netns_traffic import TrafficNamespace
from nf_bench_helpers import NF_WATCH, skip_without

if os.geteuid() != 0:
    raise unittest.SkipTest("nf_watch tests need root (BPF, namespaces)")

REFUSE_TIMEOUT_S = 10  # a refusal is immediate; longer means it hangs
WATCH_TIMEOUT_S = 60   # one 1 s interval on a good namespace, with set-up
HINT = "give /proc/PID/ns/net or /run/netns/NAME"


def run_watch(*args, timeout_s):
    """nf_watch to completion: CompletedProcess with text output; a test
    failure (not a stuck suite) when it outlives timeout_s."""
    try:
        return subprocess.run([NF_WATCH, *args], capture_output=True,
                              text=True, timeout=timeout_s, cwd="/")
    except subprocess.TimeoutExpired:
        raise AssertionError(
            f"nf_watch {' '.join(args)} still running after {timeout_s} s "
            "(killed): it hangs") from None


class NfWatchNetnsArgs(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        skip_without(NF_WATCH)

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="nf_watch_args.")
        self.addCleanup(self.tmp.cleanup)

    def assert_refused(self, arg, *phrases):
        """nf_watch ARG exits 2 at once with one `nf_watch:` line holding
        each phrase, and starts no watch (nothing on stdout)."""
        proc = run_watch(arg, "--count=1", timeout_s=REFUSE_TIMEOUT_S)
        lines = nonempty_lines(proc.stderr)
        self.assertEqual(proc.returncode, 2, proc.stderr + proc.stdout)
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertTrue(lines[0].startswith("nf_watch: "), lines[0])
        for phrase in phrases:
            self.assertIn(phrase, lines[0])
        self.assertEqual(proc.stdout, "")
        return lines[0]

    def test_empty_value(self):
        self.assert_refused("--netns=", "--netns= needs a path", HINT)

    def test_fifo_does_not_hang(self):
        fifo = os.path.join(self.tmp.name, "x")
        os.mkfifo(fifo)
        self.assert_refused(f"--netns={fifo}",
                            f"--netns={fifo} is a FIFO, not a network "
                            f"namespace: {HINT}")

    def test_regular_file(self):
        path = os.path.join(self.tmp.name, "file")
        with open(path, "w") as f:
            f.write("not a namespace\n")
        self.assert_refused(f"--netns={path}",
                            f"--netns={path} is a regular file, not a network "
                            f"namespace: {HINT}")

    def test_directory(self):
        self.assert_refused(f"--netns={self.tmp.name}",
                            f"--netns={self.tmp.name} is a directory, not a "
                            f"network namespace: {HINT}")

    def test_character_device(self):
        self.assert_refused("--netns=/dev/null",
                            "--netns=/dev/null is a character device, not a "
                            f"network namespace: {HINT}")

    def test_socket(self):
        path = os.path.join(self.tmp.name, "sock")
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(path)
            self.assert_refused(f"--netns={path}",
                                f"--netns={path} is a socket, not a network "
                                f"namespace: {HINT}")

    def test_missing_path(self):
        path = os.path.join(self.tmp.name, "missing")
        self.assert_refused(f"--netns={path}",
                            f"--netns={path} does not exist: {HINT}")

    def test_mount_namespace(self):
        self.assert_refused("--netns=/proc/self/ns/mnt",
                            "--netns=/proc/self/ns/mnt is a mount namespace, "
                            f"not a network namespace: {HINT}")

    def accepts(self, path, inode):
        proc = run_watch(f"--netns={path}", "--count=1", "--interval=1",
                         timeout_s=WATCH_TIMEOUT_S)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn(f"of netns {inode} ({path})", proc.stdout)

    def test_good_paths_still_work(self):
        with TrafficNamespace() as ns:
            inode = os.stat(ns.netns_path).st_ino
            with self.subTest(path="/proc/PID/ns/net"):
                self.accepts(ns.netns_path, inode)
            # What `ip netns add NAME` makes: an empty file with the namespace
            # bind-mounted on it. Here in a temp dir, not in /run/netns.
            pinned = os.path.join(self.tmp.name, "pinned")
            open(pinned, "w").close()
            subprocess.run(["mount", "--bind", ns.netns_path, pinned],
                           check=True, timeout=10)
            try:
                with self.subTest(path="bind mount"):
                    self.accepts(pinned, inode)
            finally:
                subprocess.run(["umount", pinned], check=True, timeout=10)


if __name__ == "__main__":
    unittest.main()
