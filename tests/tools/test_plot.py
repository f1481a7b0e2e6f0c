"""Tests of tools/plot.py: the figure it writes from Google Benchmark JSON,
and how it refuses bad input.

Refused with exit 2 and one `plot:` line, no files written: not Google
Benchmark JSON, not JSON, no Chain results, a missing file, no inputs,
benchmarks without counters (alone or among other inputs) or without the
rules counter, a rule count out of range or of two points, an inf counter,
JSON nested 100 000 deep. The x of a point is its rules counter (an
--extra_rules run is drawn at its real chain lengths).
Observed points are hollow markers in both panels, in the legend and the
caption, and the figure keeps exactly two panels. '$' in a label is text.
A file with the three backend families is one two-panel figure with three
series (colours, markers, fits of each family's ns per rule, legend
"ChainNft (nft) · kernel · probe"); a family whose runs all failed is named
"no results" in the legend.
Shape families (Shape/<k>/<rules>) stay out of that figure and get their
own, OUT_PREFIX-shapes.png/.svg: one line per backend of ns per rule at
each k (the synthetic slopes, within 1%), the cost per added callback in
the legend; a file of shapes only writes that figure alone, shapes with no
slope and nothing else are refused; a Chain-only file writes no shapes
figure.
Remedies, traffic profiles and install cost get a figure each when an
input has them (OUT_PREFIX-remedies, -profiles, -install; a file of every
family writes all five): the remedies' median hook_ns (log) and Gbit/s
against the blocked addresses (symlog x) with the per-address rules of
Chain and ChainNft beside them; each profile's hook time per walk and its
rate relative to 0 rules (the known model, within 1%), TCP bulk dashed;
the install time log-log with the fits in the legend (b of each commit,
c of the loop, within 1%); a Chain-only file writes none of them, an
install-only file only its figure, remedies without values are refused.

Run from this folder with Debian's Python (needs python3-matplotlib):
  /usr/bin/python3 -m unittest -v test_plot
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

import fake_runs
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from nfbench import plot  # noqa: E402

PLOT = os.path.join(fake_runs.TOOLS, "plot.py")
RULES = fake_runs.SHORT


def sweep(fail_at=None, aggregates_only=False, **ctx):
    """A Google Benchmark document shaped like nf_bench's --repetitions=3."""
    return fake_runs.doc(fail=(fail_at,) if fail_at else (),
                         aggregates_only=aggregates_only, **ctx)


class PlotTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="test_plot.")
        self.dir = self.tmp.name
        os.mkdir(os.path.join(self.dir, "out"))  # plot creates no folder

    def tearDown(self):
        plt.close("all")
        self.tmp.cleanup()

    def write(self, name, doc):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(doc if isinstance(doc, str) else json.dumps(doc, indent=2))
        return path

    def run_plot(self, *args):
        return subprocess.run([sys.executable, PLOT, *args], text=True,
                              capture_output=True, timeout=120)

    def assert_written(self, result, prefix):
        self.assertEqual(result.returncode, 0, result.stderr)
        paths = [prefix + ".png", prefix + ".svg"]
        self.assertEqual(result.stdout.split(), paths)
        for path in paths:
            self.assertTrue(os.path.isfile(path), path)
            self.assertGreater(os.path.getsize(path), 1000, path)
        with open(paths[1], encoding="utf-8") as f:
            return f.read()

    def assert_refused(self, result, *expected):
        line = fake_runs.refusal(self, result.returncode, result.stdout,
                                 result.stderr, "plot")
        for text in expected:
            self.assertIn(text, line)
        self.assertEqual(os.listdir(os.path.join(self.dir, "out")), [])

    # --- what it draws -------------------------------------------------

    def test_one_input_writes_png_and_svg_with_two_axes(self):
        path = self.write("sweep.json", sweep())
        prefix = os.path.join(self.dir, "out", "chain")
        svg = self.assert_written(self.run_plot(path, "-o", prefix), prefix)
        axes = re.findall(r'<g id="(axes_\d+)">', svg)
        self.assertEqual(axes, ["axes_1", "axes_2"])

    def test_build_figure_has_two_panels_sharing_rules(self):
        runs, labels = plot.load_runs([self.write("s.json", sweep())])
        fig = plot.build_figure(runs, labels)
        self.assertEqual(len(fig.axes), 2)
        top, bottom = fig.axes
        self.assertIn("Gbit/s", top.get_ylabel())
        self.assertIn("µs", bottom.get_ylabel())
        self.assertIn("Rules", bottom.get_xlabel())
        self.assertTrue(top.get_shared_x_axes().joined(top, bottom))
        texts = [t.get_text() for t in fig.texts]  # suptitle and caption
        self.assertTrue(any("iptables OUTPUT chain" in t for t in texts))

    def test_repetitions_plot_median_with_min_max_bars(self):
        runs, labels = plot.load_runs([self.write("s.json", sweep())])
        fig = plot.build_figure(runs, labels)
        top, bottom = fig.axes
        self.assertEqual(len(top.containers), 1)  # one errorbar series
        line = top.containers[0].lines[0]
        medians = [2.0e10 - 2.0e6 * r - 1.0e8 for r in RULES]
        for got, want in zip(line.get_ydata(), medians):
            self.assertAlmostEqual(got, want / 1e9)
        text = " ".join(t.get_text() for t in fig.texts)
        self.assertIn("median", text)
        self.assertIn("min–max", text)

    def test_latency_panel_has_band_and_fit_slope(self):
        runs, labels = plot.load_runs([self.write("s.json", sweep())])
        bottom = plot.build_figure(runs, labels).axes[1]
        self.assertGreaterEqual(len(bottom.collections), 1)  # the band
        legend = [t.get_text() for t in bottom.get_legend().get_texts()]
        self.assertIn("fit: 4.00 ns/rule", legend)
        self.assertTrue(any("p50" in t and "p99" in t for t in legend))

    def test_one_value_per_point_is_plain_markers_and_line(self):
        path = self.write("agg.json", sweep(aggregates_only=True))
        runs, labels = plot.load_runs([path])
        fig = plot.build_figure(runs, labels)
        top = fig.axes[0]
        self.assertEqual(len(top.containers), 0)  # no error bars
        self.assertEqual(len(top.lines), 1)
        text = " ".join(t.get_text() for t in fig.texts)
        self.assertIn("One value per point", text)

    def test_two_inputs_give_two_legend_entries_with_labels(self):
        a = self.write("a.json", sweep(kernel="6.1.0-a"))
        b = self.write("b.json", sweep(kernel="6.18.0-b", probe="fentry"))
        prefix = os.path.join(self.dir, "two")
        svg = self.assert_written(self.run_plot(a, b, "-o", prefix), prefix)
        want = ["6.1.0-a · bracket · legacy (libiptc)",
                "6.18.0-b · fentry · legacy (libiptc)"]
        for label in want:
            self.assertIn(label, svg)  # text is drawn as paths, named in comments
        runs, labels = plot.load_runs([a, b])
        legend = plot.build_figure(runs, labels).axes[0].get_legend()
        texts = [t.get_text() for t in legend.get_texts()]
        self.assertEqual(len(texts), 2)
        for text, label in zip(texts, want):
            self.assertIn(label, text)

    def test_equal_labels_get_the_file_name(self):
        a = self.write("first.json", sweep())
        b = self.write("second.json", sweep())
        runs, labels = plot.load_runs([a, b])
        self.assertNotEqual(labels[0], labels[1])
        self.assertIn("first.json", labels[0])
        self.assertIn("second.json", labels[1])

    def test_named_inputs_label_their_series(self):
        a = self.write("run-1.json", sweep())
        b = self.write("other.json", sweep())
        runs, labels = plot.load_runs([f"base={a}", f"head={b}"])
        self.assertTrue(labels[0].startswith("base · "), labels)
        self.assertTrue(labels[1].startswith("head · "), labels)

    def test_x_is_the_rules_counter(self):
        path = self.write("e.json", fake_runs.doc(extra_rules=500))
        runs, labels = plot.load_runs([path])
        top = plot.build_figure(runs, labels).axes[0]
        self.assertEqual(list(top.containers[0].lines[0].get_xdata()),
                         [n + 500 for n in RULES])

    def test_failed_run_is_noted(self):
        path = self.write("f.json", sweep(fail_at=(100, 1)))
        prefix = os.path.join(self.dir, "failed")
        svg = self.assert_written(self.run_plot(path, "-o", prefix), prefix)
        self.assertIn("1 failed run left out", svg)

    def test_three_backends_three_series_in_one_figure(self):
        path = self.write("b.json", fake_runs.backends())
        runs, labels = plot.load_runs([path])
        self.assertEqual([run.family for run in runs],
                         ["Chain", "ChainIptNft", "ChainNft"])
        self.assertEqual(labels, [
            f"{name} · 6.18.44-test · bracket" for name in
            ("Chain (legacy)", "ChainIptNft (iptables-nft)",
             "ChainNft (nft)")])
        fig = plot.build_figure(runs, labels)
        self.assertEqual(len(fig.axes), 2)
        top, bottom = fig.axes
        self.assertEqual(len(top.containers), 3)
        legend = [t.get_text() for t in top.get_legend().get_texts()]
        self.assertEqual(legend, [f"#{i + 1} {label}"
                                  for i, label in enumerate(labels)])
        self.assertIn("family (backend)", top.get_legend().get_title()
                      .get_text())
        colours = {c.lines[0].get_color() for c in top.containers}
        markers = {c.lines[0].get_marker() for c in top.containers}
        self.assertEqual((len(colours), len(markers)), (3, 3))
        fits = [t.get_text() for t in bottom.get_legend().get_texts()
                if t.get_text().startswith("fit")]
        self.assertEqual(fits, ["fit: 4.00 ns/rule (#1)",
                                "fit: 16.00 ns/rule (#2)",
                                "fit: 6.00 ns/rule (#3)"])
        hook = [c.lines[0].get_ydata()[-1] for c in bottom.containers]
        self.assertAlmostEqual(hook[2] * 1e3, 130 + 6.0 * RULES[-1] + 3.0)

    def test_backends_file_writes_two_panels(self):
        path = self.write("b.json", fake_runs.backends())
        prefix = os.path.join(self.dir, "backends")
        svg = self.assert_written(self.run_plot(path, "-o", prefix), prefix)
        self.assertEqual(re.findall(r'<g id="(axes_\d+)">', svg),
                         ["axes_1", "axes_2"])
        self.assertIn("ChainNft (nft)", svg)

    def test_family_that_failed_everywhere_is_named(self):
        doc = fake_runs.backends(per_family={"ChainNft": {"fail": RULES}})
        runs, labels = plot.load_runs([self.write("f.json", doc)])
        fig = plot.build_figure(runs, labels)
        legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        self.assertEqual(len(legend), 3)
        self.assertTrue(legend[2].endswith("ChainNft (nft) · 6.18.44-test · "
                                           "bracket: no results"), legend)
        caption = " ".join(t.get_text() for t in fig.texts)
        self.assertIn("12 failed runs left out (#3: 12)", caption)

    def test_one_family_file_is_one_series(self):
        path = self.write("n.json", fake_runs.doc(family="ChainNft"))
        runs, labels = plot.load_runs([path])
        self.assertEqual(len(runs), 1)
        self.assertIsNone(runs[0].family)  # the file's Run, as before

    # --- what it refuses -----------------------------------------------

    def test_not_google_benchmark_json_exits_2(self):
        path = self.write("other.json", {"results": [1, 2, 3]})
        self.assert_refused(
            self.run_plot(path, "-o", os.path.join(self.dir, "out", "x")),
            "not Google Benchmark JSON")

    def test_not_json_at_all_exits_2(self):
        path = self.write("log.txt", "Running nf_bench...\n")
        self.assert_refused(
            self.run_plot(path, "-o", os.path.join(self.dir, "out", "x")),
            "not JSON")

    def test_json_without_chain_results_exits_2(self):
        doc = sweep()
        for entry in doc["benchmarks"]:
            entry["name"] = entry["name"].replace("Chain", "BM_Other")
            entry["run_name"] = entry["run_name"].replace("Chain", "BM_Other")
        path = self.write("nochain.json", doc)
        self.assert_refused(
            self.run_plot(path, "-o", os.path.join(self.dir, "out", "x")),
            "no results of an nf_bench family (Chain/<rules>")

    def test_missing_file_exits_2(self):
        path = os.path.join(self.dir, "absent.json")
        self.assert_refused(
            self.run_plot(path, "-o", os.path.join(self.dir, "out", "x")),
            "absent.json")

    def test_no_inputs_exits_2(self):
        self.assert_refused(
            self.run_plot("-o", os.path.join(self.dir, "out", "x")),
            "no input")

    def test_benchmarks_without_counters_exit_2(self):
        doc = fake_runs.drop_counters(sweep())
        path = self.write("bare.json", doc)
        self.assert_refused(
            self.run_plot(path, "-o", os.path.join(self.dir, "out", "x")),
            "bare.json", "no hook_ns or bits_per_s values")
        # also when it is one of several inputs
        good = self.write("good.json", sweep())
        self.assert_refused(
            self.run_plot(good, path, "-o",
                          os.path.join(self.dir, "out", "x")),
            "bare.json", "no hook_ns or bits_per_s values")
        path = self.write("bare.json", fake_runs.drop_counters(doc, keep=()))
        self.assert_refused(
            self.run_plot(path, "-o", os.path.join(self.dir, "out", "x")),
            "bare.json", "Chain/0/manual_time", "no rules counter")

    def test_rule_count_out_of_range_exits_2(self):
        doc = sweep()
        name = "Chain/99999999999999999999/manual_time"
        doc["benchmarks"][0].update(name=name, run_name=name)
        path = self.write("huge.json", doc)
        self.assert_refused(
            self.run_plot(path, "-o", os.path.join(self.dir, "out", "x")),
            "huge.json", "Chain/99999999999999999999", "both have rules = 0")
        doc = sweep()
        doc["benchmarks"][0]["rules"] = -100.0
        path = self.write("negative.json", doc)
        self.assert_refused(
            self.run_plot(path, "-o", os.path.join(self.dir, "out", "x")),
            "negative.json", "Chain/0/manual_time", "rules = -100.0")

    def test_non_finite_counter_exits_2(self):
        doc = sweep()
        doc["benchmarks"][1]["bits_per_s"] = float("inf")
        path = self.write("inf.json", doc)
        self.assert_refused(
            self.run_plot(path, "-o", os.path.join(self.dir, "out", "x")),
            "inf.json", "Chain/0/manual_time", "bits_per_s",
            "not a finite number")

    def test_deeply_nested_exits_2(self):
        path = self.write("deep.json", "[" * 100000)
        self.assert_refused(
            self.run_plot(path, "-o", os.path.join(self.dir, "out", "x")),
            "deep.json", "nested too deep")

    def test_dollar_signs_in_labels_are_text(self):
        # '$...$' would be parsed as mathtext, and '\frac{' does not parse.
        path = self.write("d.json", sweep(kernel="6.1$\\frac{$"))
        prefix = os.path.join(self.dir, "dollar")
        svg = self.assert_written(self.run_plot(path, "-o", prefix), prefix)
        self.assertIn("6.1$\\frac{$", svg)

    def test_very_long_label_is_shortened(self):
        # Found by test_fuzz: a 5000-character kernel name made the
        # rasterizer overflow (RuntimeError from draw_glyphs_to_bitmap).
        path = self.write("long.json", sweep(kernel="k" * 5000))
        prefix = os.path.join(self.dir, "long")
        self.assert_written(self.run_plot(path, "-o", prefix), prefix)
        runs, labels = plot.load_runs([path])
        self.assertLessEqual(len(labels[0]), 100)
        self.assertTrue(labels[0].endswith("…"))

    # --- observed points -----------------------------------------------

    def test_observed_points_hollow_in_both_panels(self):
        doc = fake_runs.doc(observed=(100, 300), with_observers=True)
        runs, labels = plot.load_runs([self.write("o.json", doc)])
        fig = plot.build_figure(runs, labels)
        self.assertEqual(len(fig.axes), 2)
        for ax in fig.axes:
            hollow = [line for line in ax.lines
                      if line.get_markerfacecolor() in ("white", "w")]
            self.assertEqual(len(hollow), 1, ax)
            self.assertEqual(list(hollow[0].get_xdata()), [100, 300])
        legend = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
        self.assertTrue(any("observer" in t for t in legend), legend)
        caption = " ".join(t.get_text() for t in fig.texts)
        self.assertIn("Hollow markers", caption)
        self.assertIn("Chain/100, Chain/300", caption)

    def test_observed_figure_keeps_two_panels(self):
        doc = fake_runs.doc(observed=(0,), with_observers=True)
        path = self.write("o.json", doc)
        prefix = os.path.join(self.dir, "observed")
        svg = self.assert_written(self.run_plot(path, "-o", prefix), prefix)
        self.assertEqual(re.findall(r'<g id="(axes_\d+)">', svg),
                         ["axes_1", "axes_2"])
        self.assertIn("Hollow markers", svg)

    def test_unobserved_has_no_hollow_markers(self):
        doc = fake_runs.doc(with_observers=True)
        runs, labels = plot.load_runs([self.write("u.json", doc)])
        fig = plot.build_figure(runs, labels)
        for ax in fig.axes:
            self.assertFalse([line for line in ax.lines
                              if line.get_markerfacecolor() in ("white", "w")])
        self.assertNotIn("Hollow", " ".join(t.get_text() for t in fig.texts))


