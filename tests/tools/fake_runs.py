"""Fake nf_bench Google Benchmark documents: the one generator of the tool
tests' JSON; also the paths and the check of a refusal the tests share.

Shaped like nf_bench's --benchmark_out with --benchmark_repetitions: per
repetition rows with the user counters as top-level fields, then mean,
median, stddev and cv aggregates (cv and stddev of a constant counter are
NaN or 0, as Google Benchmark writes them), and the context nf_bench adds.
A failed row has no counters (Google Benchmark 1.7.1 writes none for
error_occurred). Names, counters and the sweep come from tools/nf_schema.py:
rows are `<family>/<N>/manual_time` (Chain unless told) for N of the
family's sweep, and each has the `rules` counter N + extra_rules, as
nf_bench writes it. backends() writes several families into one document,
as nf_bench does with one family per rule backend, each with its own cost
per rule (linear()). shapes() writes the rule-shape families
(`Shape/<k>/<N>/manual_time`, counters callbacks = k and rules = N), each
family's hook time growing by a known slope per rule at each k; linear(...,
table_outside_ns=X) adds table_ns = hook_ns - X, as nf_bench --table_time
writes it.
"""

import math
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.normpath(os.path.join(HERE, "..", "..", "tools"))
RESULTS = os.path.normpath(os.path.join(HERE, "..", "..", "results"))
REFERENCE = os.path.join(RESULTS, "reference.json")
sys.path.insert(0, TOOLS)  # the tools' modules, for every test importing this
import nf_schema  # noqa: E402

CHAIN = nf_schema.CHAIN
SWEEP = CHAIN.points()  # the whole sweep: 0, 100, ..., 3000
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


def point(rules, family=CHAIN.name, shape=None):
    """The point name of the sweep's point with this argument (and shape
    k, for a shape family: Shape/<k>/<rules>)."""
    return (f"{family}/{rules}" if shape is None
            else f"{family}/{shape}/{rules}")


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


def _header(rules, index, rep, reps, family=CHAIN.name, shape=None):
    name = f"{point(rules, family, shape)}/manual_time"
    family_index = [f.name for f in nf_schema.FAMILIES].index(family) \
        if family in nf_schema.FAMILY else 0
    return {"name": name, "family_index": family_index,
            "per_family_instance_index": index, "run_name": name,
            "run_type": "iteration", "repetitions": reps,
            "repetition_index": rep, "threads": 1, "iterations": 1}


def row(rules, index, rep, reps, values, extra_rules=0, family=CHAIN.name,
        shape=None):
    """A measured row: values(rules, rep) gives its counters (names from
    nf_schema) and times; `rules` is set here, as nf_bench sets it, and
    `callbacks` = shape when a shape is given."""
    given = values(rules, rep)
    unknown = set(given) - set(nf_schema.COUNTERS) - set(TIMES)
    assert not unknown, f"not nf_bench counters: {sorted(unknown)}"
    out = _header(rules, index, rep, reps, family, shape)
    if shape is not None:
        out["callbacks"] = float(shape)
    out.update(real_time=2001.8, cpu_time=1937.7, time_unit="ms",
               some_future_field={"ignored": True})  # unknown: ignored
    out.update(given)
    out["rules"] = float(rules + extra_rules)
    return out


def failed_row(rules, index, rep, reps, message=ERROR, family=CHAIN.name,
               shape=None):
    """A failed row: its name and error, no counters."""
    out = _header(rules, index, rep, reps, family, shape)
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
           "probe_self_ns": "72.5"}
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
                                          shape=k) for rep in range(reps)]
                continue
            rows = [row(n, index, rep, reps, values, family=family, shape=k)
                    for rep in range(reps)]
            benchmarks += rows + (aggregates(rows) if reps > 1 else [])
    return {"context": context(**ctx), "benchmarks": benchmarks}


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


def rows_of(document, rules, family=CHAIN.name, shape=None):
    """The benchmarks of a document that belong to the point of `rules`."""
    prefix = point(rules, family, shape) + "/"
    return [b for b in document["benchmarks"]
            if b.get("run_name", "").startswith(prefix)]


def drop_counters(document, keep=("rules",)):
    """Removes nf_bench's counters, but those in keep, from every row."""
    for b in document["benchmarks"]:
        for key in nf_schema.COUNTERS:
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
