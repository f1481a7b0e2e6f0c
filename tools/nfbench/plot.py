"""Plots what a long iptables OUTPUT chain costs, from nf_bench's Google
Benchmark JSON (the `Chain/<rules>` results, and `ChainIptNft/<rules>`,
`ChainNft/<rules>`: the same chain made by the iptables-nft and nft
backends).

One figure, two panels over the rule count (each point's `rules` counter:
the chain's real length, --extra_rules included):
  top    - TCP throughput in Gbit/s (bits_per_s);
  bottom - mean time per OUTPUT hook call in µs (hook_ns), the p50-p99 range
           as a shaded band, and a least-squares line per input whose slope
           (ns per rule) is in the legend.
With repetitions a point is the median and its error bar spans min-max;
with one value per point, plain markers and a line. Several inputs are
overlaid, each labelled kernel · probe · iptables backend. A file with
several families (one per rule backend) gives one series per family, in
its own colour and marker, labelled family (backend) · kernel · probe,
e.g. "ChainNft (nft) · 6.18.44 · bracket". Failed benchmark
runs are left out and counted in a note on the figure. Points a foreign
observer watched (the `observers` counter: another BPF program at the hook
or on nf_hook_slow) are drawn hollow, in both panels, and named in a
footnote: their hook time includes the observer's cost.

The rule-shape families (Shape, ShapeIptNft, ShapeNft/<k>/<rules>) are
kept out of that figure. When an input has them, a second figure goes to
its own files, OUT_PREFIX-shapes.png and OUT_PREFIX-shapes.svg: ns per rule
(the least-squares slope of the median hook_ns over the rule counts at one
shape k) against k, the match callbacks a rule runs, one line per backend
(and input), its legend giving the cost per added callback (the fit of the
slopes over k >= 1, as report.py computes it). An input of shape families
only gives that figure alone; an input without shapes gives exactly the
one figure above.

The remedies, traffic profiles and install families get a figure each
when an input has them (median over repetitions, min-max error bars):
  OUT_PREFIX-remedies: small multiples, one column per chain backend whose
    rules the remedies replace (legacy: prefix, conntrack, ipset; nft: the
    nft sets): hook time (log) above and Gbit/s below against the blocked
    addresses (symlog x, 0 to 100 000), the per-address rules (Chain,
    ChainNft) dashed beside them;
  OUT_PREFIX-profiles: small multiples, one column per workload (UDP,
    paced UDP, connections, TCP streams with TCP bulk dashed beside them):
    the hook time per walk (log) above and the delivered rate over that at
    the fewest rules below, a line style per payload;
  OUT_PREFIX-install: the time to set the chain (ms) against the rules,
    log-log, per backend and the loop of one command per rule, with the
    fits report.py makes (dotted; their slope in the legend).
Each backend has one colour in every figure (legacy, iptables-nft, nft,
then the remedies', in schema order) when the figure is of one input.

Run it with Debian's Python (it needs python3-matplotlib):
  /usr/bin/python3 tools/plot.py sweep.json [other.json ...] -o out/chain
writes out/chain.png and out/chain.svg (and out/chain-shapes.png, .svg
when there are shapes; -remedies, -profiles, -install likewise) and prints
the paths written. A prefix that names a kind takes that figure, and the
Chain figure gets -chains: -o results/profiles writes results/profiles.png
(the profiles) and results/profiles-chains.png, never profiles-profiles.
The folder (out/) must exist and be writable: it is checked before
anything is read, and never created. Each file is written
whole or not at all (a temporary in out/, renamed into place).
Exit status: 0 written; 1 cannot write; 2 bad input (one `plot: ...` line):
a folder of OUT_PREFIX that does not exist or cannot be written,
what the loader refuses (not JSON, NaN/inf or impossible counters, a rule
count out of range or missing, ...) and an input with none of what its
families measure (no hook_ns or bits_per_s values, ...), or shapes without
a slope and nothing else (nothing to draw: never an empty figure).
"""

import os
import re
import sys


import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy  # noqa: E402

