"""A bounded randomized fuzz test of the tools' JSON loader and of the
main() of gate.py, report.py and plot.py.

Inputs: small nf_bench-like Google Benchmark documents (fake_runs.py: a
Chain sweep, or some remedies, traffic profiles and install families at a
few of their points) and slices of results/reference.json, mutated at
random: values of known and
unknown fields set to NaN, inf, 0, negatives, 1e308, ints of 400 digits,
strings, bools, null, arrays, objects, nesting up to 100 000 levels; fields
deleted; names rewritten (huge, negative or non-ASCII rule counts, line
breaks, lone surrogates, '$'); run types, aggregate names, error flags and
time units changed; entries dropped, duplicated, shuffled; context entries
(the load context too) set to odd values; and the text truncated, bytes
flipped, a BOM or another encoding, deep nesting, or an empty file.

What must hold for every case (the tools' contract):
  * load.load returns a Run whose values are all finite and in the
    ranges of schema.QUANTITIES, or raises InputError with one line;
  * gate.main exits 0, 1 or 2; report.main and plot.main exit 0 or 2;
    never an exception;
  * exit 2 prints exactly one line on stderr, starting with the tool's
    name, and nothing on stdout (plot writes no file);
  * exit 0/1 of the gate ends with a PASS/FAIL line to match; exit 0 of
    the report is a report; exit 0 of plot wrote the PNG and the SVG of
    each figure it printed (and exit 2 none);
  * stdout can be written as UTF-8 (a real stdout refuses lone surrogates).

Bounded in time (about 20 s in all, plot gets fewer cases: it draws;
NF_BENCH_FUZZ_SCALE=10 for a soak ten times as long), seeded: the seed is
printed on stderr; repeat a run with NF_BENCH_FUZZ_SEED=<seed>. A failing
case names the seed, the case number and the mutations, and keeps its input
files in a folder it names.

Run from this folder:
    /usr/bin/python3 -m unittest -v test_fuzz
"""

import contextlib
import copy
import io
import json
import math
import os
import random
import shutil
import sys
import tempfile
import time
import unittest

import fake_runs
from fake_runs import REFERENCE
import matplotlib

matplotlib.use("Agg")

from nfbench import gate  # noqa: E402
from nfbench import load, schema  # noqa: E402
from nfbench import plot  # noqa: E402
from nfbench import report  # noqa: E402

SEED = int(os.environ.get("NF_BENCH_FUZZ_SEED") or time.time_ns() % 10 ** 9)
# Seconds per test; the four add up to about 20 s. NF_BENCH_FUZZ_SCALE=10
# runs ten times as long (a soak by hand; CI keeps the default).
SCALE = float(os.environ.get("NF_BENCH_FUZZ_SCALE") or 1)
BUDGET = {tool: seconds * SCALE for tool, seconds in
          {"loader": 3.0, "gate": 6.0, "report": 5.0, "plot": 6.0}.items()}
# Cases run even when the budget is used up first (a slow, busy machine).
MIN_CASES = {"loader": 50, "gate": 20, "report": 20, "plot": 4}

KNOWN = list(schema.COUNTERS)
CONTEXT = list(schema.CONTEXT_NUMBERS)
SWEEP = fake_runs.SWEEP
FIELDS = KNOWN + ["name", "run_name", "run_type", "aggregate_name",
                  "error_occurred", "error_message", "time_unit", "real_time",
                  "cpu_time", "label", "repetitions", "repetition_index",
                  "iterations", "family_index", "some_future_field"]


