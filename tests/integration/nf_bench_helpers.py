"""Running nf_bench and nf_watch and reading what they print: where the
binaries are, how to run them (bounded, cleaned up), their JSON report and
console lines, the probe strategies nf_bench has. Readings of the host (to
prove a run left nothing) are in hoststate.py.
"""

import glob
import json
import os
import re
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
NF_BENCH = os.environ.get("NF_BENCH") or os.path.normpath(
    os.path.join(HERE, "..", "..", "build", "nf_bench"))
NF_WATCH = os.environ.get("NF_WATCH") or os.path.join(
    os.path.dirname(NF_BENCH), "nf_watch")

RUN_TIMEOUT_S = 120     # the longest any single nf_bench run may take
CLEANUP_TIMEOUT_S = 10  # how long the kernel may take to free what a run held
STARTUP_TIMEOUT_S = 10  # how long a run may take to fork its server and attach
SCHEMA_TIMEOUT_S = 30   # nf_bench --print_schema sets nothing up
IPERF_PORT = 5201       # the iperf3 server's port in the receiver namespace

# Context entries nf_bench writes as text; its numeric ones are in the schema.
CONTEXT_TEXT_KEYS = ("kernel", "probe", "probe_self_ns", "probe_self_method",
                     "iptables_backend", "iperf3", "sender_netns",
                     "observer_scan", "host_iptables", "bpf_jit_enable",
                     "spectre_v2")
# What Google Benchmark itself writes in a row: every other key is a counter.
GBENCH_ROW_KEYS = frozenset((
    "name", "family_index", "per_family_instance_index", "run_name",
    "run_type", "repetitions", "repetition_index", "threads", "iterations",
    "real_time", "cpu_time", "time_unit", "label", "error_occurred",
    "error_message", "aggregate_name", "aggregate_unit"))


def note(message):
    """A line for the person reading `unittest -v` output."""
    print(f"\n    note: {message}", file=sys.stderr, flush=True)


def skip_without(binary):
    """Skips the calling test (class) when `binary` is not built."""
    if not os.access(binary, os.X_OK):
        raise unittest.SkipTest(f"no {os.path.basename(binary)} binary at "
                                f"{binary}")


def stop_process(proc, timeout_s=RUN_TIMEOUT_S):
    """Kills and reaps a Popen of ours if it still runs (test cleanup)."""
    if proc.poll() is None:
        proc.kill()
    try:
        proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        pass


# --- nf_bench --------------------------------------------------------------

def schema():
    """What nf_bench declares it writes and takes (`--print_schema`)."""
    return json.loads(subprocess.run(
        [NF_BENCH, "--print_schema"], capture_output=True, text=True,
        check=True, timeout=SCHEMA_TIMEOUT_S).stdout)


def probe_names():
    """nf_bench's probe strategies."""
    return [probe["name"] for probe in schema()["probes"]]


def family(name):
    """The declared family of that name."""
    return next(f for f in schema()["families"] if f["name"] == name)


def row_tags(family_name):
    """The tags of a family's rows: its workload, and "remedy"."""
    f = family(family_name)
    return {f["workload"]} | ({"remedy"} if f["remedy"] else set())


def declared_names(where, flags=(), family_name="Chain"):
    """Names of the declared quantities of a row ("row") of `family_name`,
    or of the context, as a run with `flags` (e.g. "--table_time") writes
    them: nf_bench's own, not Google Benchmark's times (real_time_s,
    cpu_time_s: aggregation "gbench", its row's real_time and cpu_time)."""
    tags = row_tags(family_name) if where == "row" else set()
    return {q["name"] for q in schema()["quantities"]
            if q["where"] == where and q.get("when", "") in ("", *flags)
            and q["aggregation"] != "gbench"
            and (where != "row" or tags & set(q["rows"]))}


def families_where(**fields):
    """Names of the declared families with these field values."""
    return [f["name"] for f in schema()["families"]
            if all(f[k] == v for k, v in fields.items())]


def benchmark_names():
    """Every benchmark nf_bench declares, as --benchmark_list_tests lists
    them: each family's points in declaration order, the shape varying
    fastest (Google Benchmark's ArgsProduct order)."""
    names = []
    for f in schema()["families"]:
        prefixes = [f"{f['name']}/{k}" for k in f["leads"]] or [f["name"]]
        clock = "real_time" if f["workload"].startswith("install") \
            else "manual_time"
        names += [f"{p}/{n}/{clock}" for n in f["points"] for p in prefixes]
    return names


def row_counters(entry):
    """The user counters of a benchmark row."""
    return set(entry) - GBENCH_ROW_KEYS


def nf_bench_running():
    """True while any process named nf_bench lives (a run, or the server
    child of one), zombies not counted."""
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                text = f.read()
        except OSError:
            continue  # gone meanwhile
        name, _, rest = text.partition(" (")[2].rpartition(") ")
        if name == "nf_bench" and rest[:1] not in ("Z", "X"):
            return True
    return False


