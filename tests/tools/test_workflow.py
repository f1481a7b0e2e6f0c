"""The CI workflows never run a fork's code on a self-hosted (root) runner.

bench.yml runs on a self-hosted runner where the job is root on a real
machine. A pull request from a fork must not reach it. These tests parse every
workflow in .github/workflows and fail when:
  * any workflow uses pull_request_target (it runs with the base repository's
    rights and secrets, and is easily made to check out fork code);
  * a job that may run on a self-hosted runner (labels not all GitHub-hosted,
    an expression, a runner group, or a reusable workflow) would run for an
    event a fork can raise (pull_request, pull_request_review,
    pull_request_review_comment, issue_comment, workflow_run) unless the
    only such event is pull_request and the job's `if:` is FORK_GUARD
    (any other `if:` counts as none: fail closed);
and check that bench.yml still runs its gate for pushes to main, manual
dispatch and pull requests from this repository's own branches. The checker
itself is tested on workflows that must fail (the old bench.yml without the
guard, pull_request_target, a guard that GitHub would read as a string).

Needs python3-yaml (tools/install_deps.sh installs it); no root. Run from
this folder:
    /usr/bin/python3 -m unittest -v test_workflow
"""

import glob
import os
import re
import subprocess
import tempfile
import unittest

import yaml

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(
    __file__)), "..", ".."))
WORKFLOWS = os.path.join(REPO, ".github", "workflows")

THIS_REPO = "nf-bench/nf_bench"
FORK_REPO = "someone/nf_bench"
# Events an outsider can raise with a fork or a comment, and that run jobs.
FORK_EVENTS = ("pull_request", "pull_request_review",
               "pull_request_review_comment", "issue_comment", "workflow_run")
GITHUB_HOSTED = re.compile(r"^(ubuntu|windows|macos)-[\w.-]+$")


# The one guard a self-hosted job may use to take pull requests: it runs for
# other events, and for a pull request only when its head is this repository
# (a fork's head is the fork). Any other `if:` counts as no guard: checking
# one known expression is simpler and safer than evaluating GitHub's.
FORK_GUARD = ("github.event_name != 'pull_request' || "
              "github.event.pull_request.head.repo.full_name == "
              "github.repository")


def has_fork_guard(condition):
    """Whether a job's `if:` is FORK_GUARD (bare or in one ${{ }})."""
    text = " ".join(str(condition or "").split())
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2].strip()
    return text == FORK_GUARD


# --- workflows ---------------------------------------------------------------

def triggers(workflow):
    """The event names of a workflow's `on:` (PyYAML reads `on` as True)."""
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on}
    if isinstance(on, list):
        return set(on)
    if isinstance(on, dict):
        return set(on)
    return set()


def maybe_self_hosted(job):
    """False only for a job whose runner labels are all GitHub-hosted."""
    runs_on = job.get("runs-on")
    if isinstance(runs_on, str):
        runs_on = [runs_on]
    if not isinstance(runs_on, list) or not runs_on:
        return True  # a group, a reusable workflow (uses:), or nothing
    return not all(isinstance(label, str) and GITHUB_HOSTED.match(label)
                   for label in runs_on)


def problems(workflow, name="workflow"):
    """What lets a fork's code reach a self-hosted runner in this workflow."""
    found = []
    events = triggers(workflow)
    if "pull_request_target" in events:
        found.append(f"{name}: uses pull_request_target")
    for job_id, job in (workflow.get("jobs") or {}).items():
        if not maybe_self_hosted(job):
            continue
        forkable = sorted(events & set(FORK_EVENTS))
        # The guard only knows pull_request: other fork events need none.
        if forkable and (forkable != ["pull_request"]
                         or not has_fork_guard(job.get("if"))):
            found.append(f"{name}: job {job_id} (self-hosted) runs for "
                         f"{', '.join(forkable)} from a fork")
    return found


def load(path):
    with open(path) as f:
        return yaml.safe_load(f)


# --- tests -------------------------------------------------------------------

OLD_BENCH = """
on:
  push:
    branches: [main]
  pull_request:
  workflow_dispatch:
jobs:
  gate:
    runs-on: [self-hosted, linux, x64, nf-bench-root]
    steps: [{run: tools/test.sh}]
"""


