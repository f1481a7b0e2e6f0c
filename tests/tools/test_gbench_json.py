"""Tests for tools/gbench_json.py, the loader the plot, report and gate share.

What they check:
  * results/reference.json loads: 31 points of 5 repetitions, nothing
    observed, no load warning (it predates both);
  * NaN in stddev/cv rows (Google Benchmark writes it for constant counters)
    is never read, so it is no error;
  * what cannot be a measurement raises InputError with one line naming the
    file, the benchmark and the counter: NaN/inf, 0 or 1e308 hook_ns,
    bits_per_s <= 0, a negative or huge rule count (counter or name), a
    counter that is not a number, a bad time_unit, NaN in the median row a
    file with aggregates only is read from, JSON nested too deep, an integer
    of 5000 digits, a known context entry that is not a number in range;
  * failed runs are kept per rule count with their messages;
  * observers and labels mark points as observed, from repetition rows or
    (aggregates only) the mean row; the load context gives warnings.

Run from this folder:
    /usr/bin/python3 -m unittest -v test_gbench_json
"""

import json
import math
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.normpath(os.path.join(HERE, "..", "..", "tools"))
REFERENCE = os.path.normpath(os.path.join(HERE, "..", "..", "results",
                                          "reference.json"))
sys.path.insert(0, TOOLS)

import gbench_json  # noqa: E402
import gbench_doc  # noqa: E402


class LoaderTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def write(self, doc, name="run.json"):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(doc if isinstance(doc, str) else json.dumps(doc))
        return path

    def load(self, doc, **kw):
        return gbench_json.load(self.write(doc), **kw)

    def refused(self, doc, *words):
        """The one-line message of the InputError doc raises."""
        with self.assertRaises(gbench_json.InputError) as cm:
            self.load(doc)
        message = str(cm.exception)
        self.assertEqual(len(message.splitlines()), 1, message)
        for word in words:
            self.assertIn(word, message)
        return message

    def with_row(self, index, **fields):
        """A sweep whose benchmarks[index] has fields set."""
        doc = gbench_doc.doc()
        doc["benchmarks"][index].update(fields)
        return doc

    # --- good input ----------------------------------------------------

    def test_reference_loads_without_warnings(self):
        run = gbench_json.load(REFERENCE)
        self.assertEqual(run.rules, list(range(0, 3001, 100)))
        self.assertEqual(set(run.reps.values()), {5})
        self.assertEqual(run.observed, {})
        self.assertEqual(run.numbers, {"duration_s": 2.0})
        self.assertEqual(gbench_json.load_warnings(run), [])
        self.assertEqual(run.failed, 0)

    def test_nan_in_unused_aggregates_is_fine(self):
        doc = gbench_doc.doc()
        for b in doc["benchmarks"]:
            if b.get("aggregate_name") in ("stddev", "cv"):
                b["hook_ns"] = math.nan
                b["rules"] = math.nan
        run = self.load(doc)
        self.assertEqual(len(run.values(100, "hook_ns")), 3)

    def test_nan_in_mean_is_fine_when_median_is_used(self):
        doc = gbench_doc.doc(aggregates_only=True)
        for b in doc["benchmarks"]:
            if b.get("aggregate_name") == "mean":
                b["hook_ns"] = math.nan
        run = self.load(doc)
        self.assertEqual(run.values(100, "hook_ns"), [533.0])

    def test_failed_runs_kept_per_rule_count(self):
        run = self.load(gbench_doc.doc(fail=((100, 1), (200, 0))))
        self.assertEqual(run.failed, 2)
        self.assertEqual(run.failures[100],
                         ['iperf3 JSON has no "sum_received"'])
        self.assertEqual(run.reps[100], 2)

    def test_all_failed_is_an_error_unless_asked(self):
        doc = gbench_doc.doc(rules=(0,), fail=((0, 0), (0, 1), (0, 2)))
        self.refused(doc, "no Chain/<rules> results (3 failed)")
        run = self.load(doc, need_results=False)
        self.assertEqual(run.rules, [])
        self.assertEqual(len(run.failures[0]), 3)

    # --- counters that cannot be real -----------------------------------

    def test_non_finite_counters(self):
        for value in (math.nan, math.inf, -math.inf):
            message = self.refused(self.with_row(1, hook_ns=value),
                                   "run.json", "Chain/0/manual_time",
                                   "hook_ns", "not a finite number",
                                   "re-run nf_bench")
            self.assertIn(repr(value), message)

    def test_impossible_counters(self):
        for field, value in (("hook_ns", 0.0), ("hook_ns", -5.0),
                             ("hook_ns", 1e308), ("bits_per_s", 0.0),
                             ("bits_per_s", -1e9), ("bits_per_s", 1e-300),
                             ("rules", -1.0),
                             ("rules", 1e20), ("rules", 2.5),
                             ("bytes_per_call", 0.0), ("observers", -1.0),
                             ("hook_p99_ns", 1e300)):
            self.refused(self.with_row(0, **{field: value}), "run.json",
                         "Chain/0/manual_time", f"{field} = {value!r}",
                         "outside")

    def test_counter_not_a_number(self):
        for value in ("140", True, None, [1], {"a": 1}):
            self.refused(self.with_row(0, hook_ns=value), "hook_ns",
                         "is not a number")

    def test_int_too_large_for_a_float(self):
        self.refused(json.dumps(gbench_doc.doc()).replace(
            '"hook_ns": 130.0', '"hook_ns": 1' + "0" * 400, 1),
            "hook_ns", "not a finite number")

    def test_rule_count_in_name_out_of_range(self):
        name = "Chain/99999999999999999999/manual_time"
        self.refused(self.with_row(0, name=name, run_name=name),
                     "run.json", name, "rule count", "outside")
        name = "Chain/" + "9" * 5000
        self.refused(self.with_row(0, name=name, run_name=name),
                     "rule count")

    def test_bad_time_unit(self):
        self.refused(self.with_row(0, time_unit="fortnights"),
                     "time_unit = fortnights", "ns, us, ms, s")

    def test_nan_in_used_median(self):
        doc = gbench_doc.doc(aggregates_only=True)
        for b in doc["benchmarks"]:
            if b.get("aggregate_name") == "median":
                b["bits_per_s"] = math.nan
        self.refused(doc, "Chain/0/manual_time median", "bits_per_s",
                     "not a finite number")

    def test_message_stays_one_line(self):
        name = "Chain/0/x\ny\u2028z"
        message = self.refused(self.with_row(0, name=name, run_name=name,
                                             hook_ns=math.nan))
        self.assertNotIn("\n", message)

    # --- JSON that cannot be read ----------------------------------------

    def test_deeply_nested(self):
        self.refused("[" * 100000, "nested too deep")
        self.refused('{"benchmarks": ' + "[" * 100000, "nested too deep")

    def test_huge_integer(self):
        self.refused('{"benchmarks": [' + "1" * 5000 + "]}", "not JSON")

    def test_not_utf8(self):
        path = os.path.join(self.tmp.name, "latin1.json")
        with open(path, "wb") as f:
            f.write(b'{"benchmarks": [], "context": {"host_name": "\xe9"}}')
        with self.assertRaises(gbench_json.InputError) as cm:
            gbench_json.load(path)
        self.assertIn("not UTF-8", str(cm.exception))

    def test_lone_surrogate_is_printable(self):
        run = self.load(gbench_doc.doc(kernel="6.1\ud800"))
        run.label.encode("utf-8")  # raises if the surrogate stayed
        self.assertIn("\\ud800", run.label)

    # --- observers and load context --------------------------------------

    def test_observed_points_and_labels(self):
        run = self.load(gbench_doc.doc(observed=(100,), with_observers=True))
        self.assertEqual(run.observed, {100: [
            "observed: netfilter bpf prog 812 prio -2147483646"]})
        self.assertEqual(run.values(100, "observers"), [1.0, 1.0, 1.0])

    def test_observed_from_mean_when_median_is_zero(self):
        doc = gbench_doc.doc(aggregates_only=True, with_observers=True)
        for b in doc["benchmarks"]:
            if (b.get("aggregate_name") == "mean"
                    and b["run_name"].startswith("Chain/200/")):
                b["observers"] = 0.3333
        run = self.load(doc)
        self.assertEqual(run.observed, {200: ["observers > 0, no label"]})

    def test_load_context(self):
        run = self.load(gbench_doc.doc(load_avg_1m="3.5", cpus="2",
                                       other_nf_bench="2",
                                       cpu_busy_at_start="0.6"))
        self.assertEqual(run.numbers, {"duration_s": 2.0,
                                       "load_avg_1m": 3.5, "cpus": 2.0,
                                       "other_nf_bench": 2.0,
                                       "cpu_busy_at_start": 0.6})
        text = "\n".join(gbench_json.load_warnings(run))
        for fragment in ("other_nf_bench = 2", "cpu_busy_at_start = 0.6",
                         "load_avg_1m = 3.5 with cpus = 2"):
            self.assertIn(fragment, text)

    def test_quiet_load_context_gives_no_warning(self):
        run = self.load(gbench_doc.doc(load_avg_1m="0.4", cpus="2",
                                       other_nf_bench="0",
                                       cpu_busy_at_start="0.05"))
        self.assertEqual(gbench_json.load_warnings(run), [])

    def test_bad_load_context(self):
        for key, value in (("load_avg_1m", "high"), ("cpus", "0"),
                           ("cpus", "2.5"), ("other_nf_bench", "-1"),
                           ("cpu_busy_at_start", "1.5"),
                           ("load_avg_1m", "nan"), ("duration_s", "0"),
                           ("duration_s", "1.7976931348623157e308")):
            self.refused(gbench_doc.doc(**{key: value}), "run.json",
                         "context", key)

    def test_one_table_of_quantities(self):
        names = [q.name for q in gbench_json.QUANTITIES]
        self.assertEqual(len(names), len(set(names)))
        for name in ("bits_per_s", "hook_ns", "hook_p50_ns", "hook_p99_ns",
                     "hook_calls", "bytes_per_call", "hook_unpaired", "rules",
                     "observers"):
            self.assertIn(name, gbench_json.COUNTERS)
        self.assertEqual(gbench_json.QUANTITY["hook_ns"].worse, +1)
        self.assertEqual(gbench_json.QUANTITY["bits_per_s"].worse, -1)


if __name__ == "__main__":
    unittest.main()