def odd_value(rng):
    """A value a broken or hostile file could hold where a number belongs."""
    choice = rng.randrange(18)
    if choice == 0:
        return math.nan
    if choice == 1:
        return rng.choice([math.inf, -math.inf])
    if choice == 2:
        return rng.choice([0, 0.0, -0.0])
    if choice == 3:
        return -rng.uniform(1e-3, 1e12)
    if choice == 4:
        return rng.choice([1e308, 1.7976931348623157e308, 5e-324, 1e-300])
    if choice == 5:
        return 10 ** rng.randrange(20, 400)
    if choice == 6:
        return rng.choice(["140", "nan", "", "1e999", "0x10", "\u0663",
                           "abc\n", "\ud800", "$\\frac{$"])
    if choice == 7:
        return rng.choice([True, False, None])
    if choice == 8:
        return [rng.random()] * rng.randrange(3)
    if choice == 9:
        return {"value": rng.random()}
    if choice == 10:
        # deeper than ~900 cannot be built here (json.dumps recurses):
        # to_bytes nests in the text
        return nested(rng, rng.choice([5, 50, 400]))
    if choice == 11:
        return rng.uniform(0, 1e13)  # maybe plausible
    if choice == 12:
        return rng.randrange(-5, 70000)
    if choice == 13:
        return rng.uniform(0.5, 1.5) * rng.choice([140.0, 2e10, 4.7e4, 1e5])
    if choice == 14:
        return "x" * rng.randrange(1000, 5000)
    if choice == 15:
        return rng.uniform(-1, 2)
    if choice == 16:
        return 2.0 ** 32 + rng.choice([-1, 0, 1])
    return rng.choice([1e6, 1e9, 1e12, 1e13, 1e7, 1e-9])


def describe(value):
    """A short name for a value in the mutation log (repr of a deep one
    would recurse)."""
    if isinstance(value, (list, dict)):
        return type(value).__name__
    return repr(value)[:40]


def nested(rng, depth):
    value = rng.random()
    for _ in range(depth):
        value = [value] if rng.random() < 0.5 else {"k": value}
    return value


def odd_name(rng):
    """A benchmark name: mostly Chain/<something>, sometimes not."""
    rules = rng.choice([
        str(rng.choice(SWEEP)), "-5", "1e3", "99999999999999999999",
        "9" * rng.randrange(1, 6000), "\u0663\u0660\u0660", "", "0" * 30,
        str(rng.randrange(10 ** 6 - 2, 10 ** 6 + 2)), "12 ", "65534"])
    tail = rng.choice(["/manual_time", "", "/", "/manual_time_median", "\n",
                       "/x\u2028y", "/\ud800", "$x$", "/manual_time\r\n"])
    head = rng.choice(["Chain/"] * 6 + ["chain/", "BM_Other/", "Chain",
                                        " Chain/", "Chain//"])
    return head + rules + tail


def new_families_doc(rng):
    """A few remedies, traffic profiles and install families, at a few of
    their points, sometimes with a Chain sweep."""
    reps = rng.randrange(1, 4)
    parts = [
        fake_runs.remedies(
            families=rng.sample(schema.REMEDIES, rng.randrange(1, 3)),
            points=sorted(rng.sample(schema.FAMILY["RemedyIpset"].points,
                                     rng.randrange(1, 4))), reps=reps),
        fake_runs.profiles(
            families=rng.sample(schema.PROFILES, rng.randrange(1, 3)),
            rules=sorted(rng.sample(schema.FAMILY["Udp"].points,
                                    rng.randrange(1, 4))), reps=reps),
        fake_runs.installs(
            families=rng.sample(schema.INSTALLS, rng.randrange(1, 3)),
            points=sorted(rng.sample(schema.FAMILY["InstallLoop"].points,
                                     rng.randrange(1, 5))), reps=reps)]
    docs = rng.sample(parts, rng.randrange(1, 4))
    if rng.random() < 0.5:
        docs.append(fake_runs.doc(rules=sorted(rng.sample(
            (0, 500, 1000, 3000), rng.randrange(1, 5))), reps=reps))
    return fake_runs.merge(*docs)


def base_doc(rng, reference):
    """A valid starting point: a small synthetic sweep, one of the other
    families, or a slice of the reference file."""
    if rng.random() < 0.25:
        return new_families_doc(rng)
    if rng.random() < 0.35:
        doc = copy.deepcopy(reference)
        keep = sorted(rng.sample(range(len(doc["benchmarks"])),
                                 rng.randrange(1, 60)))
        doc["benchmarks"] = [doc["benchmarks"][i] for i in keep]
        return doc
    rules = sorted(rng.sample(SWEEP, rng.randrange(1, 6)))
    reps = rng.randrange(1, 6)
    fail = {(r, k) for r in rules for k in range(reps)
            if rng.random() < 0.1}
    observed = [r for r in rules if rng.random() < 0.2]
    ctx = {}
    for key in CONTEXT:
        if rng.random() < 0.4:
            ctx[key] = rng.choice([
                str(rng.choice([0, 1, 2, 3])), f"{rng.uniform(0, 4):.2f}",
                f"{rng.random():.2f}"])
    doc = fake_runs.doc(rules=rules, reps=reps, fail=fail, observed=observed,
                        aggregates_only=rng.random() < 0.15,
                        with_observers=rng.random() < 0.5,
                        extra_rules=rng.choice([0, 0, 0, 500]))
    doc["context"].update(ctx)
    return doc


