"""Reads nf_bench's Google Benchmark JSON: the one loader that the plot,
report and gate tools share.

A run becomes {point: {metric: [one value per repetition]}}. A point is a
benchmark of a family in schema.FAMILIES (Chain, ChainIptNft, ChainNft:
the same chain made by the legacy, iptables-nft and nft backends; Shape*:
rules of shape k; Remedy*: blocked addresses without a rule each; the
traffic profiles Udp*, UdpPaced*, ConnRate*, Streams*; Install*: the cost
of setting the chain), named as Google Benchmark names its runs without
the suffixes it adds (run_name `ChainNft/3000/manual_time`, and its
aggregate rows `..._median`, are the point `ChainNft/3000`;
`Shape/2/1000/manual_time` is `Shape/2/1000`): the gate matches points by
that name. A point's x (the x of plots and fits) is its family's x
counter (schema Family.x): `rules`, the chain's real length (with
nf_bench's --extra_rules=E the point `Chain/3000` has rules = 3000 + E,
and context extra_rules = E), or for a remedy `blocked`, the addresses it
blocks; Run.x holds it. A point of a family with a leading argument also
has its lead counter (callbacks of a shape, payload_bytes of UDP, streams)
in Run.lead (Run.shape: the callbacks of the shape points). Every point
also has its `rules` counter in Run.rule_count (what `gate --rules`
selects). The optional counters (table_ns, only in runs made with
--table_time) are checked where a row has them.
A file may hold any of the families (results/reference.json has only
Chain); Run.families names those with results, Run.of_family(name) is the
Run of one of them, for tools that work per family. Metrics are the numbers
of schema.QUANTITIES: nf_bench's user counters plus real_time_s and
cpu_time_s. Unknown fields and other families are ignored.

The loader refuses (InputError, one line naming file, benchmark and counter)
what cannot be a measurement: a known counter that is not a number, NaN or
inf, or outside its valid range (hook_ns = 0, 1e308, a negative rule
count), a used row without a `rules` counter (nf_bench writes it in every
row it measured) or without its family's argument counters (blocked,
callbacks, payload_bytes, streams), an Install* row without real_time (its
measurement), a counter the row's family never carries (schema's rows
of each quantity: a hook_ns in an Install row, a blocked in a Chain row),
runs of one point with different argument counters, two points of a family
with the same arguments (x, and lead), a bad time_unit, a known context
entry that is not a number in its range, JSON nested too deep to read, and
a file with no usable result. Only rows the tools use are checked:
per-repetition rows, or the median (else mean) aggregate when a point has
no repetition rows; Google Benchmark writes NaN into stddev/cv rows of
constant counters, and those are never read.

Failed runs (error_occurred) are left out of the values and kept, with their
messages, per point name: Google Benchmark writes no counters into a failed
row, so a point that failed in every run has a name but no rule count.
load(path, need_results=False) accepts a file whose runs all failed (the
gate names them). Points whose rows saw foreign observers (the `observers`
counter > 0, with the row's `label`) are in Run.observed; known context
numbers (duration_s, extra_rules, and the load context load_avg_1m, cpus,
other_nf_bench, cpu_busy_at_start, which load_warnings turns into warnings)
in Run.numbers. Files from before nf_bench recorded observers and load
(results/reference.json) load with both empty: "not recorded", no warning.
Run.repetitions(point) names each used row of a point by its Google
Benchmark repetition_index, in row order (for the gate's per-repetition
fits, which pair repetition r of each point); when a row has none (an
aggregate, a hand-made file) the rows are numbered 0, 1, ... in file order
instead. A repetition_index that cannot be one is refused (InputError
naming file, point and index), in used and failed rows alike: one that is
not a whole number >= 0, one not below the row's `repetitions` (when the
row has that count), and the same index twice at a point of one file (a
row duplicated: the point would seem to have more repetitions than were
run, and the gate would compare, and pass, a fake sample).

load_side(spec) reads one side of a comparison made of several runs (the
gate's sweep, tools/gate_sweep.sh, writes one file per nf_bench process):
spec is a folder (every *.json in it), a comma-separated list of files, or
one file. Several files merge into one Run whose values hold every file's
rows; Run.process(point) says which file (0, 1, ...) each row came from,
Run.runs how many files there are, Run.parts their own Runs, and a row's
repetition is (file, repetition). A point must have the same argument
counters in every file of a side (one sweep's settings, run again).

What the tools write goes through here too: check_output(path) refuses
(UsageError) a path whose folder does not exist or cannot be written, so a
tool can refuse it before any work; atomic_output(path) writes a file whole
or not at all (a temporary in the same folder, os.replace()d into place).
"""

