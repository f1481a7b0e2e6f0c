"""benchmarks/schema.json is what nf_bench declares, and what the tools
read (tools/schema.py loads it).

What they check:
  * `$NF_BENCH --print_schema` (no root needed) prints exactly the text of
    the committed benchmarks/schema.json; a difference names the first line
    that differs and how to write the file anew; its schema_version is the
    one nfbench.schema read;
  * its "probes" is a non-empty list of {"name", "needs"} with unique names;
  * the file holds schema_version, quantities, workloads, backends,
    families and probes, each entry with its fields in order; every rate is
    a row counter of its workload's rows; every backend is compared with a
    chain backend (the nft sets with nft, ipset with legacy);
  * without the binary: nfbench.schema's table is consistent (unique names,
    low <= high, worse in -1/0/+1, known where and aggregation values, the
    kAvgIterations counters, Google Benchmark's times not declared, known
    row tags, context entries in no rows) and its families are nf_bench's:
    the Chain families (0, 100, ..., 3000, one per backend: Chain legacy,
    ChainIptNft iptables-nft, ChainNft nft), the shape families (args
    callbacks and rules, callbacks 0..3, rules 0..3000 step 1000), the
    remedies (x = blocked, to 3000, the set lookups to 100 000), the
    traffic profiles (legacy and nft, rules 0/1000/3000) and the install
    families; carries() gives each family's counters as the rows tags say
    (install rows: rules and the times only); rules_family() names the
    per-address Chain family of each; PACED_DATAGRAMS_PER_S is schema.h's
    kPacedDatagramsPerS (the UdpPaced families' datagrams_per_s).

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
from nfbench import schema  # noqa: E402

TIMEOUT_S = 60


def first_changed_line(printed, committed):
    """None when the texts are equal, else where they first differ."""
    if printed == committed:
        return None
    ours, theirs = printed.splitlines(), committed.splitlines()
    for i, (got, want) in enumerate(zip(ours, theirs)):
        if got != want:
            return f"line {i + 1}: nf_bench prints {got.strip()!r}, the " \
                f"file has {want.strip()!r}"
    return f"nf_bench prints {len(ours)} lines, the file {len(theirs)}"


class PrintedSchema(unittest.TestCase):
    """What `$NF_BENCH --print_schema` prints."""

    printed = None
    text = None

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
                PrintedSchema.text = proc.stdout
            except json.JSONDecodeError as e:
                self.fail(f"{binary} --print_schema: not JSON ({e}): "
                          f"{proc.stdout[:300]!r}")
        self.assertIsInstance(PrintedSchema.printed, dict)
        return PrintedSchema.printed

    def test_printed_is_the_committed_file(self):
        printed = self.schema()
        with open(schema.SCHEMA_FILE) as f:
            committed = f.read()
        diff = first_changed_line(PrintedSchema.text, committed)
        if diff:
            self.fail(f"benchmarks/schema.json is not what nf_bench prints "
                      f"({diff}): after changing schema.h, run "
                      "build/nf_bench --print_schema > benchmarks/schema.json")
        self.assertEqual(printed["schema_version"], schema.SCHEMA_VERSION)

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
    """nfbench.schema on its own, no binary."""

    def test_quantities_are_consistent(self):
        names = [q.name for q in schema.QUANTITIES]
        self.assertEqual(len(names), len(set(names)), names)
        for q in schema.QUANTITIES:
            self.assertLessEqual(q.low, q.high, q.name)
            self.assertIn(q.worse, (-1, 0, 1), q.name)
            self.assertIn(q.where, ("row", "context"), q.name)
            self.assertIn(q.aggregation, schema.AGGREGATIONS, q.name)
            self.assertEqual(q.where == "context",
                             q.aggregation == "context", q.name)
            self.assertLessEqual(set(q.rows), set(schema.ROW_TAGS), q.name)
            self.assertEqual(q.where == "context", not q.rows, q.name)
            if q.where == "context":
                self.assertEqual(q.worse, 0, q.name)  # never gated
        avg = {q.name for q in schema.QUANTITIES
               if q.aggregation == "avg_iterations"}
        self.assertEqual(avg, {"hook_calls", "hook_unpaired",
                               "datagrams_sent"})
        self.assertEqual(schema.TIME_METRICS, ("real_time_s", "cpu_time_s"))
        self.assertIn("rules", schema.COUNTERS)
        extra = schema.QUANTITY["extra_rules"]
        self.assertEqual((extra.where, extra.unit, extra.low, extra.high,
                          extra.integer), ("context", "rules", 0, 60000, True))
        self.assertEqual(schema.ALL_FLAGS, ("--table_time",))

    def test_the_file_holds_every_table(self):
        with open(schema.SCHEMA_FILE) as f:
            declared = json.load(f)
        self.assertEqual(list(declared), ["schema_version", "quantities",
                                          "workloads", "backends",
                                          "families", "probes"])
        for q in declared["quantities"]:
            self.assertEqual(list(q), ["name", "where", "unit", "worse",
                                       "aggregation", "low", "high",
                                       "positive", "integer", "when", "rows"])
        for f in declared["families"]:
            self.assertEqual(list(f), ["name", "backend", "workload",
                                       "remedy", "args", "leads", "points",
                                       "datagrams_per_s"])
            self.assertIn(f["backend"], schema.BACKEND, f["name"])
        names = [q["name"] for q in declared["quantities"]]
        self.assertEqual(names[names.index("observers"):][:4],
                         ["observers", "install_ms", "callbacks", "table_ns"])
        when = {q["name"]: q["when"] for q in declared["quantities"]}
        self.assertEqual({k: v for k, v in when.items() if v},
                         {"table_ns": "--table_time"})
        rows = {q["name"]: q["rows"] for q in declared["quantities"]}
        self.assertEqual(rows["rules"], list(schema.ROW_TAGS))
        self.assertEqual(rows["blocked"], ["remedy"])
        # (a workload added later may carry them too)
        self.assertEqual(rows["bits_per_s"][:4], ["tcp_bulk", "tcp_streams",
                                                  "udp_max", "udp_paced"])
        self.assertEqual(rows["connections_per_s"][:1], ["conn_rate"])
        self.assertNotIn("install", rows["bits_per_s"])
        self.assertEqual(rows["duration_s"], [])

    def test_workloads_and_backends(self):
        # in the enum's order; one added later comes after them
        self.assertEqual(schema.WORKLOADS[:7], (
            "tcp_bulk", "tcp_streams", "udp_max", "udp_paced", "conn_rate",
            "install", "install_loop"))
        # Each rate is a row counter its workload's rows carry.
        for workload, rate in schema.RATE.items():
            self.assertIn(workload, schema.QUANTITY[rate].rows, workload)
        self.assertEqual(schema.INSTALL_WORKLOADS,
                         ("install", "install_loop"))
        self.assertEqual(schema.PACED_DATAGRAMS_PER_S, 20000)
        chains = {schema.FAMILY[c].backend for c in schema.CHAINS}
        for name, backend in schema.BACKEND.items():
            self.assertIn(backend["compared_with"], chains, name)
            self.assertIn(backend["hook_type"], (0, 1), name)
        self.assertEqual(schema.BACKEND["nft-set"]["compared_with"], "nft")
        self.assertEqual(schema.BACKEND["ipset"]["compared_with"], "legacy")

    def test_chain_and_shape_sweeps(self):
        chain = schema.FAMILY["Chain"]
        self.assertIs(chain, schema.CHAIN)
        points = chain.points
        self.assertEqual((points[0], points[1], points[-1], len(points)),
                         (0, 100, 3000, 31))
        names = [f.name for f in schema.FAMILIES]
        self.assertEqual(len(names), len(set(names)))
        self.assertEqual(schema.CHAINS, ("Chain", "ChainIptNft", "ChainNft"))
        self.assertEqual(schema.SHAPES, ("Shape", "ShapeIptNft", "ShapeNft"))
        for kind in (schema.CHAINS, schema.SHAPES):
            backends = [schema.FAMILY[f].backend for f in kind]
            self.assertEqual(backends, ["legacy", "iptables-nft", "nft"])
        for name in schema.CHAINS:
            family = schema.FAMILY[name]
            self.assertEqual(family.points, points, name)
            self.assertEqual((family.leads, family.lead, family.shaped,
                              family.x, family.workload),
                             ((), None, False, "rules", "tcp_bulk"))
        for name in schema.SHAPES:
            family = schema.FAMILY[name]
            self.assertEqual(family.points, (0, 1000, 2000, 3000), name)
            self.assertEqual(family.leads, (0, 1, 2, 3), name)
            self.assertEqual(family.args, ("callbacks", "rules"), name)
            self.assertTrue(family.shaped, name)
        self.assertEqual(chain.backend, schema.LEGACY)
        self.assertEqual(schema.FAMILY["ChainNft"].title, "ChainNft (nft)")

    def test_new_families(self):
        family = schema.FAMILY
        self.assertEqual(schema.REMEDIES, (
            "RemedyPrefix", "RemedyConntrack", "RemedyIpset", "RemedyNftSet",
            "RemedyNftInterval"))
        sets = {"RemedyIpset", "RemedyNftSet", "RemedyNftInterval"}
        for name in schema.REMEDIES:
            f = family[name]
            self.assertEqual((f.x, f.lead, f.remedy, f.workload),
                             ("blocked", None, True, "tcp_bulk"), name)
            self.assertEqual(f.points[-1], 100000 if name in sets else 3000)
            self.assertEqual(schema.is_set_remedy(f), name in sets)
            self.assertEqual(schema.rules_family(f).name,
                             "ChainNft" if f.backend.startswith("nft")
                             else "Chain", name)
        self.assertEqual(schema.PROFILES[:8], (
            "Udp", "UdpNft", "UdpPaced", "UdpPacedNft", "ConnRate",
            "ConnRateNft", "Streams", "StreamsNft"))
        for name in schema.PROFILES:
            f = family[name]
            self.assertEqual(f.points, (0, 1000, 3000), name)
            self.assertEqual(schema.rules_family(f).backend, f.backend)
        self.assertEqual(family["Udp"].leads, (64, 512, 1400))
        self.assertEqual(family["UdpPacedNft"].lead, "payload_bytes")
        self.assertEqual(family["StreamsNft"].args, ("streams", "rules"))
        self.assertEqual(family["ConnRate"].args, ("rules",))
        self.assertEqual(schema.INSTALLS, ("Install", "InstallIptNft",
                                              "InstallNft", "InstallLoop"))
        self.assertEqual(family["InstallNft"].points,
                         (1000, 3000, 10000, 30000))
        self.assertEqual(family["InstallLoop"].points, (100, 500, 1000, 2000))

    def test_carries(self):
        carried = schema.carried
        self.assertEqual(carried("Install"), ("rules", "real_time_s",
                                              "cpu_time_s"))
        self.assertEqual(carried("InstallLoop"), carried("Install"))
        self.assertIn("blocked", carried("RemedyIpset"))
        self.assertIn("bits_per_s", carried("RemedyIpset"))
        self.assertNotIn("blocked", carried("Chain"))
        self.assertNotIn("bits_per_s", carried("ConnRate"))
        self.assertIn("hook_calls_per_connection", carried("ConnRateNft"))
        self.assertIn("loss_fraction", carried("UdpPaced"))
        self.assertNotIn("loss_fraction", carried("Streams"))
        self.assertIn("streams", carried("Streams"))
        self.assertTrue(schema.carries("table_ns", "Chain",
                                          ("--table_time",)))
        self.assertFalse(schema.carries("table_ns", "Chain"))
        self.assertFalse(schema.carries("duration_s", "Chain"))
        self.assertEqual(schema.measures("Udp"),
                         ("hook_ns", "packets_per_s"))
        self.assertEqual(schema.measures("ConnRate"),
                         ("hook_ns", "connections_per_s"))
        self.assertEqual(schema.measures("Chain"),
                         ("hook_ns", "bits_per_s"))
        self.assertEqual(schema.measures("InstallLoop"), ("real_time_s",))


if __name__ == "__main__":
    unittest.main()
