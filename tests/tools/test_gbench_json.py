"""Tests for tools/load.py, the loader the plot, report and gate share.

What they check:
  * results/reference.json loads: the sweep of schema.FAMILIES, 5
    repetitions a point, nothing observed, no load warning (it predates
    both); results/regression-extra500.json keeps the points' names and
    takes the rule counts from the `rules` counter (500 more);
  * a point is the run name without Google Benchmark's suffixes; its rule
    count is its `rules` counter: a used row without one, runs of a point
    with different ones, and two points with the same one are refused;
  * NaN in stddev/cv rows (Google Benchmark writes it for constant counters)
    is never read, so it is no error;
  * what cannot be a measurement raises InputError with one line naming the
    file, the benchmark and the counter: NaN/inf, 0 or 1e308 hook_ns,
    bits_per_s <= 0, a negative or huge rule count, a counter that is not
    a number, a bad time_unit, NaN in the median row a
    file with aggregates only is read from, JSON nested too deep, an integer
    of 5000 digits, a known context entry that is not a number in range;
  * failed runs (no counters) are kept per point name with their
    messages;
  * a file with several families (one per rule backend) keeps each
    family's points, rule counts, failures and observers apart
    (Run.families, Run.of_family, Run.backend_of); the same rule count in
    two families is no clash; an old file is one family;
  * the shape families (Shape/<k>/<N>) load: points by name, rule count
    from `rules`, shape from `callbacks` (Run.shape); a shape row without
    callbacks, runs of a point with different ones and two points with the
    same (callbacks, rules) are refused, the same rules at other callbacks
    are not; table_ns is optional per row and checked where present;
  * every family of nf_schema loads (fake_runs.everything()): a remedy's x
    is its `blocked` counter (its rules counter may repeat), a profile's
    lead its payload_bytes or streams, Run.series gives a family's values
    by x; an install row has rules and the times only; refused: a row
    without its x or lead counter, two points with the same (lead, x), a
    counter out of range, a counter the family never carries (blocked in
    Chain, bits_per_s in ConnRate, hook_ns in Install), an install row
    without real_time;
  * observers and labels mark points as observed, from repetition rows or
    (aggregates only) the mean row; the load context gives warnings;
  * Run.repetitions names each used row by its repetition_index (rows in
    any order, a failed repetition left out); without one (or null) the
    rows are numbered in file order; refused, naming file, point and
    index: the same index twice at a point (a row duplicated, once or
    thousands of times; a failed row and a used one), a negative one, one
    not a whole number, one not below the row's `repetitions`;
  * check_output refuses an output path whose folder is missing, a file or
    not writable; atomic_output writes a file whole (mode 0666 less the
    umask) or not at all: a write that raises midway leaves no file under
    the final name, an old file as it was, and no temporary;
  * load_side: a folder's runs (run-2 before run-10), a comma-separated
    list, or one file; merged values, Run.runs, by_process per file,
    (file, repetition) pairs, every part's load warnings; refused: an
    empty folder, runs of one side with different rule counts.

Run from this folder:
    /usr/bin/python3 -m unittest -v test_gbench_json
"""

import json
import math
import os
import tempfile
import unittest