import argparse
import contextlib
import glob
import json
import math
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field


from .schema import (
    CONTEXT_NUMBERS, COUNTERS, FAMILIES, FAMILY, INSTALLS, QUANTITY,
    SCHEMA_VERSION, Quantity, carried)

class UsageError(Exception):
    """A bad command line of a tool; the message says why, in one line."""


class OneLineParser(argparse.ArgumentParser):
    """The tools' argument parser: a bad command line raises UsageError
    (the tool prints one line and exits 2), not argparse's usage text."""

    def error(self, message):
        raise UsageError(message)


def check_output(path, flag="-o"):
    """UsageError (one line) unless path can be written where it is: its
    folder exists and this user may create files there. The tools call it
    before any work, and create no folders (as nf_bench refuses a
    --benchmark_out it cannot write before it runs anything)."""
    folder = os.path.dirname(path) or "."
    cannot = f"cannot write {flag} {path}"
    if not os.path.exists(folder):
        why = (f"folder {folder} does not exist; create it or choose an "
               "existing folder")
    elif not os.path.isdir(folder):
        why = f"{folder} is not a folder; choose a path in a folder"
    elif not os.access(folder, os.W_OK | os.X_OK):
        why = f"folder {folder} is not writable; choose a writable folder"
    else:
        return
    raise UsageError(one_line(f"{cannot}: {why}"))