from . import load, schema  # noqa: E402
from .load import OneLineParser, UsageError  # noqa: E402
from . import fmt, model  # noqa: E402
from .stats import fit_line, spread  # noqa: E402

MARKERS = ("o", "s", "^", "D", "v", "P", "X")
# One colour per rule backend in every figure (schema order: legacy,
# iptables-nft, nft, then the remedies').
BACKEND_COLOUR = {name: f"C{i}" for i, name in enumerate(schema.BACKEND)}
LINESTYLES = ("-", "--", "-.", ":")
TITLE = "Cost of a long iptables OUTPUT chain: throughput and hook time vs rule count"
SHAPES_TITLE = "Cost per rule vs rule shape: ns per rule at k match callbacks"
SHAPES_CAPTION = (
    "k = 0: the Chain rule, failing at its first compare (the destination); "
    "k ≥ 1: destination and protocol match the traffic, then k match "
    "callbacks run and the last fails.\nEach point: least-squares slope of "
    "the median hook_ns over the rule counts at that k. Legend: the slope "
    "of these over k ≥ 1, the cost per added callback.")



def parse_args(argv):
    parser = OneLineParser(prog="plot.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="*", metavar="INPUT.json",
                        help="Google Benchmark JSON written by nf_bench; "
                             "NAME=INPUT.json names its series")
    parser.add_argument("-o", dest="out_prefix", required=True,
                        metavar="OUT_PREFIX",
                        help="writes OUT_PREFIX.png and OUT_PREFIX.svg")
    args = parser.parse_args(argv)
    if not args.inputs:
        raise UsageError("no input files (usage: plot.py INPUT.json [...] "
                         "-o OUT_PREFIX)")
    load.check_output(args.out_prefix)  # its folder, before the work
    return args


def load_named(spec):
    """NAME=PATH (a word, then the file: "base=a/run-1.json") names the
    series in the legend; any other argument is a path."""
    name, sep, path = spec.partition("=")
    if not sep or os.path.exists(spec) or not re.fullmatch(r"[\w.-]+", name):
        return load.load(spec)
    run = load.load(path)
    run.name = name
    return run


def load_all(paths):
    """One Run per path; InputError, also for an input with nothing to
    draw (none of what its families measure: hook_ns, bits_per_s, ...)."""
    runs = [load_named(path) for path in paths]
    for run in runs:
        measures = {p: schema.measures(load.family_of(p))
                    for p in run.names}
        if not any(run.values(p, m) for p in run.names for m in measures[p]):
            names = " or ".join(dict.fromkeys(
                m for p in run.names for m in measures[p]))
            raise load.InputError(
                f"{run.path}: no {names} values: nothing to "
                "plot; give it the --benchmark_out JSON nf_bench wrote")
    return runs


def load_runs(paths):
    """The series of the main figure and their labels (chain_series)."""
    return chain_series(load_all(paths))


def chains_of(run):
    """The run's Chain families (the run itself when it has no others)."""
    if all(load.family_of(p) in schema.CHAINS
           for p in [*run.points, *run.failures]):
        return run
    return run.of_families(schema.CHAINS)


def chain_series(runs):
    """The series of the main figure and their labels: the Chain families
    of every input that has some, one Run per input, or one per family of
    an input with several; labels made distinct."""
    runs = [r for r in map(chains_of, runs) if r.points or r.failures]
    return split_families(runs, legend_labels(runs))


def shape_series(runs):
    """[(label, model.shape_model, family)] of the shape figure: one per
    shape family of each input with a slope at some k."""
    out = []
    for run, label in zip(runs, legend_labels(runs)):
        for name in schema.SHAPES:
            sm = model.shape_model(run, name)
            if sm.slopes:
                out.append((plain(f"{schema.FAMILY[name].title} · "
                                  f"{label}"), sm, name))
    return out


def families(run):
    """The families of a run with results or failures, in schema order."""
    have = {load.family_of(p) for p in [*run.points, *run.failures]}
    return [f.name for f in schema.FAMILIES if f.name in have]