def mutate_entry(rng, entry, kind, log):
    """Mutation `kind` (0..7) of one benchmark row, in place."""
    if kind <= 3:
        field = rng.choice(FIELDS)
        entry[field] = odd_value(rng)
        log.append(f"{field}={describe(entry[field])}")
    elif kind == 4 and entry:
        field = rng.choice(sorted(entry))
        del entry[field]
        log.append(f"del {field}")
    elif kind == 5:
        entry[rng.choice(["name", "run_name"])] = odd_name(rng)
        log.append("name")
    elif kind == 6:
        entry["run_type"] = rng.choice(["aggregate", "iteration", "", None,
                                        3])
        entry["aggregate_name"] = rng.choice(
            ["median", "mean", "stddev", "cv", "", None, ["median"]])
        log.append("run_type")
    elif kind == 7:
        entry["error_occurred"] = rng.choice([True, 1, "yes", False])
        entry["error_message"] = rng.choice(
            ["boom", "line\nbreak", 5, None, "\ud800", "x" * 500])
        log.append("error")


def mutate_entries(rng, benchmarks, log):
    """One change to the list of rows: one dropped, copied, the order
    shuffled, or an odd value among them."""
    op = rng.randrange(4)
    if op == 0:
        del benchmarks[rng.randrange(len(benchmarks))]
    elif op == 1:
        benchmarks.append(copy.deepcopy(rng.choice(benchmarks)))
    elif op == 2:
        rng.shuffle(benchmarks)
    else:
        benchmarks.insert(rng.randrange(len(benchmarks) + 1),
                          odd_value(rng))
    log.append(f"entries op {op}")


def mutate_context(rng, doc, log):
    ctx = doc.setdefault("context", {})
    if isinstance(ctx, dict):
        key = rng.choice(CONTEXT + ["num_cpus", "kernel", "probe",
                                    "duration_s", "probe_self_ns",
                                    "iptables_backend", "date",
                                    "schema_version", "nf_bench_version"])
        ctx[key] = odd_value(rng)
        log.append(f"context {key}")


def mutate_doc(rng, doc, log):
    """Some object-level mutations of doc, in place; returns the document
    (which may no longer be a dict)."""
    benchmarks = doc.get("benchmarks", [])
    for _ in range(rng.choice([0, 1, 1, 2, 3, 6])):
        kind = rng.randrange(12)
        if kind <= 7 and benchmarks:
            entry = rng.choice(benchmarks)
            if isinstance(entry, dict):
                mutate_entry(rng, entry, kind, log)
        elif kind == 8 and benchmarks:
            mutate_entries(rng, benchmarks, log)
        elif kind == 9:
            mutate_context(rng, doc, log)
        elif kind == 10:
            key = rng.choice(["context", "benchmarks"])
            doc[key] = odd_value(rng)
            benchmarks = doc["benchmarks"] if isinstance(
                doc.get("benchmarks"), list) else []
            log.append(f"top {key}")
        elif kind == 11 and rng.random() < 0.2:
            log.append("top-level")
            return odd_value(rng)
    return doc


