"""The Backends section: several Chain families (one per rule backend) in
one file, each fitted as the Chain is, side by side."""

from .. import load, schema
from ..fmt import fmt_ns, fmt_r2, fmt_rules, fmt_sig
from ..model import Model, backends_model, family_models
from .chain import (
    bulk_section, cpu_section, hook_section, run_section, throughput_section,
    warnings_section)

def _install_cell(row):
    n, ms = row["install"]
    return "not recorded" if n is None else f"{fmt_sig(ms)} ms at {fmt_rules(n)}"


def backends_table(bm):
    """The table of the Backends section, one row per family."""
    n = bm["n_common"]
    at = (f"hook time at N = {fmt_rules(n)}" if n is not None
          else "hook time (no common N)")
    out = [f"| family | backend | ns per rule (b) | R² | {at} | "
           "install_ms at the largest N |",
           "| --- | --- | ---: | ---: | ---: | ---: |"]
    for name, row in bm["rows"].items():
        hook = fmt_ns(row["hook"]) if row["hook"] is not None else "n/a"
        out.append(f"| {name} | {row['backend']} | {fmt_sig(row['b'])} | "
                   f"{fmt_r2(row['r2'])} | {hook} | {_install_cell(row)} |")
    return out


def ratio_lines(bm):
    """Each nf_tables family against the legacy one, if both are there."""
    legacy, rows, n = bm["legacy"], bm["rows"], bm["n_common"]
    others = [name for name in rows if name != legacy]
    if legacy is None or not others:
        return []
    base = rows[legacy]
    out = [f"Against legacy ({legacy}):", ""]
    for name in others:
        row = rows[name]
        slope = (f"{fmt_sig(row['b_ratio'])}× the cost per rule "
                 f"({fmt_sig(row['b'])} vs {fmt_sig(base['b'])} ns)"
                 if row["b_ratio"] is not None
                 else "cost per rule not comparable (legacy's b ≤ 0)")
        hook = (f", {fmt_sig(row['hook_ratio'])}× the hook time at "
                f"N = {fmt_rules(n)} ({fmt_ns(row['hook'])} vs "
                f"{fmt_ns(base['hook'])})" if row["hook_ratio"] is not None
                else ", no rule count in common to compare hook times at")
        out.append(f"- {schema.FAMILY[name].title}: {slope}{hook}.")
    return out + [""]


def user_lines(run, bm):
    """Which family is what `iptables` gives a user, and on this host."""
    rows, out = bm["rows"], []
    kinds = (("(nf_tables)", "ChainIptNft", "is iptables-nft"),
             ("(legacy)", "Chain", "is iptables-legacy"))
    for tag, name, what in kinds:
        if name in rows:
            out.append(f"On a host whose `iptables -V` says \"{tag}\", "
                       f"`iptables` {what}: {name} reproduces the rules it "
                       f"makes ({fmt_sig(rows[name]['b'])} ns per rule here).")
    if "ChainNft" in rows:
        out.append("ChainNft is native nftables rules (`nft add rule`), "
                   "which no `iptables` command makes.")
    host = run.context.get("host_iptables")
    if not host:
        return out + ["This run's host: host_iptables not recorded."]
    found = [(tag, name) for tag, name, _ in kinds if tag in str(host)]
    line = f"This run's host: `iptables -V` says \"{host}\""
    if found and found[0][1] in rows:
        line += f", so `iptables` there measures as {found[0][1]}."
    elif found:
        line += f"; this file has no {found[0][1]} results."
    else:
        line += "."
    return out + [line]


def backends_section(run, models):
    bm = backends_model(run, models)
    out = ["", "## Backends", "",
           "The same never-matching OUTPUT chain, made by each backend; "
           "hook_ns = a + b·N is fitted per family (sections below); "
           "install_ms is the wall time of the one commit or transaction "
           "that set the chain at a point (median over repetitions).", ""]
    out += backends_table(bm) + [""] + ratio_lines(bm) + user_lines(run, bm)
    recorded = [f"- {key}: {run.context[key]}"
                for key in ("spectre_v2", "bpf_jit_enable")
                if run.context.get(key) not in (None, "")]
    return out + (["", "Recorded with the run:", ""] + recorded
                  if recorded else [])


def backends_run_section(run, models):
    """The Run section of a file of several families: rule counts and
    failed runs per family."""
    first = next(iter(models.values()))
    out = run_section(first)
    most = max(max(m.counts.values()) for m in models.values())
    counts = "; ".join(
        f"{name}: {fmt_rules(min(m.counts))} to {fmt_rules(max(m.counts))} "
        f"({len(m.counts)} points)" for name, m in models.items())
    out = [f"- Rule counts: {counts}; " + (
        f"{most} repetitions each; medians are used" if most > 1
        else "one value each (single runs or aggregate rows)")
           if line.startswith("- Rule counts:") else line for line in out]
    short = [f"{name}/{fmt_rules(n)} ({c} of {most})"
             for name, m in models.items()
             for n, c in sorted(m.counts.items()) if c < most]
    dead = [f for f in dict.fromkeys(map(load.family_of, run.failures))
            if f not in models]
    failed = (f"- Failed runs left out: {run.failed}" if run.failed
              else "- Failed runs: none")
    if short:
        failed += "; points with fewer repetitions: " + ", ".join(short)
    if dead:
        failed += "; no results at all: " + ", ".join(dead)
    return out[:-1] + [failed]


def backends_report(run, extra=(), whole=None):
    """The report of a file of several families; extra: the sections
    after theirs (the advice last); whole: the Run the warnings are of
    (default run)."""
    models = family_models(run)
    said = " · ".join(str(run.context[k]) for k in ("kernel", "probe")
                      if run.context.get(k)) or run.path
    out = [f"# nf_bench: what a long OUTPUT chain costs, by backend "
           f"({said})", "",
           f"Source: `{run.path}`. All values are medians over repetitions "
           "at each rule count N.", ""]
    out += warnings_section(Model(whole or run, *[None] * 8))
    out += backends_run_section(run, models) + backends_section(run, models)
    for name, m in models.items():
        out += ["", f"## {schema.FAMILY[name].title}"]
        for section in (hook_section, throughput_section, cpu_section,
                        bulk_section):
            out += ["#" + line if line.startswith("## ") else line
                    for line in section(m)]
    return "\n".join(out + list(extra))