def split_families(runs, labels):
    """(series, labels): a run of one family as it is, a run of several as
    one Run per family, labelled 'ChainNft (nft) · <its input's label>'."""
    series, out = [], []
    for run, label in zip(runs, labels):
        names = families(run)
        if len(names) < 2:
            series.append(run)
            out.append(label)
            continue
        for name in names:
            series.append(run.of_family(name))
            out.append(plain(f"{schema.FAMILY[name].title} · {label}"))
    return series, out


def plain(text, limit=100):
    """text as matplotlib draws it, not as mathtext ('$' pairs in a kernel
    or file name would be parsed as math, and may not parse), and short
    (a label of thousands of characters overflows the rasterizer)."""
    if len(text) > limit:
        text = text[:limit - 1] + "…"
    return text.replace("$", r"\$")


def input_label(run):
    """run.label; without the context's list of backends for a run of
    several families (each of its series names its own)."""
    if len(families(run)) < 2:
        return run.label
    parts = [str(run.context[k]) for k in ("kernel", "probe")
             if run.context.get(k)]
    return " · ".join(parts) if parts else run.path


def legend_labels(runs):
    """input_label, plus the file's base name when two labels are equal."""
    labels = [input_label(run) for run in runs]
    return [plain(f"{label} ({os.path.basename(run.path)})"
                  if labels.count(label) > 1 else label)
            for label, run in zip(labels, runs)]


def tags(runs):
    """Short names tying the hook-time legend to the inputs: #1, #2, ..."""
    return [f"#{i + 1}" for i in range(len(runs))] if len(runs) > 1 else [""]


def repetitions(run):
    """How many values the points of a run have, e.g. {3} or {2, 3}."""
    return {len(run.values(p, "hook_ns") or run.values(p, "bits_per_s"))
            for p in run.names}


def plot_series(ax, xs, mids, lows, highs, style, label):
    """Median with min-max error bars, or plain markers and a line."""
    if numpy.any(highs > lows):
        return ax.errorbar(xs, mids, yerr=[mids - lows, highs - mids],
                           capsize=2.5, elinewidth=0.9, markersize=4,
                           label=label, **style)
    return ax.plot(xs, mids, markersize=4, label=label, **style)[0]


def draw_observed(ax, run, xs, mids, style):
    """Hollow markers over the points a foreign observer watched; the
    handle for the legend, or None when none was."""
    watched = {run.rule_count[p] for p in run.observed}
    seen = [i for i, x in enumerate(xs) if int(x) in watched]
    if not seen:
        return None
    (line,) = ax.plot(xs[seen], mids[seen], linestyle="none",
                      marker=style["marker"], markersize=8,
                      markerfacecolor="white", markeredgecolor=style["color"],
                      markeredgewidth=1.5, zorder=3,
                      label="observed: includes an observer's cost")
    return line


def draw_throughput(ax, runs, labels, styles):
    """Top panel; its legend, above it, names the inputs (the series)."""
    handles = []
    for run, label, tag, style in zip(runs, labels, tags(runs), styles):
        series = spread(run.by_rules("bits_per_s"), 1e-9)
        if len(series[0]):
            handles.append(plot_series(ax, *series, style,
                                       f"{tag} {label}".strip()))
            observed = draw_observed(ax, run, series[0], series[1], style)
            if observed is not None:
                observed.set_label("_nolegend_")  # named in the bottom legend
        elif run.family is not None:  # a family whose runs all failed
            handles += ax.plot([], [], label=f"{tag} {label}: no results",
                               **style)
    ax.set_ylabel("Throughput (Gbit/s)")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.4)
    title = ("series: family (backend) · kernel · probe"
             if any(run.family for run in runs)
             else "input: kernel · probe · iptables backend")
    if handles:
        ax.legend(handles=handles, loc="lower left",
                  bbox_to_anchor=(0.0, 1.01),
                  fontsize="small", frameon=False, title=title,
                  title_fontsize="small", alignment="left")


