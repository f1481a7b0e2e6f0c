"""Fake nf_bench Google Benchmark documents: the one generator of the tool
tests' JSON; also the paths and the check of a refusal the tests share.

Shaped like nf_bench's --benchmark_out with --benchmark_repetitions: per
repetition rows with the user counters as top-level fields, then mean,
median, stddev and cv aggregates (cv and stddev of a constant counter are
NaN or 0, as Google Benchmark writes them), and the context nf_bench adds.
A failed row has no counters (Google Benchmark 1.7.1 writes none for
error_occurred). Names, counters and the sweeps come from
tools/schema.py: rows are `<family>/<x>/manual_time` (Chain unless
told) or `<family>/<lead>/<x>/manual_time` for x of the family's points,
and each has the family's argument counters as nf_bench writes them
(rules = N + extra_rules; blocked = N of a remedy; callbacks, payload_bytes,
streams = the lead) and only counters its rows carry (schema.carried).
backends() writes several families into one document, as nf_bench does
with one family per rule backend, each with its own cost per rule
(linear()). shapes() writes the rule-shape families (`Shape/<k>/<N>`,
counters callbacks = k and rules = N), each family's hook time growing by
a known slope per rule at each k; linear(..., table_outside_ns=X) adds
table_ns = hook_ns - X, as nf_bench --table_time writes it. remedies(),
profiles() and installs() write the remedies (a known hook_ns per blocked
address), the traffic profiles (profile_model(): known rates, loss, hook
time and CPU share) and the install families (`Install/<N>/real_time`,
rules and real_time only: a known linear cost, the loop's quadratic);
everything() all families at once. noisy_line() gives rows of a known
line with seeded between-run noise (a factor per repetition, and one per
point), for the gate's slope fits.
"""

import json
import math
import os
import random
import shutil
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.normpath(os.path.join(HERE, "..", "..", "tools"))
RESULTS = os.path.normpath(os.path.join(HERE, "..", "..", "results"))
REFERENCE = os.path.join(RESULTS, "reference.json")
sys.path.insert(0, TOOLS)  # the tools' modules, for every test importing this
from nfbench import schema  # noqa: E402

CHAIN = schema.CHAIN
SWEEP = CHAIN.points  # the whole sweep: 0, 100, ..., 3000
SHORT = SWEEP[:4]       # the first four points, for small documents
REPS = 3
LABEL = "observed: netfilter bpf prog 812 prio -2147483646"
ERROR = "iperf3 JSON has no \"sum_received\""
# What a row may carry besides the counters: Google Benchmark's own times.
TIMES = ("real_time", "cpu_time")


# ns per rule of each family in backends(): legacy 4, nft 6, iptables-nft
# 16 (about what nf_bench measures on the 6.18 test VM)
SLOPES = {"Chain": 4.0, "ChainIptNft": 16.0, "ChainNft": 6.0}
# ms per rule of the one commit or transaction that sets the chain
INSTALL_MS_PER_RULE = {"Chain": 0.0007, "ChainIptNft": 0.017,
                       "ChainNft": 0.023}
# What nf_bench writes into the context for the three families.
BACKENDS = ("Chain: legacy (libip4tc 1.8.9); ChainIptNft: iptables-nft "
            "(iptables v1.8.9 (nf_tables)); ChainNft: nft (libnftables 1.0.6)")
HOST_IPTABLES = "iptables v1.8.9 (nf_tables)"

# ns per rule of the shape families at k = 0, 1, 2, 3 match callbacks:
# legacy 1.5 ns a callback, iptables-nft and nft 2.0 and 3.0 (invented,
# linear in k from k = 1; k = 0 -> 1 also passes the address compare).
SHAPE_RULES = (0, 1000, 2000, 3000)
SHAPE_SLOPES = {"Shape": (4.0, 6.0, 7.5, 9.0),
                "ShapeIptNft": (5.0, 8.0, 10.0, 12.0),
                "ShapeNft": (6.0, 10.0, 13.0, 16.0)}
