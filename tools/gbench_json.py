"""Reads nf_bench's Google Benchmark JSON: the one loader that the plot,
report and gate tools share.

A run becomes {rule count: {metric: [one value per repetition]}} for the
`Chain/<rules>` family. Metrics are the numbers in QUANTITIES below: nf_bench's
user counters plus real_time_s and cpu_time_s. Unknown fields are ignored.

The loader refuses (InputError, one line naming file, benchmark and counter)
what cannot be a measurement: a known counter that is not a number, NaN or
inf, or outside its valid range (hook_ns = 0, 1e308, a negative rule count,
Chain/99999999999999999999), a bad time_unit, a known context entry that is
not a number in its range, JSON nested too deep to read, and a file with no
usable Chain result. Only rows the tools use are checked: per-repetition
rows, or the median (else mean) aggregate when a point has no repetition
rows; Google Benchmark writes NaN into stddev/cv rows of constant counters,
and those are never read.

Failed runs (error_occurred) are left out of the values and kept, with their
messages, per rule count; load(path, need_results=False) accepts a file
whose Chain runs all failed (the gate names them). Points whose rows saw
foreign observers (the `observers` counter > 0, with the row's `label`) are
in Run.observed; known context numbers (duration_s, and the load context
load_avg_1m, cpus, other_nf_bench, cpu_busy_at_start, which load_warnings
turns into warnings) in Run.numbers. Files from before nf_bench recorded
observers and load (results/reference.json) load with both empty: "not
recorded", no warning.
"""

import json
import math
import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Quantity:
    """A number nf_bench writes, and the values it can really take."""
    name: str
    unit: str
    worse: int            # +1: up is worse, -1: down is worse, 0: not gated
    low: float            # valid range low..high
    high: float
    positive: bool = False  # low itself is not valid: 0 is no measurement
    integer: bool = False
    where: str = "row"    # "row": counter of a benchmark row; "context"

    def why_invalid(self, x):
        """None when x (a finite float) can be real, else why not."""
        if (x > self.low if self.positive else x >= self.low) \
                and x <= self.high and (not self.integer or x == int(x)):
            return None
        unit = f" {self.unit}" if self.unit else ""
        return (f"is outside {self.low:g} {'<' if self.positive else '<='} "
                f"{self.name} <= {self.high:g}{unit}"
                + (", whole" if self.integer else ""))


# The ONE list of numbers the tools read, with units, which way is worse and
# the range a real run can produce. Outside it the file is damaged, edited or
# from a broken build, and the tools say so instead of plotting or gating
# it. The bounds are deliberately wide (a slow VM, nft, 60 000 extra rules
# stay far inside); they catch 0, negatives, 1e308 and overflowed casts.
QUANTITIES = (
    # user counters of a Chain/<rules> row; a run (at most 3600 s) that
    # received one byte has 8/3600 bit/s, so 1e-3 is the floor (below it,
    # the report's fit of 1/bits_per_s would overflow)
    Quantity("bits_per_s", "bit/s", -1, 1e-3, 1e13),
    Quantity("hook_ns", "ns", +1, 0, 1e9, positive=True),  # 1 s per walk
    # percentiles from the histogram, whose first bucket starts at 0 ns
    Quantity("hook_p50_ns", "ns", +1, 0, 1e9),
    Quantity("hook_p99_ns", "ns", +1, 0, 1e9),
    Quantity("hook_calls", "walks per run", 0, 0, 1e12, positive=True),
    Quantity("bytes_per_call", "bytes", 0, 0, 2.0 ** 32, positive=True),
    # A quality count (the tests hold it below 1% of hook_calls), not a cost.
    Quantity("hook_unpaired", "walks per run", 0, 0, 1e12),
    # nf_bench builds at most 65 534 (fixtures/rule_set.h kMaxRules).
    Quantity("rules", "rules", 0, 0, 1e6, integer=True),
    # Not whole in mean aggregates of repetitions that saw different counts.
    Quantity("observers", "programs", 0, 0, 1e6),
    # the benchmark's own times (real_time, cpu_time in time_unit)
    Quantity("real_time_s", "s", +1, 0, 1e7),
    Quantity("cpu_time_s", "s", +1, 0, 1e7),
    # context entries (strings, as AddCustomContext writes them); nf_bench's
    # --duration is at most 3600 s
    Quantity("duration_s", "s", 0, 0, 1e6, positive=True, where="context"),
    Quantity("load_avg_1m", "", 0, 0, 1e6, where="context"),
    Quantity("cpus", "CPUs", 0, 1, 1e6, integer=True, where="context"),
    Quantity("other_nf_bench", "processes", 0, 0, 1e7, integer=True,
             where="context"),
    Quantity("cpu_busy_at_start", "of all CPUs", 0, 0, 1, where="context"),
)
QUANTITY = {q.name: q for q in QUANTITIES}
COUNTERS = tuple(q.name for q in QUANTITIES
                 if q.where == "row" and not q.name.endswith("_time_s"))
TIME_METRICS = ("real_time_s", "cpu_time_s")
METRICS = COUNTERS + TIME_METRICS
CONTEXT_NUMBERS = tuple(q.name for q in QUANTITIES if q.where == "context")