def draw_band(ax, run, style):
    """The p50-p99 range of the hook time (medians over repetitions)."""
    x50, p50, _, _ = spread(run.by_rules("hook_p50_ns"), 1e-3)
    x99, p99, _, _ = spread(run.by_rules("hook_p99_ns"), 1e-3)
    xs = sorted(set(x50.tolist()) & set(x99.tolist()))
    if not xs:
        return None
    low = [p50[x50.tolist().index(x)] for x in xs]
    high = [p99[x99.tolist().index(x)] for x in xs]
    return ax.fill_between(xs, low, high, color=style["color"], alpha=0.15,
                           linewidth=0, label="p50–p99")


def draw_fit(ax, xs, mids_us, style):
    """Least-squares line of the median hook time; None with < 2 points."""
    if len(xs) < 2:
        return None
    intercept, slope, _ = fit_line(xs, mids_us * 1e3)
    line_x = numpy.array([xs.min(), xs.max()])
    (line,) = ax.plot(line_x, (slope * line_x + intercept) / 1e3,
                      color=style["color"], linestyle=":", linewidth=1.4,
                      label=f"fit: {slope:.2f} ns/rule")
    return line


def draw_hook_time(ax, runs, styles):
    """Bottom panel; its legend, right of it, has the fits and bands."""
    handles = []
    for run, tag, style in zip(runs, tags(runs), styles):
        band = draw_band(ax, run, style)
        xs, mids, lows, highs = spread(run.by_rules("hook_ns"), 1e-3)
        if not len(xs):
            continue
        plot_series(ax, xs, mids, lows, highs, style, "_nolegend_")
        fit = draw_fit(ax, xs, mids, style)
        observed = draw_observed(ax, run, xs, mids, style)
        extras = [h for h in (fit, band, observed) if h is not None]
        for handle in extras if tag else ():
            handle.set_label(f"{handle.get_label()} ({tag})")
        handles.extend(extras)
    ax.set_xlabel("Rules in the OUTPUT chain")
    ax.set_ylabel("Hook time per call (µs)")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.4)
    if handles:
        ax.legend(handles=handles, loc="upper left",
                  bbox_to_anchor=(1.01, 1.0), fontsize="small",
                  title="mean hook time", title_fontsize="small")


def caption(runs):
    """What the points and bars mean, and failed runs left out."""
    counts = set().union(*(repetitions(run) for run in runs)) or {1}
    if max(counts) > 1:
        rng = (f"{max(counts)}" if len(counts) == 1
               else f"{min(counts)}–{max(counts)}")
        text = (f"Points: median of {rng} repetitions; error bars span "
                "min–max. Shaded: p50–p99 hook time.")
    else:
        text = "One value per point. Shaded: p50–p99 hook time."
    failed = sum(run.failed for run in runs)
    if failed:
        text += (f"  Note: {failed} failed run{'s' if failed != 1 else ''} "
                 "left out")
        if len(runs) > 1:
            text += " (" + ", ".join(f"{tag}: {run.failed}" for run, tag in
                                     zip(runs, tags(runs)) if run.failed) + ")"
        text += "."
    observed = [(tag, run) for run, tag in zip(runs, tags(runs))
                if run.observed]
    if observed:
        text += ("\nHollow markers: points another BPF program watched "
                 "(their hook time includes its cost): " + "; ".join(
                     (f"{tag} " if tag else "")
                     + ", ".join(plain(p) for p in run.names
                                 if p in run.observed)
                     for tag, run in observed) + ".")
    return text


def series_colours(families):
    """Each series' colour: its family's backend colour when the series
    are of distinct backends (one input), else one colour per series."""
    backends = [schema.FAMILY[f].backend if f in schema.FAMILY else None
                for f in families]
    if None not in backends and len(set(backends)) == len(backends):
        return [BACKEND_COLOUR[b] for b in backends]
    return [f"C{i % 10}" for i in range(len(families))]