import fake_runs
from fake_runs import REFERENCE, RESULTS, point
from nfbench import load  # noqa: E402
from nfbench import schema  # noqa: E402


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
        return load.load(self.write(doc), **kw)

    def refused(self, doc, *words):
        """The one-line message of the InputError doc raises."""
        with self.assertRaises(load.InputError) as cm:
            self.load(doc)
        message = str(cm.exception)
        self.assertEqual(len(message.splitlines()), 1, message)
        for word in words:
            self.assertIn(word, message)
        return message

    def with_row(self, index, **fields):
        """A sweep whose benchmarks[index] has fields set."""
        doc = fake_runs.doc()
        doc["benchmarks"][index].update(fields)
        return doc

    # --- good input ----------------------------------------------------

    def test_reference_loads_without_warnings(self):
        run = load.load(REFERENCE)
        self.assertEqual(run.rules, list(fake_runs.SWEEP))
        self.assertEqual(run.names, [point(n) for n in fake_runs.SWEEP])
        self.assertEqual(set(run.reps.values()), {5})
        self.assertEqual(run.observed, {})
        self.assertEqual(run.numbers, {"duration_s": 2.0})
        self.assertEqual(load.load_warnings(run), [])
        self.assertEqual(run.failed, 0)

    def test_nan_in_unused_aggregates_is_fine(self):
        doc = fake_runs.doc()
        for b in doc["benchmarks"]:
            if b.get("aggregate_name") in ("stddev", "cv"):
                b["hook_ns"] = math.nan
                b["rules"] = math.nan
        run = self.load(doc)
        self.assertEqual(len(run.values(point(100), "hook_ns")), 3)

    def test_nan_in_mean_is_fine_when_median_is_used(self):
        doc = fake_runs.doc(aggregates_only=True)
        for b in doc["benchmarks"]:
            if b.get("aggregate_name") == "mean":
                b["hook_ns"] = math.nan
        run = self.load(doc)
        self.assertEqual(run.values(point(100), "hook_ns"), [533.0])

    def test_failed_runs_kept_per_point(self):
        run = self.load(fake_runs.doc(fail=((100, 1), (200, 0))))
        self.assertEqual(run.failed, 2)
        self.assertEqual(run.failures[point(100)],
                         ['iperf3 JSON has no "sum_received"'])
        self.assertEqual(run.reps[point(100)], 2)

    def test_all_failed_is_an_error_unless_asked(self):
        doc = fake_runs.doc(rules=(0,), fail=((0, 0), (0, 1), (0, 2)))
        self.refused(doc, "no results of an nf_bench family (Chain/<rules>, "
                     "Shape/<callbacks>/<rules>, RemedyPrefix/<blocked>, "
                     "Udp/<payload_bytes>/<rules>, Streams/<streams>/<rules>,"
                     " ...; `nf_bench --help` lists them) (3 failed)")
        run = self.load(doc, need_results=False)
        self.assertEqual(run.rules, [])
        self.assertEqual(len(run.failures[point(0)]), 3)

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
        self.refused(json.dumps(fake_runs.doc()).replace(
            '"hook_ns": 130.0', '"hook_ns": 1' + "0" * 400, 1),
            "hook_ns", "not a finite number")

    def test_rule_count_is_the_counter_not_the_name(self):
        # The name is only a name: its number is never read. The row
        # renamed here is a second point with rules = 0.
        for name in ("Chain/99999999999999999999/manual_time",
                     "Chain/" + "9" * 5000):
            self.refused(self.with_row(0, name=name, run_name=name),
                         "run.json", "Chain/0", "both have",
                         "rules = 0")

    def test_row_without_rules_counter(self):
        doc = fake_runs.doc()
        del fake_runs.rows_of(doc, 100)[1]["rules"]
        self.refused(doc, "run.json", "Chain/100/manual_time",
                     "no rules counter")

    def test_runs_of_a_point_with_different_rule_counts(self):
        self.refused(self.with_row(2, rules=7.0), "Chain/0/manual_time",
                     "rules = 7", "other runs of Chain/0 have rules = 0")

    def test_extra_rules_lengthen_chains_not_names(self):
        run = self.load(fake_runs.doc(extra_rules=500))
        self.assertEqual(run.names, [point(n) for n in fake_runs.SHORT])
        self.assertEqual(run.rules, [n + 500 for n in fake_runs.SHORT])
        self.assertEqual(run.numbers["extra_rules"], 500.0)
        extra = load.load(os.path.join(RESULTS,
                                              "regression-extra500.json"))
        self.assertEqual(extra.names, [point(n) for n in fake_runs.SWEEP])
        self.assertEqual(extra.rule_count[point(fake_runs.SWEEP[-1])],
                         fake_runs.SWEEP[-1] + 500)

    def test_point_names(self):
        for name, want in (("Chain/3000/manual_time", "Chain/3000"),
                           ("Chain/3000", "Chain/3000"),
                           ("Chain/3000/min_time:2.000/repeats:5/"
                            "process_time/real_time/threads:2", "Chain/3000"),
                           ("Chain/rules:3000/iterations:1/manual_time",
                            "Chain/rules:3000"),
                           ("Chain", "Chain"), ("manual_time", "manual_time")):
            self.assertEqual(load.point_name(name), want)
        self.assertEqual(load.family_of("Chain/3000"), "Chain")

    def test_other_families_are_ignored(self):
        doc = fake_runs.doc()
        for b in fake_runs.rows_of(doc, 300):
            b["name"] = b["run_name"] = "BM_Other/300/manual_time"
        self.assertEqual(self.load(doc).rules, list(fake_runs.SHORT[:3]))

    def test_bad_time_unit(self):
        self.refused(self.with_row(0, time_unit="fortnights"),
                     "time_unit = fortnights", "ns, us, ms, s")

    def test_nan_in_used_median(self):
        doc = fake_runs.doc(aggregates_only=True)
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
        with self.assertRaises(load.InputError) as cm:
            load.load(path)
        self.assertIn("not UTF-8", str(cm.exception))

    def test_lone_surrogate_is_printable(self):
        run = self.load(fake_runs.doc(kernel="6.1\ud800"))
        run.label.encode("utf-8")  # raises if the surrogate stayed
        self.assertIn("\\ud800", run.label)

    # --- several families ------------------------------------------------

    def test_mixed_families_kept_apart(self):
        doc = fake_runs.backends(per_family={
            "ChainNft": {"fail": ((200, 1),), "observed": (100,),
                         "with_observers": True}})
        doc["benchmarks"].append({"name": "BM_Other/0", "rules": 0.0,
                                  "run_type": "iteration"})  # ignored
        run = self.load(doc)
        self.assertEqual(run.families, ["Chain", "ChainIptNft", "ChainNft"])
        self.assertEqual(len(run.names), 3 * len(fake_runs.SHORT))
        for family, slope in fake_runs.SLOPES.items():
            sub = run.of_family(family)
            self.assertEqual(sub.family, family)
            self.assertEqual(sub.families, [family])
            self.assertEqual(sub.names, [point(n, family)
                                         for n in fake_runs.SHORT])
            self.assertEqual(sub.rules, list(fake_runs.SHORT))
            hook = [sub.values(p, "hook_ns")[0] for p in sub.names]
            self.assertEqual(hook, [130.0 + slope * n
                                    for n in fake_runs.SHORT])
            self.assertEqual(len(sub.values(sub.names[-1], "install_ms")), 3)
        nft = run.of_family("ChainNft")
        self.assertEqual((nft.failed, list(nft.observed)),
                         (1, [point(100, "ChainNft")]))
        self.assertEqual((run.of_family("Chain").failed,
                          run.of_family("Chain").observed), (0, {}))
        self.assertEqual(run.backend_of("ChainNft"), "nft (libnftables 1.0.6)")
        self.assertEqual(run.backend_of("ChainIptNft"),
                         "iptables-nft (iptables v1.8.9 (nf_tables))")
        self.assertEqual(run.of_family("ChainIptNft").context, run.context)

    def test_one_family_alone_and_old_files(self):
        run = self.load(fake_runs.doc(family="ChainNft"))
        self.assertEqual(run.families, ["ChainNft"])
        self.assertEqual(run.names, [point(n, "ChainNft")
                                     for n in fake_runs.SHORT])
        ref = load.load(REFERENCE)
        self.assertEqual(ref.families, ["Chain"])
        self.assertEqual(ref.of_family("Chain").points, ref.points)
        self.assertEqual(ref.of_family("ChainNft").names, [])
        self.assertIsNone(ref.backend_of("Chain"))  # "legacy (libiptc)"

    def test_same_rule_count_twice_in_one_family_only(self):
        doc = fake_runs.backends(families=("Chain", "ChainNft"))
        row = fake_runs.rows_of(doc, 100, "ChainNft")[0]
        row["rules"] = 0.0
        self.refused(doc, "ChainNft/100", "rules = 0")

    # --- rule shapes and table_ns ----------------------------------------

    def test_shape_points(self):
        doc = fake_runs.merge(fake_runs.backends(families=("Chain",)),
                              fake_runs.shapes())
        run = self.load(doc)
        self.assertEqual(run.families, ["Chain", "Shape", "ShapeIptNft",
                                        "ShapeNft"])
        shape = run.of_family("ShapeNft")
        self.assertEqual(len(shape.names), 16)
        self.assertEqual(shape.names[:5], [
            "ShapeNft/0/0", "ShapeNft/1/0", "ShapeNft/2/0", "ShapeNft/3/0",
            "ShapeNft/0/1000"])
        self.assertEqual(shape.shape["ShapeNft/2/1000"], 2)
        self.assertEqual(shape.rule_count["ShapeNft/2/1000"], 1000)
        self.assertEqual(shape.values("ShapeNft/2/1000", "hook_ns"),
                         [130.0 + 13.0 * 1000 + 3.0 * r for r in range(3)])
        self.assertEqual(shape.values("ShapeNft/2/1000", "callbacks"),
                         [2.0] * 3)
        self.assertNotIn("Chain/100", run.shape)  # Chain rows: no shape
        chains = run.of_families(schema.CHAINS)
        self.assertEqual((chains.families, chains.family), (["Chain"], None))
        self.assertEqual(chains.shape, {})
        run.restrict({"Shape/3/3000"})
        self.assertEqual(run.shape, {"Shape/3/3000": 3})

    def test_shape_refusals(self):
        doc = fake_runs.shapes(families=("Shape",))
        for row in fake_runs.rows_of(doc, 1000, "Shape", 2):
            row["callbacks"] = 1.0
        self.refused(doc, "Shape/1/1000 and Shape/2/1000 both have "
                     "(callbacks, rules) = (1, 1000)")
        doc = fake_runs.shapes(families=("Shape",))
        del fake_runs.rows_of(doc, 1000, "Shape", 2)[0]["callbacks"]
        self.refused(doc, "Shape/2/1000", "no callbacks counter")
        doc = fake_runs.shapes(families=("Shape",))
        fake_runs.rows_of(doc, 1000, "Shape", 2)[1]["callbacks"] = 3.0
        self.refused(doc, "Shape/2/1000", "callbacks = 3, but other runs")
        doc = fake_runs.shapes(families=("Shape",))
        fake_runs.rows_of(doc, 0, "Shape", 1)[0]["callbacks"] = 1.5
        self.refused(doc, "Shape/1/0", "callbacks = 1.5", "whole")
        doc = fake_runs.shapes(families=("Shape",))
        fake_runs.rows_of(doc, 0, "Shape", 1)[0]["callbacks"] = 101.0
        self.refused(doc, "Shape/1/0", "callbacks = 101.0")

    def test_chain_rows_with_callbacks_zero(self):
        doc = fake_runs.doc()
        for row in doc["benchmarks"]:
            row["callbacks"] = 0.0
        run = self.load(doc)
        self.assertEqual(run.shape, {})
        self.assertEqual(run.values(point(100), "callbacks"), [0.0] * 3)

    # --- remedies, traffic profiles, install cost -----------------------

    def test_every_family_loads(self):
        run = self.load(fake_runs.everything())
        self.assertEqual(run.families,
                         [f.name for f in schema.FAMILIES])
        ipset = run.of_family("RemedyIpset")
        self.assertEqual(sorted(ipset.x.values()),
                         list(schema.FAMILY["RemedyIpset"].points))
        self.assertEqual(ipset.x["RemedyIpset/100000"], 100000)
        self.assertEqual(ipset.rule_count["RemedyIpset/100000"],
                         1 + 100000 // 256)
        self.assertEqual(ipset.lead, {})
        udp = run.of_family("UdpNft")
        self.assertEqual(len(udp.names), 9)
        self.assertEqual(udp.lead["UdpNft/512/1000"], 512)
        self.assertEqual(udp.x["UdpNft/512/1000"], 1000)
        self.assertEqual(udp.shape, {})
        self.assertEqual(run.lead["Streams/4/3000"], 4)
        self.assertEqual(
            run.series("Udp", "packets_per_s", 64)[1000],
            [fake_runs.profile_model("Udp", 64, 1000)["packets_per_s"] * f
             for f in fake_runs.REP_FACTOR[:3]])
        install = run.of_family("InstallLoop")
        self.assertEqual(set(install.points["InstallLoop/2000"]),
                         {"rules", "real_time_s", "cpu_time_s"})
        self.assertAlmostEqual(
            install.values("InstallLoop/2000", "real_time_s")[0],
            fake_runs.install_ms("InstallLoop", 2000) * 1e-3)

    def test_remedy_refusals(self):
        doc = fake_runs.remedies(families=("RemedyNftSet",))
        del fake_runs.rows_of(doc, 500, "RemedyNftSet")[0]["blocked"]
        self.refused(doc, "RemedyNftSet/500/manual_time", "no blocked counter")
        doc = fake_runs.remedies(families=("RemedyNftSet",))
        for row in fake_runs.rows_of(doc, 1000, "RemedyNftSet"):
            row["blocked"] = 500.0
        self.refused(doc, "RemedyNftSet/1000 and RemedyNftSet/500 both have "
                     "blocked = 500")
        doc = fake_runs.remedies(families=("RemedyIpset",))
        fake_runs.rows_of(doc, 0, "RemedyIpset")[0]["blocked"] = 2e7
        self.refused(doc, "RemedyIpset/0/manual_time", "blocked = 2",
                     "outside")
        # the same rules counter at every point is no clash
        doc = fake_runs.remedies(families=("RemedyConntrack",))
        for b in doc["benchmarks"]:
            b["rules"] = 1.0
        self.assertEqual(len(self.load(doc).names), 7)

    def test_profile_refusals(self):
        doc = fake_runs.profiles(families=("Udp",))
        for row in fake_runs.rows_of(doc, 1000, "Udp", 512):
            row["payload_bytes"] = 64.0
        self.refused(doc, "Udp/512/1000 and Udp/64/1000 both have "
                     "(payload_bytes, rules) = (64, 1000)")
        doc = fake_runs.profiles(families=("UdpPaced",))
        fake_runs.rows_of(doc, 0, "UdpPaced", 64)[0]["loss_fraction"] = 1.5
        self.refused(doc, "UdpPaced/64/0/manual_time", "loss_fraction = 1.5",
                     "outside")
        doc = fake_runs.profiles(families=("Streams",))
        del fake_runs.rows_of(doc, 0, "Streams", 4)[2]["streams"]
        self.refused(doc, "Streams/4/0/manual_time", "no streams counter")

    def test_counters_a_family_never_carries(self):
        for doc, where, counter in (
                (fake_runs.doc(), "Chain/0/manual_time", "blocked"),
                (fake_runs.doc(), "Chain/0/manual_time", "payload_bytes"),
                (fake_runs.profiles(families=("ConnRate",)),
                 "ConnRate/0/manual_time", "bits_per_s"),
                (fake_runs.installs(families=("InstallNft",)),
                 "InstallNft/1000/real_time", "hook_ns")):
            doc["benchmarks"][0][counter] = 5.0
            self.refused(doc, where, f"{counter} in a ", "never writes it")

    def test_install_row_needs_real_time(self):
        doc = fake_runs.installs(families=("Install",))
        del doc["benchmarks"][1]["real_time"]
        self.refused(doc, "Install/1000/real_time", "no real_time")

    def test_table_ns_optional_and_checked(self):
        run = self.load(fake_runs.backends(table_outside_ns=60.0))
        self.assertEqual(run.values(point(100), "table_ns"),
                         [130.0 + 400.0 - 60.0 + 3.0 * r for r in range(3)])
        run = self.load(fake_runs.doc())
        self.assertEqual(run.values(point(100), "table_ns"), [])
        doc = fake_runs.backends(table_outside_ns=60.0)
        del fake_runs.rows_of(doc, 200)[0]["table_ns"]  # one row without
        run = self.load(doc)
        self.assertEqual(len(run.values(point(200), "table_ns")), 2)
        for bad in (0.0, -1.0, 2e9, "12"):
            doc = fake_runs.shapes(table_outside_ns=60.0)
            fake_runs.rows_of(doc, 1000, "ShapeNft", 3)[0]["table_ns"] = bad
            self.refused(doc, "ShapeNft/3/1000", "table_ns")

    # --- observers and load context --------------------------------------

    def test_observed_points_and_labels(self):
        run = self.load(fake_runs.doc(observed=(100,), with_observers=True))
        self.assertEqual(run.observed, {point(100): [fake_runs.LABEL]})
        self.assertEqual(run.values(point(100), "observers"),
                         [1.0, 1.0, 1.0])

    def test_observed_from_mean_when_median_is_zero(self):
        doc = fake_runs.doc(aggregates_only=True, with_observers=True)
        for b in doc["benchmarks"]:
            if (b.get("aggregate_name") == "mean"
                    and b["run_name"].startswith("Chain/200/")):
                b["observers"] = 0.3333
        run = self.load(doc)
        self.assertEqual(run.observed,
                         {point(200): ["observers > 0, no label"]})

    def test_load_context(self):
        run = self.load(fake_runs.doc(load_avg_1m="3.5", cpus="2",
                                       other_nf_bench="2",
                                       cpu_busy_at_start="0.6"))
        self.assertEqual(run.numbers, {"duration_s": 2.0,
                                       "load_avg_1m": 3.5, "cpus": 2.0,
                                       "other_nf_bench": 2.0,
                                       "cpu_busy_at_start": 0.6})
        text = "\n".join(load.load_warnings(run))
        for fragment in ("other_nf_bench = 2", "cpu_busy_at_start = 0.6",
                         "load_avg_1m = 3.5 with cpus = 2"):
            self.assertIn(fragment, text)

    def test_quiet_load_context_gives_no_warning(self):
        run = self.load(fake_runs.doc(load_avg_1m="0.4", cpus="2",
                                       other_nf_bench="0",
                                       cpu_busy_at_start="0.05"))
        self.assertEqual(load.load_warnings(run), [])

    def test_bad_load_context(self):
        for key, value in (("load_avg_1m", "high"), ("cpus", "0"),
                           ("cpus", "2.5"), ("other_nf_bench", "-1"),
                           ("cpu_busy_at_start", "1.5"),
                           ("load_avg_1m", "nan"), ("duration_s", "0"),
                           ("duration_s", "1.7976931348623157e308"),
                           ("extra_rules", "-1"), ("extra_rules", "60001"),
                           ("extra_rules", "1e3.5")):
            doc = fake_runs.doc()
            doc["context"][key] = value
            self.refused(doc, "run.json",
                         "context", key)

    def test_schema_version(self):
        # A file from before versions (none) is read; a newer contract is
        # refused, naming both versions; a version that is no number is
        # a damaged file.
        doc = fake_runs.doc()
        del doc["context"]["schema_version"]
        self.assertTrue(self.load(doc).points)
        newer = str(schema.SCHEMA_VERSION + 1)
        doc["context"]["schema_version"] = newer
        self.refused(doc, "run.json", f"schema version {newer}",
                     f"up to {schema.SCHEMA_VERSION}", "0948a53")
        for damaged in ("one", "1.5", "-1", float("inf"), 1.0, True, None,
                        ["1"], "١"):
            doc["context"]["schema_version"] = damaged
            self.refused(doc, "run.json", "schema_version",
                         "not a whole number", "damaged")
        doc["context"]["schema_version"] = nf_schema_version = (
            schema.SCHEMA_VERSION)
        self.assertTrue(self.load(doc).points, nf_schema_version)

    def test_repetition_index_of_each_row(self):
        doc = fake_runs.doc(reps=4, fail=[(0, 1)])
        first = doc["benchmarks"].index(fake_runs.rows_of(doc, 100)[0])
        rows = doc["benchmarks"][first:first + 4]
        doc["benchmarks"][first:first + 4] = rows[::-1]  # reps 3, 2, 1, 0
        run = self.load(doc)
        self.assertEqual(run.repetitions(point(0)), [0, 2, 3])
        self.assertEqual(run.repetitions(point(100)), [3, 2, 1, 0])
        hook = fake_runs.counters(100, 3)["hook_ns"]
        self.assertEqual(run.values(point(100), "hook_ns")[0], hook)
        self.assertEqual(run.of_family("Chain").repetitions(point(100)),
                         [3, 2, 1, 0])
        run.restrict({point(0)})
        self.assertEqual(run.repetition, {point(0): [0, 2, 3]})

    def test_rows_numbered_without_a_repetition_index(self):
        for absent in (True, False):  # no repetition_index, or null
            doc = fake_runs.doc(reps=3)
            for b in fake_runs.rows_of(doc, 200):
                b.pop("repetition_index", None)
                if not absent and b.get("run_type") == "iteration":
                    b["repetition_index"] = None
            run = self.load(doc)
            self.assertEqual(run.repetitions(point(200)), [0, 1, 2], absent)
        run = self.load(fake_runs.doc(reps=3, aggregates_only=True))
        self.assertEqual(run.repetitions(point(0)), [0])
        # whole numbers written as 2.0 are indices; without `repetitions`
        # any index >= 0 is possible
        doc = fake_runs.doc(reps=3)
        for b, index in zip(fake_runs.rows_of(doc, 200), (2.0, 7, 0)):
            b["repetition_index"] = index
            del b["repetitions"]
        self.assertEqual(self.load(doc).repetitions(point(200)), [2, 7, 0])

    def test_impossible_repetition_index_refused(self):
        def edited(*indices, keep_repetitions=True):
            doc = fake_runs.doc(reps=3)
            for b, index in zip(fake_runs.rows_of(doc, 200), indices):
                b["repetition_index"] = index
                if not keep_repetitions:
                    del b["repetitions"]
            return doc
        for indices, shown, why in (
                ((0, 1, 1), "1", "in two rows"),
                ((0, 0, 0), "0", "in two rows"),
                ((0, 2.0, 2), "2", "in two rows"),
                ((0, -1, 2), "-1", "not a whole number >= 0"),
                ((0, "1", 2), "'1'", "not a whole number >= 0"),
                ((0, True, 2), "True", "not a whole number >= 0"),
                ((0, 1.5, 2), "1.5", "not a whole number >= 0"),
                ((0, 1, 3), "3", "not below the row's repetitions = 3")):
            with self.subTest(indices=indices):
                self.refused(edited(*indices), "run.json", "Chain/200:",
                             f"repetition_index = {shown} ", why)
        # duplicates are refused without a `repetitions` count too
        self.refused(edited(0, 1, 0, keep_repetitions=False), "run.json",
                     "Chain/200:", "repetition_index = 0 in two rows")

    def test_duplicated_rows_refused(self):
        # One repetition row copied thousands of times: the gate read this
        # as "2 vs 2002 repetitions" and passed it.
        doc = fake_runs.doc(reps=2)
        row = fake_runs.rows_of(doc, 100)[1]
        at = doc["benchmarks"].index(row)
        doc["benchmarks"][at:at] = [dict(row) for _ in range(2000)]
        self.refused(doc, "run.json", "Chain/100:", "repetition_index = 1 ",
                     "in two rows")
        # a failed repetition and a measured one with the same index
        doc = fake_runs.doc(reps=3, fail=[(100, 1)])
        rows = fake_runs.rows_of(doc, 100)
        rows[2]["repetition_index"] = 1
        self.refused(doc, "run.json", "Chain/100:", "repetition_index = 1 ",
                     "in two rows")
        # the same index at different points, or in two files of a side,
        # is no clash
        run = self.load(fake_runs.doc(reps=3))
        self.assertEqual(run.repetitions(point(100)), [0, 1, 2])

    def test_one_table_of_quantities(self):
        names = [q.name for q in schema.QUANTITIES]
        self.assertEqual(len(names), len(set(names)))
        for name in ("bits_per_s", "hook_ns", "hook_p50_ns", "hook_p99_ns",
                     "hook_calls", "bytes_per_call", "hook_unpaired", "rules",
                     "observers"):
            self.assertIn(name, schema.COUNTERS)
        self.assertEqual(schema.QUANTITY["hook_ns"].worse, +1)
        self.assertEqual(schema.QUANTITY["bits_per_s"].worse, -1)


class OutputTest(fake_runs.TempFiles, unittest.TestCase):
    def test_check_output(self):
        load.check_output(os.path.join(self.tmp.name, "x.md"))
        a_file = self.write("a_file", "text")
        for path, why in ((os.path.join(self.tmp.name, "no", "x.md"),
                           "does not exist"),
                          (os.path.join(a_file, "x.md"), "is not a folder")):
            with self.assertRaisesRegex(load.UsageError,
                                        f"^cannot write -o {path}: .*{why}"):
                load.check_output(path)

    def test_whole_file_written(self):
        path = os.path.join(self.tmp.name, "out.md")
        with load.atomic_output(path) as f:
            f.write("# report\n" * 1000)
            self.assertFalse(os.path.exists(path))  # not before the end
        with open(path, encoding="utf-8") as f:
            self.assertEqual(f.read(), "# report\n" * 1000)
        umask = os.umask(0)
        os.umask(umask)
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o666 & ~umask)
        with load.atomic_output(path, binary=True) as f:
            f.write(b"\x89PNG")
        with open(path, "rb") as f:
            self.assertEqual(f.read(), b"\x89PNG")
        self.assertEqual(os.listdir(self.tmp.name), ["out.md"])

    def test_write_that_raises_midway_leaves_nothing(self):
        path = os.path.join(self.tmp.name, "out.md")
        for binary in (False, True):
            with self.assertRaises(OSError):
                with load.atomic_output(path, binary) as f:
                    f.write(b"x" * 100000 if binary else "x" * 100000)
                    f.flush()  # half a file on disk, then the disk is full
                    raise OSError(28, "No space left on device")
            self.assertEqual(os.listdir(self.tmp.name), [])
        with self.assertRaises(KeyboardInterrupt):
            with load.atomic_output(path) as f:
                f.write("half")
                raise KeyboardInterrupt
        self.assertEqual(os.listdir(self.tmp.name), [])
        # an old file stays as it was
        self.write("out.md", "old report")
        with self.assertRaises(ValueError):
            with load.atomic_output(path) as f:
                f.write("new rep")
                raise ValueError("midway")
        self.assertEqual(os.listdir(self.tmp.name), ["out.md"])
        with open(path, encoding="utf-8") as f:
            self.assertEqual(f.read(), "old report")