# Thresholds of the load warnings (see load_warnings).
BUSY_WARN = 0.25          # cpu_busy_at_start: a quarter of all CPUs busy

_CHAIN_NAME = re.compile(r"Chain/([0-9]+)(?:/|$)")
_TIME_UNIT_S = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
_REDO = "the file is damaged or edited: re-run nf_bench"
# real_time/cpu_time as written: finite and >= 0; the range is checked once
# they are in seconds.
_TIME_RAW = Quantity("real_time/cpu_time", "", 0, 0, math.inf)


def one_line(text):
    """text with line breaks (any that str.splitlines knows) as spaces."""
    return " ".join(str(text).splitlines())


def show(value, limit=60):
    """A value from the file, printable on one line and short."""
    if isinstance(value, str) and value.isprintable() and len(value) <= limit:
        return value
    if isinstance(value, (list, dict)):  # repr of a deep one would recurse
        return "a JSON " + ("array" if isinstance(value, list) else "object")
    if isinstance(value, int) and not isinstance(value, bool) \
            and abs(value) > 10 ** limit:
        return f"a number of more than {limit} digits"
    text = repr(value)  # escapes line breaks and unprintable characters
    return text if len(text) <= limit else text[:limit - 3] + "..."


def clean(text):
    """A string of the file that can be printed and written as UTF-8: JSON
    may hold lone surrogates (\\ud800), which no encoder accepts."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class InputError(Exception):
    """The input cannot be used; the message says why, in one line."""

    def __init__(self, message):
        super().__init__(one_line(message))


@dataclass
class Run:
    path: str
    context: dict  # the scalar entries; strings printable (see clean)
    # rules -> metric -> values, one per repetition (or one aggregate)
    points: dict = field(default_factory=dict)
    reps: dict = field(default_factory=dict)      # rules -> usable rows
    failures: dict = field(default_factory=dict)  # rules -> error messages
    observed: dict = field(default_factory=dict)  # rules -> labels
    numbers: dict = field(default_factory=dict)   # CONTEXT_NUMBERS present

    @property
    def rules(self):
        return sorted(self.points)

    @property
    def failed(self):
        """Benchmark runs that recorded an error, not a number."""
        return sum(len(m) for m in self.failures.values())

    def values(self, rules, metric):
        return self.points.get(rules, {}).get(metric, [])

    def restrict(self, keep):
        """Forgets every rule count not in `keep` (a gate on a subset)."""
        for table in (self.points, self.reps, self.failures, self.observed):
            for rules in [r for r in table if r not in keep]:
                del table[rules]

    @property
    def label(self):
        """What tells this run apart in a legend: kernel, probe, backend."""
        parts = [str(self.context[k]) for k in
                 ("kernel", "probe", "iptables_backend") if self.context.get(k)]
        return " · ".join(parts) if parts else self.path


def _number(value):
    """value as a float (inf when too large for one), or None when it is not
    a JSON number (a bool is not one)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return float(value)
    except OverflowError:  # an int of more than 308 digits
        return math.inf


def _checked(where, q, value, written=None):
    """value of quantity q as a valid float, or InputError naming where and
    what the file has (written, when value was converted from it)."""
    x = _number(value)
    if x is None:
        why = "is not a number"
    elif not math.isfinite(x):
        why = "is not a finite number"
    else:
        why = q.why_invalid(x)
        if why is None:
            return x
    written = value if written is None else written
    raise InputError(f"{where}: {q.name} = {show(written)} {why}; {_REDO}")


def _metrics_of(where, entry):
    """The known numbers of one used row, checked; absent ones left out."""
    out = {}
    for name in COUNTERS:
        if name in entry:
            out[name] = _checked(where, QUANTITY[name], entry[name])
    unit = entry.get("time_unit", "ns")
    if not isinstance(unit, str) or unit not in _TIME_UNIT_S:
        raise InputError(f"{where}: time_unit = {show(unit)} is not one of "
                         f"{', '.join(_TIME_UNIT_S)}; {_REDO}")
    for key, name in (("real_time", "real_time_s"), ("cpu_time", "cpu_time_s")):
        if key in entry:
            raw = _checked(where, _TIME_RAW, entry[key])
            out[name] = _checked(where, QUANTITY[name],
                                 raw * _TIME_UNIT_S[unit])
    return out


def _read(path):
    """The parsed JSON of path, or InputError."""
    hint = "give the --benchmark_out file nf_bench wrote"
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from None
    except RecursionError:
        raise InputError(f"{path}: not JSON that can be read (nested too "
                         f"deep); {hint}") from None
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not JSON (not UTF-8: {e.reason} at byte "
                         f"{e.start}); {hint}") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not JSON ({e}); {hint}") from None
    except ValueError:  # Python refuses ints of more than 4300 digits
        raise InputError(f"{path}: not JSON that can be read (a number of "
                         f"thousands of digits); {hint}") from None