def build_figure(runs, labels=None):
    """The two-panel figure (throughput above, hook time below)."""
    labels = labels or legend_labels(runs)
    colours = series_colours([run.family for run in runs])
    styles = [{"color": colour, "marker": MARKERS[i % len(MARKERS)],
               "linestyle": LINESTYLES[i % len(LINESTYLES)]}
              for i, colour in enumerate(colours)]
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(12, 8),
                                      layout="constrained")
    draw_throughput(top, runs, labels, styles)
    draw_hook_time(bottom, runs, styles)
    fig.suptitle(TITLE, fontsize="large")
    fig.supxlabel(caption(runs), fontsize="small", color="0.3")
    return fig


def build_shapes_figure(series):
    """ns per rule against the shape k, one line per backend and input."""
    fig, ax = plt.subplots(figsize=(10, 6), layout="constrained")
    ks = set()
    colours = series_colours([s[2] for s in series])
    for i, (label, sm, _) in enumerate(series):
        xs = sorted(sm.slopes)
        ks.update(xs)
        fit = sm.fit
        text = (f"{label}: {fit['per_cb']:.2f} ns per added callback"
                if fit else f"{label}: too few k ≥ 1 for a cost per callback")
        ax.plot(xs, [sm.slopes[k][0] for k in xs], color=colours[i],
                marker=MARKERS[i % len(MARKERS)], label=plain(text, 140))
    ax.set_xticks(sorted(ks))
    ax.set_xlabel("Match callbacks per rule (k)")
    ax.set_ylabel("ns per rule (slope of hook_ns over rules)")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.4)
    ax.legend(loc="upper left", fontsize="small",
              title="family (backend) · input", title_fontsize="small")
    fig.suptitle(SHAPES_TITLE, fontsize="large")
    fig.supxlabel(SHAPES_CAPTION, fontsize="small", color="0.3")
    return fig


# --------------------------------------------------------------------------
# The remedies, traffic profiles and install cost, each in its own figure
# when an input has them: median over repetitions, min-max error bars.

REMEDIES_TITLE = ("Remedies: hook time and throughput vs blocked addresses, "
                  "beside one rule per address")
PROFILES_TITLE = ("Traffic profiles: hook time per walk and delivered rate "
                  "vs rule count")
INSTALL_TITLE = "Install cost: time to set the chain from empty vs rules"
# The per-address rules drawn beside the remedies, and how they are named.
REFERENCE_CHAINS = ("Chain", "ChainNft")


def tagged(runs):
    """[(run, suffix)]: ' · <input label>' when there are several inputs."""
    if len(runs) < 2:
        return [(run, "") for run in runs]
    return [(run, f" · {label}") for run, label in
            zip(runs, legend_labels(runs))]


def reps_caption(runs, families):
    """How many repetitions the points of these families have, and the
    failed runs left out."""
    counts = {run.reps[p] for run in runs for p in run.points
              if load.family_of(p) in families}
    text = ("One value per point." if max(counts, default=1) < 2 else
            f"Points: median of {min(counts)}"
            + (f"–{max(counts)}" if len(counts) > 1 else "")
            + " repetitions; error bars span min–max.")
    failed = sum(len(m) for run in runs for p, m in run.failures.items()
                 if load.family_of(p) in families)
    if failed:
        text += (f"  Note: {failed} failed run{'s' if failed != 1 else ''} "
                 "left out.")
    return text


def _style(i, dashed=False, count=10):
    """Colour and marker of series i of count; dashed marks a reference
    series. Past ten series the colours come from 20 (tab20), so that
    neighbours in the legend differ."""
    color = (f"C{i % 10}" if count <= 10
             else matplotlib.colormaps["tab20"](i % 20))
    return {"color": color, "marker": MARKERS[i % len(MARKERS)],
            "linestyle": "--" if dashed else "-"}