class WorkflowsTest(unittest.TestCase):

    def test_no_fork_code_on_self_hosted_runners(self):
        paths = sorted(glob.glob(os.path.join(WORKFLOWS, "*.yml")) +
                       glob.glob(os.path.join(WORKFLOWS, "*.yaml")))
        self.assertTrue(paths, f"no workflows in {WORKFLOWS}")
        for path in paths:
            with self.subTest(workflow=os.path.basename(path)):
                self.assertEqual(problems(load(path),
                                          os.path.basename(path)), [])

    def test_bench_runs_for_main_dispatch_and_own_branches(self):
        workflow = load(os.path.join(WORKFLOWS, "bench.yml"))
        on = workflow.get("on", workflow.get(True))
        self.assertIn("main", on["push"]["branches"])
        self.assertIn("workflow_dispatch", on)
        self.assertIn("pull_request", on)  # this repository's branches
        self.assertTrue(has_fork_guard(workflow["jobs"]["gate"].get("if")))

    def test_checker_flags_unsafe_workflows(self):
        """The check above would have caught the old workflow and the usual
        ways of getting the guard wrong."""
        guard = FORK_GUARD
        cases = {
            "old bench.yml": (OLD_BENCH, True),
            "guarded": (OLD_BENCH.replace(
                "    runs-on:", f"    if: {guard}\n    runs-on:"), False),
            "guarded in ${{ }}": (OLD_BENCH.replace(
                "    runs-on:", f"    if: ${{{{ {guard} }}}}\n    runs-on:"),
                False),
            "guard with text around ${{ }} (always a true string)": (
                OLD_BENCH.replace("    runs-on:",
                                  f"    if: x ${{{{ {guard} }}}}\n"
                                  "    runs-on:"), True),
            "any other guard (fail closed)": (OLD_BENCH.replace(
                "    runs-on:",
                "    if: github.actor != 'someone'\n    runs-on:"), True),
            "pull_request_target": (OLD_BENCH.replace(
                "  pull_request:", "  pull_request_target:"), True),
            "runner as a string": (OLD_BENCH.replace(
                "[self-hosted, linux, x64, nf-bench-root]", "self-hosted"),
                True),
            "runner group": (OLD_BENCH.replace(
                "[self-hosted, linux, x64, nf-bench-root]",
                "{group: root-runners}"), True),
            "GitHub-hosted": (OLD_BENCH.replace(
                "[self-hosted, linux, x64, nf-bench-root]", "ubuntu-22.04"),
                False),
            "on as a list": ("on: [push, pull_request]\n"
                             + OLD_BENCH.split("\n", 6)[6], True),
            "workflow_run": (OLD_BENCH.replace(
                "  pull_request:", "  workflow_run: {workflows: [x]}"),
                True),
        }
        for name, (text, unsafe) in cases.items():
            with self.subTest(case=name):
                found = problems(yaml.safe_load(text), name)
                self.assertEqual(bool(found), unsafe, found)


def bench_steps():
    return load(os.path.join(WORKFLOWS, "bench.yml"))["jobs"]["gate"]["steps"]


def git(cwd, *args):
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t",
                           *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


class GateTest(unittest.TestCase):
    """bench.yml gates base and head built and swept on the runner
    (tools/gate_ab.sh), never a stored baseline (issue 18)."""

    def test_gates_two_builds_interleaved_without_a_baseline(self):
        runs = [step.get("run", "") for step in bench_steps()]
        self.assertTrue(any(r.startswith('tools/gate_ab.sh "$GATE_BASE" HEAD')
                            for r in runs), runs)
        with open(os.path.join(WORKFLOWS, "bench.yml"),
                  encoding="utf-8") as f:
            text = f.read()
        for stale in ("gate-baseline", "NF_BENCH_BASELINE", "gate_sweep.sh"):
            self.assertNotIn(stale, text)
        checkout = bench_steps()[0]
        self.assertEqual(checkout["with"]["fetch-depth"], 0)

    def base_for(self, repo, env):
        """GATE_BASE as the workflow's base step sets it, run in `repo`."""
        step = next(s for s in bench_steps()
                    if s.get("name") == "The base to gate against")
        with tempfile.NamedTemporaryFile("r") as github_env:
            subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]],
                           cwd=repo, check=True, capture_output=True,
                           env=dict(os.environ, GITHUB_ENV=github_env.name,
                                    **env))
            line = github_env.read().strip()
        self.assertTrue(line.startswith("GATE_BASE="), line)
        return line.split("=", 1)[1]

    def test_base_is_merge_base_previous_head_or_parent(self):
        with tempfile.TemporaryDirectory() as tmp:
            origin, clone = os.path.join(tmp, "o"), os.path.join(tmp, "c")
            os.mkdir(origin)
            git(origin, "init", "-q", "-b", "main")
            for i in range(2):
                git(origin, "commit", "-q", "--allow-empty", "-m", f"m{i}")
            fork_point = git(origin, "rev-parse", "HEAD")
            git(tmp, "clone", "-q", origin, clone)
            git(clone, "checkout", "-q", "-b", "topic")
            git(clone, "commit", "-q", "--allow-empty", "-m", "t1")
            git(origin, "commit", "-q", "--allow-empty", "-m", "m2")  # later
            parent = git(clone, "rev-parse", "HEAD~1")
            self.assertEqual(parent, fork_point)
            git(clone, "commit", "-q", "--allow-empty", "-m", "t2")
            head_parent = git(clone, "rev-parse", "HEAD~1")
            cases = {
                "pull request: the merge base": (
                    {"EVENT": "pull_request", "BASE_REF": "main",
                     "BEFORE": ""}, fork_point),
                "push: the head before it": (
                    {"EVENT": "push", "BASE_REF": "", "BEFORE": fork_point},
                    fork_point),
                "push of a new branch (zeros): the parent": (
                    {"EVENT": "push", "BASE_REF": "", "BEFORE": "0" * 40},
                    head_parent),
                "manual run: the parent": (
                    {"EVENT": "workflow_dispatch", "BASE_REF": "",
                     "BEFORE": ""}, head_parent),
            }
            for name, (env, want) in cases.items():
                with self.subTest(case=name):
                    self.assertEqual(self.base_for(clone, env), want)


if __name__ == "__main__":
    unittest.main()
