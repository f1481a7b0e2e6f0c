"""Integration tests of the remedies: blocking the Chain's addresses without
a rule per address. Run the real binary as root on this kernel.

What they check:
  * every remedy measures at 0 and at its largest number of blocked
    addresses, each row with exactly the counters declared for it, `blocked`
    the argument and `rules` the rules the remedy puts in the chain;
  * the remedies' hook time at their largest N (the set lookups at 100 000
    addresses) stays within 2x of their first non-empty point (500), and
    within 2x of their 0-address time but for the interval set, while
    per-address rules at 3000 cost far more than 2x their empty chain. An
    nft interval set's lookup costs ~250 ns more as soon as it holds
    entries (results/remedies.md: 204 ns empty, 459 at 500 prefixes, 735
    at 100 000), then grows slowly; its empty set is a shortcut.
(That each set or chain holds its N entries in the kernel, read back with
ipset, nft and iptables-legacy-save, is integration.Fixtures.Remedy*.)

Run (as root), from this folder:
    NF_BENCH=/path/to/nf_bench /usr/bin/python3 -m unittest -v test_remedies
"""

import os
import unittest

if os.geteuid() != 0:
    raise unittest.SkipTest(
        "nf_bench integration tests need root (namespaces, iptables, BPF)")

from nf_bench_helpers import (
    NF_BENCH, declared_names, failed_benchmarks, families_where, family,
    row_counters, rows_by_point, run_nf_bench_json, skip_without)

# The most hook time a remedy may add at its largest N, over its own 0.
FLAT = 2.0
# Not flat from 0: its empty set skips the lookup (see above).
STEP_FROM_EMPTY = ("RemedyNftInterval",)


class RemediesTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        skip_without(NF_BENCH)
        cls.remedies = families_where(remedy=True)
        cls.largest = {name: max(family(name)["points"])
                       for name in cls.remedies}
        # Each one's first non-empty point (500).
        cls.first = {name: sorted(family(name)["points"])[1]
                     for name in cls.remedies}
        cls.report = None

    def rows(self):
        """{point: row} of one run of every remedy at 0 and its largest N,
        and the Chain at 0 and 3000; made by the first test that asks."""
        if type(self).report is None:
            points = "|".join(f"{name}/(0|{self.first[name]}|{n})"
                              for name, n in self.largest.items())
            type(self).report = run_nf_bench_json(
                self, f"--benchmark_filter=^(Chain/(0|3000)|{points})/",
                "--duration=1")
        self.assertEqual(failed_benchmarks(self.report), {})
        return rows_by_point(self.report)

    def test_every_remedy_measures_its_points(self):
        rows = self.rows()
        for name, n in self.largest.items():
            for blocked in (0, self.first[name], n):
                with self.subTest(point=f"{name}/{blocked}"):
                    row = rows[f"{name}/{blocked}"]
                    self.assertEqual(row_counters(row),
                                     declared_names("row", family_name=name))
                    self.assertEqual(row["blocked"], blocked)
                    self.assertLessEqual(row["rules"], blocked + 1)

    def test_remedies_stay_flat_where_rules_do_not(self):
        rows = self.rows()
        for name, n in self.largest.items():
            largest = rows[f"{name}/{n}"]["hook_ns"]
            with self.subTest(remedy=name, blocked=n):
                first = rows[f"{name}/{self.first[name]}"]["hook_ns"]
                self.assertLess(largest, FLAT * first)
                if name not in STEP_FROM_EMPTY:
                    self.assertLess(largest,
                                    FLAT * rows[f"{name}/0"]["hook_ns"])
        self.assertGreater(rows["Chain/3000"]["hook_ns"],
                           FLAT * rows["Chain/0"]["hook_ns"])
