"""nf_bench's C++ and tools/nf_schema.py declare the same numbers and
families.

What they check:
  * `$NF_BENCH --print_schema` (no root needed) prints JSON whose
    "quantities" and "families" equal nf_schema.declared() exactly: the
    same entries in the same order, every field equal (numbers compared
    after a JSON round trip of both sides, booleans as booleans); a
    difference names the first quantity or family and field that differ;
  * its "probes" is a non-empty list of {"name", "needs"} with unique names;
  * without the binary: nf_schema's table is consistent (unique names,
    low <= high, worse in -1/0/+1, known where and aggregation values, the
    kAvgIterations counters, Google Benchmark's times not declared) and
    every Chain family's sweep is 0, 100, ..., 3000, one family per backend
    (Chain legacy, ChainIptNft iptables-nft, ChainNft nft), then the shape
    families (Shape, ShapeIptNft, ShapeNft: args callbacks and rules,
    callbacks 0..3, rules 0..3000 step 1000), one per backend; callbacks
    is declared after install_ms, table_ns after it needs --table_time.

NF_BENCH names the nf_bench binary (ctest sets it). Without it the binary
tests FAIL and say so: they never skip silently.

Run from this folder:
    NF_BENCH=../../build/nf_bench /usr/bin/python3 -m unittest -v test_schema
"""

import json
import os
import subprocess
import unittest

import fake_runs  # noqa: F401  (puts tools/ on sys.path)
import nf_schema  # noqa: E402

TIMEOUT_S = 60