SHAPE_CALLBACK_NS = {"Shape": 1.5, "ShapeIptNft": 2.0, "ShapeNft": 3.0}
SHAPE_BACKENDS = ("Shape: legacy (libip4tc 1.8.9); ShapeIptNft: "
                  "iptables-nft (iptables v1.8.9 (nf_tables)); ShapeNft: nft "
                  "(libnftables 1.0.6)")


def point(x, family=CHAIN.name, lead=None):
    """The point name of the family's point with this x (rules, or the
    addresses a remedy blocks) and lead (the shape k of a shape family,
    the payload of a UDP one, the streams: Shape/<k>/<rules>)."""
    return f"{family}/{x}" if lead is None else f"{family}/{lead}/{x}"


def counters(rules, rep):
    """Plausible: the hook time grows 4 ns per rule, throughput falls."""
    hook = 130.0 + 4.0 * rules + 3.0 * rep
    return {"bits_per_s": 2.0e10 - 2.0e6 * rules - 1.0e8 * rep,
            "bytes_per_call": 47650.0 + rep, "hook_calls": 110640.0 - rep,
            "hook_ns": hook, "hook_p50_ns": hook * 0.98,
            "hook_p99_ns": hook * 2.0, "hook_unpaired": 0.0,
            "real_time": 2001.8 + rep, "cpu_time": 1937.7 + rep}


def linear(slope_ns, base_ns=130.0, install_ms_per_rule=0.001,
           table_outside_ns=None):
    """counters() with a hook time of base_ns + slope_ns per rule (+ 3 ns a
    repetition), throughput falling with it, and install_ms = 0.2 ms +
    install_ms_per_rule per rule (+ 0.01 ms a repetition); with
    table_outside_ns, table_ns = hook_ns - table_outside_ns."""
    def values(rules, rep):
        out = counters(rules, rep)
        hook = base_ns + slope_ns * rules + 3.0 * rep
        out.update(hook_ns=hook, hook_p50_ns=hook * 0.98,
                   hook_p99_ns=hook * 2.0,
                   bits_per_s=1.0 / (1 / 2.0e10 + hook * 1e-9 / 4e5),
                   install_ms=0.2 + install_ms_per_rule * rules + 0.01 * rep)
        if table_outside_ns is not None:
            out["table_ns"] = hook - table_outside_ns
        return out
    return values


# 1/bits_per_s of noisy_line(): s/bit at 0 rules, and s/bit per rule.
SECONDS_PER_BIT = (5.0e-11, 1.0e-14)


def noisy_line(slope_ns, base_ns=130.0, noise=0.0, seed=0,
               seconds_per_bit=SECONDS_PER_BIT):
    """values(rules, rep) of counters() on a known line: hook_ns = base_ns
    + slope_ns per rule and 1/bits_per_s = seconds_per_bit[0] +
    seconds_per_bit[1] per rule, both times (1 + e_rep)(1 + e_point): e_rep
    drawn once per (seed, rep), the state of the machine in that run,
    e_point per (seed, rep, rules); Gaussian, sd `noise`, reproducible."""
    def values(rules, rep):
        per_run = random.Random(f"{seed}/{rep}").gauss(0.0, noise)
        per_point = random.Random(f"{seed}/{rep}/{rules}").gauss(0.0, noise)
        factor = (1 + per_run) * (1 + per_point)
        hook = (base_ns + slope_ns * rules) * factor
        inverse = (seconds_per_bit[0] + seconds_per_bit[1] * rules) * factor
        out = counters(rules, rep)
        out.update(hook_ns=hook, hook_p50_ns=hook * 0.98,
                   hook_p99_ns=hook * 2.0, bits_per_s=1.0 / inverse)
        return out
    return values


GATE_RULES = (0, 500, 1000, 3000)  # the points of tools/gate_sweep.sh