@contextlib.contextmanager
def atomic_output(path, binary=False):
    """Writes path whole or not at all: yields a file (text, UTF-8; or
    binary) that is a temporary in path's folder, and on a normal exit of
    the block flushes it to disk and os.replace()s it into path; on an
    exception (a full disk, an interrupt) the temporary is removed and
    path is as it was (absent, or its old content). The file gets the
    mode open() would give a new one (0666 less the umask)."""
    folder = os.path.dirname(path) or "."
    fd, temporary = tempfile.mkstemp(
        dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with (os.fdopen(fd, "wb") if binary else
              os.fdopen(fd, "w", encoding="utf-8")) as f:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(f.fileno(), 0o666 & ~umask)
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def write_whole(path, text, tool):
    """Writes text to path whole or not at all (atomic_output): 0, or 1
    with one `TOOL: cannot write PATH: why` line on stderr."""
    try:
        with atomic_output(path) as f:
            f.write(text)
    except OSError as e:
        print(f"{tool}: cannot write {path}: {e.strerror}", file=sys.stderr)
        return 1
    return 0


# Thresholds of the load warnings (see load_warnings).
BUSY_WARN = 0.25          # cpu_busy_at_start: a quarter of all CPUs busy

# What Google Benchmark appends to a run's name (BenchmarkName: min_time,
# min_warmup_time, iterations, repetitions, time_type, threads).
_SUFFIXES = ("manual_time", "real_time", "process_time")
_SUFFIX_KEYS = ("min_time", "min_warmup_time", "iterations", "repeats",
                "threads")
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
    # point -> metric -> values, one per repetition (or one aggregate)
    points: dict = field(default_factory=dict)
    reps: dict = field(default_factory=dict)      # point -> usable rows
    failures: dict = field(default_factory=dict)  # point -> error messages
    observed: dict = field(default_factory=dict)  # point -> labels
    numbers: dict = field(default_factory=dict)   # CONTEXT_NUMBERS present
    rule_count: dict = field(default_factory=dict)  # point -> rules counter
    family: str = None  # the one family of an of_family() Run, else None
    # point -> its family's x counter (rules, or blocked of a remedy)
    x: dict = field(default_factory=dict)
    # point -> its family's lead counter (callbacks, payload_bytes,
    # streams), for the points of families with a lead only
    lead: dict = field(default_factory=dict)
    # point -> the repetition_index of each used row (None: not given), in
    # the order of its values; the loader refuses repeated ones
    repetition: dict = field(default_factory=dict)
    parts: list = field(default_factory=list)  # the files' Runs, if merged

    @property
    def runs(self):
        """How many nf_bench processes (files) the values come from."""
        return len(self.parts) or 1

    def process(self, point):
        """The file (0, 1, ...) of each used row of the point, in row order."""
        reps = self.repetition.get(point, [])
        return [r[0] for r in reps] if self.parts else [0] * len(reps)

    def by_process(self, point, metric):
        """{file: [its values]} of the point, for the files that have it;
        ValueError when some rows lack the metric (then unpaired)."""
        values, files = self.values(point, metric), self.process(point)
        if len(values) != len(files):
            raise ValueError(f"{point}: {metric} missing in "
                             f"{len(files) - len(values)} of {len(files)} "
                             "runs")
        out = {}
        for f, v in zip(files, values):
            out.setdefault(f, []).append(v)
        return out

    @property
    def shape(self):
        """{point: callbacks} of the points of shape families."""
        return {p: v for p, v in self.lead.items()
                if FAMILY[family_of(p)].shaped}

    @property
    def names(self):
        """The points with results, by x (then lead)."""
        return sorted(self.points, key=lambda p: (self.x[p],
                                                  self.lead.get(p, -1), p))

    @property
    def rules(self):
        """The rule counts of the points with results (by x)."""
        return [self.rule_count[p] for p in self.names]

    def series(self, family, metric, lead=None):
        """{x: values} of one family's points (of one lead) that have the
        metric, by x."""
        return {self.x[p]: self.values(p, metric) for p in self.names
                if family_of(p) == family and self.lead.get(p) == lead
                and self.values(p, metric)}

    def by_rules(self, metric):
        """{rule count: values} of the points that have the metric (a run
        of one family: rule counts are its points')."""
        return {self.rule_count[p]: self.values(p, metric)
                for p in self.names if self.values(p, metric)}

    @property
    def failed(self):
        """Benchmark runs that recorded an error, not a number."""
        return sum(len(m) for m in self.failures.values())

    @property
    def families(self):
        """The families with results, in schema.FAMILIES order."""
        have = {family_of(p) for p in self.points}
        return [f.name for f in FAMILIES if f.name in have]

    def of_family(self, family):
        """The Run of this file's points of one family (results, failures,
        observers); context and numbers are the file's."""
        return self.of_families((family,), family)

    def of_families(self, families, family=None):
        """The Run of this file's points of these families, e.g. of
        schema.CHAINS (the Chain families of a file that also has
        shapes); its `family` is the given one (None: several)."""
        def mine(table):
            return {p: v for p, v in table.items()
                    if family_of(p) in families}
        return Run(path=self.path, context=self.context,
                   points=mine(self.points), reps=mine(self.reps),
                   failures=mine(self.failures),
                   observed=mine(self.observed), numbers=self.numbers,
                   rule_count=mine(self.rule_count), family=family,
                   x=mine(self.x), lead=mine(self.lead),
                   repetition=mine(self.repetition),
                   parts=[p.of_families(families, family)
                          for p in self.parts])

    def backend_of(self, family):
        """What the context says made the family's chain ('nft (libnftables
        1.0.6)' from iptables_backend 'Chain: legacy (...); ChainNft: nft
        (libnftables 1.0.6)'), or None when it does not say it per family
        (files before nf_bench had several backends)."""
        text = self.context.get("iptables_backend")
        for part in text.split("; ") if isinstance(text, str) else ():
            name, sep, what = part.partition(": ")
            if sep and name == family and what:
                return what
        return None

    def values(self, point, metric):
        return self.points.get(point, {}).get(metric, [])

    def repetitions(self, point):
        """The repetition of each used row of the point, in the order of
        the values of a metric every row has: the rows' repetition_index
        when every row has one (load refuses repeated ones), else 0, 1, ...
        in file order; in a merged Run (file, repetition) pairs."""
        given = self.repetition.get(point, [])
        if None in given or len(set(given)) < len(given):
            return list(range(len(given)))
        return list(given)

    def restrict(self, keep):
        """Forgets every point not in `keep` (a gate on a subset)."""
        for table in (self.points, self.reps, self.failures, self.observed,
                      self.rule_count, self.x, self.lead, self.repetition):
            for point in [p for p in table if p not in keep]:
                del table[point]
        for part in self.parts:
            part.restrict(keep)

    @property
    def label(self):
        """What tells this run apart in a legend: kernel, probe, backend."""
        parts = [str(self.context[k]) for k in
                 ("kernel", "probe", "iptables_backend") if self.context.get(k)]
        name = getattr(self, "name", None)  # given on the command line
        if name:
            parts.insert(0, name)
        return " · ".join(parts) if parts else self.path


def point_name(run_name):
    """The point a row belongs to: its run name without the suffixes Google
    Benchmark adds (Chain/3000/manual_time -> Chain/3000)."""
    parts = run_name.split("/")
    while len(parts) > 1 and (parts[-1] in _SUFFIXES or
                              parts[-1].split(":")[0] in _SUFFIX_KEYS):
        parts.pop()
    return "/".join(parts)


def family_of(point):
    """The family of a point: its name up to the first '/'."""
    return point.split("/", 1)[0]


def number(value):
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
    x = number(value)
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
    _check_schema_version(path, raw)
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


def _check_schema_version(path, raw):
    """Refuses a file of a contract these tools do not know. A file without
    schema_version was written before nf_bench wrote one (an old file, read
    as version 0); one whose version is not a whole number is damaged."""
    if "schema_version" not in raw:
        return
    written = raw["schema_version"]
    # nf_bench writes it as text ("1"); a whole number is also taken
    digits = written if isinstance(written, str) else (
        str(written) if type(written) is int else "")
    if not (digits.isascii() and digits.isdigit()):
        raise InputError(f"{path}: context schema_version = {show(written)} "
                         f"is not a whole number; {_REDO}")
    version = int(digits)
    if version > SCHEMA_VERSION:
        by = raw.get("nf_bench_version")
        by = f" {show(clean(by))}" if isinstance(by, str) else ""
        raise InputError(f"{path}: written by nf_bench{by} with schema "
                         f"version {version}; these tools read versions up "
                         f"to {SCHEMA_VERSION}: use the tools of that "
                         "nf_bench")


def _point(entry):
    """(row name, point) of a row of a family in FAMILIES, else None. The
    point is printable on one line (escaped where it is not)."""
    name = entry.get("run_name") or entry.get("name")
    if not isinstance(name, str):
        return None
    point = clean(point_name(name))
    if family_of(point) not in FAMILY:
        return None
    return name, point if point.isprintable() else repr(point)[1:-1]


def _families():
    """How the messages name what was looked for: one family of each
    naming (Chain/<rules>, Shape/<callbacks>/<rules>, ...)."""
    names = {f.args: f.name + "".join(f"/<{a}>" for a in f.args)
             for f in reversed(FAMILIES)}  # the first of each kind wins
    shown = sorted(names.values(), key=lambda n: [f.name for f in FAMILIES]
                   .index(n.split("/")[0]))
    return ", ".join(shown) + ", ...; `nf_bench --help` lists them"


def load(path, need_results=True):
    """The results of one Google Benchmark JSON file, as a Run.

    need_results=False accepts a file whose runs all failed (the gate
    reports those as failures of the contender, not as bad input)."""
    data = _read(path)
    if not (isinstance(data, dict)
            and isinstance(data.get("benchmarks"), list)):
        raise InputError(f"{path}: not Google Benchmark JSON "
                         "(no \"benchmarks\" list)")
    context, numbers = _context(path, data.get("context"))
    run = Run(path=path, context=context, numbers=numbers)

    aggregates = {}  # point -> {aggregate name: (where, entry)}
    indices = {}     # point -> the repetition_index values of its rows
    for entry in data["benchmarks"]:
        found = _point(entry) if isinstance(entry, dict) else None
        if found is None:
            continue
        name, point = found
        where = f"{path}: {show(name)}"
        if entry.get("run_type") != "aggregate":
            _check_repetition(path, point, entry, indices)
        if entry.get("error_occurred"):
            message = entry.get("error_message")
            run.failures.setdefault(point, []).append(
                show(clean(message), 120) if isinstance(message, str)
                else "no error message")
        elif entry.get("run_type") != "aggregate":
            _add(run, point, where, entry)
        elif entry.get("aggregate_name") in ("median", "mean"):
            kind = entry["aggregate_name"]
            aggregates.setdefault(point, {})[kind] = (f"{where} {kind}", entry)
    _use_aggregates(run, aggregates)
    if not run.points and (need_results or not run.failures):
        why = f" ({run.failed} failed)" if run.failed else ""
        raise InputError(f"{path}: no results of an nf_bench family "
                         f"({_families()}){why}")
    _check_distinct(run)
    return run


def side_paths(spec):
    """The files of one side: a folder's *.json (run-2 before run-10), a
    comma-separated list, or the one file; InputError when there are none."""
    if os.path.isdir(spec):
        def natural(path):
            return [int(t) if t.isdigit() else t
                    for t in re.split(r"(\d+)", os.path.basename(path))]
        paths = sorted(glob.glob(os.path.join(spec, "*.json")), key=natural)
        if not paths:
            raise InputError(f"{spec}: a folder with no .json file; give "
                             "the folder tools/gate_sweep.sh wrote")
        return paths
    paths = [p for p in spec.split(",") if p] if "," in spec else [spec]
    if not paths:
        raise InputError(f"{spec!r}: no file named; give files or a folder")
    return paths


def load_side(spec, need_results=True):
    """One side of a comparison (see the module's doc): a Run, merged from
    several files when spec names more than one."""
    paths = side_paths(spec)
    if len(paths) == 1:
        return load(paths[0], need_results)
    return merge(spec, [load(p, need_results) for p in paths])


def merge(spec, parts):
    """One Run of several files' runs of the same sweep."""
    first = parts[0]
    run = Run(path=spec, context=first.context, numbers=first.numbers,
              parts=parts)
    for k, part in enumerate(parts):
        for point in part.points:
            _same_arguments(run, part, point)
            values = run.points.setdefault(point, {})
            for metric, vs in part.points[point].items():
                values.setdefault(metric, []).extend(vs)
            run.reps[point] = run.reps.get(point, 0) + part.reps[point]
            run.repetition.setdefault(point, []).extend(
                (k, r) for r in part.repetitions(point))
        for point, errors in part.failures.items():
            run.failures.setdefault(point, []).extend(errors)
        for point, labels in part.observed.items():
            have = run.observed.setdefault(point, [])
            have.extend(label for label in labels if label not in have)
    return run


def _same_arguments(run, part, point):
    """Takes the point's argument counters from the part, or InputError
    when an earlier file of the side had other ones."""
    for table, theirs in ((run.rule_count, part.rule_count),
                          (run.x, part.x), (run.lead, part.lead)):
        if point not in theirs:
            continue
        if table.setdefault(point, theirs[point]) != theirs[point]:
            raise InputError(
                f"{run.path}: {point} has {table[point]} in one file and "
                f"{theirs[point]} in {part.path}: the files of a side must "
                "be runs of one sweep (same flags)")


def _use_aggregates(run, aggregates):
    """Output with --benchmark_report_aggregates_only: one value per point,
    from the median (else the mean) row."""
    for point, by_name in aggregates.items():
        if point in run.points:
            continue
        _add(run, point, *(by_name.get("median") or by_name["mean"]))
        if "median" in by_name and "mean" in by_name:
            # one observed repetition shows in the mean, not in the median
            _observe(run, point, *by_name["mean"])


def _add(run, point, where, entry):
    """One used row: its checked numbers, its argument counters (its
    family's x and lead, and rules) and its observers if any."""
    family = FAMILY[family_of(point)]
    metrics = _metrics_of(where, entry)
    _check_carried(where, family, metrics)
    _argument(run.rule_count, point, where, metrics, "rules",
              "nf_bench writes the chain's rule count into every row")
    _argument(run.x, point, where, metrics, family.x,
              f"nf_bench writes it into every {family.name} row")
    if family.lead:
        _argument(run.lead, point, where, metrics, family.lead,
                  f"nf_bench writes it into every {family.name} row")
    if family.name in INSTALLS and "real_time_s" not in metrics:
        raise InputError(f"{where}: no real_time (Google Benchmark's time of "
                         f"the commit, what {family.name} measures); {_REDO}")
    values = run.points.setdefault(point, {})
    run.reps[point] = run.reps.get(point, 0) + 1
    run.repetition.setdefault(point, []).append(_repetition_index(entry))
    for name, value in metrics.items():
        values.setdefault(name, []).append(value)
    _observe(run, point, where, entry)


def _repetition_index(entry):
    """The row's repetition_index (an int; _check_repetition refused any
    other), or None when it has none (Run.repetitions then numbers the
    rows in file order)."""
    index = entry.get("repetition_index")
    return None if index is None else _whole(index)


def _whole(value):
    """value as an int when it is a JSON whole number (1, 1.0), else
    None (a bool, a string, 1.5, inf)."""
    x = number(value)
    if x is None or not math.isfinite(x) or x != int(x):
        return None
    return int(x)


def _check_repetition(path, point, entry, indices):
    """InputError when a repetition row's repetition_index cannot be one:
    not a whole number >= 0, not below the row's `repetitions` (when it
    has a whole number >= 1 there), or one an earlier row of the point in
    this file had (indices: point -> the indices seen, updated)."""
    if entry.get("repetition_index") is None:
        return
    raw = entry["repetition_index"]
    index = _whole(raw)
    shown = show(repr(raw)) if isinstance(raw, str) else show(raw)
    where = f"{path}: {point}: repetition_index = {shown}"
    if index is None or index < 0:
        raise InputError(f"{where} is not a whole number >= 0; {_REDO}")
    count = _whole(entry.get("repetitions"))
    if count is not None and count >= 1 and index >= count:
        raise InputError(f"{where} is not below the row's repetitions = "
                         f"{count}; {_REDO}")
    seen = indices.setdefault(point, set())
    if index in seen:
        raise InputError(f"{where} in two rows (a repetition duplicated: "
                         f"the point would seem to have more repetitions "
                         f"than were run); {_REDO}")
    seen.add(index)


def _check_carried(where, family, metrics):
    """InputError when the row has a counter its family's rows never carry
    (schema's rows of each quantity): a row of another family, edited."""
    extra = [m for m in metrics if m not in carried(family)]
    if extra:
        raise InputError(
            f"{where}: {extra[0]} in a {family.name} row, where nf_bench "
            f"never writes it ({family.workload} rows); {_REDO}")


def _argument(store, point, where, metrics, name, why):
    """Records a point's argument counter (rules, blocked, callbacks, ...)
    in store: it must be in the row and the same in every run of the
    point."""
    if name not in metrics:
        raise InputError(f"{where}: no {name} counter ({why}); {_REDO}")
    value = int(metrics[name])
    known = store.setdefault(point, value)
    if known != value:
        raise InputError(f"{where}: {name} = {value}, but other runs of "
                         f"{point} have {name} = {known}; {_REDO}")


def _check_distinct(run):
    """InputError when two points of a family have the same arguments
    (x, and lead: of a shape family the same callbacks and rules)."""
    seen = {}
    for point in run.names:
        family = FAMILY[family_of(point)]
        key = (family.name, run.lead.get(point), run.x[point])
        if family.lead:
            what = (f"({family.lead}, {family.x}) = ({key[1]}, {key[2]})")
        else:
            what = f"{family.x} = {key[2]}"
        if key in seen:
            raise InputError(f"{run.path}: {seen[key]} and {point} both have "
                             f"{what}; {_REDO}")
        seen[key] = point


def _observe(run, point, where, entry):
    """Records the point as observed when the row saw foreign programs."""
    if "observers" not in entry:
        return
    if _checked(where, QUANTITY["observers"], entry["observers"]) > 0:
        labels = run.observed.setdefault(point, [])
        label = entry.get("label")
        text = (show(clean(label), 200) if isinstance(label, str) and label
                else "observers > 0, no label")
        if text not in labels:
            labels.append(text)


def load_warnings(run):
    """Why the machine may have been busy while the run started, one line
    per reason quoting the values; empty when nothing says so (or nothing
    was recorded: files before nf_bench recorded the load)."""
    if run.parts:
        return [f"{os.path.basename(part.path)}: {line}"
                for part in run.parts for line in load_warnings(part)]
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
        num = number(run.context.get("num_cpus"))
        cpus = num if num is not None and 1 <= num <= 1e6 else None
    if "load_avg_1m" in n and cpus is not None and n["load_avg_1m"] >= cpus:
        out.append(f"load_avg_1m = {n['load_avg_1m']:g} with cpus = {cpus:g}:"
                   " the machine was loaded at least one task per CPU")
    return out
