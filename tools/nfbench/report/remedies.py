"""The Remedies section: blocked addresses without a rule each."""

from .. import schema
from ..fmt import fmt_gbps, fmt_ns, fmt_rules, fmt_sig
from ..model import REMEDY_AT, present
from .shapes import signed_ns, no_results, shape_notes

def _versus_cell(rm, n):
    """The speed-up cell of one remedy at one N."""
    parts = []
    for name in rm["refs"]:
        vs, reach = rm["at"][n]["vs"][name], rm["reach"][name]
        if vs is not None:
            parts.append(f"{name}: {fmt_sig(vs['hook'])}× less hook time"
                         + (f", {fmt_sig(vs['bps'])}× the throughput"
                            if vs["bps"] is not None else ""))
        elif reach is None:
            parts.append(f"{name}: not in this run")
        else:
            parts.append(f"{name}: not measured at this N (to "
                         f"{fmt_rules(reach)} rules)")
    return "; ".join(parts)


def remedies_section(run, models):
    """The Remedies section; [] without remedy families."""
    if not models:
        return no_results(run, "Remedies", schema.REMEDIES,
                          "hook_ns")
    out = ["", "## Remedies", "",
           "Each remedy blocks N addresses (its `blocked` counter) without "
           "one rule per address; medians over repetitions, at N = "
           f"{fmt_rules(REMEDY_AT)} and at each remedy's largest N. The "
           "speed-up is over N per-address rules measured in this run at "
           "the same N (the rules the remedy replaces: Chain for the "
           "iptables remedies, ChainNft for the nft sets; and the legacy "
           "Chain): their hook time over the remedy's, and the remedy's "
           "throughput over theirs. Where the per-address rules were not "
           "measured (beyond their sweep) no speed-up is given: nothing is "
           "extrapolated.", "",
           "| remedy | backend | N | hook time | throughput | against "
           "per-address rules at N |",
           "| --- | --- | ---: | ---: | ---: | --- |"]
    for rm in models:
        for n, row in rm["at"].items():
            bps = fmt_gbps(row["bps"]) if row["bps"] is not None else "n/a"
            out.append(f"| {rm['family']} | {rm['backend']} | "
                       f"{fmt_rules(n)} | {fmt_ns(row['hook'])} | {bps} | "
                       f"{_versus_cell(rm, n)} |")
    grown = [rm for rm in models if rm["growth"]]
    if grown:
        out += ["", "The set lookups' hook time from the fewest to the most "
                "blocked addresses:", ""]
        for rm in grown:
            n0, lo, hi = rm["growth"]
            out.append(f"- {schema.FAMILY[rm['family']].title}: "
                       f"{fmt_ns(lo)} at {fmt_rules(n0)}, {fmt_ns(hi)} at "
                       f"{fmt_rules(rm['n_max'])}: "
                       f"{signed_ns(hi - lo)} ns ({fmt_sig(hi / lo)}×).")
    notes = shape_notes(run, present(run, schema.REMEDIES))
    return out + ([""] + notes if notes else [])
