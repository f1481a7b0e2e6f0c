"""The Rule shapes section (Shape, ShapeIptNft, ShapeNft/<k>/<N>): ns per
rule at each k, the cost per added callback; and the note of a section
whose families have no numbers."""

import math

from .. import load, schema
from ..fmt import fmt_r2, fmt_sig
from ..model import present, shape_model

LINEAR_R2 = 0.9  # the fit of b over k = 1..3 that counts as "roughly linear"


def shape_verdict(sm):
    """One sentence: does "each extra match flag is one more callback with
    a roughly constant cost" hold for this backend's data?"""
    who = schema.FAMILY[sm.family].title
    fit = sm.fit
    steps = {ik: d for ik, d in sm.steps.items() if ik[0] >= 1}
    if fit is None or len(fit["ks"]) < 3 or len(steps) < 2:
        have = ", ".join(str(k) for k in sm.slopes) or "none"
        return (f"{who}: too few shapes with a slope (k = {have}) to say "
                "whether each added callback costs the same.")
    shown = ", ".join(f"k = {i}→{k}: {signed_ns(d)}"
                      for (i, k), d in steps.items())
    bad = [(ik, d) for ik, d in steps.items() if d <= 0]
    if bad:
        (i, k), d = bad[0]
        return (f"{who}: the picture does not hold here: going from k = {i} "
                f"to k = {k} the cost per rule "
                f"{'does not rise' if d == 0 else 'falls'} ({shown} ns per "
                f"rule; fit R² = {fmt_r2(fit['r2'])}).")
    if math.isfinite(fit["r2"]) and fit["r2"] >= LINEAR_R2:
        return (f"{who}: the lab's picture holds: each extra match is one "
                f"more callback of roughly constant cost, about "
                f"{fmt_sig(fit['per_cb'])} ns per rule ({shown} ns; fit R² = "
                f"{fmt_r2(fit['r2'])}).")
    (i0, k0), big = max(steps.items(), key=lambda t: t[1])
    (i1, k1), small = min(steps.items(), key=lambda t: t[1])
    return (f"{who}: the cost per callback is not constant: the step k = "
            f"{i0}→{k0} ({fmt_sig(big)} ns per rule) is "
            f"{fmt_sig(big / small)}× the step k = {i1}→{k1} "
            f"({fmt_sig(small)} ns); fit R² = {fmt_r2(fit['r2'])}, below "
            f"{LINEAR_R2:g}.")


def signed_ns(d):
    return f"{'+' if d >= 0 else '−'}{fmt_sig(abs(d))}"


def shapes_table(models):
    """Per backend: b at each k, the per-callback fit, the k = 0→1 step."""
    ks = sorted({k for sm in models for k in sm.slopes})
    out = ["| family | backend | " + " | ".join(f"b at k = {k}" for k in ks)
           + " | per added callback (k ≥ 1) | R² | k = 0→1 |",
           "| --- | --- |" + " ---: |" * (len(ks) + 3)]
    for sm in models:
        cells = [fmt_sig(sm.slopes[k][0]) if k in sm.slopes else "n/a"
                 for k in ks]
        fit, step = sm.fit, sm.steps.get((0, 1))
        out.append(f"| {sm.family} | {sm.backend} | "
                   + " | ".join(cells) + " | "
                   + (f"{fmt_sig(fit['per_cb'])} | {fmt_r2(fit['r2'])}"
                      if fit else "n/a | n/a") + " | "
                   + (signed_ns(step) if step is not None else "n/a") + " |")
    return out


def shape_notes(run, families):
    """Observed points and failed runs of the shape families, if any."""
    out = []
    seen = [p for p in run.names if p in run.observed
            and load.family_of(p) in families]
    if seen:
        out.append("Observed (their hook_ns includes an observer's cost): "
                   + ", ".join(seen) + ".")
    failed = sum(len(m) for p, m in run.failures.items()
                 if load.family_of(p) in families)
    if failed:
        out.append(f"Failed runs left out: {failed}.")
    return out


def shapes_section(run):
    """The Rule shapes section; [] without shape families."""
    families = [f for f in schema.SHAPES
                if any(load.family_of(p) == f
                       for p in [*run.points, *run.failures])]
    if not families:
        return []
    models = [shape_model(run, f) for f in families]
    out = ["", "## Rule shapes", "",
           "Shape/<k>/<N>: N rules of shape k. k = 0 is the Chain rule "
           "(it fails at its first compare, the destination); from k = 1 "
           "the rule's destination and protocol match the traffic, then k "
           "match callbacks run and the last fails. b is the fit of "
           "hook_ns = a + b·N at each k, in ns per rule; the cost per added "
           "callback is the fit of b over k = 1..3. The step k = 0→1 is "
           "shown apart: it also switches the rule from failing at the "
           "address compare to passing it.", ""]
    out += shapes_table(models) + [""]
    out += [f"- {shape_verdict(sm)}" for sm in models]
    notes = shape_notes(run, families)
    return out + ([""] + notes if notes else [])


def no_results(run, title, families, what):
    """A section of families that are in the file without the numbers
    (what) it shows (their runs failed, or their rows lack them): it says
    so instead of leaving them out; [] when the file has none of them."""
    tried = present(run, families)
    if not tried:
        return []
    return ["", f"## {title}", "", f"No numbers to show: no run of "
            f"{', '.join(tried)} has {what}."] + [""] + shape_notes(run, tried)
