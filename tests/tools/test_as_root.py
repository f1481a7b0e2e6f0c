"""The README's commands work as root, with or without sudo installed.

What they check:
  * the README's "two commands" block has no line starting with sudo (a
    Debian root shell may have no sudo), no shell line in the code blocks
    of a README (README.md, results/ and tests/README.md, docs/manual.md)
    starts with sudo, and the block's test command is the one .ci/run runs;
  * tools/sweep.sh and tools/test.sh run by a user who is not root:
      - with no sudo on PATH: exit 1 and one line that says to run it as
        root (with an su -c command that quotes the arguments), nothing else
        run;
      - with sudo on PATH (a stand-in that records its arguments): the
        script runs itself again through sudo with the same arguments and
        the NF_BENCH_* variables.

No root needed (as root, the user runs are made as nobody with setpriv).
Run from this folder:
    /usr/bin/python3 -m unittest -v test_as_root
"""

import os
import re
import shlex
import shutil
import subprocess
import tempfile
import unittest

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(
    __file__)), "..", ".."))
# Every document with commands in it: the README and the pages it links.
READMES = ("README.md", os.path.join("results", "README.md"),
           os.path.join("tests", "README.md"),
           os.path.join("docs", "manual.md"))
SCRIPTS = ("tools/sweep.sh", "tools/test.sh")
ODD_ARG = "--x=it's \"q\" $y"
TIMEOUT_S = 30

# Records how it was called, one argument a line (NUL-separated file).
FAKE_SUDO = """#!/bin/bash
printf '%s\\0' "$@" > "$FAKE_SUDO_LOG"
exit 0
"""


def code_blocks(text):
    """(info string, lines) of each fenced code block."""
    return [(m.group(1), m.group(2).splitlines())
            for m in re.finditer(r"^```(\w*)\n(.*?)^```", text, re.M | re.S)]


def section(text, title):
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", text,
                  re.M | re.S)
    return m.group(1) if m else ""


def command(line):
    """A shell line without its comment and surrounding blanks."""
    return line.split("#", 1)[0].strip()


class ReadmeCommands(unittest.TestCase):

    def test_two_commands_need_no_sudo(self):
        with open(os.path.join(REPO, "README.md")) as f:
            blocks = code_blocks(section(f.read(), "The two commands"))
        self.assertTrue(blocks, "no code block under 'The two commands'")
        lines = [command(line) for line in blocks[0][1]]
        lines = [line for line in lines if line]
        self.assertEqual(lines, ["tools/sweep.sh", "tools/test.sh"])

    def test_no_readme_command_starts_with_sudo(self):
        for name in READMES:
            with open(os.path.join(REPO, name)) as f:
                text = f.read()
            for info, lines in code_blocks(text):
                if info not in ("sh", "bash", ""):
                    continue
                for line in lines:
                    with self.subTest(readme=name, line=line):
                        self.assertFalse(command(line).startswith("sudo "))

    def test_ci_runs_the_readme_test_command(self):
        # .ci/run runs its commands with `exec` or its `step` function;
        # the README's test command comes first.
        with open(os.path.join(REPO, ".ci", "run")) as f:
            runs = [shlex.split(line)[1:] for line in f
                    if line.startswith(("exec ", "step "))]
        self.assertTrue(runs, ".ci/run runs nothing")
        self.assertEqual(runs[0], ["tools/test.sh"])
        with open(os.path.join(REPO, "README.md")) as f:
            block = code_blocks(section(f.read(), "The two commands"))[0][1]
        self.assertIn("tools/test.sh", [command(line) for line in block])


class ScriptsAsNonRoot(unittest.TestCase):

    def setUp(self):
        tmp = tempfile.mkdtemp(prefix="nfb_as_root.")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        os.chmod(tmp, 0o777)  # nobody writes the fake sudo's log here
        # A PATH with only what the scripts need before they elevate: no sudo.
        self.bin = os.path.join(tmp, "bin")
        os.mkdir(self.bin)
        for tool in ("bash", "env", "dirname", "basename"):
            os.symlink(shutil.which(tool), os.path.join(self.bin, tool))
        self.log = os.path.join(tmp, "sudo.log")

    def run_as_user(self, script, *args, extra_env=None):
        prefix = []
        if os.geteuid() == 0:
            setpriv = shutil.which("setpriv")
            if setpriv is None:
                self.skipTest("setpriv is not available")
            prefix = [setpriv, "--reuid=nobody", "--regid=nogroup",
                      "--clear-groups"]
        env = {"PATH": self.bin, "LANG": "C.UTF-8",
               "FAKE_SUDO_LOG": self.log, **(extra_env or {})}
        return subprocess.run(prefix + [script, *args], capture_output=True,
                              text=True, timeout=TIMEOUT_S, cwd=REPO, env=env)

    def test_without_sudo_one_line_and_exit_1(self):
        for script in SCRIPTS:
            with self.subTest(script=script):
                proc = self.run_as_user(script, ODD_ARG)
                self.assertEqual(proc.returncode, 1, proc.stderr)
                self.assertEqual(proc.stdout, "")
                lines = proc.stderr.splitlines()
                self.assertEqual(len(lines), 1, proc.stderr)
                name = os.path.basename(script)[:-3]
                self.assertTrue(lines[0].startswith(f"{name}: needs root"),
                                lines[0])
                self.assertIn("run it as root", lines[0])
                # The su -c suggestion, taken apart as a shell would, runs
                # the same command with the same argument.
                suggested = lines[0].split("su -c ", 1)[1]
                self.assertEqual(shlex.split(shlex.split(suggested)[0]),
                                 [script, ODD_ARG])

    def test_with_sudo_runs_itself_through_sudo(self):
        sudo = os.path.join(self.bin, "sudo")
        with open(sudo, "w") as f:
            f.write(FAKE_SUDO)
        os.chmod(sudo, 0o755)
        for script in SCRIPTS:
            with self.subTest(script=script):
                if os.path.exists(self.log):
                    os.unlink(self.log)
                proc = self.run_as_user(
                    script, ODD_ARG, "",
                    extra_env={"NF_BENCH_BUILD": "/tmp/b 'x'",
                               "OTHER": "dropped"})
                self.assertEqual(proc.returncode, 0, proc.stderr)
                with open(self.log, "rb") as f:
                    argv = f.read().decode().split("\0")[:-1]
                self.assertEqual(argv, ["--", "env",
                                        "NF_BENCH_BUILD=/tmp/b 'x'", script,
                                        ODD_ARG, ""])


if __name__ == "__main__":
    unittest.main()
