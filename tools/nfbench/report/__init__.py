"""A short Markdown report of one nf_bench sweep: what the OUTPUT chain costs.

Reads nf_bench's Google Benchmark JSON (Chain/<rules> results, through the
shared loader load.py), takes the median over repetitions at each rule
count, and writes:

  * Warnings, first and only when there is something to warn about: points
    a foreign observer watched (the `observers` counter; their hook_ns
    includes its cost), and a busy machine at start (other_nf_bench >= 1,
    cpu_busy_at_start >= 0.25 or load_avg_1m >= cpus, values quoted);
  * Run: kernel, probe and its self-cost, backend, iperf3, duration,
    repetitions, CPUs, date, failed runs left out;
  * Hook time vs rules: least-squares fit hook_ns = a + b*N;
  * Throughput: the drop over the sweep, the half-throughput rule count and
    the fit bits_per_s ~ 1/(c + d*N);
  * Cost in CPU: hook calls per second and the share of one CPU in the hook;
  * Why TCP bulk hides part of the cost: bytes per hook call vs MTU-sized
    packets, and what the measured per-call cost means at packet rates;
  * What to do about it: the remedies, quoting only what this run
    measured of them (each Remedy family's hook time at its largest N and
    its speed-up where the per-address rules were measured at the same N);
    without Remedy results it says they were not measured and gives the
    command that measures them, and computes no saving.

A file with several families (Chain, ChainIptNft, ChainNft: the same chain
made by the legacy, iptables-nft and nft backends) gets, after Run, a
Backends section: per family its backend, ns per rule (b), hook_ns at the
largest rule count all families have and install_ms at its largest N; each
nf_tables family's ratio to legacy (of b, and of hook_ns at that N); which
family is what `iptables` gives a user on an "(nf_tables)" or "(legacy)"
host, and the host's own `iptables -V` (context host_iptables). Then the
sections above per family, and the advice once. A file of one family gives
the report above, unchanged.

The rule-shape families (Shape, ShapeIptNft, ShapeNft/<k>/<N>: rules that
run k match callbacks) are left out of the sections above and get, before
the advice, a Rule shapes section: per backend the ns per rule b at each k
(fit of hook_ns over N at that k), the cost per added callback (fit of b
over k = 1..3, R²), the step k = 0→1 apart (it also makes the rule pass
its address compare), and one sentence on whether each extra match is one
more callback of roughly constant cost (R² >= 0.9 and every step from k = 1
positive) or what the data show instead. Rows with table_ns (nf_bench
--table_time) add a section "The table's own time": table_ns beside hook_ns
at the fewest and the most rules per family, the table's share of the
walk, and table_self_ns from the context (what the probe pair reads with
no table between). A file of shape families only gives a Run section and
these.

Three more sections, before the advice, when the file has their families:
  * Remedies (Remedy*/<blocked>): per remedy at N = 3,000 (the end of the
    Chain sweep) and at its largest N, hook time, throughput and the
    speed-up over N per-address rules measured in this run (the Chain
    family it replaces, ChainNft for the nft sets, and legacy Chain):
    their hook time over the remedy's, the remedy's throughput over
    theirs; none where the rules were not measured (nothing
    extrapolated); the set lookups' hook time from 0 to their largest N;
  * Traffic profiles (Udp*, UdpPaced*, ConnRate*, Streams*): per profile,
    lead and rule count the rate (datagrams/s, connections/s, Gbit/s), the
    datagrams lost, the hook time per walk and per connection, the chain's
    share of one CPU (hook_cpu_share over that at the fewest rules), the
    rate lost from the fewest rules and TCP bulk's (the Chain family of
    the same backend) at the same rule counts, when this run has them;
  * Install cost (Install*/<rules>, Google Benchmark's real_time): per
    backend the fit ms = a + b·N of one commit and the ms measured at
    3,000 and 30,000 rules; the loop of one command per rule (InstallLoop),
    its ms at each N and the fit a + b·N + c·N², and, labelled as from the
    fit, what the loop would take to build every point of the Chain sweep.
A file without Chain results gives a Run section and its sections (and
the advice, unless it has shapes only).

Every number in the report is computed from the input.

Run:
    /usr/bin/python3 tools/report.py results/runs/chain-X.json           # stdout
    /usr/bin/python3 tools/report.py results/runs/chain-X.json -o X.md   # file
Exit 0 on success, 2 with one `report: ...` line on stderr for bad input
(missing file, not JSON, no Chain results, NaN/inf or impossible counters
such as hook_ns = 0 or 1e308 as the loader refuses them, too few points to
fit, an -o whose folder does not exist or cannot be written: checked before
the input is read, and never created), 1 if the output cannot be written
(the file under -o is then absent, or as it was: it is written whole or not
at all). Any input gives a report or one of
these; never a traceback.
"""

