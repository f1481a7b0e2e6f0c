"""Reads nf_bench's Google Benchmark JSON: the one loader that the plot,
report and gate tools share.

A run becomes {rule count: {metric: [one value per repetition]}} for the
`Chain/<rules>` family. Metrics are nf_bench's user counters (bits_per_s,
hook_ns, hook_p50_ns, hook_p99_ns, hook_calls, bytes_per_call) plus
real_time_s and cpu_time_s. Failed runs (error_occurred) are left out and
counted. Unknown fields are ignored. Anything that is not Google Benchmark
JSON, or has no Chain result, raises InputError with a one-line message.
"""

import json
import re
from dataclasses import dataclass, field

COUNTERS = ("bits_per_s", "hook_ns", "hook_p50_ns", "hook_p99_ns",
            "hook_calls", "bytes_per_call")
TIME_METRICS = ("real_time_s", "cpu_time_s")
METRICS = COUNTERS + TIME_METRICS

_CHAIN_NAME = re.compile(r"Chain/(\d+)(?:/|$)")
_TIME_UNIT_S = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


class InputError(Exception):
    """The input cannot be used; the message says why, in one line."""


@dataclass
class Run:
    path: str
    context: dict
    # rules -> metric -> values, one per repetition (or one aggregate)
    points: dict = field(default_factory=dict)
    failed: int = 0  # benchmark runs that recorded an error, not a number

    @property
    def rules(self):
        return sorted(self.points)

    def values(self, rules, metric):
        return self.points.get(rules, {}).get(metric, [])

    @property
    def label(self):
        """What tells this run apart in a legend: kernel, probe, backend."""
        parts = [str(self.context[k]) for k in
                 ("kernel", "probe", "iptables_backend") if self.context.get(k)]
        return " · ".join(parts) if parts else self.path


def _metrics_of(entry):
    out = {}
    for name in COUNTERS:
        value = entry.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[name] = float(value)
    scale = _TIME_UNIT_S.get(entry.get("time_unit", "ns"), 1e-9)
    for key, name in (("real_time", "real_time_s"), ("cpu_time", "cpu_time_s")):
        value = entry.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[name] = float(value) * scale
    return out


def load(path):
    """The Chain results of one Google Benchmark JSON file, as a Run."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: not JSON ({e})") from None
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise InputError(f"{path}: not Google Benchmark JSON "
                         "(no \"benchmarks\" list)")
    context = data.get("context")
    run = Run(path=path, context=context if isinstance(context, dict) else {})

    aggregates = {}  # rules -> metrics of the median (or mean) aggregate
    for entry in data["benchmarks"]:
        if not isinstance(entry, dict):
            continue
        match = _CHAIN_NAME.match(str(entry.get("run_name") or
                                      entry.get("name", "")))
        if not match:
            continue
        rules = int(match.group(1))
        if entry.get("error_occurred"):
            run.failed += 1
            continue
        metrics = _metrics_of(entry)
        if entry.get("run_type") == "aggregate":
            name = entry.get("aggregate_name")
            if name == "median" or (name == "mean" and rules not in aggregates):
                aggregates[rules] = metrics
            continue
        point = run.points.setdefault(rules, {})
        for name, value in metrics.items():
            point.setdefault(name, []).append(value)
    # Output with --benchmark_report_aggregates_only: one value per point.
    for rules, metrics in aggregates.items():
        if rules not in run.points:
            run.points[rules] = {k: [v] for k, v in metrics.items()}
    if not run.points:
        why = f" ({run.failed} failed)" if run.failed else ""
        raise InputError(f"{path}: no Chain/<rules> results{why}")
    return run