def to_bytes(rng, doc, log):
    """doc as file contents, sometimes damaged on the way."""
    text = json.dumps(doc, allow_nan=True)
    kind = rng.randrange(14)
    if kind == 0:
        log.append("truncated")
        text = text[:rng.randrange(len(text) + 1)]
    elif kind == 1:
        log.append("deep")
        depth = rng.choice([100, 1000, 5000, 100000])
        text = "[" * depth + text + "]" * depth * rng.randrange(2)
    elif kind == 2:
        log.append("empty")
        text = rng.choice(["", " ", "null", "{}", "[]", '{"benchmarks": {}}'])
    elif kind == 3:
        log.append("encoding")
        encoding = rng.choice(["utf-16", "latin-1", "utf-8-sig", "utf-32"])
        return text.encode(encoding, "replace")
    elif kind == 4:
        log.append("flipped")
        data = bytearray(text.encode("utf-8", "surrogatepass"))
        for _ in range(rng.randrange(1, 4)):
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    elif kind == 5 and '"hook_ns": ' in text:
        log.append("deep hook_ns")
        depth = rng.choice([900, 3000, 100000])
        text = text.replace('"hook_ns": ', '"hook_ns": ' + "[" * depth + "1"
                            + "]" * depth + ', "x": ', 1)
    elif kind == 6:
        log.append("tokens")
        text = text.replace("130.0", rng.choice(["NaN", "-Infinity", "1e999",
                                                 "1" * 5000, "-0"]), 1)
    return text.encode("utf-8", "surrogatepass")


def valid_run(test, run):
    """Every value the loader let through is finite and in its range."""
    test.assertEqual(set(run.rule_count), set(run.points))
    test.assertEqual(set(run.x), set(run.points))
    for point, metrics in run.points.items():
        rules = run.rule_count[point]
        test.assertIsNone(schema.QUANTITY["rules"].why_invalid(rules))
        test.assertEqual(metrics["rules"], [rules] * run.reps[point])
        for name, values in metrics.items():
            for value in values:
                test.assertTrue(math.isfinite(value), (point, name, value))
                test.assertIsNone(
                    schema.QUANTITY[name].why_invalid(value),
                    (point, name, value))
        (point + run.label).encode("utf-8")
        test.assertTrue(point.isprintable(), point)


