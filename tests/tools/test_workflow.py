"""The CI workflows never run a fork's code on a self-hosted (root) runner.

bench.yml runs on a self-hosted runner where the job is root on a real
machine. A pull request from a fork must not reach it. These tests parse every
workflow in .github/workflows and fail when:
  * any workflow uses pull_request_target (it runs with the base repository's
    rights and secrets, and is easily made to check out fork code);
  * a job that may run on a self-hosted runner (labels not all GitHub-hosted,
    an expression, a runner group, or a reusable workflow) would run for an
    event a fork can raise (pull_request, pull_request_review,
    pull_request_review_comment, issue_comment, workflow_run): its job-level
    `if:` is evaluated, with a small evaluator of GitHub's expression syntax,
    against that event coming from a fork, and must come out false (an `if:`
    it cannot evaluate counts as true: fail closed);
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


# --- a small evaluator of GitHub Actions expressions ------------------------

class ExpressionError(Exception):
    pass


_TOKEN = re.compile(r"""\s*(?:
    (?P<str>'(?:[^']|'')*')
  | (?P<num>-?\d+(?:\.\d+)?)
  | (?P<op>==|!=|<=|>=|&&|\|\||[!<>().,\[\]*])
  | (?P<name>[A-Za-z_][\w-]*)
)""", re.X)


def _tokens(text):
    pos, out = 0, []
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ExpressionError(f"cannot read {text[pos:]!r}")
        pos = m.end()
        kind = m.lastgroup
        value = m.group(kind)
        if kind == "str":
            value = value[1:-1].replace("''", "'")
        elif kind == "num":
            value = float(value)
        out.append((kind, value))
    return out


def _loose(value):
    """GitHub's loose equality: strings compare ignoring case."""
    return value.lower() if isinstance(value, str) else value


def _truthy(value):
    return value not in (None, False, 0, "")


class _Parser:
    """Recursive descent over GitHub's grammar: || && then == != < > ...
    then ! then primaries (literals, context paths, a few functions)."""

    def __init__(self, text, context):
        self.tokens = _tokens(text)
        self.i = 0
        self.context = context

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None,
                                                                       None)

    def take(self, value=None):
        token = self.peek()
        if token[0] is None or (value is not None and token[1] != value):
            raise ExpressionError(f"expected {value!r}, got {token[1]!r}")
        self.i += 1
        return token

    def parse(self):
        value = self.or_()
        if self.i != len(self.tokens):
            raise ExpressionError(f"unexpected {self.peek()[1]!r}")
        return value

    def or_(self):
        value = self.and_()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.and_()
            value = value if _truthy(value) else right
        return value

    def and_(self):
        value = self.compare()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.compare()
            value = right if _truthy(value) else value
        return value

    def compare(self):
        value = self.unary()
        while self.peek()[0] == "op" and self.peek()[1] in ("==", "!=", "<",
                                                            ">", "<=", ">="):
            op = self.take()[1]
            a, b = _loose(value), _loose(self.unary())
            if op == "==":
                value = a == b
            elif op == "!=":
                value = a != b
            else:
                raise ExpressionError(f"ordering ({op}) is not supported")
        return value

    def unary(self):
        if self.peek() == ("op", "!"):
            self.take()
            return not _truthy(self.unary())
        return self.primary()

    def primary(self):
        kind, value = self.take()
        if kind in ("str", "num"):
            return value
        if (kind, value) == ("op", "("):
            inner = self.or_()
            self.take(")")
            return inner
        if kind != "name":
            raise ExpressionError(f"unexpected {value!r}")
        if value in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[value]
        if self.peek() == ("op", "("):
            return self.call(value)
        current = self.context.get(value)
        while self.peek() in (("op", "."), ("op", "[")):
            if self.take()[1] == ".":
                key = self.take()[1]
            else:
                key = self.or_()
                self.take("]")
            current = current.get(key) if isinstance(current, dict) else None
        return current

    def call(self, name):
        self.take("(")
        args = []
        while self.peek() != ("op", ")"):
            args.append(self.or_())
            if self.peek() == ("op", ","):
                self.take()
        self.take(")")
        # Job-level status functions, as they are before anything ran.
        status = {"always": True, "success": True, "failure": False,
                  "cancelled": False}
        if name.lower() in status and not args:
            return status[name.lower()]
        text = [str(a).lower() if a is not None else "" for a in args]
        if name.lower() == "contains" and len(args) == 2:
            if isinstance(args[0], list):
                return _loose(args[1]) in [_loose(x) for x in args[0]]
            return text[1] in text[0]
        if name.lower() == "startswith" and len(args) == 2:
            return text[0].startswith(text[1])
        if name.lower() == "endswith" and len(args) == 2:
            return text[0].endswith(text[1])
        raise ExpressionError(f"function {name}() is not supported")


