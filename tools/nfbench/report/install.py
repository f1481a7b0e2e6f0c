"""The Install cost section: one commit, and the loop of one command per
rule."""

import math

from .. import schema
from ..fmt import fmt_r2, fmt_rules, fmt_sig
from ..model import INSTALL_AT, fitted_ms, present
from .shapes import no_results, shape_notes

def install_table(models):
    """One commit: the linear fit and the ms at INSTALL_AT per family."""
    out = ["| family | backend | fit: ms = a + b·N | R² | "
           + " | ".join(f"at {fmt_rules(n)} rules" for n in INSTALL_AT)
           + " |", "| --- | --- | --- | ---: |" + " ---: |" * len(INSTALL_AT)]
    for family, im in models.items():
        if im.loop:
            continue
        fit = (f"a = {fmt_sig(im.fit[0])} ms, b = "
               f"{fmt_sig(im.fit[1] * 1e3)} µs per rule"
               if im.fit else "too few rule counts")
        r2 = fmt_r2(im.fit[2]) if im.fit else "n/a"
        cells = [f"{fmt_sig(im.ms[n])} ms" if n in im.ms
                 else "not measured" for n in INSTALL_AT]
        out.append(f"| {family} | {im.backend} | {fit} | {r2} | "
                   + " | ".join(cells) + " |")
    return out


def loop_lines(family, im):
    """The loop of one command per rule: its quadratic fit, its ms at each
    N, and the lab's Chain sweep as the fit puts it."""
    out = ["", f"{schema.FAMILY[family].title}: one command per rule "
           "(the lab's way), median ms at each N"
           + (" and the quadratic fit:" if im.fit else ":"), "",
           "| N | measured | fit |", "| ---: | ---: | ---: |"]
    for n, ms in sorted(im.ms.items()):
        fit = f"{fmt_sig(fitted_ms(im, n))} ms" if im.fit else "n/a"
        out.append(f"| {fmt_rules(n)} | {fmt_sig(ms)} ms | {fit} |")
    if not im.fit:
        return out + ["", "Too few rule counts (fewer than three) for a "
                      "quadratic fit."]
    a, b, c, r2 = im.fit
    sweep = [n for n in schema.FAMILY["Chain"].points if n > 0]
    total_s = math.fsum(fitted_ms(im, n) for n in sweep) / 1e3
    return out + [
        "", f"Fit: ms = a + b·N + c·N² with a = {fmt_sig(a)} ms, b = "
        f"{fmt_sig(b * 1e3)} µs per rule, c = {fmt_sig(c * 1e6)} ns per "
        f"rule², R² = {fmt_r2(r2)}.", "",
        f"From the fit, not measured: building each point of the Chain "
        f"sweep (N = {fmt_rules(sweep[0])} to {fmt_rules(sweep[-1])}, "
        f"{len(sweep)} points; 0 rules needs no command) from an empty "
        f"chain this way would take {fmt_sig(total_s)} s in all, the sum of "
        f"the fit over those N; the loop was measured up to "
        f"{fmt_rules(max(im.ms))} rules."]


def install_section(run, models):
    """The Install cost section; [] without install families."""
    if not models:
        return no_results(run, "Install cost", schema.INSTALLS,
                          "a real_time")
    out = ["", "## Install cost", "",
           "The wall time of setting the chain from empty to N rules "
           "(Google Benchmark's real_time of one iteration, median over "
           "repetitions)."]
    if any(not im.loop for im in models.values()):
        out += ["", "One commit (Install*: libiptc, iptables-nft-restore, "
                "libnftables), fitted as ms = a + b·N:", ""]
        out += install_table(models)
    for family, im in models.items():
        if im.loop:
            out += loop_lines(family, im)
    notes = shape_notes(run, present(run, schema.INSTALLS))
    return out + ([""] + notes if notes else [])