def call(main, argv):
    """(exit status, stdout, stderr) of main(argv), in this process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as e:  # argparse errors
            status = e.code
    return status, out.getvalue(), err.getvalue()


class FuzzTools(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        print(f"fuzz seed: {SEED} (repeat with NF_BENCH_FUZZ_SEED={SEED})",
              file=sys.stderr)
        with open(REFERENCE, encoding="utf-8") as f:
            cls.reference = json.load(f)

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="fuzz_tools.")
        self.addCleanup(self.tmp.cleanup)

    def cases(self, tool):
        """(case number, Random) pairs until the time budget is used up."""
        rng = random.Random(f"{SEED}/{tool}")
        self.outcomes = {}
        start, n = time.monotonic(), 0
        while (n < MIN_CASES[tool]
               or time.monotonic() - start < BUDGET[tool]):
            yield n, rng
            n += 1
        outcomes = ", ".join(f"{k}: {v}" for k, v in
                             sorted(self.outcomes.items(), key=str))
        print(f"fuzz {tool}: {n} cases in {time.monotonic() - start:.1f} s "
              f"({outcomes})", file=sys.stderr)

    def count(self, outcome):
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def input_file(self, rng, name, log, mutate=True, doc=None):
        """A fuzzed input file in the temporary folder, from doc (a copy of
        it) or a new starting point."""
        doc = (base_doc(rng, self.reference) if doc is None
               else copy.deepcopy(doc))
        if mutate:
            doc = mutate_doc(rng, doc, log)
            data = to_bytes(rng, doc, log)
        else:
            data = json.dumps(doc).encode("utf-8")
        path = os.path.join(self.tmp.name, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def keep(self, paths):
        """Copies a failing case's inputs where they survive the test."""
        folder = tempfile.mkdtemp(prefix="fuzz_tools_failed.")
        for path in paths:
            if os.path.exists(path):
                shutil.copy(path, folder)
        return folder

    def check(self, tool, n, log, paths, status, out, err, codes):
        self.count(f"exit {status}")
        where = f"seed {SEED}, {tool} case {n}, mutations {log}"
        try:
            self.assertIn(status, codes, f"exit {status!r}")
            out.encode("utf-8")  # a real stdout is strict UTF-8
            if status == 2:
                fake_runs.refusal(self, status, out, err, tool)
        except (AssertionError, UnicodeEncodeError) as e:
            raise AssertionError(f"{where}: {e}; inputs kept in "
                                 f"{self.keep(paths)}") from e

    def run_main(self, tool, main, n, log, argv, paths):
        try:
            return call(main, argv)
        except Exception as e:  # the bug this test is for
            raise AssertionError(
                f"seed {SEED}, {tool} case {n}, mutations {log}: "
                f"{type(e).__name__}: {e}; inputs kept in "
                f"{self.keep(paths)}") from e

    # --- the loader ------------------------------------------------------

    def test_loader(self):
        for n, rng in self.cases("loader"):
            log = []
            path = self.input_file(rng, "in.json", log)
            try:
                run = load.load(path,
                                       need_results=rng.random() < 0.7)
            except load.InputError as e:
                self.count("InputError")
                self.assertEqual(len(str(e).splitlines()), 1,
                                 f"seed {SEED} case {n} {log}: {e!r}")
                continue
            except Exception as e:
                raise AssertionError(
                    f"seed {SEED}, loader case {n}, mutations {log}: "
                    f"{type(e).__name__}: {e}; input kept in "
                    f"{self.keep([path])}") from e
            self.count("Run")
            valid_run(self, run)
            run.label.encode("utf-8")
            load.load_warnings(run)

    # --- the three tools -------------------------------------------------

    def test_gate(self):
        flags = ["--metrics=hook_ns,bits_per_s,cpu_time_s,hook_p99_ns",
                 "--metrics=real_time_s", "--threshold=0", "--min-reps=2",
                 "--alpha=0.5", "--threshold=nan", "--metrics=observers"]
        for n, rng in self.cases("gate"):
            log = []
            which = rng.randrange(4)  # which side(s) to mutate
            doc = base_doc(rng, self.reference)
            base = self.input_file(rng, "base.json", log, which in (1, 3),
                                   doc)
            # The contender: mostly the same sweep, its hook times scaled
            # (a regression or not), sometimes another sweep.
            scale = rng.choice([0.5, 0.95, 1.0, 1.2, 2.0])
            for entry in doc["benchmarks"]:
                if isinstance(entry.get("hook_ns"), float):
                    entry["hook_ns"] *= scale
            log.append(f"scaled {scale}")
            cont = self.input_file(rng, "cont.json", log, which in (2, 3),
                                   doc if rng.random() < 0.8 else None)
            argv = [base, cont] + rng.sample(flags, rng.choice([0, 0, 1]))
            status, out, err = self.run_main("gate", gate.main, n, log, argv,
                                             [base, cont])
            self.check("gate", n, log, [base, cont], status, out, err,
                       (0, 1, 2))
            if status in (0, 1):
                last = out.rstrip("\n").splitlines()[-1]
                if last.startswith("regressed: "):
                    last = out.rstrip("\n").splitlines()[-2]
                self.assertTrue(last.startswith("PASS: " if status == 0
                                                else "FAIL: "),
                                f"seed {SEED} gate case {n} {log}: {last}")

    def test_report(self):
        for n, rng in self.cases("report"):
            log = []
            path = self.input_file(rng, "in.json", log, rng.random() < 0.85)
            status, out, err = self.run_main("report", report.main, n, log,
                                             [path], [path])
            self.check("report", n, log, [path], status, out, err, (0, 2))
            if status == 0:
                self.assertTrue(out.startswith("# nf_bench"), out[:200])

    def test_plot(self):
        for n, rng in self.cases("plot"):
            log = []
            paths = [self.input_file(rng, f"in{i}.json", log,
                                     rng.random() < 0.7)
                     for i in range(rng.choice([1, 1, 2]))]
            prefix = os.path.join(self.tmp.name, f"out{n}", "fig")
            os.mkdir(os.path.dirname(prefix))  # plot creates no folder
            status, out, err = self.run_main("plot", plot.main, n, log,
                                             paths + ["-o", prefix], paths)
            self.check("plot", n, log, paths, status, out, err, (0, 2))
            # exit 0 printed the PNG and SVG of each figure it wrote
            written = sorted(os.listdir(os.path.dirname(prefix)))
            printed = sorted(os.path.basename(p) for p in out.split())
            self.assertEqual(written, printed if status == 0 else [],
                             f"seed {SEED} plot case {n} {log}")
            self.assertEqual(bool(written), status == 0,
                             f"seed {SEED} plot case {n} {log}")
            self.assertEqual(len(written) % 2, 0, written)


if __name__ == "__main__":
    unittest.main()