class ShapesPlotTest(unittest.TestCase):
    """The shape figure (with PlotTest's setUp and helpers, not its tests)."""

    setUp, tearDown, write, run_plot = (PlotTest.setUp, PlotTest.tearDown,
                                        PlotTest.write, PlotTest.run_plot)
    assert_written, assert_refused = (PlotTest.assert_written,
                                      PlotTest.assert_refused)

    def both(self):
        return fake_runs.merge(fake_runs.backends(), fake_runs.shapes())

    def test_shapes_figure_beside_the_main_one(self):
        path = self.write("both.json", self.both())
        prefix = os.path.join(self.dir, "fig")
        result = self.run_plot(path, "-o", prefix)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.split(), [
            prefix + ".png", prefix + ".svg", prefix + "-shapes.png",
            prefix + "-shapes.svg"])
        for name in result.stdout.split():
            self.assertGreater(os.path.getsize(name), 1000, name)

    def test_shape_slopes_drawn(self):
        path = self.write("both.json", self.both())
        runs, labels = plot.load_runs([path])
        self.assertEqual([r.family for r in runs], list(fake_runs.SLOPES))
        self.assertFalse(any("Shape" in label for label in labels))
        series = plot.shape_series(plot.load_all([path]))
        fig = plot.build_shapes_figure(series)
        self.assertEqual(len(fig.axes), 1)
        lines = fig.axes[0].lines
        self.assertEqual(len(lines), 3)
        legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        for line, text, (family, slopes) in zip(
                lines, legend, fake_runs.SHAPE_SLOPES.items()):
            self.assertEqual(list(line.get_xdata()), [0, 1, 2, 3])
            for got, want in zip(line.get_ydata(), slopes):
                self.assertAlmostEqual(got, want, delta=0.01 * want)
            per_cb = fake_runs.SHAPE_CALLBACK_NS[family]
            self.assertTrue(text.startswith(
                gbench_json_title(family) + " · "), text)
            got = float(re.search(r": ([\d.]+) ns per added callback",
                                  text).group(1))
            self.assertAlmostEqual(got, per_cb, delta=0.01 * per_cb)

    def test_shapes_only(self):
        path = self.write("s.json", fake_runs.shapes(families=("ShapeNft",)))
        prefix = os.path.join(self.dir, "fig")
        result = self.run_plot(path, "-o", prefix)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.split(), [prefix + "-shapes.png",
                                                 prefix + "-shapes.svg"])
        self.assertFalse(os.path.exists(prefix + ".png"))

    def test_shapes_without_slope_refused(self):
        path = self.write("s.json", fake_runs.shapes(rules=(1000,)))
        self.assert_refused(
            self.run_plot(path, "-o", os.path.join(self.dir, "out", "x")),
            "nothing to plot")

    def test_chain_only_has_no_shapes_figure(self):
        path = self.write("c.json", fake_runs.backends())
        prefix = os.path.join(self.dir, "fig")
        self.assert_written(self.run_plot(path, "-o", prefix), prefix)
        self.assertFalse(os.path.exists(prefix + "-shapes.png"))
        self.assertEqual(plot.shape_series(plot.load_all([path])), [])