def _context(path, raw):
    """(scalar context entries, CONTEXT_NUMBERS present) of the file.

    Nested entries (caches, load_avg) are dropped: no tool shows them, and a
    deeply nested one would make str() fail."""
    context, numbers = {}, {}
    if not isinstance(raw, dict):
        return context, numbers
    for key, value in raw.items():
        if isinstance(value, str):
            context[key] = clean(value)
        elif isinstance(value, (int, float, bool)) or value is None:
            context[key] = value
    for name in CONTEXT_NUMBERS:
        if name not in raw:
            continue
        value = raw[name]
        try:  # Google Benchmark writes custom context as strings
            value = float(value) if isinstance(value, str) else value
        except ValueError:
            pass
        numbers[name] = _checked(f"{path}: context", QUANTITY[name], value,
                                 raw[name])
    return context, numbers


def _rule_count(path, name, digits):
    """The N of Chain/N, checked against the range of the rules counter."""
    q = QUANTITY["rules"]
    # int() of thousands of digits is slow or refused: the length decides.
    if len(digits) > 15 or q.why_invalid(float(int(digits))):
        raise InputError(f"{path}: {show(name)}: rule count {show(digits)} "
                         f"is outside 0 to {q.high:g} rules; {_REDO}")
    return int(digits)


def load(path, need_results=True):
    """The Chain results of one Google Benchmark JSON file, as a Run.

    need_results=False accepts a file whose Chain runs all failed (the gate
    reports those as failures of the contender, not as bad input)."""
    data = _read(path)
    if not (isinstance(data, dict)
            and isinstance(data.get("benchmarks"), list)):
        raise InputError(f"{path}: not Google Benchmark JSON "
                         "(no \"benchmarks\" list)")
    context, numbers = _context(path, data.get("context"))
    run = Run(path=path, context=context, numbers=numbers)

    aggregates = {}  # rules -> {aggregate name: entry}
    for entry in data["benchmarks"]:
        if not isinstance(entry, dict):
            continue
        name = entry.get("run_name") or entry.get("name")
        match = _CHAIN_NAME.match(name) if isinstance(name, str) else None
        if not match:
            continue
        rules = _rule_count(path, name, match.group(1))
        if entry.get("error_occurred"):
            message = entry.get("error_message")
            run.failures.setdefault(rules, []).append(
                show(clean(message), 120) if isinstance(message, str)
                else "no error message")
            continue
        if entry.get("run_type") == "aggregate":
            kind = entry.get("aggregate_name")
            if kind in ("median", "mean"):
                where = f"{path}: {show(name)} {kind}"
                aggregates.setdefault(rules, {})[kind] = (where, entry)
            continue
        _add(run, rules, f"{path}: {show(name)}", entry)
    # Output with --benchmark_report_aggregates_only: one value per point.
    for rules, by_name in aggregates.items():
        if rules in run.points:
            continue
        _add(run, rules, *(by_name.get("median") or by_name["mean"]))
        if "median" in by_name and "mean" in by_name:
            # one observed repetition shows in the mean, not in the median
            _observe(run, rules, *by_name["mean"])
    if not run.points and (need_results or not run.failures):
        why = f" ({run.failed} failed)" if run.failed else ""
        raise InputError(f"{path}: no Chain/<rules> results{why}")
    return run


def _add(run, rules, where, entry):
    """One used row: its checked numbers, and its observers if any."""
    point = run.points.setdefault(rules, {})
    run.reps[rules] = run.reps.get(rules, 0) + 1
    for name, value in _metrics_of(where, entry).items():
        point.setdefault(name, []).append(value)
    _observe(run, rules, where, entry)


def _observe(run, rules, where, entry):
    """Records the point as observed when the row saw foreign programs."""
    if "observers" not in entry:
        return
    if _checked(where, QUANTITY["observers"], entry["observers"]) > 0:
        labels = run.observed.setdefault(rules, [])
        label = entry.get("label")
        text = (show(clean(label), 200) if isinstance(label, str) and label
                else "observers > 0, no label")
        if text not in labels:
            labels.append(text)


def load_warnings(run):
    """Why the machine may have been busy while the run started, one line
    per reason quoting the values; empty when nothing says so (or nothing
    was recorded: files before nf_bench recorded the load)."""
    n = run.numbers
    out = []
    if n.get("other_nf_bench", 0) >= 1:
        out.append(f"other_nf_bench = {n['other_nf_bench']:g}: other nf_bench "
                   "processes were running at start")
    if n.get("cpu_busy_at_start", 0) >= BUSY_WARN:
        out.append(f"cpu_busy_at_start = {n['cpu_busy_at_start']:g}: "
                   f"{n['cpu_busy_at_start'] * 100:.0f}% of all CPUs were "
                   f"busy at start (warned from {BUSY_WARN:g})")
    cpus = n.get("cpus")
    if cpus is None:  # Google Benchmark's own count, if sane
        num = _number(run.context.get("num_cpus"))
        cpus = num if num is not None and 1 <= num <= 1e6 else None
    if "load_avg_1m" in n and cpus is not None and n["load_avg_1m"] >= cpus:
        out.append(f"load_avg_1m = {n['load_avg_1m']:g} with cpus = {cpus:g}:"
                   " the machine was loaded at least one task per CPU")
    return out