def remedy_series(runs):
    """[(label, run, family, dashed)] of the remedies figure: each remedy
    with results, and beside them the per-address rules (Chain, ChainNft)
    of the inputs that have remedies."""
    out = []
    for run, suffix in tagged(runs):
        mine = [f for f in schema.REMEDIES if run.series(f, "hook_ns")
                or run.series(f, "bits_per_s")]
        if not mine:
            continue
        out += [(plain(schema.FAMILY[f].title + suffix), run, f, False)
                for f in mine]
        out += [(plain(f"per-address rules "
                       f"({schema.FAMILY[c].backend}){suffix}"), run,
                 c, True)
                for c in REFERENCE_CHAINS if run.series(c, "hook_ns")
                or run.series(c, "bits_per_s")]
    return out


def rules_backend(family):
    """The chain backend a family stands against: its panel column."""
    return schema.BACKEND[schema.FAMILY[family].backend]["compared_with"]


def panel_grid(columns, titles, width=5.2):
    """A figure of two rows (hook time above, a rate below) and a column
    per name in columns: (fig, {name: (top, bottom)})."""
    fig, axes = plt.subplots(2, len(columns), sharex="col", squeeze=False,
                             figsize=(max(7.0, width * len(columns)), 8),
                             layout="constrained")
    for i, (name, title) in enumerate(zip(columns, titles)):
        axes[0][i].set_title(title, fontsize="medium")
    return fig, {name: (axes[0][i], axes[1][i])
                 for i, name in enumerate(columns)}


def finish_grid(fig, panels, ylabels, title, caption):
    """Hook time on a log axis, grid lines, a legend in each top panel,
    the first column's y labels (top, bottom), title and caption: fig."""
    for top, bottom in panels.values():
        top.set_yscale("log")
        for ax in (top, bottom):
            ax.grid(True, alpha=0.4, which="both")
        top.legend(loc="best", fontsize="x-small")
    for ax, label in zip(next(iter(panels.values())), ylabels):
        ax.set_ylabel(label)
    fig.suptitle(title, fontsize="large")
    fig.supxlabel(caption, fontsize="small", color="0.3")
    return fig


def build_remedies_figure(series, runs):
    """One column per chain backend the remedies replace rules of: hook
    time (log) and Gbit/s against the blocked addresses (symlog)."""
    columns = list(dict.fromkeys(rules_backend(s[2]) for s in series))
    fig, panels = panel_grid(columns, [
        f"Remedies for {c} rules, one per address" for c in columns])
    for i, (label, run, family, dashed) in enumerate(series):
        style = _style(i, dashed, len(series))
        if len(runs) < 2:
            style["color"] = BACKEND_COLOUR[schema.FAMILY[family].backend]
        top, bottom = panels[rules_backend(family)]
        hook = spread(run.series(family, "hook_ns"))
        if len(hook[0]):
            plot_series(top, *hook, style, label)
        bps = spread(run.series(family, "bits_per_s"), 1e-9)
        if len(bps[0]):
            plot_series(bottom, *bps, style, "_nolegend_")
    for _, bottom in panels.values():
        bottom.set_ylim(bottom=0)
        bottom.set_xscale("symlog", linthresh=1000)
        bottom.set_xlim(left=0)  # no negative addresses
        bottom.set_xlabel("Blocked addresses (symlog: linear to 1,000)")
    return finish_grid(
        fig, panels, ("Hook time per call (ns, log)", "Throughput (Gbit/s)"),
        REMEDIES_TITLE,
        reps_caption(runs, schema.REMEDIES + REFERENCE_CHAINS)
        + "\nDashed: the per-address rules (Chain families) at the same "
        "counts, to their sweep's end. One colour per backend.")


def profile_series(runs):
    """[(label, run, family, lead, xs, dashed)] of the profiles figure:
    each profile and lead with results, and TCP bulk (the Chain family of
    each backend the profiles ran with) at the profiles' rule counts."""
    out = []
    for run, suffix in tagged(runs):
        report_models = model.profiles_model(run)
        counts = set()
        for pm in report_models:
            xs = {r["n"] for r in pm.rows}
            counts |= xs
            out.append((plain(model.profile_name(pm) + suffix), run,
                        pm.family, pm.lead, xs, False))
        bulks = dict.fromkeys(pm.bulk for pm in report_models)
        for chain in bulks:
            xs = counts & set(run.series(chain, "bits_per_s"))
            title = schema.FAMILY[chain].title
            if len(xs) > 1:
                out.append((plain(f"TCP bulk: {title}{suffix}"), run, chain,
                            None, xs, True))
    return out