class NewFiguresTest(unittest.TestCase):
    """The remedies, profiles and install figures (PlotTest's helpers)."""

    setUp, tearDown, write, run_plot = (PlotTest.setUp, PlotTest.tearDown,
                                        PlotTest.write, PlotTest.run_plot)
    assert_refused = PlotTest.assert_refused

    def load(self, doc):
        return plot.load_all([self.write("in.json", doc)])

    def errorbar_lines(self, ax):
        """{label: (xs, ys)} of the median lines of an axis' error bars."""
        return {c.get_label(): (list(c.lines[0].get_xdata()),
                                list(c.lines[0].get_ydata()))
                for c in ax.containers}

    def test_every_figure_written(self):
        path = self.write("all.json", fake_runs.everything())
        prefix = os.path.join(self.dir, "fig")
        result = self.run_plot(path, "-o", prefix)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.split(), [
            prefix + suffix + ext
            for suffix in ("", "-shapes", "-remedies", "-profiles",
                           "-install") for ext in (".png", ".svg")])
        for name in result.stdout.split():
            self.assertGreater(os.path.getsize(name), 1000, name)

    def test_remedies_figure(self):
        runs = self.load(fake_runs.merge(
            fake_runs.backends(rules=fake_runs.SWEEP), fake_runs.remedies()))
        series = plot.remedy_series(runs)
        fig = plot.build_remedies_figure(series, runs)
        # small multiples: legacy's remedies, then nft's; hook time above
        self.assertEqual(len(fig.axes), 4)
        tops, bottoms = fig.axes[:2], fig.axes[2:]
        for top, bottom in zip(tops, bottoms):
            self.assertEqual((top.get_yscale(), bottom.get_xscale()),
                             ("log", "symlog"))
        left, right = (self.errorbar_lines(ax) for ax in tops)
        self.assertEqual(list(left), [
            gbench_json_title(f) for f in ("RemedyPrefix", "RemedyConntrack",
                                           "RemedyIpset")]
            + ["per-address rules (legacy)"])
        self.assertEqual(list(right), [
            gbench_json_title(f) for f in ("RemedyNftSet",
                                           "RemedyNftInterval")]
            + ["per-address rules (nft)"])
        lines = {**left, **right}
        for family in plot.schema.REMEDIES:
            xs, ys = lines[gbench_json_title(family)]
            self.assertEqual(xs, list(
                plot.schema.FAMILY[family].points))
            for x, y in zip(xs, ys):
                want = fake_runs.remedy_hook_ns(family, x)
                self.assertAlmostEqual(y, want, delta=0.01 * want)
        xs, ys = lines["per-address rules (nft)"]
        self.assertEqual(xs[-1], 3000)
        self.assertAlmostEqual(ys[-1], 133.0 + 6.0 * 3000)
        self.assertEqual(sum(len(ax.containers) for ax in bottoms), 7)
        self.assertNotIn("ChainIptNft", " ".join(lines))
        # one colour per backend: the nft rules in nft's, the sets in theirs
        colours = {c.get_label(): c.lines[0].get_color()
                   for c in tops[1].containers}
        self.assertEqual(colours["per-address rules (nft)"],
                         plot.BACKEND_COLOUR["nft"])
        self.assertEqual(colours[gbench_json_title("RemedyNftSet")],
                         plot.BACKEND_COLOUR["nft-set"])

    def test_remedies_without_chain(self):
        runs = self.load(fake_runs.remedies(families=("RemedyIpset",)))
        self.assertEqual([s[0] for s in plot.remedy_series(runs)],
                         ["RemedyIpset (ipset)"])

    def test_profiles_figure(self):
        runs = self.load(fake_runs.merge(
            fake_runs.backends(rules=(0, 1000, 3000)), fake_runs.profiles()))
        series = plot.profile_series(runs)
        labels = [s[0] for s in series]
        self.assertEqual(labels[-2:], ["TCP bulk: Chain (legacy)",
                                       "TCP bulk: ChainNft (nft)"])
        self.assertIn("UdpPaced (legacy), 512-byte datagrams", labels)
        self.assertIn("ConnRateNft (nft)", labels)
        fig = plot.build_profiles_figure(series, runs)
        # one column per workload: UDP, paced UDP, connections, streams
        self.assertEqual(len(fig.axes), 8)
        tops, bottoms = fig.axes[:4], fig.axes[4:]
        self.assertEqual(sum(len(ax.containers) for ax in bottoms),
                         len(series))
        self.assertEqual(sum(len(ax.containers) for ax in tops), len(series))
        # the rate relative to 0 rules, from the known model
        family, lead = "ConnRate", None
        model = [fake_runs.profile_model(family, lead, n)["rate"]
                 for n in (0, 1000, 3000)]
        conn = {c.get_label(): c for c in tops[2].containers}
        self.assertEqual(set(conn), {"ConnRate (legacy)", "ConnRateNft (nft)"})
        index = [c.get_label() for c in tops[2].containers].index(
            "ConnRate (legacy)")
        ys = list(bottoms[2].containers[index].lines[0].get_ydata())
        for got, want in zip(ys, model):
            self.assertAlmostEqual(got, want / model[0],
                                   delta=0.01 * want / model[0])
        self.assertEqual(conn["ConnRate (legacy)"].lines[0].get_color(),
                         plot.BACKEND_COLOUR["legacy"])
        streams = [c.get_label() for c in tops[3].containers]
        self.assertIn("TCP bulk: Chain (legacy)", streams)
        self.assertIn("20,000/s", " ".join(t.get_text() for t in fig.texts))

    def test_a_prefix_naming_a_kind_takes_that_figure(self):
        path = self.write("p.json", fake_runs.merge(
            fake_runs.backends(rules=(0, 1000, 3000)), fake_runs.profiles()))
        prefix = os.path.join(self.dir, "profiles")
        result = self.run_plot(path, "-o", prefix)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.split(), [
            prefix + "-chains.png", prefix + "-chains.svg",
            prefix + ".png", prefix + ".svg"])

    def test_install_figure(self):
        runs = self.load(fake_runs.installs())
        series = plot.install_series(runs)
        fig = plot.build_install_figure(series, runs)
        ax = fig.axes[0]
        self.assertEqual((ax.get_xscale(), ax.get_yscale()), ("log", "log"))
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        for text, (family, (a, b)) in zip(legend,
                                          fake_runs.INSTALL_MS.items()):
            got = float(re.search(r"b = ([\d.]+) µs per rule",
                                  text).group(1))
            self.assertAlmostEqual(got, b * 1e3, delta=0.01 * b * 1e3)
        c = fake_runs.INSTALL_LOOP_MS[2] * 1e6
        got = float(re.search(r"c = ([\d.]+) ns per rule²",
                              legend[3]).group(1))
        self.assertAlmostEqual(got, c, delta=0.01 * c)
        xs, ys = self.errorbar_lines(ax)[legend[3]]
        for x, y in zip(xs, ys):
            want = fake_runs.install_ms("InstallLoop", x)
            self.assertAlmostEqual(y, want, delta=1e-6 * want)

    def test_install_only_writes_that_figure(self):
        path = self.write("i.json", fake_runs.installs(
            families=("InstallNft",)))
        prefix = os.path.join(self.dir, "fig")
        result = self.run_plot(path, "-o", prefix)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.split(), [prefix + "-install.png",
                                                 prefix + "-install.svg"])

    def test_chain_only_has_no_new_figures(self):
        path = self.write("c.json", fake_runs.backends())
        prefix = os.path.join(self.dir, "fig")
        result = self.run_plot(path, "-o", prefix)
        self.assertEqual(result.stdout.split(), [prefix + ".png",
                                                 prefix + ".svg"])
        runs = plot.load_all([path])
        self.assertEqual((plot.remedy_series(runs), plot.profile_series(runs),
                          plot.install_series(runs)), ([], [], []))

    def test_remedies_without_values_refused(self):
        doc = fake_runs.drop_counters(fake_runs.remedies(),
                                      keep=("rules", "blocked"))
        self.assert_refused(
            self.run_plot(self.write("bare.json", doc), "-o",
                          os.path.join(self.dir, "out", "x")),
            "bare.json", "no hook_ns or bits_per_s values")

def gbench_json_title(family):
    return plot.schema.FAMILY[family].title


if __name__ == "__main__":
    unittest.main()