def noisy_sweep(slope_ns, runs=8, reps=4, between=0.01, within=0.015,
                seed=0, rules=GATE_RULES, base_ns=130.0,
                seconds_per_bit=SECONDS_PER_BIT):
    """[doc] of `runs` nf_bench processes of one sweep (what
    tools/gate_sweep.sh writes) on noisy_line(slope_ns, noise=within), each
    run's hook times, and time per bit, also times (1 + e_run): e_run drawn
    once per (seed, run), Gaussian, sd `between`: the spread between
    processes that one run's repetitions do not show."""
    docs = []
    for k in range(runs):
        factor = 1 + random.Random(f"{seed}/run/{k}").gauss(0.0, between)
        inner = noisy_line(slope_ns, base_ns, within, f"{seed}/{k}",
                           seconds_per_bit)

        def values(x, rep, inner=inner, factor=factor):
            out = inner(x, rep)
            for name in ("hook_ns", "hook_p50_ns", "hook_p99_ns"):
                out[name] *= factor
            out["bits_per_s"] /= factor
            return out
        docs.append(doc(rules=rules, reps=reps, values=values))
    return docs


def _header(x, index, rep, reps, family=CHAIN.name, lead=None):
    # Install* rows are timed by Google Benchmark itself (UseRealTime)
    timing = ("real_time" if family in schema.INSTALLS
              else "manual_time")
    name = f"{point(x, family, lead)}/{timing}"
    family_index = [f.name for f in schema.FAMILIES].index(family) \
        if family in schema.FAMILY else 0
    return {"name": name, "family_index": family_index,
            "per_family_instance_index": index, "run_name": name,
            "run_type": "iteration", "repetitions": reps,
            "repetition_index": rep, "threads": 1, "iterations": 1}


def row(x, index, rep, reps, values, extra_rules=0, family=CHAIN.name,
        lead=None):
    """A measured row: values(x, rep) gives its counters (names from
    nfbench.schema, each one the family's rows carry) and times; the family's
    argument counters are set here, as nf_bench sets them: x (rules =
    x + extra_rules, or blocked = x with the remedy's rules from values)
    and the lead counter (callbacks = k, ...) when a lead is given."""
    given = values(x, rep)
    unknown = set(given) - set(schema.COUNTERS) - set(TIMES)
    assert not unknown, f"not nf_bench counters: {sorted(unknown)}"
    known = schema.FAMILY.get(family)
    if known is not None:
        foreign = set(given) - set(schema.carried(known)) - set(TIMES)
        assert not foreign, f"{family} rows carry no {sorted(foreign)}"
    out = _header(x, index, rep, reps, family, lead)
    if lead is not None:
        out[known.lead if known else "callbacks"] = float(lead)
    out.update(real_time=2001.8, cpu_time=1937.7, time_unit="ms",
               some_future_field={"ignored": True})  # unknown: ignored
    out.update(given)
    if known is None or known.x == "rules":
        out["rules"] = float(x + extra_rules)
    else:
        out[known.x] = float(x)
        out["rules"] = float(out.get("rules", 1.0) + extra_rules)
    return out


def failed_row(x, index, rep, reps, message=ERROR, family=CHAIN.name,
               lead=None):
    """A failed row: its name and error, no counters."""
    out = _header(x, index, rep, reps, family, lead)
    out.update(error_occurred=True, error_message=message, real_time=0.0,
               cpu_time=0.0, time_unit="ms")
    return out


def aggregates(rows):
    """mean, median, stddev, cv of the numeric fields of rows."""
    out = []
    keys = [k for k, v in rows[0].items()
            if isinstance(v, float) and k != "repetition_index"]
    for kind in ("mean", "median", "stddev", "cv"):
        agg = {k: v for k, v in rows[0].items() if k != "repetition_index"}
        agg.update(name=rows[0]["run_name"] + "_" + kind, run_type="aggregate",
                   aggregate_name=kind, iterations=len(rows),
                   aggregate_unit="percentage" if kind == "cv" else "time")
        for k in keys:
            values = [r[k] for r in rows]
            mean = statistics.fmean(values)
            sd = statistics.stdev(values) if len(values) > 1 else 0.0
            agg[k] = {"mean": mean, "median": statistics.median(values),
                      "stddev": sd,
                      "cv": sd / mean if mean else math.nan}[kind]
        out.append(agg)
    return out


