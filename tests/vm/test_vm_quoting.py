"""The VM runner passes paths and arguments through to the guest intact.

What they check (two VM boots, about 10 s each under TCG):
  * tools/vm/run_in_vm.sh -- COMMAND ARGS: every argument (a single quote, a
    double quote, $, backquotes, spaces, a tab, a newline, a backslash, a
    glob, an empty one, non-ASCII), the working directory and an NF_BENCH_*
    variable arrive in the guest byte for byte, when the caller's directory
    has a quote, a double quote, $, a comma and spaces in its name; and
    NF_VM_OUT in such a directory is shared (qemu's -fsdev splits at commas);
  * a VM that cannot start (1 MiB of memory) exits 125 with qemu's reason,
    as run_in_vm.sh promises and run_vm_tests.sh relies on (it was 1);
  * tests/vm/run_vm_tests.sh run from a checkout path with such a name (a
    symlink to this checkout) runs the in-VM checks; only a quick one
    (NF_VM_TESTS), since the point is the path, not the probes.

Run (as root):
    NF_BENCH=/path/to/nf_bench /usr/bin/python3 test_vm_quoting.py -v
Exit 77 (ctest: skipped) without root, or when qemu cannot run here at all.
Every run has a timeout.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
RUN_IN_VM = os.path.join(REPO, "tools", "vm", "run_in_vm.sh")
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
from nf_bench_helpers import NF_BENCH, NF_WATCH, skip_without  # noqa: E402

VM_TIMEOUT_S = 300            # run_in_vm.sh's own bound on one VM
RUN_IN_VM_TIMEOUT_S = VM_TIMEOUT_S + 60
QUICK_CHECK = "in_vm_checks.VmProbes.test_bracket_is_refused_clearly"

# A directory name a shell script must quote properly to survive.
ODD_NAME = "nfb it's \"q\" $x `y`,z"
ODD_ARGS = ["it's", 'say "hi"', "$HOME $(id) `id`", "  two  spaces ",
            "back\\slash", "tab\there", "new\nline", "", "*", "-n",
            "\u00fcn\u00ef", "a'b\"c$d e\\"]
ODD_ENV = "x'y \"z\" $PATH"

# Runs in the guest: writes a file into NF_VM_OUT, prints the hex bytes of
# its cwd, NF_BENCH_ODD and its argv.
GUEST_PRINT = ("import json, os, sys; "
               "open(os.path.join(os.environ['NF_VM_OUT'], 'out'), 'w')"
               ".write('from the guest'); "
               "print(json.dumps([os.fsencode(a).hex() "
               "for a in [os.getcwd(), os.environ.get('NF_BENCH_ODD', '?'), "
               "*sys.argv[1:]]]))")


def hex_list(values):
    return [os.fsencode(v).hex() for v in values]


def qemu_missing(test, proc):
    """Skip (not fail) when the VM could not start because there is no qemu,
    as vm.probes does."""
    if proc.returncode == 125 and shutil.which("qemu-system-x86_64") is None:
        test.skipTest("qemu-system-x86_64 is not available here")


class VmQuoting(unittest.TestCase):

    def setUp(self):
        tmp = tempfile.mkdtemp(prefix="nfb_vm_quoting.", dir="/tmp")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        # Made before the VM boots: the guest's /tmp shows the host's.
        self.odd_dir = os.path.join(tmp, ODD_NAME)
        os.mkdir(self.odd_dir)

    def run_checked(self, argv, **kwargs):
        try:
            return subprocess.run(argv, capture_output=True, text=True,
                                  timeout=RUN_IN_VM_TIMEOUT_S, **kwargs)
        except subprocess.TimeoutExpired:
            self.fail(f"{argv[0]} still running after "
                      f"{RUN_IN_VM_TIMEOUT_S} s (killed)")

    def test_run_in_vm_passes_argv_cwd_and_env_intact(self):
        out_dir = os.path.join(self.odd_dir, "out")
        os.mkdir(out_dir)
        env = dict(os.environ, NF_BENCH_ODD=ODD_ENV, NF_VM_OUT=out_dir)
        proc = self.run_checked(
            [RUN_IN_VM, f"--timeout={VM_TIMEOUT_S}", "--",
             "/usr/bin/python3", "-c", GUEST_PRINT, *ODD_ARGS],
            cwd=self.odd_dir, env=env)
        qemu_missing(self, proc)
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        lines = proc.stdout.strip().splitlines()
        self.assertTrue(lines, proc.stderr[-3000:])
        got = json.loads(lines[-1])
        self.assertEqual(got, hex_list([self.odd_dir, ODD_ENV, *ODD_ARGS]),
                         "as text: " + repr([bytes.fromhex(h) for h in got]))
        with open(os.path.join(out_dir, "out")) as f:
            self.assertEqual(f.read(), "from the guest")

    def test_vm_that_cannot_start_exits_125(self):
        proc = self.run_checked([RUN_IN_VM, "--mem=1", "--timeout=60", "--",
                                 "true"], cwd=self.odd_dir)
        qemu_missing(self, proc)
        self.assertEqual(proc.returncode, 125, proc.stderr[-3000:])
        self.assertIn("run_in_vm: the VM did not boot", proc.stderr)

    def test_run_vm_tests_from_a_quoted_checkout_path(self):
        skip_without(NF_BENCH)
        checkout = os.path.join(self.odd_dir, "checkout")
        os.symlink(REPO, checkout)
        env = dict(os.environ, NF_VM_TESTS=QUICK_CHECK)
        proc = self.run_checked(
            [os.path.join(checkout, "tests", "vm", "run_vm_tests.sh"),
             NF_BENCH, NF_WATCH], cwd=self.odd_dir, env=env)
        qemu_missing(self, proc)
        output = proc.stdout + proc.stderr
        self.assertEqual(proc.returncode, 0, output[-3000:])
        self.assertIn("test_bracket_is_refused_clearly", output)
        self.assertIn("Ran 1 test", output)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("vm quoting tests: need root (qemu with the host root over 9p);"
              " skipped")
        sys.exit(77)
    result = unittest.main(exit=False).result
    if not result.wasSuccessful():
        sys.exit(1)
    if result.testsRun and len(result.skipped) == result.testsRun:
        sys.exit(77)
    sys.exit(0)
