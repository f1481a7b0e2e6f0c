"""The Traffic profiles section: which traffic pays for the chain."""

from .. import schema
from ..fmt import fmt_bps, fmt_ns, fmt_pct, fmt_rate, fmt_rules, fmt_sig
from ..model import present, profile_name
from .shapes import no_results, shape_notes

def _rate_text(metric, value):
    if value is None:
        return "n/a"
    if metric == "bits_per_s":
        return fmt_bps(value)
    unit = {"packets_per_s": "datagrams/s",
            "connections_per_s": "connections/s"}[metric]
    return f"{fmt_rate(value)} {unit}"


def _maybe(value, show):
    return show(value) if value is not None else "—"


def _lost_cell(pm, r, first):
    """The share of the rate lost; a paced profile holds its rate (the
    chain costs it CPU instead)."""
    if first:
        return "—"
    return "none: paced" if pm.paced else _maybe(r["lost"], fmt_pct)


def _bulk_cells(pm, r):
    """TCP bulk's share of Gbit/s lost at the same N, and how many times
    that the profile lost; or why not."""
    if r["n"] == pm.base:
        return "—", "—"
    if r["bulk_lost"] is None:
        return f"{pm.bulk} at {fmt_rules(r['n'])} not in this run", "—"
    bulk = f"{fmt_pct(r['bulk_lost'])} ({pm.bulk})"
    if pm.paced:  # it lost no rate to compare with
        return bulk, "—"
    ratio = (f"{fmt_sig(r['lost'] / r['bulk_lost'])}×"
             if r["lost"] is not None and r["bulk_lost"] > 0 else "n/a")
    return bulk, ratio


def profiles_table(models):
    """One row per profile, lead and rule count."""
    out = ["| profile | N | rate | lost datagrams | hook time per walk | "
           "per connection | the chain's share of one CPU | rate lost | "
           "TCP bulk's Gbit/s lost | × TCP bulk's |",
           "| --- |" + " ---: |" * 9]
    for pm in models:
        for r in pm.rows:
            first = r["n"] == pm.base
            out.append(
                f"| {profile_name(pm)} | {fmt_rules(r['n'])} | "
                f"{_rate_text(pm.metric, r['rate'])} | "
                f"{_maybe(r['loss'], fmt_pct)} | {_maybe(r['hook'], fmt_ns)}"
                f" | {_maybe(r['per_conn'], fmt_ns)} | "
                + ("—" if first else _maybe(r["chain_share"], fmt_pct))
                + " | " + _lost_cell(pm, r, first)
                + " | " + " | ".join(_bulk_cells(pm, r)) + " |")
    return out


def profiles_section(run, models):
    """The Traffic profiles section; [] without profile families."""
    if not models:
        return no_results(run, "Traffic profiles", schema.PROFILES,
                          "hook_ns or its rate")
    out = ["", "## Traffic profiles", "",
           "Which traffic pays for the chain: the same chain, other "
           "traffic; medians over repetitions. The hook time is per walk of "
           "the sender's LOCAL_OUT hook (UDP: one walk per datagram; "
           "ConnRate: per connection, hook_ns × hook_calls_per_connection "
           "walks). The chain's share of one CPU is hook_cpu_share at N "
           "minus hook_cpu_share at the fewest rules. UdpPaced sends a "
           f"fixed {schema.PACED_DATAGRAMS_PER_S:,} datagrams/s, Udp "
           "as many as it can. Rates: datagrams received per second (UDP), "
           "connections per second, Gbit/s (streams). Rate lost: the share "
           "of the rate at the fewest rules lost at N; beside it TCP bulk's "
           "(the Chain family of the same backend, bits_per_s) at the same "
           "rule counts, when this run has it, and the profile's loss as a "
           "multiple of TCP bulk's. A paced profile keeps its rate: the chain "
           "costs it CPU (the share column) instead.", ""]
    out += profiles_table(models)
    notes = shape_notes(run, present(run, schema.PROFILES))
    return out + ([""] + notes if notes else [])