def context(**extra):
    """nf_bench's context; extra entries added, None ones removed."""
    ctx = {"date": "2026-11-26T15:22:10+00:00", "host_name": "vm",
           "executable": "/work/main/build/nf_bench", "num_cpus": 2,
           "mhz_per_cpu": 2596, "load_avg": [0.93, 1.22, 0.83],
           "library_build_type": "release", "duration_s": "2",
           "iperf3": "3.12", "iptables_backend": "legacy (libiptc)",
           "kernel": "6.18.44-test", "probe": "bracket",
           "probe_self_method": "hook walk with no iptables table",
           "probe_self_ns": "72.5", "nf_bench_version": "0948a53",
           "schema_version": str(schema.SCHEMA_VERSION)}
    ctx.update(extra)
    return {k: v for k, v in ctx.items() if v is not None}


def _failed(fail, rules, rep):
    return rules in fail or (rules, rep) in fail


def doc(rules=SHORT, reps=REPS, observed=(), fail=(), aggregates_only=False,
        with_observers=False, values=counters, extra_rules=0,
        family=CHAIN.name, **ctx):
    """A sweep over `rules` (arguments of the family, default Chain).

    observed: arguments whose rows saw an observer; fail: arguments that
    failed in every repetition, or (argument, rep) pairs; with_observers
    adds observers = 0 to the other rows, as nf_bench from 2026-12 writes
    it; values(rules, rep): the counters of a row (default counters());
    extra_rules: as nf_bench --extra_rules, the rules counter and context;
    ctx: context entries to add (None removes one)."""
    if extra_rules:
        ctx.setdefault("extra_rules", str(extra_rules))
    benchmarks = []
    for index, n in enumerate(rules):
        rows = []
        for rep in range(reps):
            if _failed(fail, n, rep):
                benchmarks.append(failed_row(n, index, rep, reps,
                                             family=family))
                continue
            rows.append(row(n, index, rep, reps, values, extra_rules,
                            family))
            if with_observers or n in observed:
                rows[-1]["observers"] = float(n in observed)
            if n in observed:
                rows[-1]["label"] = LABEL
        if not aggregates_only:
            benchmarks += rows
        if rows and reps > 1:
            benchmarks += aggregates(rows)
    return {"context": context(**ctx), "benchmarks": benchmarks}


def backends(families=tuple(SLOPES), slopes=None, per_family=None,
             table_outside_ns=None, **kw):
    """One document with a sweep of each family, as nf_bench writes all
    three: family f's hook time grows slopes[f] ns per rule (default
    SLOPES); per_family[f] gives doc() arguments of that family only; kw
    are doc() arguments of all of them (context entries included). The
    context has nf_bench's iptables_backend per family and host_iptables;
    table_outside_ns adds table_ns (see linear())."""
    slopes = dict(SLOPES, **(slopes or {}))
    kw.setdefault("iptables_backend", BACKENDS)
    kw.setdefault("host_iptables", HOST_IPTABLES)
    out = None
    for family in families:
        args = dict(kw, values=linear(slopes[family], install_ms_per_rule=
                                      INSTALL_MS_PER_RULE[family],
                                      table_outside_ns=table_outside_ns),
                    family=family)
        args.update((per_family or {}).get(family, {}))
        one = doc(**args)
        if out is None:
            out = one
        else:
            out["benchmarks"] += one["benchmarks"]
    return out


def shapes(families=tuple(SHAPE_SLOPES), slopes=None, rules=SHAPE_RULES,
           callbacks=(0, 1, 2, 3), reps=REPS, table_outside_ns=None,
           fail=(), **ctx):
    """One document of the shape families: family f's row Shape/<k>/<N>
    has hook_ns = 130 + slopes[f][k] ns per rule (+ 3 ns a repetition;
    default SHAPE_SLOPES), counters callbacks = k and rules = N; with
    table_outside_ns, table_ns too (see linear()); fail: (family, k, N)
    points that failed in every repetition; ctx: context entries (the
    iptables_backend of the shape families unless given)."""
    slopes = dict(SHAPE_SLOPES, **(slopes or {}))
    ctx.setdefault("iptables_backend", SHAPE_BACKENDS)
    benchmarks = []
    for family in families:
        for index, (k, n) in enumerate((k, n) for k in callbacks
                                       for n in rules):
            values = linear(slopes[family][k],
                            table_outside_ns=table_outside_ns)
            if (family, k, n) in fail:
                benchmarks += [failed_row(n, index, rep, reps, family=family,
                                          lead=k) for rep in range(reps)]
                continue
            rows = [row(n, index, rep, reps, values, family=family, lead=k)
                    for rep in range(reps)]
            benchmarks += rows + (aggregates(rows) if reps > 1 else [])
    return {"context": context(**ctx), "benchmarks": benchmarks}