def run_nf_bench(*args, user=None, timeout_s=RUN_TIMEOUT_S):
    """Runs nf_bench to completion (killed after timeout_s): CompletedProcess
    with text stdout/stderr. `user` runs it as that user with no privileges."""
    prefix = []
    if user is not None:
        prefix = ["setpriv", f"--reuid={user}", "--regid=nogroup",
                  "--clear-groups"]
    return subprocess.run(prefix + [NF_BENCH, *args], capture_output=True,
                          text=True, timeout=timeout_s, cwd="/")


def start_nf_bench(*args, stderr=subprocess.PIPE):
    """nf_bench ARGS in the background: a Popen with stdout discarded and
    stderr (its console context, warnings, errors) as text to read; stop it
    with stop_process."""
    return subprocess.Popen([NF_BENCH, *args], stdout=subprocess.DEVNULL,
                            stderr=stderr, text=True, cwd="/")


def parse_json_run(test, proc):
    """The JSON report of a successful run, with a readable failure if not."""
    test.assertEqual(proc.returncode, 0,
                     f"nf_bench failed: {proc.stderr.strip()}")
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        test.fail(f"stdout is not JSON ({e}): {proc.stdout[:500]!r}")


def run_nf_bench_json(test, *args, timeout_s=RUN_TIMEOUT_S):
    """nf_bench ARGS --benchmark_format=json: its report, or a test failure
    when it does not exit 0 with JSON on stdout."""
    return parse_json_run(test, run_nf_bench(
        *args, "--benchmark_format=json", timeout_s=timeout_s))


def rows_by_point(report):
    """{point: row} of a report's rows, the point its name without Google
    Benchmark's clock suffix (Chain/3000, Udp/64/0)."""
    return {row["name"].rsplit("/", 1)[0]: row
            for row in report["benchmarks"]}


def floors_by_point(report, counter):
    """{point: the lowest `counter` of its repetitions} (the floor, as
    the gate takes it: noise only adds time), over the iteration rows."""
    out = {}
    for row in report["benchmarks"]:
        if row.get("run_type") == "iteration" and counter in row:
            point = row["name"].rsplit("/", 1)[0]
            out[point] = min(out.get(point, row[counter]), row[counter])
    return out


def benchmarks_by_rules(report):
    """{rules: row} of the report's successful benchmark runs, keyed by each
    row's `rules` counter. Aggregates (mean, median ...) and failed runs
    are not in it: failed runs carry no counters (see failed_benchmarks)."""
    out = {}
    for row in report["benchmarks"]:
        if row.get("error_occurred") or row.get("run_type") == "aggregate":
            continue
        rules = int(row["rules"])
        if rules in out:
            raise ValueError(f"two rows for {rules} rules: "
                             f"{out[rules]['name']} and {row['name']}")
        out[rules] = row
    return out


def failed_benchmarks(report):
    """{name: error message} of the report's failed benchmark runs (Google
    Benchmark writes them without counters)."""
    return {row["name"]: row.get("error_message", "")
            for row in report["benchmarks"] if row.get("error_occurred")}


def sender_netns_inode(stderr, timeout_s):
    """The inode of a running nf_bench's sender namespace, from the
    `sender_netns: N` line of its console context on `stderr` (printed
    before any benchmark runs); None when it does not come in time."""
    deadline = time.monotonic() + timeout_s
    for line in stderr:
        match = re.match(r"sender_netns: (\d+)", line)
        if match:
            return int(match.group(1))
        if time.monotonic() > deadline:
            break
    return None


# --- nf_watch --------------------------------------------------------------

_WATCH_TOTAL = re.compile(r"hook calls (\d+) \(")
_WATCH_ROW = re.compile(r"^\s+(\d+)\s+(\S+)\s+\d+\s+\S+ \S+$")


def watch_counts(probe, watched, others, datagrams, timeout_s=RUN_TIMEOUT_S):
    """Runs nf_watch on `watched` (a netns_traffic.TrafficNamespace), sends
    `datagrams` there and twice as many in each of `others`, then stops it
    with SIGINT (it prints the interval so far). Returns (total hook calls
    it printed, {pid: comm} of its rows, nf_watch's whole output)."""
    watch = subprocess.Popen(
        [NF_WATCH, f"--netns={watched.netns_path}", f"--probe={probe}",
         "--interval=3600", "--count=1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = watch.stdout.readline()
        if not first.startswith("nf_watch: probe"):
            watch.kill()
            _, err = watch.communicate(timeout=timeout_s)
            raise RuntimeError(f"nf_watch did not start: {first}{err}")
        for ns in others:
            ns.send(2 * datagrams)
        watched.send(datagrams)
        watch.send_signal(signal.SIGINT)
        out, err = watch.communicate(timeout=timeout_s)
    finally:
        stop_process(watch, timeout_s)
    if watch.returncode != 0:
        raise RuntimeError(f"nf_watch exited {watch.returncode}: {err}")
    text = first + out
    totals = [int(m.group(1)) for m in _WATCH_TOTAL.finditer(text)]
    rows = {int(m.group(1)): m.group(2)
            for m in map(_WATCH_ROW.match, text.splitlines()) if m}
    return (totals[-1] if totals else None), rows, text