def same(a, b):
    """a == b as JSON values: booleans only equal booleans, numbers by
    value (0 == 0.0), lists and objects element by element."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def first_difference(kind, printed, expected):
    """None when the two lists of objects are equal, else a message naming
    the first entry and field that differ."""
    if not isinstance(printed, list):
        return f"{kind}: nf_bench prints {printed!r}, not a list"
    for i, (got, want) in enumerate(zip(printed, expected)):
        name = want.get("name")
        if not isinstance(got, dict):
            return f"{kind}[{i}] ({name}): nf_bench prints {got!r}"
        for field in list(want) + [k for k in got if k not in want]:
            if field not in got:
                return f"{kind}[{i}] ({name}): nf_bench prints no {field!r}"
            if field not in want:
                return (f"{kind}[{i}] ({name}): nf_bench prints {field!r} = "
                        f"{got[field]!r}, which nf_schema does not have")
            if not same(got[field], want[field]):
                return (f"{kind}[{i}] ({name}): {field!r} is {got[field]!r} "
                        f"in nf_bench, {want[field]!r} in nf_schema")
    if len(printed) != len(expected):
        names = [e.get("name") if isinstance(e, dict) else e
                 for e in (printed if len(printed) > len(expected)
                           else expected)[min(len(printed), len(expected)):]]
        side = "nf_bench" if len(printed) > len(expected) else "nf_schema"
        return f"{kind}: only {side} has {names}"
    return None


class PrintedSchema(unittest.TestCase):
    """What `$NF_BENCH --print_schema` prints."""

    printed = None

    def schema(self):
        binary = os.environ.get("NF_BENCH")
        if not binary:
            self.fail("NF_BENCH is not set: set it to the nf_bench binary, "
                      "e.g. NF_BENCH=build/nf_bench (ctest sets it)")
        if PrintedSchema.printed is None:
            proc = subprocess.run([binary, "--print_schema"],
                                  capture_output=True, text=True,
                                  timeout=TIMEOUT_S)
            self.assertEqual(proc.returncode, 0,
                             f"{binary} --print_schema exited "
                             f"{proc.returncode}: {proc.stderr}")
            try:
                PrintedSchema.printed = json.loads(proc.stdout)
            except json.JSONDecodeError as e:
                self.fail(f"{binary} --print_schema: not JSON ({e}): "
                          f"{proc.stdout[:300]!r}")
        self.assertIsInstance(PrintedSchema.printed, dict)
        return PrintedSchema.printed

    def test_quantities_and_families_equal_nf_schema(self):
        printed = self.schema()
        # nf_schema's numbers as they come back from JSON (1e-3 -> 0.001)
        expected = json.loads(json.dumps(nf_schema.declared()))
        for kind in ("quantities", "families"):
            self.assertIn(kind, printed)
            diff = first_difference(kind, printed[kind], expected[kind])
            if diff:
                self.fail(diff)

    def test_probes(self):
        probes = self.schema().get("probes")
        self.assertIsInstance(probes, list)
        self.assertTrue(probes, "no probes")
        for probe in probes:
            self.assertIsInstance(probe, dict)
            self.assertEqual(set(probe), {"name", "needs"}, probe)
            self.assertIsInstance(probe["name"], str)
            self.assertTrue(probe["name"], probe)
            self.assertIsInstance(probe["needs"], str)
        names = [p["name"] for p in probes]
        self.assertEqual(len(names), len(set(names)), names)


class SchemaTable(unittest.TestCase):
    """nf_schema on its own, no binary."""

    def test_quantities_are_consistent(self):
        names = [q.name for q in nf_schema.QUANTITIES]
        self.assertEqual(len(names), len(set(names)), names)
        for q in nf_schema.QUANTITIES:
            self.assertLessEqual(q.low, q.high, q.name)
            self.assertIn(q.worse, (-1, 0, 1), q.name)
            self.assertIn(q.where, ("row", "context"), q.name)
            self.assertIn(q.aggregation, nf_schema.AGGREGATIONS, q.name)
            self.assertEqual(q.where == "context",
                             q.aggregation == "context", q.name)
            if q.where == "context":
                self.assertEqual(q.worse, 0, q.name)  # never gated
        avg = {q.name for q in nf_schema.QUANTITIES
               if q.aggregation == "avg_iterations"}
        self.assertEqual(avg, {"hook_calls", "hook_unpaired"})
        self.assertEqual(nf_schema.TIME_METRICS, ("real_time_s", "cpu_time_s"))
        self.assertIn("rules", nf_schema.COUNTERS)
        extra = nf_schema.QUANTITY["extra_rules"]
        self.assertEqual((extra.where, extra.unit, extra.low, extra.high,
                          extra.integer), ("context", "rules", 0, 60000, True))

    def test_declared_is_the_cpp_subset(self):
        declared = nf_schema.declared()
        self.assertEqual(set(declared), {"quantities", "families"})
        names = [q["name"] for q in declared["quantities"]]
        self.assertEqual(names, [q.name for q in nf_schema.QUANTITIES
                                 if q.aggregation != "gbench"])
        for q in declared["quantities"]:
            self.assertEqual(list(q), ["name", "where", "unit", "worse",
                                       "aggregation", "low", "high",
                                       "positive", "integer", "when"])
        round_trip = json.loads(json.dumps(declared))
        self.assertIsNone(first_difference(
            "quantities", round_trip["quantities"], declared["quantities"]))
        backends = (("", "legacy"), ("IptNft", "iptables-nft"),
                    ("Nft", "nft"))
        self.assertEqual(declared["families"], [
            {"name": "Chain" + tail, "args": ["rules"], "callbacks": [],
             "first": 0, "last": 3000, "step": 100, "backend": backend}
            for tail, backend in backends] + [
            {"name": "Shape" + tail, "args": ["callbacks", "rules"],
             "callbacks": [0, 1, 2, 3], "first": 0, "last": 3000,
             "step": 1000, "backend": backend}
            for tail, backend in backends])
        names = [q["name"] for q in declared["quantities"]]
        self.assertEqual(names[names.index("observers"):][:4],
                         ["observers", "install_ms", "callbacks", "table_ns"])
        when = {q["name"]: q["when"] for q in declared["quantities"]}
        self.assertEqual({k: v for k, v in when.items() if v},
                         {"table_ns": "--table_time"})

    def test_sweep(self):
        chain = nf_schema.FAMILY["Chain"]
        self.assertIs(chain, nf_schema.CHAIN)
        points = chain.points()
        self.assertEqual((points[0], points[1], points[-1], len(points)),
                         (0, 100, 3000, 31))
        names = [f.name for f in nf_schema.FAMILIES]
        self.assertEqual(len(names), len(set(names)))
        self.assertEqual(nf_schema.CHAINS, ("Chain", "ChainIptNft", "ChainNft"))
        self.assertEqual(nf_schema.SHAPES, ("Shape", "ShapeIptNft", "ShapeNft"))
        for kind in (nf_schema.CHAINS, nf_schema.SHAPES):
            backends = [nf_schema.FAMILY[f].backend for f in kind]
            self.assertEqual(backends, ["legacy", "iptables-nft", "nft"])
        for name in nf_schema.CHAINS:
            family = nf_schema.FAMILY[name]
            self.assertEqual(family.points(), points, name)
            self.assertEqual((family.callbacks, family.shaped), ((), False))
        for name in nf_schema.SHAPES:
            family = nf_schema.FAMILY[name]
            self.assertEqual(family.points(), (0, 1000, 2000, 3000), name)
            self.assertEqual(family.callbacks, (0, 1, 2, 3), name)
            self.assertTrue(family.shaped, name)
        self.assertEqual(chain.backend, nf_schema.LEGACY)
        self.assertEqual(nf_schema.FAMILY["ChainNft"].title, "ChainNft (nft)")

    def test_first_difference_names_quantity_and_field(self):
        want = nf_schema.declared()["quantities"]
        got = json.loads(json.dumps(want))
        got[1]["high"] = 2e9
        self.assertEqual(first_difference("quantities", got, want),
                         "quantities[1] (hook_ns): 'high' is 2000000000.0 in "
                         "nf_bench, 1000000000.0 in nf_schema")
        got = json.loads(json.dumps(want))
        got[0]["positive"] = 0
        self.assertIn("(bits_per_s): 'positive' is 0",
                      first_difference("quantities", got, want))
        self.assertEqual(first_difference("quantities", want[:-1], want),
                         "quantities: only nf_schema has "
                         "['cpu_busy_at_start']")
        self.assertEqual(first_difference("quantities",
                                          want + [{"name": "x"}], want),
                         "quantities: only nf_bench has ['x']")


if __name__ == "__main__":
    unittest.main()