# Repetition r of the remedies, profiles and installs scales the
# measurement by REP_FACTOR[r]: the median of an odd number of repetitions
# (up to 5) is the model's value itself, min and max are known.
REP_FACTOR = (1.0, 1.01, 0.99, 1.02, 0.98)

# The remedies (invented): hook_ns = REMEDY_BASE_NS[f] + REMEDY_NS[f] per
# blocked address, throughput from the hook time as in linear().
REMEDY_BASE_NS = {"RemedyPrefix": 140.0, "RemedyConntrack": 190.0,
                  "RemedyIpset": 160.0, "RemedyNftSet": 170.0,
                  "RemedyNftInterval": 175.0}
REMEDY_NS = {"RemedyPrefix": 0.02, "RemedyConntrack": 0.0,
             "RemedyIpset": 0.0004, "RemedyNftSet": 0.0002,
             "RemedyNftInterval": 0.0006}


def tcp_bits_per_s(hook_ns, bits_per_call=4e5, line_bits_per_s=2.0e10):
    """Throughput of a sender that spends hook_ns per bits_per_call."""
    return 1.0 / (1 / line_bits_per_s + hook_ns * 1e-9 / bits_per_call)


def remedy_hook_ns(family, blocked):
    """The median hook_ns of a remedy's point (no repetition noise)."""
    return REMEDY_BASE_NS[family] + REMEDY_NS[family] * blocked