import sys

from .. import load, schema
from ..model import (
    Model, build_model, install_model, present, profiles_model, remedies_model)
from .backends import backends_report
from .chain import (
    cpu_line, probe_line, show_entry, advice_section, bulk_section,
    cpu_section, hook_section, run_section, throughput_section,
    warnings_section)
from .install import install_section
from .profiles import profiles_section
from .remedies import remedies_section
from .shapes import shapes_section
from .table import table_section


def build_report(run):
    """The Markdown text of the report for one loaded Run: of its Chain
    families as below, then Rule shapes, the table's own time, Remedies,
    Traffic profiles and Install cost when the file has them, and the
    advice (a file without Chain results: those sections alone)."""
    others = {load.family_of(p) for p in [*run.points, *run.failures]
              } - set(schema.CHAINS)
    chains = run.of_families(schema.CHAINS) if others else run
    remedies = remedies_model(run)
    extra = (shapes_section(run) + table_section(run)
             + remedies_section(run, remedies)
             + profiles_section(run, profiles_model(run))
             + install_section(run, install_model(run)))
    advice = advice_section(remedies, present(run, schema.REMEDIES))
    if not chains.points:
        return other_report(run, extra, advice)
    if len(chains.families) > 1:
        return backends_report(chains, extra + advice, whole=run)
    m = build_model(chains)
    out = [f"# nf_bench: what a long OUTPUT chain costs ({run.label})", "",
           f"Source: `{run.path}`. All values are medians over repetitions "
           "at each rule count N.", ""]
    out += warnings_section(Model(run, *[None] * 8) if others else m)
    for section in (run_section, hook_section, throughput_section,
                    cpu_section, bulk_section):
        out += section(m)
    return "\n".join(out + extra + advice)


def other_report(run, extra, advice):
    """The report of a file without Chain results: a Run section, then
    its sections (extra); the advice too unless it has shapes only."""
    ctx = run.context
    kinds = [kind for kind, names in (
        ("rule shapes", schema.SHAPES),
        ("remedies", schema.REMEDIES),
        ("traffic profiles", schema.PROFILES),
        ("install cost", schema.INSTALLS)) if present(run, names)]
    shapes_only = kinds == ["rule shapes"]
    title = ("what a rule's shape costs" if shapes_only
             else ", ".join(kinds))
    out = [f"# nf_bench: {title} ({run.label})", "",
           f"Source: `{run.path}`. All values are medians over repetitions "
           "at each point.", ""]
    out += warnings_section(Model(run, *[None] * 8))
    out += ["## Run", "", f"- Kernel: {show_entry(ctx, 'kernel')}",
            probe_line(ctx),
            f"- iptables backend: {show_entry(ctx, 'iptables_backend')}",
            f"- iperf3: {show_entry(ctx, 'iperf3')}"
            + (", one TCP stream" if shapes_only else ""),
            cpu_line(ctx), f"- Date: {show_entry(ctx, 'date')}"]
    return "\n".join(out + list(extra) + ([] if shapes_only else advice))


def main(argv=None):
    parser = load.OneLineParser(description="Markdown report of one nf_bench sweep "
                                 "(Google Benchmark JSON).")
    parser.add_argument("input", help="nf_bench --benchmark_out JSON file")
    parser.add_argument("-o", "--output", metavar="OUT.md",
                        help="write the report here (its folder must "
                             "exist) and "
                             "print its path; default: stdout")
    try:
        args = parser.parse_args(argv)
    except load.UsageError as e:
        print(f"report: {e} (see --help)", file=sys.stderr)
        return 2
    try:
        if args.output:  # its folder, before the work
            load.check_output(args.output)
        text = build_report(load.load(args.input))
    except (load.UsageError, load.InputError) as e:
        print(f"report: {e}", file=sys.stderr)
        return 2
    if not args.output:
        sys.stdout.write(text)
        return 0
    if load.write_whole(args.output, text, "report"):
        return 1
    print(args.output)
    return 0