def job_runs(condition, context):
    """Whether a job with this `if:` runs in this context. A condition the
    evaluator cannot read counts as running (fail closed)."""
    if condition is None:
        return True
    if isinstance(condition, bool):
        return condition
    text = str(condition).strip()
    if text.startswith("${{") and text.endswith("}}") and \
            text.count("${{") == 1:
        text = text[3:-2]
    elif "${{" in text:
        return True  # text around ${{ }}: a non-empty string, always true
    try:
        return _truthy(_Parser(text, context).parse())
    except ExpressionError:
        return True


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


def fork_context(event):
    """The `github` context of EVENT raised from a fork (or, for comments,
    by an outsider on a fork's pull request)."""
    fork_head = {"repo": {"full_name": FORK_REPO, "fork": True},
                 "ref": "patch-1"}
    payload = {"pull_request": {"head": fork_head,
                                "base": {"repo": {"full_name": THIS_REPO}}},
               "issue": {"pull_request": {"url": "https://example"}},
               "comment": {"author_association": "NONE"},
               "workflow_run": {"event": "pull_request",
                                "head_repository": {"full_name": FORK_REPO},
                                "head_branch": "patch-1"}}
    return {"github": {"event_name": event, "repository": THIS_REPO,
                       "event": payload, "actor": "someone",
                       "ref": "refs/pull/1/merge",
                       "head_ref": "patch-1", "base_ref": "main"}}


def problems(workflow, name="workflow"):
    """What lets a fork's code reach a self-hosted runner in this workflow."""
    found = []
    events = triggers(workflow)
    if "pull_request_target" in events:
        found.append(f"{name}: uses pull_request_target")
    for job_id, job in (workflow.get("jobs") or {}).items():
        if not maybe_self_hosted(job):
            continue
        for event in sorted(events & set(FORK_EVENTS)):
            if job_runs(job.get("if"), fork_context(event)):
                found.append(f"{name}: job {job_id} (self-hosted) runs for "
                             f"{event} from a fork")
    return found


def load(path):
    with open(path) as f:
        return yaml.safe_load(f)


def own_context(event, **extra):
    github = {"event_name": event, "repository": THIS_REPO,
              "ref": "refs/heads/main", "event": {}}
    if event == "pull_request":
        github["event"] = {"pull_request": {
            "head": {"repo": {"full_name": THIS_REPO}, "ref": "topic"}}}
    github.update(extra)
    return {"github": github}


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
        condition = workflow["jobs"]["gate"].get("if")
        for event in ("push", "workflow_dispatch", "pull_request"):
            with self.subTest(event=event):
                self.assertTrue(job_runs(condition, own_context(event)),
                                f"gate does not run for {event} from this "
                                "repository")

    def test_checker_flags_unsafe_workflows(self):
        """The check above would have caught the old workflow and the usual
        ways of getting the guard wrong."""
        guard = ("github.event_name != 'pull_request' || "
                 "github.event.pull_request.head.repo.full_name == "
                 "github.repository")
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
            "a guard the checker cannot evaluate (fail closed)": (OLD_BENCH.replace(
                "    runs-on:",
                "    if: fromJSON('true')\n    runs-on:"), True),
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

    def test_expression_evaluator(self):
        ctx = {"github": {"event_name": "push", "repository": "A/b",
                          "event": {"pull_request": None}}}
        for text, want in (
                ("github.event_name == 'push'", True),
                ("github.event_name == 'PUSH'", True),  # case-insensitive
                ("github.event_name != 'push'", False),
                ("!(github.event_name == 'push')", False),
                ("github.event.pull_request.head.repo.full_name == "
                 "github.repository", False),
                ("github['repository'] == 'a/B'", True),
                ("startsWith(github.repository, 'a/')", True),
                ("false || 'x'", True), ("true && ''", False),
                ("null", False), ("always()", True)):
            with self.subTest(expression=text):
                self.assertEqual(job_runs(text, ctx), want)


if __name__ == "__main__":
    unittest.main()
