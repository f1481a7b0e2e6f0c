"""Small nf_bench-like Google Benchmark documents for the tool tests.

Shaped like nf_bench's --benchmark_out with --benchmark_repetitions: per
repetition rows with the user counters as top-level fields, then mean,
median, stddev and cv aggregates (cv and stddev of a constant counter are
NaN or 0, as Google Benchmark writes them), and the context nf_bench adds.
"""

import math
import statistics

RULES = (0, 100, 200, 300)
REPS = 3


def counters(rules, rep):
    """Plausible: the hook time grows 4 ns per rule, throughput falls."""
    hook = 130.0 + 4.0 * rules + 3.0 * rep
    return {"bits_per_s": 2.0e10 - 2.0e6 * rules - 1.0e8 * rep,
            "bytes_per_call": 47650.0 + rep, "hook_calls": 110640.0 - rep,
            "hook_ns": hook, "hook_p50_ns": hook * 0.98,
            "hook_p99_ns": hook * 2.0, "hook_unpaired": 0.0,
            "rules": float(rules)}


def row(rules, rep, reps=REPS, observers=None, label=None):
    name = f"Chain/{rules}/manual_time"
    out = {"name": name, "family_index": 0,
           "per_family_instance_index": rules // 100, "run_name": name,
           "run_type": "iteration", "repetitions": reps,
           "repetition_index": rep, "threads": 1, "iterations": 1,
           "real_time": 2001.8 + rep, "cpu_time": 1937.7 + rep,
           "time_unit": "ms"}
    out.update(counters(rules, rep))
    if observers is not None:
        out["observers"] = float(observers)
    if label:
        out["label"] = label
    return out


def failed_row(rules, rep, reps=REPS, message="iperf3 JSON has no "
               "\"sum_received\""):
    name = f"Chain/{rules}/manual_time"
    return {"name": name, "run_name": name, "run_type": "iteration",
            "repetitions": reps, "repetition_index": rep, "threads": 1,
            "error_occurred": True, "error_message": message,
            "iterations": 1, "real_time": 0.0, "cpu_time": 0.0,
            "time_unit": "ms"}


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
    ctx = {"date": "2026-11-26T15:22:10+00:00", "host_name": "vm",
           "executable": "/work/main/build/nf_bench", "num_cpus": 2,
           "mhz_per_cpu": 2596, "load_avg": [0.93, 1.22, 0.83],
           "library_build_type": "release", "duration_s": "2",
           "iperf3": "3.12", "iptables_backend": "legacy (libiptc)",
           "kernel": "6.18.44-test", "probe": "bracket",
           "probe_self_method": "hook walk with no iptables table",
           "probe_self_ns": "72.5"}
    ctx.update(extra)
    return ctx


def doc(rules=RULES, reps=REPS, observed=(), fail=(), aggregates_only=False,
        with_observers=False, **ctx):
    """A sweep. observed: rule counts whose rows saw an observer; fail:
    (rules, rep) pairs that failed. with_observers adds observers = 0 to
    the other rows, as nf_bench from 2026-12 writes it."""
    benchmarks = []
    for n in rules:
        rows = []
        for rep in range(reps):
            if (n, rep) in fail:
                benchmarks.append(failed_row(n, rep, reps))
                continue
            watched = n in observed
            rows.append(row(
                n, rep, reps,
                observers=1 if watched else (0 if with_observers else None),
                label=("observed: netfilter bpf prog 812 prio -2147483646"
                       if watched else None)))
        if not aggregates_only:
            benchmarks += rows
        if rows and reps > 1:
            benchmarks += aggregates(rows)
    return {"context": context(**ctx), "benchmarks": benchmarks}
