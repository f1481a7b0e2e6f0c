"""Tests for tools/report.py: the fits, the report's numbers, bad input.

What they check:
  * fit_line recovers slope and intercept of hook_ns = 150 + 4.3*N with small
    deterministic noise, within 1%;
  * fit_inverse recovers c and d of bits_per_s = 1/(c + d*N) within 1%, and
    half_point gives c/d; data_half_point finds the crossing in the data;
  * the report of a small synthetic Google Benchmark file (3 repetitions, one
    failed run, aggregates) has every section and the numbers computed
    from that data, formatted as the report formats them;
  * bad input exits 2 with one `report: ...` line on stderr and nothing on
    stdout, never a traceback: not JSON, JSON without Chain results, a
    missing file, NaN/inf counters, hook_ns = 0 or 1e308, bits_per_s = 0, an
    impossible rule count, JSON nested 100 000 deep;
  * a "Warnings" section, only when needed, names the observed points with
    their labels (their hook_ns includes the observer's cost) and quotes a
    busy machine's load context; results/reference.json has none;
  * an inverse fit with c <= 0 gives no negative throughput or half point;
  * a file of the three backend families (synthetic: legacy 4, nft 6,
    iptables-nft 16 ns per rule) has a Backends section whose ns per rule,
    ratios to legacy (of b and of hook_ns at the largest common N, within
    1%) and install_ms at the largest N are those of the data, says which
    family `iptables` gives on an (nf_tables) or (legacy) host and quotes
    host_iptables; then each family's sections; no ratios without legacy;
    a family that cannot be fitted is named in the refusal;
  * rule shapes (synthetic Shape/ShapeIptNft/ShapeNft with known ns per
    rule at k = 0..3): the Rule shapes section gives b at each k, the cost
    per added callback (within 1%), the k = 0→1 step apart, and says the
    lab's picture holds; with one dear step or a falling one it says what
    the data show instead; a file of shapes only gets a report of them; a
    Chain-only file (and results/reference.json) has neither new section;
  * with table_ns: "The table's own time" gives table_ns, hook_ns and the
    table's share at the fewest and most rules, and quotes table_self_ns;
  * remedies (fake_runs' known hook_ns per blocked address): "Remedies"
    gives each one's hook time and throughput at N = 3,000 and at its
    largest N, the speed-up over the per-address rules it replaces and
    over legacy Chain at 3,000 (within 1%), none beyond the rules' sweep,
    the set lookups' growth from 0 to 100,000; the advice quotes those
    measured numbers; without Chain results it says so; a Chain-only file
    (results/reference.json too) keeps every old section, has no new one
    and its advice computes no saving but names the command to measure
    the remedies;
  * traffic profiles (fake_runs.profile_model): "Traffic profiles" gives
    per profile, lead and rule count the rate, loss, hook time per walk
    and per connection, the chain's CPU share, the rate lost and TCP
    bulk's at the same N with the ratio (within 1%); a Chain point not in
    the run is said so; failed points are counted; a profiles-only file
    gets a report of them;
  * install cost: the linear fits of one commit and the loop's quadratic
    fit recover fake_runs' costs within 1%, the ms at 3,000 and 30,000 are
    the medians, the loop's Chain sweep is the sum of the fit over
    N = 100..3000 (within 1%); too few points say so.

Run from this folder (no root needed):
    /usr/bin/python3 -m unittest -v test_report
"""

import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import unittest

import fake_runs
from nfbench import report  # noqa: E402
from nfbench import fmt, model  # noqa: E402
from nfbench import stats  # noqa: E402
from nfbench import load, schema  # noqa: E402

REPORT = os.path.join(fake_runs.TOOLS, "report.py")

RULES = list(fake_runs.SWEEP[:11])  # 0 to 1000
REPS = 3
DURATION_S = 2.0
A_NS, B_NS = 150.0, 4.3            # hook_ns = A + B*N
C_S, D_S = 1 / 20e9, 1 / 20e9 / 800  # bits_per_s = 1/(C + D*N): halves at 800
CALLS_PER_S = 50_000.0
BYTES_PER_CALL = 46_000.0


def noise(i, scale):
    """Small deterministic noise, zero-mean-ish, |noise| <= scale."""
    return scale * math.sin(1.7 * i + 0.3)