def remedy_values(family):
    def values(blocked, rep):
        hook = remedy_hook_ns(family, blocked) * REP_FACTOR[rep]
        return {"hook_ns": hook, "hook_p50_ns": hook * 0.98,
                "hook_p99_ns": hook * 2.0, "hook_calls": 110640.0,
                "bytes_per_call": 50000.0, "hook_unpaired": 0.0,
                "bits_per_s": tcp_bits_per_s(hook),
                "hook_cpu_share": 55320.0 * hook * 1e-9,
                "rules": 1.0 + blocked // 256}  # invented: the remedy's rules
    return values


def remedies(families=schema.REMEDIES, points=None, reps=REPS, fail=(),
             **ctx):
    """One document of remedy families: <family>/<blocked> at the family's
    points (or `points`), hook_ns = remedy_hook_ns() x REP_FACTOR; fail:
    (family, blocked) points that failed in every repetition."""
    benchmarks = []
    for family in families:
        xs = points or schema.FAMILY[family].points
        benchmarks += _sweep_rows(family, [(None, x) for x in xs],
                                  lambda lead: remedy_values(family), reps,
                                  {x for f, x in fail if f == family})
    return {"context": context(**ctx), "benchmarks": benchmarks}


def _sweep_rows(family, points, values_of, reps, fail):
    """Rows and aggregates of (lead, x) points; values_of(lead) gives the
    values(x, rep) of a lead's rows; fail: the x that failed."""
    out = []
    for index, (lead, x) in enumerate(points):
        if x in fail or (lead, x) in fail:
            out += [failed_row(x, index, rep, reps, family=family, lead=lead)
                    for rep in range(reps)]
            continue
        rows = [row(x, index, rep, reps, values_of(lead), family=family,
                    lead=lead) for rep in range(reps)]
        out += rows + (aggregates(rows) if reps > 1 else [])
    return out


# The traffic profiles (invented, per backend): hook_ns per walk =
# PROFILE_BASE_NS + SLOPES[its Chain family] per rule; UDP sends a datagram
# in UDP_SEND_NS + UDP_NS_PER_BYTE per payload byte + the hook, loses
# UDP_LOSS of them; paced UDP sends 20 000/s and loses PACED_LOSS_PER_RULE
# per rule; a connection takes CONN_NS + CALLS_PER_CONNECTION walks; the
# streams move tcp_bits_per_s(hook, STREAM_BITS_PER_CALL, 3e10).
PROFILE_BASE_NS = 150.0
UDP_SEND_NS = 2000.0
UDP_NS_PER_BYTE = 0.5
UDP_LOSS = 0.02
PACED_LOSS_PER_RULE = 1e-6
CONN_NS = 40000.0
CALLS_PER_CONNECTION = 7.0
STREAM_BITS_PER_CALL = 2.4e5
PROFILE_DURATION_S = 2.0


def profile_model(family, lead, rules):
    """The medians of a profile's point: {hook_ns, rate (its RATE metric),
    the other counters}, as profiles() writes them."""
    f = schema.FAMILY[family]
    hook = PROFILE_BASE_NS + SLOPES[schema.rules_family(f).name] * rules
    out = {"hook_ns": hook}
    if f.workload in schema.UDP_ROWS:
        paced = f.workload == "udp_paced"
        sent = (schema.PACED_DATAGRAMS_PER_S if paced
                else 1e9 / (UDP_SEND_NS + UDP_NS_PER_BYTE * lead + hook))
        loss = PACED_LOSS_PER_RULE * rules if paced else UDP_LOSS
        out.update(packets_per_s=sent * (1 - loss), loss_fraction=loss,
                   bits_per_s=sent * (1 - loss) * lead * 8,
                   datagrams_sent=sent * PROFILE_DURATION_S,
                   hook_calls=sent * PROFILE_DURATION_S, bytes_per_call=lead)
    elif f.workload == "conn_rate":
        cps = 1e9 / (CONN_NS + CALLS_PER_CONNECTION * hook)
        out.update(connections_per_s=cps,
                   hook_calls_per_connection=CALLS_PER_CONNECTION,
                   hook_calls=cps * CALLS_PER_CONNECTION * PROFILE_DURATION_S,
                   bytes_per_call=100.0)
    else:
        bps = tcp_bits_per_s(hook, STREAM_BITS_PER_CALL, 3e10)
        out.update(bits_per_s=bps, bytes_per_call=STREAM_BITS_PER_CALL / 8,
                   hook_calls=bps / STREAM_BITS_PER_CALL * PROFILE_DURATION_S)
    out["rate"] = out[schema.RATE[f.workload]]
    out["hook_cpu_share"] = (out["hook_calls"] / PROFILE_DURATION_S * hook
                             * 1e-9)
    return out


def profile_values(family, lead):
    """values(rules, rep) of a profile's rows: profile_model() with the
    rate, hook time and CPU share x REP_FACTOR[rep]."""
    def values(rules, rep):
        out = profile_model(family, lead, rules)
        del out["rate"]
        for key in ("hook_ns", "hook_cpu_share",
                    schema.RATE[schema.FAMILY[family].workload]):
            out[key] *= REP_FACTOR[rep]
        out.update(hook_p50_ns=out["hook_ns"] * 0.98,
                   hook_p99_ns=out["hook_ns"] * 2.0, hook_unpaired=0.0)
        return out
    return values


def profiles(families=schema.PROFILES, rules=schema.FAMILY["Udp"].points,
             reps=REPS, fail=(), **ctx):
    """One document of traffic profiles: each family at each of its leads
    and `rules`, the counters of profile_values(); fail: (family, lead,
    rules) points (lead None without one) that failed in every
    repetition."""
    benchmarks = []
    for family in families:
        f = schema.FAMILY[family]
        points = [(lead, n) for lead in (f.leads or (None,)) for n in rules]
        benchmarks += _sweep_rows(
            family, points, lambda lead, family=family: profile_values(
                family, lead), reps,
            {(lead, n) for g, lead, n in fail if g == family})
    ctx.setdefault("duration_s", str(int(PROFILE_DURATION_S)))
    return {"context": context(**ctx), "benchmarks": benchmarks}


# Install cost (invented): one commit of N rules takes a + b·N ms; the
# loop of one `iptables -A` per rule a + b·N + c·N² ms.
INSTALL_MS = {"Install": (1.5, 0.0007), "InstallIptNft": (4.0, 0.017),
              "InstallNft": (3.0, 0.023)}
INSTALL_LOOP_MS = (12.0, 1.8, 0.0009)


def install_ms(family, rules):
    """The median real_time (ms) of an install point."""
    if family == "InstallLoop":
        a, b, c = INSTALL_LOOP_MS
        return a + b * rules + c * rules ** 2
    a, b = INSTALL_MS[family]
    return a + b * rules


def installs(families=schema.INSTALLS, points=None, reps=REPS, fail=(),
             **ctx):
    """One document of install families: rows with the rules counter
    only and real_time = install_ms() x REP_FACTOR (time_unit ms); fail:
    (family, rules) points that failed in every repetition."""
    benchmarks = []
    for family in families:
        def values(rules, rep, family=family):
            ms = install_ms(family, rules) * REP_FACTOR[rep]
            return {"real_time": ms, "cpu_time": ms * 0.6}
        xs = points or schema.FAMILY[family].points
        benchmarks += _sweep_rows(family, [(None, x) for x in xs],
                                  lambda lead, v=values: v, reps,
                                  {x for f, x in fail if f == family})
    return {"context": context(**ctx), "benchmarks": benchmarks}


def everything(reps=REPS, **ctx):
    """One document of every family: backends() over the whole sweep,
    shapes(), remedies(), profiles() and installs()."""
    return merge(backends(rules=SWEEP, reps=reps, **ctx),
                 shapes(reps=reps), remedies(reps=reps),
                 profiles(reps=reps), installs(reps=reps))


def merge(*documents):
    """One document: the first's context with the iptables_backend of all
    (joined by '; ', as nf_bench lists them), every document's benchmarks."""
    out = {"context": dict(documents[0]["context"]), "benchmarks": []}
    said = [d["context"].get("iptables_backend") for d in documents]
    said = [s for s in dict.fromkeys(said) if s]
    if said:
        out["context"]["iptables_backend"] = "; ".join(said)
    for document in documents:
        out["benchmarks"] += document["benchmarks"]
    return out


def rows_of(document, x, family=CHAIN.name, lead=None):
    """The benchmarks of a document that belong to the point of x (and
    lead)."""
    prefix = point(x, family, lead) + "/"
    return [b for b in document["benchmarks"]
            if b.get("run_name", "").startswith(prefix)]


def drop_counters(document, keep=("rules",)):
    """Removes nf_bench's counters, but those in keep, from every row."""
    for b in document["benchmarks"]:
        for key in schema.COUNTERS:
            if key not in keep:
                b.pop(key, None)
    return document


def refusal(test, status, stdout, stderr, tool):
    """The one line of a refusal: exit 2, one line on stderr starting with
    the tool's name, nothing on stdout."""
    test.assertEqual(status, 2, f"stdout:\n{stdout}\nstderr:\n{stderr}")
    lines = stderr.splitlines()
    test.assertEqual(len(lines), 1, stderr)
    test.assertTrue(lines[0].startswith(f"{tool}: "), lines[0])
    test.assertEqual(stdout, "")
    return lines[0]


class TempFiles:
    """unittest.TestCase mixin: a temporary folder per test, and
    write(name, doc) of a JSON document (or of a text, as it is) into it
    (its path)."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def write(self, name, doc):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w", encoding="utf-8") as out:
            if isinstance(doc, str):
                out.write(doc)
            else:
                json.dump(doc, out)
        return path

    def write_runs(self, folder, docs):
        """The docs as folder/run-1.json, run-2.json, ... (what
        tools/gate_sweep.sh writes); the folder's path."""
        path = os.path.join(self.tmp.name, folder)
        shutil.rmtree(path, ignore_errors=True)  # a new side, not a mix
        os.makedirs(path)
        for k, d in enumerate(docs, 1):
            self.write(os.path.join(folder, f"run-{k}.json"), d)
        return os.path.join(self.tmp.name, folder)