def _only(summary, xs):
    """A stats.spread cut to the points at xs."""
    keep = numpy.isin(summary[0], sorted(xs))
    return tuple(a[keep] for a in summary)


def profile_column(family, workloads):
    """The panel column of a profile family: its workload; TCP bulk (a
    Chain family) beside the TCP streams when there are some."""
    workload = schema.FAMILY[family].workload
    if workload == "tcp_bulk" and "tcp_streams" in workloads:
        return "tcp_streams"
    return workload


def profile_style(i, family, lead, dashed, count, one_input):
    """Its backend's colour (one input), a line style and marker per
    lead; dashed for TCP bulk."""
    style = _style(i, dashed, count)
    if one_input:
        leads = schema.FAMILY[family].leads
        k = leads.index(lead) if lead in leads else 0
        style.update(color=BACKEND_COLOUR[schema.FAMILY[family].backend],
                     marker=MARKERS[k % len(MARKERS)],
                     linestyle="--" if dashed else LINESTYLES[k % 3])
    return style


def build_profiles_figure(series, runs):
    """One column per workload: hook ns per walk (log) and the rate
    relative to the fewest rules."""
    workloads = {schema.FAMILY[s[2]].workload for s in series}
    columns = list(dict.fromkeys(profile_column(s[2], workloads)
                                 for s in series))
    fig, panels = panel_grid(columns, [re.sub(
        r" (of|with) <\w+>", "", schema.WORKLOAD[c]["summary"])
        for c in columns], width=4.4)
    for i, (label, run, family, lead, xs, dashed) in enumerate(series):
        style = profile_style(i, family, lead, dashed, len(series),
                              len(runs) < 2)
        top, bottom = panels[profile_column(family, workloads)]
        hook = _only(spread(run.series(family, "hook_ns", lead)), xs)
        if len(hook[0]):
            plot_series(top, *hook, style, label)
        metric = schema.RATE[schema.FAMILY[family].workload]
        rate = _only(spread(run.series(family, metric, lead)), xs)
        if len(rate[0]) and rate[1][0] > 0:
            plot_series(bottom, rate[0], *(a / rate[1][0] for a in rate[1:]),
                        style, "_nolegend_" if len(hook[0]) else label)
    for _, bottom in panels.values():
        bottom.set_ylim(0, max(1.1, bottom.get_ylim()[1]))  # 1 in view
        bottom.set_xlabel("Rules in the OUTPUT chain")
    return finish_grid(
        fig, panels, ("Hook time per walk (ns, log)",
                      "Rate / rate at the fewest rules"), PROFILES_TITLE,
        reps_caption(runs, schema.PROFILES) + "\nRate: datagrams "
        "received/s (UDP; UdpPaced sends a fixed "
        f"{schema.PACED_DATAGRAMS_PER_S:,}/s), connections/s, Gbit/s "
        "(streams, TCP bulk). Dashed: TCP bulk, the Chain family of the "
        "same backend. One colour per backend.")


def install_series(runs):
    """[(label, run, family, model)] of the install figure: each install
    family with results, its model.install_model entry."""
    out = []
    for run, suffix in tagged(runs):
        for family, im in model.install_model(run).items():
            title = schema.FAMILY[family].title
            if im.fit is None:
                fit = "too few rule counts for a fit"
            elif im.loop:
                fit = (f"fit a + b·N + c·N², c = "
                       f"{fmt.fmt_sig(im.fit[2] * 1e6)} ns per rule²")
            else:
                fit = (f"fit a + b·N, b = "
                       f"{fmt.fmt_sig(im.fit[1] * 1e3)} µs per rule")
            out.append((plain(f"{title}{suffix}: {fit}", 140), run, family,
                        im))
    return out