class SideTest(fake_runs.TempFiles, unittest.TestCase):
    def test_folder_list_and_one_file(self):
        docs = [fake_runs.doc(rules=(0, 500), reps=2,
                              values=fake_runs.linear(4.0 + k))
                for k in range(11)]
        folder = self.write_runs("side", docs)
        run = load.load_side(folder)
        self.assertEqual(run.runs, 11)
        self.assertEqual(run.reps[point(500)], 22)
        by_file = run.by_process(point(500), "hook_ns")
        self.assertEqual(sorted(by_file), list(range(11)))
        # run-10.json is the tenth file (natural order), slope 4.0 + 9
        self.assertEqual(by_file[9], [130.0 + 500 * 13.0 + 3.0 * r
                                      for r in (0, 1)])
        self.assertEqual(run.repetitions(point(0))[:3],
                         [(0, 0), (0, 1), (1, 0)])
        paths = ",".join(os.path.join(folder, f"run-{k}.json")
                         for k in (1, 2))
        self.assertEqual(load.load_side(paths).runs, 2)
        one = load.load_side(os.path.join(folder, "run-1.json"))
        self.assertEqual((one.runs, one.process(point(0))), (1, [0, 0]))

    def test_warnings_of_every_part(self):
        docs = [fake_runs.doc(reps=2), fake_runs.doc(reps=2,
                                                     other_nf_bench="1")]
        run = load.load_side(self.write_runs("side", docs))
        self.assertEqual(len(load.load_warnings(run)), 1)
        self.assertTrue(load.load_warnings(run)[0].startswith(
            "run-2.json: other_nf_bench = 1"))

    def test_refused(self):
        empty = os.path.join(self.tmp.name, "empty")
        os.makedirs(empty)
        with self.assertRaisesRegex(load.InputError, "no .json"):
            load.load_side(empty)
        mixed = self.write_runs("mixed", [fake_runs.doc(reps=2),
                                          fake_runs.doc(reps=2,
                                                        extra_rules=30)])
        with self.assertRaisesRegex(load.InputError,
                                    "must be runs of one sweep"):
            load.load_side(mixed)


if __name__ == "__main__":
    unittest.main()