def hook_ns(n, rep):
    return A_NS + B_NS * n + noise(n // 100 * 3 + rep, 2.0)


def bits_per_s(n, rep):
    return 1.0 / (C_S + D_S * n) * (1 + noise(n // 100 * 3 + rep, 0.002))


def values(n, rep):
    """The counters of Chain/<n>, repetition rep."""
    return {"real_time": DURATION_S * 1000 + 1.5, "cpu_time": 1900.0,
            "bits_per_s": bits_per_s(n, rep),
            "bytes_per_call": BYTES_PER_CALL,
            "hook_calls": CALLS_PER_S * DURATION_S - 10 * n + rep,
            "hook_ns": hook_ns(n, rep), "hook_p50_ns": hook_ns(n, rep) * 0.95,
            "hook_p99_ns": hook_ns(n, rep) * 2.0}


def synthetic_gbench(path, rules=RULES, failed_rules=500):
    """A Google Benchmark JSON file shaped like nf_bench's: iterations with
    user counters, one failed run, aggregates, and context."""
    data = fake_runs.doc(
        rules=rules, reps=REPS, values=values, fail=((failed_rules, 1),),
        date="2026-01-02T03:04:05+00:00", host_name="testhost", num_cpus=4,
        mhz_per_cpu=3000, kernel="6.1.0-test", probe="fentry",
        probe_self_ns="42.5", probe_self_method="empty filter table",
        duration_s=str(int(DURATION_S)))
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f)


class FitTest(unittest.TestCase):
    def test_line_recovers_slope_and_intercept(self):
        xs = RULES * REPS
        ys = [hook_ns(n, rep) for rep in range(REPS) for n in RULES]
        intercept, slope, r2 = stats.fit_line(xs, ys)
        self.assertAlmostEqual(slope, B_NS, delta=0.01 * B_NS)
        self.assertAlmostEqual(intercept, A_NS, delta=0.01 * A_NS)
        self.assertGreater(r2, 0.999)

    def test_line_exact(self):
        intercept, slope, r2 = stats.fit_line([0, 1, 2], [1, 3, 5])
        self.assertAlmostEqual(intercept, 1.0)
        self.assertAlmostEqual(slope, 2.0)
        self.assertAlmostEqual(r2, 1.0)

    def test_line_needs_two_distinct_xs(self):
        with self.assertRaises(ValueError):
            stats.fit_line([1], [2])
        with self.assertRaises(ValueError):
            stats.fit_line([1, 1], [2, 3])

    def test_inverse_recovers_c_d_and_half_point(self):
        xs = RULES
        ys = [bits_per_s(n, 0) for n in RULES]
        c, d, r2 = stats.fit_inverse(xs, ys)
        self.assertAlmostEqual(c, C_S, delta=0.01 * C_S)
        self.assertAlmostEqual(d, D_S, delta=0.01 * D_S)
        self.assertGreater(r2, 0.99)
        self.assertAlmostEqual(stats.half_point(c, d), C_S / D_S,
                               delta=0.01 * C_S / D_S)

    def test_inverse_rejects_non_positive(self):
        with self.assertRaises(ValueError):
            stats.fit_inverse([0, 1], [1.0, 0.0])

    def test_half_point_none_when_not_falling(self):
        self.assertIsNone(stats.half_point(1.0, 0.0))
        self.assertIsNone(stats.half_point(1.0, -1e-3))

    def test_data_half_point(self):
        # 100 at 0, 60 at 10, 40 at 20: crosses 50 halfway from 10 to 20.
        self.assertAlmostEqual(
            stats.data_half_point([0, 10, 20], [100, 60, 40]), 15.0)
        self.assertIsNone(stats.data_half_point([0, 10], [100, 60]))

    def test_cpu_fraction(self):
        self.assertAlmostEqual(model.cpu_fraction(50_000, 10_000), 0.5)


class ReportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.input = os.path.join(cls.tmp.name, "chain.json")
        synthetic_gbench(cls.input)
        cls.output = os.path.join(cls.tmp.name, "chain.md")
        proc = subprocess.run(
            [sys.executable, REPORT, cls.input, "-o", cls.output],
            capture_output=True, text=True, timeout=60)
        cls.proc = proc
        with open(cls.output, encoding="utf-8") as f:
            cls.text = f.read()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def median(self, n, key):
        """Median over the repetitions that did not fail (500/rep 1 did)."""
        values = [{"hook_ns": hook_ns, "bits_per_s": bits_per_s}[key](n, rep)
                  for rep in range(REPS) if not (n == 500 and rep == 1)]
        return statistics.median(values)

    def test_cli_writes_file_and_prints_path(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        self.assertEqual(self.proc.stdout.strip(), self.output)
        self.assertEqual(self.proc.stderr, "")

    def test_stdout_without_output(self):
        proc = subprocess.run([sys.executable, REPORT, self.input],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout, self.text)

    def test_sections(self):
        for heading in ("## Run", "## Hook time vs rules", "## Throughput",
                        "## Cost in CPU",
                        "## Why TCP bulk hides part of the cost",
                        "## What to do about it"):
            self.assertIn(heading, self.text)

    def test_run_section(self):
        for fragment in ("6.1.0-test", "fentry", "42.5 ns",
                         "empty filter table", "legacy (libiptc)", "3.12",
                         "Duration of one run: 2 s", "3 repetitions each",
                         "CPUs: 4", "2026-01-02T03:04:05+00:00",
                         "Failed runs left out: 1", "500 (2 of 3)"):
            self.assertIn(fragment, self.text)

    def test_hook_fit_numbers(self):
        hy = [self.median(n, "hook_ns") for n in RULES]
        a, b, r2 = stats.fit_line(RULES, hy)
        self.assertAlmostEqual(b, B_NS, delta=0.01 * B_NS)
        self.assertIn(f"b = {fmt.fmt_sig(b)} ns per rule", self.text)
        self.assertIn(f"a = {fmt.fmt_ns(a)}", self.text)
        self.assertIn(f"R² = {fmt.fmt_r2(r2)}", self.text)
        self.assertIn(f"1000 rules add {fmt.fmt_ns(b * 1000)}", self.text)

    def test_throughput_numbers(self):
        ty = [self.median(n, "bits_per_s") for n in RULES]
        drop = (ty[0] - ty[-1]) / ty[0]
        # By hand: 1/(C + D*1000) vs 1/C is a drop of 1000/1800 = 55.6%.
        self.assertAlmostEqual(drop, 1000 / 1800, delta=0.005)
        self.assertIn(f"(−{fmt.fmt_pct(drop)})", self.text)
        self.assertIn(fmt.fmt_gbps(ty[0]), self.text)
        c, d, _ = stats.fit_inverse(RULES, ty)
        self.assertIn(f"c = {fmt.fmt_sig(c * 1e12)} ps per bit", self.text)
        # Half reached inside the data (at ~800): measured, not extrapolated.
        n_half = stats.data_half_point(RULES, ty)
        self.assertAlmostEqual(n_half, 800, delta=10)
        self.assertIn(f"N = {fmt.fmt_rules(n_half)} rules", self.text)
        self.assertNotIn("xtrapolated", self.text)

    def test_cpu_numbers(self):
        n = RULES[-1]
        calls = statistics.median(CALLS_PER_S * DURATION_S - 10 * n + rep
                                  for rep in range(REPS))
        share = calls / DURATION_S * self.median(n, "hook_ns") * 1e-9
        self.assertIn(fmt.fmt_pct(share), self.text)
        self.assertIn(fmt.fmt_rate(calls / DURATION_S), self.text)

    def test_bulk_numbers(self):
        self.assertIn(f"~{fmt.fmt_sig(BYTES_PER_CALL / 1448)} packets",
                      self.text)
        per_mpps = self.median(RULES[-1], "hook_ns") * 1e6 * 1e-9
        self.assertIn(f"1 Mpps would cost {fmt.fmt_sig(per_mpps)} CPUs",
                      self.text)

    def test_advice(self):
        for fragment in ("--match-set", "nft set", "ESTABLISHED,RELATED",
                         "user chain", "/16"):
            self.assertIn(fragment, self.text)

    def test_rule_counts_are_the_rules_counter(self):
        """--extra_rules=500: the x of the fits is the real chain length."""
        path = os.path.join(self.tmp.name, "extra.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(fake_runs.doc(extra_rules=500), f)
        proc = subprocess.run([sys.executable, REPORT, path],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("Rule counts: 500 to 800 (4 points)", proc.stdout)
        self.assertIn("b = 4.00 ns per rule", proc.stdout)

    def test_extrapolated_half_point(self):
        """Data that never halves: the half point comes from the fit."""
        path = os.path.join(self.tmp.name, "short.json")
        synthetic_gbench(path, rules=RULES[:5])  # 0 to 400
        proc = subprocess.run([sys.executable, REPORT, path],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("Extrapolated", proc.stdout)
        self.assertIn("N½ = c/d ≈ 800 rules", proc.stdout)


class BadInputTest(unittest.TestCase):
    def run_report(self, path):
        proc = subprocess.run([sys.executable, REPORT, path],
                              capture_output=True, text=True, timeout=60)
        return fake_runs.refusal(self, proc.returncode, proc.stdout,
                                 proc.stderr, "report")

    def test_not_json(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            f.write("this is not json\n")
            f.flush()
            self.assertIn("not JSON", self.run_report(f.name))

    def test_no_chain_results(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            json.dump({"context": {}, "benchmarks": [
                {"name": "Other/1", "run_type": "iteration",
                 "real_time": 1.0, "time_unit": "ns"}]}, f)
            f.flush()
            self.assertIn("no results of an nf_bench family",
                          self.run_report(f.name))

    def test_missing_file(self):
        self.assertIn("cannot read",
                      self.run_report("/nonexistent/nf_bench/chain.json"))

    def test_one_rule_count_cannot_be_fitted(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            json.dump({"benchmarks": [
                {"name": "Chain/0/manual_time", "run_type": "iteration",
                 "real_time": 2000.0, "time_unit": "ms", "hook_ns": 100.0,
                 "bits_per_s": 1e10, "rules": 0.0}]}, f)
            f.flush()
            self.assertIn("two rule counts", self.run_report(f.name))

    def write_doc(self, doc, text=None):
        f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        self.addCleanup(os.unlink, f.name)
        with f:
            f.write(text if text is not None else json.dumps(doc))
        return f.name

    def test_non_finite_counters(self):
        for value in (math.nan, math.inf, -math.inf):
            doc = fake_runs.doc()
            doc["benchmarks"][8]["hook_ns"] = value  # Chain/100, rep 1
            line = self.run_report(self.write_doc(doc))
            for word in ("Chain/100/manual_time", "hook_ns",
                         "not a finite number"):
                self.assertIn(word, line)

    def test_impossible_counters(self):
        for key, value in (("hook_ns", 0.0), ("hook_ns", 1e308),
                           ("hook_ns", -3.0), ("bits_per_s", 0.0),
                           ("rules", -100.0), ("rules", 1e20)):
            doc = fake_runs.doc()
            doc["benchmarks"][0][key] = value
            line = self.run_report(self.write_doc(doc))
            for word in ("Chain/0/manual_time", key, "outside"):
                self.assertIn(word, line)

    def test_two_points_with_one_rule_count(self):
        doc = fake_runs.doc()
        name = "Chain/99999999999999999999/manual_time"
        doc["benchmarks"][0].update(name=name, run_name=name)
        self.assertIn("both have rules = 0",
                      self.run_report(self.write_doc(doc)))

    def test_row_without_rules_counter(self):
        doc = fake_runs.doc()
        del fake_runs.rows_of(doc, 200)[0]["rules"]
        self.assertIn("Chain/200/manual_time: no rules counter",
                      self.run_report(self.write_doc(doc)))

    def test_impossible_duration(self):
        # Found by test_fuzz: round() of 1.8e308 overflowed.
        line = self.run_report(self.write_doc(fake_runs.doc(
            duration_s="1.7976931348623157e308")))
        self.assertIn("context: duration_s", line)

    def test_round_sig_never_overflows(self):
        self.assertEqual(fmt.round_sig(1.7976931348623157e308, 2),
                         1.7976931348623157e308)

    def test_deeply_nested(self):
        self.assertIn("nested too deep",
                      self.run_report(self.write_doc(None, "[" * 100000)))


class ReportRun:
    """report.py run on a document as a user runs it: exit 0, nothing on
    stderr; its Markdown, and one section of it."""

    @staticmethod
    def report_text(doc):
        """build_report of a document, in process (no exit checks)."""
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "run.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(doc, f)
            return report.build_report(load.load(path))

    def run_report(self, doc):
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            json.dump(doc, f)
            f.flush()
            proc = subprocess.run([sys.executable, REPORT, f.name],
                                  capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stderr, "")
        return proc.stdout

    def section_titled(self, text, title):
        self.assertIn(f"\n## {title}\n", text)
        return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


class WarningsTest(ReportRun, unittest.TestCase):

    def section(self, text):
        """The Warnings section's text, or None."""
        if "## ⚠ Warnings" not in text:
            return None
        return text.split("## ⚠ Warnings", 1)[1].split("\n## ", 1)[0]

    def test_observed_points_warned(self):
        text = self.run_report(fake_runs.doc(observed=(100, 300),
                                              with_observers=True))
        warn = self.section(text)
        self.assertIsNotNone(warn, text)
        self.assertLess(text.index("## ⚠ Warnings"), text.index("## Run"))
        self.assertIn("hook_ns includes that observer's cost", warn)
        label = "observed: netfilter bpf prog 812 prio -2147483646"
        self.assertIn(f"N = 100: {label}", warn)
        self.assertIn(f"N = 300: {label}", warn)
        self.assertNotIn("N = 200", warn)
        self.assertNotIn("Busy", warn)

    def test_busy_machine_warned_with_values(self):
        for ctx, fragment in (
                ({"other_nf_bench": "1"}, "other_nf_bench = 1"),
                ({"cpu_busy_at_start": "0.25"}, "cpu_busy_at_start = 0.25"),
                ({"load_avg_1m": "2.0", "cpus": "2"},
                 "load_avg_1m = 2 with cpus = 2"),
                ({"load_avg_1m": "3.1"}, "load_avg_1m = 3.1 with cpus = 2")):
            warn = self.section(self.run_report(fake_runs.doc(**ctx)))
            self.assertIsNotNone(warn, ctx)
            self.assertIn("Busy machine at start", warn)
            self.assertIn(fragment, warn)

    def test_quiet_run_has_no_warnings(self):
        text = self.run_report(fake_runs.doc(
            with_observers=True, other_nf_bench="0", cpu_busy_at_start="0.2",
            load_avg_1m="1.9", cpus="2"))
        self.assertIsNone(self.section(text))

    def test_reference_has_no_warnings(self):
        proc = subprocess.run(
            [sys.executable, REPORT, fake_runs.REFERENCE],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIsNone(self.section(proc.stdout))
        self.assertIn("4.27 ns per rule", proc.stdout)

    def test_inverse_fit_without_positive_intercept(self):
        # 1/bits_per_s of 1e10, 1e10, 1e7 fits with c < 0: no 1/c to quote.
        doc = fake_runs.doc(rules=(0, 100, 200), reps=1)
        for b, v in zip(doc["benchmarks"], (1e10, 1e10, 1e7)):
            b["bits_per_s"] = v
        text = self.run_report(doc)
        self.assertIn("c ≤ 0", text)
        self.assertNotIn("fit's -", text)
        self.assertNotIn("c/d at -", text)


class BackendsTest(ReportRun, unittest.TestCase):
    def section(self, text):
        return self.section_titled(text, "Backends")

    def number(self, pattern, text):
        found = re.search(pattern, text)
        self.assertIsNotNone(found, f"{pattern!r} not in:\n{text}")
        return float(found.group(1).replace(",", ""))

    def test_three_backends(self):
        text = self.run_report(fake_runs.backends(rules=fake_runs.SWEEP))
        sec = self.section(text)
        n = fake_runs.SWEEP[-1]
        hook = {f: 133.0 + s * n for f, s in fake_runs.SLOPES.items()}
        for family, title in (("ChainIptNft", "ChainIptNft (iptables-nft)"),
                              ("ChainNft", "ChainNft (nft)")):
            slope = fake_runs.SLOPES[family] / fake_runs.SLOPES["Chain"]
            got = self.number(re.escape(title) + r": ([\d.]+)× the cost per "
                              "rule", sec)
            self.assertAlmostEqual(got, slope, delta=0.01 * slope)
            ratio = hook[family] / hook["Chain"]
            got = self.number(re.escape(title) + r": .*?, ([\d.]+)× the hook "
                              "time at N = 3,000", sec)
            self.assertAlmostEqual(got, ratio, delta=0.01 * ratio)
        for family, slope in fake_runs.SLOPES.items():
            row = re.search(rf"^\| {family} \|.*$", sec, re.M).group(0)
            cells = [c.strip() for c in row.strip("|").split("|")]
            self.assertAlmostEqual(float(cells[2]), slope, delta=0.01 * slope)
            self.assertEqual(cells[4], fmt.fmt_ns(hook[family]))
            install = 0.2 + fake_runs.INSTALL_MS_PER_RULE[family] * n + 0.01
            self.assertEqual(cells[5],
                             f"{fmt.fmt_sig(install)} ms at 3,000")
        self.assertIn("nft (libnftables 1.0.6)", sec)
        self.assertIn('says "(nf_tables)", `iptables` is iptables-nft: '
                      "ChainIptNft reproduces", sec)
        self.assertIn('says "(legacy)", `iptables` is iptables-legacy: '
                      "Chain reproduces", sec)
        self.assertIn('says "iptables v1.8.9 (nf_tables)", so `iptables` '
                      "there measures as ChainIptNft.", sec)
        for title in ("## Chain (legacy)", "## ChainIptNft (iptables-nft)",
                      "## ChainNft (nft)"):
            self.assertIn(title, text)
        self.assertEqual(text.count("### Hook time vs rules"), 3)
        self.assertIn("b = 16.0 ns per rule", text)
        self.assertIn("## What to do about it", text)

    def test_legacy_host_and_no_legacy_family(self):
        doc = fake_runs.backends(host_iptables="iptables v1.8.9 (legacy)",
                                 spectre_v2="Mitigation: Retpolines")
        sec = self.section(self.run_report(doc))
        self.assertIn("so `iptables` there measures as Chain.", sec)
        self.assertIn("- spectre_v2: Mitigation: Retpolines", sec)
        doc = fake_runs.backends(families=("ChainIptNft", "ChainNft"),
                                 host_iptables=None)
        sec = self.section(self.run_report(doc))
        self.assertNotIn("Against legacy", sec)
        self.assertNotIn('"(legacy)"', sec)
        self.assertIn("host_iptables not recorded", sec)

    def test_one_family_has_no_backends_section(self):
        text = self.run_report(fake_runs.doc(family="ChainNft"))
        self.assertNotIn("## Backends", text)
        self.assertIn("b = 4.00 ns per rule", text)

    def test_family_that_cannot_be_fitted_is_named(self):
        doc = fake_runs.backends(per_family={"ChainNft": {"rules": (0,)}})
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            json.dump(doc, f)
            f.flush()
            proc = subprocess.run([sys.executable, REPORT, f.name],
                                  capture_output=True, text=True, timeout=60)
        line = fake_runs.refusal(self, proc.returncode, proc.stdout,
                                 proc.stderr, "report")
        self.assertIn("ChainNft: ", line)
        self.assertIn("two rule counts", line)


class ShapesTest(ReportRun, unittest.TestCase):
    def report_of(self, doc):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "run.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(doc, f)
            return report.build_report(load.load(path))

    def cells(self, sec, family):
        row = re.search(rf"^\| {family} \|.*$", sec, re.M).group(0)
        return [c.strip() for c in row.strip("|").split("|")]

    def test_per_callback_cost_recovered(self):
        doc = fake_runs.merge(fake_runs.backends(rules=fake_runs.SWEEP),
                              fake_runs.shapes())
        text = self.report_of(doc)
        sec = self.section_titled(text, "Rule shapes")
        for family, slopes in fake_runs.SHAPE_SLOPES.items():
            cells = self.cells(sec, family)
            for k in range(4):
                self.assertAlmostEqual(float(cells[2 + k]), slopes[k],
                                       delta=0.01 * slopes[k])
            per_cb = fake_runs.SHAPE_CALLBACK_NS[family]
            self.assertAlmostEqual(float(cells[6]), per_cb,
                                   delta=0.01 * per_cb)
            self.assertEqual(cells[7], "1.000")
            self.assertEqual(cells[8], "+" + fmt.fmt_sig(
                slopes[1] - slopes[0]))
            title = schema.FAMILY[family].title
            self.assertIn(f"- {title}: the lab's picture holds: each extra "
                          "match is one more callback of roughly constant "
                          f"cost, about {fmt.fmt_sig(per_cb)} ns per "
                          "rule", sec)
        self.assertIn("(libnftables 1.0.6)", sec)
        # the Chain report is there, shapes kept out of it
        self.assertEqual(text.count("### Hook time vs rules"), 3)
        self.assertNotIn("## Shape (legacy)", text)
        self.assertLess(text.index("## Rule shapes"),
                        text.index("## What to do about it"))

    def test_picture_does_not_hold(self):
        doc = fake_runs.shapes(slopes={"ShapeNft": (4.0, 6.0, 6.5, 12.0),
                                       "Shape": (4.0, 8.0, 7.0, 9.0)})
        sec = self.section_titled(self.report_of(doc), "Rule shapes")
        self.assertIn("- ShapeNft (nft): the cost per callback is not "
                      "constant: the step k = 2→3 (5.50 ns per rule) is "
                      "11.0× the step k = 1→2 (0.500 ns); fit R² = 0.812, "
                      "below 0.9.", sec)
        self.assertIn("- Shape (legacy): the picture does not hold here: "
                      "going from k = 1 to k = 2 the cost per rule falls "
                      "(k = 1→2: −1.00, k = 2→3: +2.00 ns per rule", sec)
        self.assertIn("- ShapeIptNft (iptables-nft): the lab's picture "
                      "holds", sec)

    def test_too_few_shapes(self):
        doc = fake_runs.shapes(families=("Shape",), callbacks=(0, 1, 2))
        sec = self.section_titled(self.report_of(doc), "Rule shapes")
        self.assertIn("- Shape (legacy): too few shapes with a slope "
                      "(k = 0, 1, 2)", sec)

    def test_shapes_only(self):
        text = self.report_of(fake_runs.shapes(fail={("Shape", 3, 0)}))
        self.assertTrue(text.startswith("# nf_bench: what a rule's shape "
                                        "costs"), text[:100])
        self.assertIn("## Run", text)
        self.assertNotIn("Hook time vs rules", text)
        sec = self.section_titled(text, "Rule shapes")
        self.assertIn("Failed runs left out: 3.", sec)
        self.assertAlmostEqual(float(self.cells(sec, "Shape")[5]), 9.0,
                               delta=0.09)  # k = 3 from 3 rule counts

    def test_chain_only_has_no_new_sections(self):
        for text in (self.report_of(fake_runs.backends()),
                     self.report_of(fake_runs.doc()),
                     report.build_report(load.load(
                         fake_runs.REFERENCE))):
            self.assertNotIn("Rule shapes", text)
            self.assertNotIn("table's own time", text)

    def test_table_time(self):
        doc = fake_runs.merge(fake_runs.backends(table_outside_ns=60.0),
                              fake_runs.shapes(table_outside_ns=60.0))
        doc["context"]["table_self_ns"] = "78.8"
        sec = self.section_titled(self.report_of(doc), "The table's own time")
        for family, slope in fake_runs.SLOPES.items():
            hook = {0: 133.0, 300: 133.0 + slope * 300}
            rows = re.findall(rf"^\| {family} \|.*$", sec, re.M)
            self.assertEqual(len(rows), 2, sec)
            for row, n in zip(rows, (0, 300)):
                cells = [c.strip() for c in row.strip("|").split("|")]
                self.assertEqual(cells[1:], [
                    f"{n:,}", fmt.fmt_ns(hook[n] - 60.0),
                    fmt.fmt_ns(hook[n]), "60.0 ns",
                    fmt.fmt_pct((hook[n] - 60.0) / hook[n])])
        self.assertEqual(len(re.findall(r"^\| ShapeNft k = ", sec, re.M)), 5)
        self.assertIn("| ShapeNft k = 3 | 3,000 | 48.1 µs |", sec)
        self.assertIn("no table between its two probes (table_self_ns): "
                      "78.8 ns.", sec)
        sec = self.section_titled(self.report_of(fake_runs.doc(
            values=fake_runs.linear(4.0, table_outside_ns=50.0))),
            "The table's own time")
        self.assertIn("(table_self_ns): not recorded.", sec)


class RemediesTest(ReportRun, unittest.TestCase):
    """Remedies against per-address rules, from fake_runs' known costs."""

    @classmethod
    def setUpClass(cls):
        doc = fake_runs.merge(fake_runs.backends(rules=fake_runs.SWEEP),
                              fake_runs.remedies())
        cls.text = ReportRun.report_text(doc)
        cls.sec = cls.text.split("\n## Remedies\n", 1)[1].split("\n## ")[0]

    def cells(self, family, n):
        row = re.search(rf"^\| {family} \| [^|]+ \| {n:,} \|.*$", self.sec,
                        re.M)
        self.assertIsNotNone(row, f"{family} at {n}:\n{self.sec}")
        return [c.strip() for c in row.group(0).strip("|").split("|")]

    def chain_hook(self, family, n):
        """The median hook_ns of the Chain family's point (linear())."""
        return 133.0 + fake_runs.SLOPES[family] * n

    def test_hook_time_and_speed_up_at_3000(self):
        for family in schema.REMEDIES:
            hook = fake_runs.remedy_hook_ns(family, 3000)
            cells = self.cells(family, 3000)
            self.assertEqual(cells[3], fmt.fmt_ns(hook))
            self.assertEqual(cells[4], fmt.fmt_gbps(
                fake_runs.tcp_bits_per_s(hook)))
            refs = dict.fromkeys(
                (schema.rules_family(family).name, "Chain"))
            for ref in refs:
                want = self.chain_hook(ref, 3000) / hook
                got = re.search(rf"{ref}: ([\d.]+)× less hook time",
                                cells[5])
                self.assertIsNotNone(got, cells[5])
                self.assertAlmostEqual(float(got.group(1)), want,
                                       delta=0.01 * want)
            self.assertEqual(cells[5].count("less hook time"), len(refs))

    def test_no_speed_up_beyond_the_rules(self):
        for family in ("RemedyIpset", "RemedyNftSet", "RemedyNftInterval"):
            cells = self.cells(family, 100000)
            self.assertEqual(cells[3], fmt.fmt_ns(
                fake_runs.remedy_hook_ns(family, 100000)))
            self.assertNotIn("less hook time", cells[5])
            self.assertIn("not measured at this N (to 3,000 rules)",
                          cells[5])
        self.assertNotIn("RemedyPrefix | prefix | 100,000", self.sec)

    def test_set_growth(self):
        for family in ("RemedyIpset", "RemedyNftSet", "RemedyNftInterval"):
            lo = fake_runs.remedy_hook_ns(family, 0)
            hi = fake_runs.remedy_hook_ns(family, 100000)
            title = schema.FAMILY[family].title
            self.assertIn(f"- {title}: {fmt.fmt_ns(lo)} at 0, "
                          f"{fmt.fmt_ns(hi)} at 100,000: "
                          f"+{fmt.fmt_sig(hi - lo)} ns", self.sec)
        self.assertNotIn("- RemedyPrefix (prefix):", self.sec)

    def test_advice_quotes_the_measured_remedies(self):
        advice = self.text.split("\n## What to do about it\n", 1)[1]
        self.assertNotIn("saves about", advice)
        self.assertNotIn("--benchmark_filter", advice)
        for family in schema.REMEDIES:
            top = max(schema.FAMILY[family].points)
            hook = fmt.fmt_ns(fake_runs.remedy_hook_ns(family, top))
            self.assertIn(f"- {schema.FAMILY[family].title}: {hook} "
                          f"per hook call at {top:,} blocked addresses",
                          advice)
        ref = "ChainNft"
        want = (self.chain_hook(ref, 3000)
                / fake_runs.remedy_hook_ns("RemedyNftSet", 3000))
        got = re.search(r"RemedyNftSet \(nft-set\):.*?, ([\d.]+)× less hook "
                        r"time than 3,000 per-address rules \(ChainNft\)",
                        advice)
        self.assertAlmostEqual(float(got.group(1)), want, delta=0.01 * want)

    def test_without_chain_results(self):
        text = self.report_text(fake_runs.remedies(
            families=("RemedyNftSet",), fail={("RemedyNftSet", 500)}))
        self.assertTrue(text.startswith("# nf_bench: remedies ("), text[:80])
        sec = self.section_titled(text, "Remedies")
        self.assertIn("ChainNft: not in this run; Chain: not in this run",
                      sec)
        self.assertIn("Failed runs left out: 3.", sec)
        advice = self.section_titled(text, "What to do about it")
        self.assertIn("ChainNft was not measured at the same N.", advice)
        self.assertIn("Not measured in this run: RemedyPrefix, "
                      "RemedyConntrack, RemedyIpset, RemedyNftInterval; "
                      "`nf_bench --benchmark_filter=^Remedy` measures them.",
                      advice)

    def test_remedies_that_all_failed(self):
        text = self.report_text(fake_runs.merge(fake_runs.doc(),
                                                fake_runs.remedies(
            families=("RemedyIpset",), points=(0, 500),
            fail={("RemedyIpset", 0), ("RemedyIpset", 500)})))
        sec = self.section_titled(text, "Remedies")
        self.assertIn("No numbers to show: no run of RemedyIpset has "
                      "hook_ns.", sec)
        self.assertIn("Failed runs left out: 6.", sec)
        advice = self.section_titled(text, "What to do about it")
        self.assertIn("The remedies were not measured in this run "
                      "(RemedyIpset: no hook_ns, see Remedies): `nf_bench "
                      "--benchmark_filter=^Remedy` measures", advice)

    def test_chain_only_has_no_new_numbers(self):
        for text in (self.report_text(fake_runs.doc()),
                     self.report_text(fake_runs.backends()),
                     report.build_report(load.load(
                         fake_runs.REFERENCE))):
            for heading in ("## Run", "## Hook time vs rules",
                            "## Throughput", "## Cost in CPU",
                            "## Why TCP bulk hides part of the cost",
                            "## What to do about it"):
                self.assertIn(heading, text)
            for heading in ("## Remedies", "## Traffic profiles",
                            "## Install cost"):
                self.assertNotIn(heading, text)
            advice = text.split("\n## What to do about it\n", 1)[1]
            self.assertNotIn("saves about", advice)
            self.assertNotIn(" ns", advice)
            self.assertNotIn("µs", advice)
            self.assertIn("The remedies were not measured in this run: "
                          "`nf_bench --benchmark_filter=^Remedy` measures",
                          advice)


class ProfilesTest(ReportRun, unittest.TestCase):
    """Traffic profiles against TCP bulk, from fake_runs.profile_model."""

    @classmethod
    def setUpClass(cls):
        doc = fake_runs.merge(fake_runs.backends(rules=(0, 1000, 3000)),
                              fake_runs.profiles())
        cls.sec = ReportRun.report_text(doc).split(
            "\n## Traffic profiles\n", 1)[1].split("\n## ")[0]

    def row(self, sec, name, n):
        found = re.search(rf"^\| {re.escape(name)} \| {n:,} \|.*$", sec,
                          re.M)
        self.assertIsNotNone(found, f"{name} at {n}:\n{sec}")
        return [c.strip() for c in found.group(0).strip("|").split("|")]

    def name(self, family, lead):
        f = schema.FAMILY[family]
        what = {"payload_bytes": f", {lead}-byte datagrams",
                "streams": f", {lead} streams"}.get(f.lead, "")
        return f.title + what

    def bulk_lost(self, family, n):
        chain = schema.rules_family(family).name
        bps = [fake_runs.tcp_bits_per_s(133.0 + fake_runs.SLOPES[chain] * x)
               for x in (0, n)]
        return 1 - bps[1] / bps[0]

    def check_row(self, family, lead, n):
        model = fake_runs.profile_model(family, lead, n)
        base = fake_runs.profile_model(family, lead, 0)
        cells = self.row(self.sec, self.name(family, lead), n)
        self.assertEqual(cells[4], fmt.fmt_ns(model["hook_ns"]))
        rate = float(re.match(r"[\d.]+", cells[2]).group(0)) * (
            1e9 if "Gbit/s" in cells[2] else 1e3 if " k" in cells[2] else 1)
        self.assertAlmostEqual(rate, model["rate"], delta=0.01 * model["rate"])
        if "loss_fraction" in model:
            self.assertEqual(cells[3], fmt.fmt_pct(model["loss_fraction"]))
        else:
            self.assertEqual(cells[3], "—")
        per_conn = model["hook_ns"] * model.get(
            "hook_calls_per_connection", 0)
        self.assertEqual(cells[5], fmt.fmt_ns(per_conn) if per_conn
                         else "—")
        if n == 0:
            self.assertEqual(cells[6:], ["—"] * 4)
            return
        share = model["hook_cpu_share"] - base["hook_cpu_share"]
        lost = 1 - model["rate"] / base["rate"]
        self.assertEqual(cells[6], fmt.fmt_pct(share))
        bulk = self.bulk_lost(family, n)
        chain = schema.rules_family(family).name
        self.assertEqual(cells[8], f"{fmt.fmt_pct(bulk)} ({chain})")
        if schema.FAMILY[family].workload == "udp_paced":
            # It holds its rate: no rate lost to compare.
            self.assertEqual(cells[7], "none: paced")
            self.assertEqual(cells[9], "—")
            return
        self.assertEqual(cells[7], fmt.fmt_pct(lost))
        self.assertAlmostEqual(float(cells[9].rstrip("×")), lost / bulk,
                               delta=0.01 * lost / bulk)

    def test_every_profile_lead_and_rule_count(self):
        for family in schema.PROFILES:
            for lead in schema.FAMILY[family].leads or (None,):
                for n in (0, 1000, 3000):
                    with self.subTest(family=family, lead=lead, n=n):
                        self.check_row(family, lead, n)
        self.assertIn("fixed 20,000 datagrams/s", self.sec)

    def test_without_tcp_bulk(self):
        doc = fake_runs.merge(fake_runs.backends(families=("ChainNft",),
                                                 rules=(0, 1000)),
                              fake_runs.profiles(
                                  families=("ConnRate", "UdpNft"),
                                  fail={("UdpNft", 64, 1000)}))
        sec = self.section_titled(self.report_text(doc), "Traffic profiles")
        cells = self.row(sec, "ConnRate (legacy)", 1000)
        self.assertEqual(cells[8:], ["Chain at 1,000 not in this run", "—"])
        cells = self.row(sec, "UdpNft (nft), 512-byte datagrams", 3000)
        self.assertEqual(cells[8:], ["ChainNft at 3,000 not in this run",
                                     "—"])
        cells = self.row(sec, "UdpNft (nft), 512-byte datagrams", 1000)
        self.assertTrue(cells[8].endswith("(ChainNft)"), cells)
        self.assertNotIn("UdpNft (nft), 64-byte datagrams | 1,000", sec)
        self.assertIn("Failed runs left out: 3.", sec)

    def test_profiles_only(self):
        text = self.report_text(fake_runs.profiles(families=("Streams",)))
        self.assertTrue(text.startswith("# nf_bench: traffic profiles ("))
        self.assertIn("- iperf3: 3.12\n", text)
        self.assertIn("## What to do about it", text)
        self.assertNotIn("## Hook time vs rules", text)


class InstallTest(ReportRun, unittest.TestCase):
    """Install cost: the fits recover fake_runs' known costs."""

    def model(self, doc):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "run.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(doc, f)
            return model.install_model(load.load(path))

    def test_fits_recovered(self):
        models = self.model(fake_runs.installs())
        for family, (a, b) in fake_runs.INSTALL_MS.items():
            fa, fb, r2 = models[family].fit
            self.assertAlmostEqual(fa, a, delta=0.01 * a)
            self.assertAlmostEqual(fb, b, delta=0.01 * b)
        a, b, c, r2 = models["InstallLoop"].fit
        for got, want in zip((a, b, c), fake_runs.INSTALL_LOOP_MS):
            self.assertAlmostEqual(got, want, delta=0.01 * want)
        self.assertGreater(r2, 0.999)

    def test_section(self):
        sec = self.section_titled(self.report_text(fake_runs.installs()),
                                  "Install cost")
        for family, (a, b) in fake_runs.INSTALL_MS.items():
            row = re.search(rf"^\| {family} \|.*$", sec, re.M).group(0)
            cells = [c.strip() for c in row.strip("|").split("|")]
            got = re.match(r"a = ([\d.]+) ms, b = ([\d.]+) µs per rule",
                           cells[2])
            self.assertAlmostEqual(float(got.group(1)), a, delta=0.01 * a)
            self.assertAlmostEqual(float(got.group(2)), b * 1e3,
                                   delta=0.01 * b * 1e3)
            self.assertEqual(cells[4:], [
                f"{fmt.fmt_sig(fake_runs.install_ms(family, n))} ms"
                for n in (3000, 30000)])
        for n in schema.FAMILY["InstallLoop"].points:
            ms = fmt.fmt_sig(fake_runs.install_ms("InstallLoop", n))
            self.assertIn(f"| {n:,} | {ms} ms | {ms} ms |", sec)
        total = sum(fake_runs.install_ms("InstallLoop", n)
                    for n in fake_runs.SWEEP if n > 0) / 1e3
        got = re.search(r"From the fit, not measured: .* would take "
                        r"([\d.]+) s in all", sec)
        self.assertAlmostEqual(float(got.group(1)), total, delta=0.01 * total)
        self.assertIn("(N = 100 to 3,000, 30 points; 0 rules needs no "
                      "command)", sec)

    def test_too_few_points(self):
        doc = fake_runs.installs(families=("InstallLoop", "InstallNft"),
                                 points=(100, 500),
                                 fail={("InstallNft", 500)})
        sec = self.section_titled(self.report_text(doc), "Install cost")
        self.assertIn("Too few rule counts (fewer than three) for a "
                      "quadratic fit.", sec)
        self.assertIn("| InstallNft | nft | too few rule counts | n/a | "
                      "not measured | not measured |", sec)
        self.assertIn("Failed runs left out: 3.", sec)
        doc = fake_runs.merge(fake_runs.doc(), fake_runs.installs(
            families=("InstallNft",), points=(1000,),
            fail={("InstallNft", 1000)}))
        sec = self.section_titled(self.report_text(doc), "Install cost")
        self.assertIn("No numbers to show: no run of InstallNft has a "
                      "real_time.", sec)

    def test_fit_quadratic(self):
        a, b, c, r2 = stats.fit_quadratic([0, 1, 2, 3], [1, 3, 9, 19])
        for got, want in zip((a, b, c, r2), (1.0, 0.0, 2.0, 1.0)):
            self.assertAlmostEqual(got, want)
        with self.assertRaises(ValueError):
            stats.fit_quadratic([1, 2, 2], [1, 2, 3])

if __name__ == "__main__":
    unittest.main()