def build_install_figure(series, runs):
    """ms against rules, log-log, one line per backend and the loop."""
    fig, ax = plt.subplots(figsize=(10, 6), layout="constrained")
    for i, (label, run, family, im) in enumerate(series):
        style = _style(i, im.loop, len(series))
        if len(runs) < 2:
            style["color"] = BACKEND_COLOUR[schema.FAMILY[family].backend]
        plot_series(ax, *spread(run.series(family, "real_time_s"),
                                1e3), style, label)
        if im.fit is not None:
            xs = numpy.geomspace(min(im.ms), max(im.ms), 50)
            ax.plot(xs, [model.fitted_ms(im, x) for x in xs],
                    color=style["color"], linestyle=":", linewidth=1.2)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("Rules in the chain (log)")
    ax.set_ylabel("Time to set the chain (ms, log)")
    ax.grid(True, alpha=0.4, which="both")
    ax.legend(loc="upper left", fontsize="small",
              title="family (backend): fit (dotted)", title_fontsize="small")
    fig.suptitle(INSTALL_TITLE, fontsize="large")
    fig.supxlabel(
        reps_caption(runs, schema.INSTALLS) + "\nGoogle Benchmark's "
        "real_time of one iteration: one commit (Install*) or one command "
        "per rule (InstallLoop, dashed).", fontsize="small", color="0.3")
    return fig


def save(fig, out_prefix):
    """Writes OUT_PREFIX.png and .svg; returns their paths."""
    paths = [f"{out_prefix}.png", f"{out_prefix}.svg"]
    # Each file whole or absent; the format given, as a temporary's name
    # does not end in .png or .svg.
    with load.atomic_output(paths[0], binary=True) as f:
        fig.savefig(f, format="png", dpi=120)
    with load.atomic_output(paths[1], binary=True) as f:
        fig.savefig(f, format="svg", metadata={"Date": None})
    return paths


def file_names(prefix, kinds):
    """Where each kind of figure goes: PREFIX-<kind>, but PREFIX itself for
    the kind the prefix already names (results/profiles: the profiles
    figure), else for the Chain figure: never profiles-profiles."""
    base = os.path.basename(prefix)
    own = base if base in kinds else "chains"
    return {kind: prefix if kind == own else f"{prefix}-{kind}"
            for kind in kinds}


def figures(paths):
    """[(build, kind)] of the figures to write: the main figure when an
    input has Chain results, the shape figure when one has shape slopes,
    and the remedies, profiles and install figures when one has those;
    InputError when there is nothing to draw."""
    runs = load_all(paths)
    series, labels = chain_series(runs)
    shapes = shape_series(runs)
    remedies = remedy_series(runs)
    profiles = profile_series(runs)
    installs = install_series(runs)
    out = []
    if series:
        out.append((lambda: build_figure(series, labels), "chains"))
    if shapes:
        out.append((lambda: build_shapes_figure(shapes), "shapes"))
    if remedies:
        out.append((lambda: build_remedies_figure(remedies, runs),
                    "remedies"))
    if profiles:
        out.append((lambda: build_profiles_figure(profiles, runs),
                    "profiles"))
    if installs:
        out.append((lambda: build_install_figure(installs, runs),
                    "install"))
    if not out:
        raise load.InputError(
            "no Chain, remedy, profile or install results and no shape with "
            "hook_ns at two rule counts: nothing to plot; give it the "
            "--benchmark_out JSON nf_bench wrote")
    return out


def main(argv=None):
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
        todo = figures(args.inputs)
    except (UsageError, load.InputError) as e:
        print(f"plot: {e}", file=sys.stderr)
        return 2
    written = []
    names = file_names(args.out_prefix, [kind for _, kind in todo])
    for build, kind in todo:
        fig = build()
        try:
            written += save(fig, names[kind])
        except OSError as e:
            print(f"plot: cannot write {names[kind]}: "
                  f"{e.strerror}", file=sys.stderr)
            return 1
        finally:
            plt.close(fig)
    for path in written:
        print(path)
    return 0

