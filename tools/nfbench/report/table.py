"""The table's own time (nf_bench --table_time): table_ns beside hook_ns."""

from .. import schema
from ..fmt import fmt_ns, fmt_pct, fmt_rules
from ..model import number, table_groups

def table_section(run):
    """The table's own time; [] when no row has table_ns."""
    groups = table_groups(run)
    if not groups:
        return []
    out = ["", "## The table's own time", "",
           "With --table_time, table_ns is the time per walk of the filter "
           "table alone (ipt_do_table, nft_do_chain), where hook_ns is the "
           "whole LOCAL_OUT walk; at the fewest and the most rules of each "
           "family (of a shape family: the fewest at its first shape k, the "
           "most at every k), medians over repetitions:", "",
           "| family | N | table_ns | hook_ns | rest of the walk | "
           "the table's share |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    firsts = set()
    for (family, k), by_n in groups.items():
        lead = schema.FAMILY[family].lead
        label = (family if k is None else f"{family} k = {k}"
                 if lead == "callbacks" else f"{family} {lead} = {k}")
        lows = [] if family in firsts else [min(by_n)]
        firsts.add(family)
        for n in sorted(set(lows + [max(by_n)])):
            table, hook = by_n[n]
            out.append(f"| {label} | {fmt_rules(n)} | {fmt_ns(table)} | "
                       f"{fmt_ns(hook)} | {fmt_ns(hook - table)} | "
                       f"{fmt_pct(table / hook)} |")
    self_ns = number(run.context.get("table_self_ns"))
    return out + ["", "What the --table_time probe pair itself reads with "
                  "no table between its two probes (table_self_ns): "
                  + (f"{fmt_ns(self_ns)}." if self_ns is not None
                     else "not recorded.")]
