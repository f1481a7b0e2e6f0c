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

import math
import statistics
import sys
from dataclasses import dataclass


from .. import load, schema  # noqa: E402
from ..stats import (  # noqa: E402
    data_half_point, fit_inverse, fit_line, fit_quadratic, half_point,
    medians)

MSS = 1448          # TCP payload of one segment at a 1500-byte MTU (timestamps on)
MTU = 1500          # bytes of one full-size IPv4 packet
SMALL_PACKET = 64   # bytes of a minimum-size packet


# --------------------------------------------------------------------------
# Arithmetic of the model (the fits are nfbench.stats).

def cpu_fraction(calls_per_s, ns_per_call):
    """Share of one CPU spent in the hook: calls/s x ns/call x 1e-9."""
    return calls_per_s * ns_per_call * 1e-9


# --------------------------------------------------------------------------
# Formatting: every number in the text goes through one of these.

def fmt_sig(x, digits=3):
    """x with about `digits` significant digits, never in exponent form."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    if x == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    return f"{x:.{decimals}f}"


def round_sig(x, digits):
    """x rounded to `digits` significant digits (for extrapolated values)."""
    if x == 0 or not math.isfinite(x):
        return x
    try:
        return round(x, digits - 1 - math.floor(math.log10(abs(x))))
    except OverflowError:  # rounds up past the largest float: keep it
        return x


def fmt_ns(ns):
    """A duration given in ns: '4.18 ns', '132 ns', '12.7 µs', '1.20 ms'."""
    if abs(ns) >= 1e6:
        return f"{fmt_sig(ns / 1e6)} ms"
    if abs(ns) >= 1e3:
        return f"{fmt_sig(ns / 1e3)} µs"
    return f"{fmt_sig(ns)} ns"


def fmt_gbps(bits_per_s):
    return f"{bits_per_s / 1e9:.2f} Gbit/s"


def fmt_bps(bits_per_s):
    """A bit rate in the unit that suits it."""
    if abs(bits_per_s) >= 1e9:
        return fmt_gbps(bits_per_s)
    if abs(bits_per_s) >= 1e6:
        return f"{fmt_sig(bits_per_s / 1e6)} Mbit/s"
    return f"{fmt_sig(bits_per_s / 1e3)} kbit/s"


def fmt_pct(fraction):
    """A fraction as a percentage: 0.4104 -> '41.0%'."""
    return f"{fmt_sig(fraction * 100)}%"


def fmt_rate(per_s, unit=""):
    """A rate with a k/M prefix: '53.8 k', '78.5 kpps', '1.00 Mpps'."""
    for scale, prefix in ((1e6, "M"), (1e3, "k")):
        if abs(per_s) >= scale:
            return f"{fmt_sig(per_s / scale)} {prefix}{unit}"
    return f"{fmt_sig(per_s)} {unit}".rstrip()


def fmt_r2(r2):
    return "n/a" if not math.isfinite(r2) else f"{r2:.3f}"


def fmt_rules(n):
    return f"{n:,.0f}"


# --------------------------------------------------------------------------
# The model: every number the report quotes, computed from the Run first.

def _number(value):
    """A context value (nf_bench writes them as strings) as a float, or None."""
    try:
        out = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return out if math.isfinite(out) else None


def _series(med):
    xs = sorted(med)
    return xs, [med[x] for x in xs]


@dataclass
class Model:
    """What the report says, as numbers; the sections render it."""
    run: object
    med: dict          # metric -> {rule count: median}
    duration_s: float  # None when neither recorded nor measurable
    duration_from: str  # "context" or "real_time"
    counts: dict       # rule count -> repetitions used
    hook: dict         # the hook time fit (hook_model)
    tput: dict         # the throughput fit (throughput_model)
    cpu: dict          # the CPU share (cpu_model), {} when not computable
    bulk: dict         # per-packet numbers (bulk_model), {} without sizes


METRICS_USED = ("hook_ns", "bits_per_s", "hook_calls", "bytes_per_call",
                "hook_p50_ns", "hook_p99_ns", "real_time_s", "install_ms")


def build_model(run):
    """The Model of one Run, or InputError when it cannot be fitted."""
    med = {m: medians(run.by_rules(m)) for m in METRICS_USED}
    hook, bps = med["hook_ns"], med["bits_per_s"]
    if len(hook) < 2 or len(bps) < 2:
        raise load.InputError(
            f"{run.path}: need hook_ns and bits_per_s at two rule counts or "
            f"more to fit (have {len(hook)} and {len(bps)}); give it a sweep "
            "nf_bench wrote (--benchmark_out)")
    # bits_per_s > 0 and every value finite: the loader checked them
    duration_s = run.numbers.get("duration_s")  # checked by the loader
    duration_from = "context"
    if duration_s is None:
        real = med["real_time_s"]
        duration_s = statistics.median(real.values()) if real else None
        duration_from = "real_time"
    counts = {run.rule_count[p]: len(run.values(p, "hook_ns")
                                     or run.values(p, "bits_per_s"))
              for p in run.names}
    fit = hook_model(med)
    cpu = cpu_model(med, duration_s, run.context)
    return Model(run=run, med=med, duration_s=duration_s,
                 duration_from=duration_from, counts=counts, hook=fit,
                 tput=throughput_model(run, med, fit["b"]), cpu=cpu,
                 bulk=bulk_model(med, fit["n_hi"]))


def hook_model(med):
    """hook_ns = a + b·N over the medians; b of each half when they differ."""
    hook = med["hook_ns"]
    hx, hy = _series(hook)
    a, b, r2 = fit_line(hx, hy)
    out = {"n": len(hx), "a": a, "b": b, "r2": r2, "n_lo": hx[0],
           "n_hi": hx[-1], "split": None}
    half = len(hx) // 2
    if half >= 3 and len(hx) - half >= 3 and b > 0:
        lo_b = fit_line(hx[:half + 1], hy[:half + 1])[1]
        hi_b = fit_line(hx[half:], hy[half:])[1]
        if abs(hi_b - lo_b) > 0.05 * b:
            out["split"] = (lo_b, hi_b, hx[half])
    return out


def throughput_model(run, med, b):
    """The drop, the inverse fit, the hook's prediction of d, the spread of
    the repetitions and the half-throughput points."""
    tx, ty = _series(med["bits_per_s"])
    c, d, r2 = fit_inverse(tx, ty)
    out = {"tx": tx, "ty": ty, "c": c, "d": d, "r2": r2,
           "drop": ty[0] - ty[-1], "d_hook": None, "spread": None,
           "half_data": data_half_point(tx, ty),
           "half_model": half_point(c, d)}
    bpc = med["bytes_per_call"]
    if bpc and b > 0:
        out["size"] = statistics.median(bpc.values())
        out["d_hook"] = b * 1e-9 / (8 * out["size"])  # s per bit per rule
    spreads = [(run.rule_count[p], (max(v) - min(v)) / statistics.median(v))
               for p in run.names for v in [run.values(p, "bits_per_s")]
               if len(v) > 1]
    if spreads:
        out["spread"] = (statistics.median(t[1] for t in spreads),
                         max(spreads, key=lambda t: t[1]))
    return out


def cpu_model(med, duration_s, context):
    """Hook calls per second and the share of one CPU in the hook at the
    lowest and highest rule count; {} when not computable."""
    hook, calls = med["hook_ns"], med["hook_calls"]
    cx = [n for n in sorted(hook) if n in calls]
    if not (duration_s and cx):
        return {}
    lo, hi = cx[0], cx[-1]
    rate = {n: calls[n] / duration_s for n in (lo, hi)}
    return {"lo": lo, "hi": hi, "rate": rate,
            "frac": {n: cpu_fraction(rate[n], hook[n]) for n in (lo, hi)},
            "cpus": _number(context.get("num_cpus"))}


def bulk_model(med, n_hi):
    """What one hook call at the highest rule count means per packet; {}
    without bytes_per_call."""
    if not med["bytes_per_call"]:
        return {}
    size = statistics.median(med["bytes_per_call"].values())
    ns_hi = med["hook_ns"][n_hi]
    pps_same = (med["bits_per_s"][n_hi] / (8 * MTU)
                if n_hi in med["bits_per_s"] else None)
    return {"size": size, "segs": size / MSS, "ns_hi": ns_hi,
            "pps_cpu": 1e9 / ns_hi, "pps_same": pps_same}


# --------------------------------------------------------------------------
# The sections: Markdown from the model, no arithmetic beyond units.

def _show(ctx, key):
    value = ctx.get(key)
    return str(value) if value not in (None, "") else "not recorded"


def _probe_line(ctx):
    probe = f"- Probe: {_show(ctx, 'probe')}"
    self_ns = _number(ctx.get("probe_self_ns"))
    if self_ns is not None:
        probe += f", own cost {fmt_ns(self_ns)} per hook call"
        if ctx.get("probe_self_method"):
            probe += f", measured by: {ctx['probe_self_method']}"
        probe += "; it is included in every hook time below"
    return probe


def _cpu_line(ctx):
    cpus = ctx.get("num_cpus")
    line = f"- CPUs: {cpus if cpus is not None else 'not recorded'}"
    if ctx.get("mhz_per_cpu"):
        line += f" at {ctx['mhz_per_cpu']} MHz"
    if ctx.get("host_name"):
        line += f", host {ctx['host_name']}"
    return line


def _failed_line(m):
    if not m.run.failed:
        return "- Failed runs: none"
    most = max(m.counts.values())
    short = [f"{fmt_rules(n)} ({c} of {most})"
             for n, c in sorted(m.counts.items()) if c < most]
    line = f"- Failed runs left out: {m.run.failed}"
    if short:
        line += "; rule counts with fewer repetitions: " + ", ".join(short)
    return line


def run_section(m):
    ctx = m.run.context
    if m.duration_s is None:
        duration = "- Duration of one run: not recorded"
    else:
        duration = (f"- Duration of one run: {round_sig(m.duration_s, 4):g} s"
                    + ("" if m.duration_from == "context"
                       else " (from the benchmark's real time; "
                            "duration_s not recorded)"))
    rules, most = sorted(m.counts), max(m.counts.values())
    return ["## Run", "",
            f"- Kernel: {_show(ctx, 'kernel')}", _probe_line(ctx),
            f"- iptables backend: {_show(ctx, 'iptables_backend')}",
            f"- iperf3: {_show(ctx, 'iperf3')}, one TCP stream", duration,
            f"- Rule counts: {fmt_rules(rules[0])} to {fmt_rules(rules[-1])}"
            f" ({len(rules)} points), "
            + (f"{most} repetitions each; medians are used" if most > 1
               else "one value each (single runs or aggregate rows)"),
            _cpu_line(ctx), f"- Date: {_show(ctx, 'date')}", _failed_line(m)]


def warnings_section(m):
    """What makes some numbers below more than the chain's cost; [] if
    nothing does (or, in files before 2026-12, nothing was recorded)."""
    run, lines = m.run, []
    if run.observed:
        lines.append(
            "- **Observed points:** another BPF program (at the sender "
            "namespace's LOCAL_OUT hook, or on nf_hook_slow) was there "
            "before, during or after these benchmarks. Their hook_ns "
            "includes that observer's cost, not only the chain's, and their "
            "throughput may "
            "be lower; re-run without it (stop nf_watch, bpftrace or the "
            "other netfilter BPF program) for clean numbers:")
        several = len(run.families) > 1  # name the family too
        lines += [f"  - {p + ' (' if several else ''}"
                  f"N = {fmt_rules(run.rule_count[p])}{')' if several else ''}"
                  f": {'; '.join(run.observed[p])}"
                  for p in run.names if p in run.observed]
    busy = load.load_warnings(run)
    if busy:
        lines.append("- **Busy machine at start:** " + "; ".join(busy)
                     + ". Concurrent load skews throughput and hook times; "
                     "re-run on an idle machine.")
    return ["## ⚠ Warnings", ""] + lines + [""] if lines else []


def hook_section(m):
    f, hook = m.hook, m.med["hook_ns"]
    a, b, n_lo, n_hi = f["a"], f["b"], f["n_lo"], f["n_hi"]
    out = ["", "## Hook time vs rules", "",
           f"Least-squares fit over {f['n']} rule counts: "
           f"hook_ns = a + b·N with b = {fmt_sig(b)} ns per rule, "
           f"a = {fmt_ns(a)}, R² = {fmt_r2(f['r2'])}.", ""]
    if b > 0:
        out.append(f"Each rule in the chain costs {fmt_sig(b)} ns per packet "
                   f"(per hook call, i.e. per skb); 1000 rules add "
                   f"{fmt_ns(b * 1000)} to every skb that leaves the host.")
    else:
        out.append("The hook time does not grow with the rule count in this "
                   "data: no cost per rule is measurable.")
    out.append("")
    line = (f"Measured: {fmt_ns(hook[n_lo])} at {fmt_rules(n_lo)} rules, "
            f"{fmt_ns(hook[n_hi])} at {fmt_rules(n_hi)}")
    p50, p99 = m.med["hook_p50_ns"], m.med["hook_p99_ns"]
    if n_hi in p50 and n_hi in p99:
        line += (f" (p50 {fmt_ns(p50[n_hi])}, p99 {fmt_ns(p99[n_hi])}; "
                 "from the probe's histogram)")
    out.append(line + ".")
    if f["split"]:
        lo_b, hi_b, at = f["split"]
        line = (f"The cost per rule is not quite constant: b = "
                f"{fmt_sig(lo_b)} ns for N ≤ {fmt_rules(at)} and "
                f"{fmt_sig(hi_b)} ns for N ≥ {fmt_rules(at)}")
        if a < hook[n_lo]:
            line += (f", which is why a ({fmt_ns(a)}) is below the "
                     f"{fmt_ns(hook[n_lo])} measured at "
                     f"{fmt_rules(n_lo)} rules")
        out.append(line + ".")
    return out


def _signed(drop, text):
    return f"{'−' if drop >= 0 else '+'}{text}"


def throughput_section(m):
    t, b = m.tput, m.hook["b"]
    tx, ty, c, d, drop = t["tx"], t["ty"], t["c"], t["d"], t["drop"]
    # 1/c is the fit at N = 0; data far from the model can give c <= 0.
    fit_zero = (f"{fmt_gbps(1 / c)} at 0 rules" if c > 0 else
                "c ≤ 0: no positive throughput at 0 rules, the model does not "
                "describe this data")
    out = ["", "## Throughput", "",
           f"Throughput falls from {fmt_gbps(ty[0])} at {fmt_rules(tx[0])} "
           f"rules to {fmt_gbps(ty[-1])} at {fmt_rules(tx[-1])}: "
           f"{_signed(drop, fmt_gbps(abs(drop)))} "
           f"({_signed(drop, fmt_pct(abs(drop) / ty[0]))}).", "",
           f"Fit of 1/bits_per_s = c + d·N over {len(tx)} rule counts: "
           f"c = {fmt_sig(c * 1e12)} ps per bit, "
           f"d = {fmt_sig(d * 1e12 * 1000)} ps per bit per 1000 rules, "
           f"R² = {fmt_r2(t['r2'])}. So bits_per_s ≈ 1/(c + d·N): c is the "
           f"base cost of sending one bit (the fit's "
           f"{fit_zero}), d what each rule adds to it."]
    if t["d_hook"] is not None:
        out.append(f"If the sending CPU is the bottleneck, the hook alone "
                   f"predicts d = b / (8 × bytes_per_call) = {fmt_sig(b)} ns"
                   f" / (8 × {fmt_sig(t['size'] / 1024)} KiB) = "
                   f"{fmt_sig(t['d_hook'] * 1e12 * 1000)} ps per bit per 1000 "
                   f"rules; the fitted d is {fmt_pct(d / t['d_hook'])} of "
                   "that.")
    if t["spread"]:
        typical, worst = t["spread"]
        noisy = ("; throughput is noisy, the hook time is the steadier "
                 "measure of the chain's cost." if typical > 0.05 else ".")
        out.append(f"The repetitions at one rule count differ in throughput "
                   f"by {fmt_pct(typical)} (median of max − min over median; "
                   f"up to {fmt_pct(worst[1])} at {fmt_rules(worst[0])} "
                   f"rules){noisy}")
    return out + ["", half_line(t)]


def half_line(t):
    """Where throughput halves: measured, extrapolated, or nowhere."""
    tx, ty, c = t["tx"], t["ty"], t["c"]
    if t["half_data"] is not None:
        return (f"Throughput reaches half its {fmt_rules(tx[0])}-rule value "
                f"({fmt_gbps(ty[0] / 2)}) at about N = "
                f"{fmt_rules(t['half_data'])} rules (measured, interpolated)"
                + (f"; the fit puts N½ = c/d at {fmt_rules(t['half_model'])}."
                   if t["half_model"] is not None else "."))
    if t["half_model"] is not None:
        return (f"Throughput does not fall to half its {fmt_rules(tx[0])}-"
                f"rule value within the data (lowest: "
                f"{fmt_pct(min(ty) / ty[0])} of it). Extrapolated from the "
                f"fit: N½ = c/d ≈ {fmt_rules(round_sig(t['half_model'], 2))} "
                f"rules, where throughput would be half the fit's 0-rule "
                f"{fmt_gbps(1 / c)}.")
    return (f"Throughput does not fall to half its "
            f"{fmt_rules(tx[0])}-rule value within the data, and the "
            "fit gives no half-throughput point (d ≤ 0 or c ≤ 0).")


def cpu_section(m):
    out = ["", "## Cost in CPU", ""]
    if not m.cpu:
        return out + ["Not computable: hook_calls or the run duration is "
                      "missing."]
    hook, lo, hi = m.med["hook_ns"], m.cpu["lo"], m.cpu["hi"]
    rate, frac = m.cpu["rate"], m.cpu["frac"]
    text = (f"Share of one CPU = hook calls / {round_sig(m.duration_s, 4):g} "
            f"s × hook_ns. At {fmt_rules(hi)} rules the hook takes "
            f"{fmt_pct(frac[hi])} of one CPU, of which "
            f"{fmt_pct(frac[hi] - frac[lo])} is "
            + ("due to the rules" if lo == 0 else
               f"due to the {fmt_rules(hi - lo)} rules beyond "
               f"{fmt_rules(lo)}")
            + f" (minus the {fmt_pct(frac[lo])} at {fmt_rules(lo)} rules), "
            f"while the stream still moves "
            f"{fmt_gbps(m.med['bits_per_s'].get(hi, m.tput['ty'][-1]))}.")
    if m.cpu["cpus"]:
        text += (f" The machine has {m.cpu['cpus']:g} CPUs: that is "
                 f"{fmt_pct((frac[hi] - frac[lo]) / m.cpu['cpus'])} of all "
                 "of them.")
    return out + [f"| | {fmt_rules(lo)} rules | {fmt_rules(hi)} rules |",
                  "| --- | ---: | ---: |",
                  f"| hook calls per second | {fmt_rate(rate[lo])} | "
                  f"{fmt_rate(rate[hi])} |",
                  f"| time per hook call | {fmt_ns(hook[lo])} | "
                  f"{fmt_ns(hook[hi])} |",
                  f"| share of one CPU in the hook | {fmt_pct(frac[lo])} | "
                  f"{fmt_pct(frac[hi])} |", "", text]


def bulk_section(m):
    out = ["", "## Why TCP bulk hides part of the cost", ""]
    k = m.bulk
    if not k:
        return out + ["Not computable: bytes_per_call is missing."]
    ns_hi, pps_cpu, segs = k["ns_hi"], k["pps_cpu"], k["segs"]
    out += [f"The median skb in the hook holds {fmt_sig(k['size'] / 1024)} "
            f"KiB (bytes_per_call): TCP bulk traffic is segmented after the "
            f"hook (GSO/TSO), so one hook call covers ~{fmt_sig(segs)} "
            f"packets of {MSS} bytes of payload at a {MTU}-byte MTU. Traffic "
            f"that is not segmented late (UDP, small requests and replies: "
            f"packets of {SMALL_PACKET} to {MTU} bytes, each its own hook "
            f"call) pays the chain per packet: at least ~{fmt_sig(segs)} "
            "times as often for the same payload.", "",
            f"At {fmt_rules(m.hook['n_hi'])} rules one hook call takes "
            f"{fmt_ns(ns_hi)}, so:", "",
            f"- 1 Mpps would cost {fmt_sig(ns_hi * 1e6 * 1e-9)} CPUs "
            f"of hook time alone ({fmt_ns(ns_hi)} × 10⁶/s);",
            f"- one CPU can pass at most {fmt_rate(pps_cpu, 'pps')} "
            f"through the chain: {fmt_bps(pps_cpu * MTU * 8)} of "
            f"{MTU}-byte packets, {fmt_bps(pps_cpu * SMALL_PACKET * 8)} "
            f"of {SMALL_PACKET}-byte packets;"]
    if k["pps_same"] is None:
        return out[:-1] + [out[-1].rstrip(";") + "."]
    bps_hi = m.med["bits_per_s"][m.hook["n_hi"]]
    return out + [f"- the measured {fmt_gbps(bps_hi)} sent as "
                  f"{MTU}-byte packets would be "
                  f"{fmt_rate(k['pps_same'], 'pps')}, i.e. "
                  f"{fmt_sig(cpu_fraction(k['pps_same'], ns_hi))} CPUs in "
                  "the hook."]


# The command that measures the remedies, for a run without them.
REMEDY_COMMAND = "nf_bench --benchmark_filter=^Remedy"


def _remedy_said(rm):
    """One remedy's measured numbers, for the advice: its hook time at its
    largest N, and at the largest N it shares with the per-address rules
    it replaces, the speed-up there."""
    n_max = rm["n_max"]
    text = (f"- {schema.FAMILY[rm['family']].title}: "
            f"{fmt_ns(rm['at'][n_max]['hook'])} per hook call at "
            f"{fmt_rules(n_max)} blocked addresses")
    ref = rm["refs"][0]
    shared = [n for n, row in rm["at"].items() if row["vs"][ref]]
    if not shared:
        return text + f"; {ref} was not measured at the same N."
    n = max(shared)
    if n != n_max:
        text += f"; at {fmt_rules(n)}: {fmt_ns(rm['at'][n]['hook'])}"
    return (text + f", {fmt_sig(rm['at'][n]['vs'][ref]['hook'])}× less hook "
            f"time than {fmt_rules(n)} per-address rules ({ref}).")


def remedy_lines(models, tried):
    """What the remedies measured in this run, or the command to measure
    them; tried: the remedy families the file has (results or failures)."""
    if not models:
        why = (f" ({', '.join(tried)}: no hook_ns, see Remedies)"
               if tried else "")
        return [f"The remedies were not measured in this run{why}: "
                f"`{REMEDY_COMMAND}` measures each one's hook time and "
                "throughput against the addresses it blocks (beside the "
                "per-address rules when the Chain families run too)."]
    out = ["Measured in this run (nf_bench's Remedy families; see "
           "Remedies above):", ""] + [_remedy_said(rm) for rm in models]
    missing = [f for f in schema.REMEDIES
               if f not in {rm["family"] for rm in models}]
    if missing:
        out += ["", f"Not measured in this run: {', '.join(missing)}"
                + (" (failed)" if set(missing) & set(tried) else "")
                + f"; `{REMEDY_COMMAND}` measures them."]
    return out


def advice_section(models, tried=()):
    """What to do: the remedies, with the numbers this run measured of
    them (remedies_model) and no others; tried: see remedy_lines."""
    return ["", "## What to do about it", "",
            "Every packet walks the chain until a rule matches, so the cost "
            "is in the rules a packet walks past, not in the ones it hits:",
            "",
            "- **Contiguous addresses:** one prefix rule "
            "(`-d 198.19.0.0/16`) instead of many `-d …/32` rules.",
            "- **Sets:** an ipset (`ipset create block hash:ip`, then "
            "`-m set --match-set block dst -j DROP`) or an nft set "
            "(`ip daddr @block drop`) is one lookup per packet instead of a "
            "walk past every address.",
            "- **Order:** put the rules hit most often first, and accept "
            "established traffic at the top "
            "(`-m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT`) so most "
            "packets stop after one rule. Only if the rest of the chain is "
            "meant for new connections.",
            "- **Scope** (not measured by nf_bench): move the rules to a "
            "user chain and jump to it only for the traffic that needs them "
            "(e.g. `-p tcp -d 198.19.0.0/16 -j BLOCKLIST`).", ""] \
        + remedy_lines(models, tried) + [""]


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


# --------------------------------------------------------------------------
# Several families (one per rule backend) in one file: each is fitted as
# above, and a Backends section compares them.

def family_models(run):
    """{family: its Model}, in schema order; InputError naming the family
    when one of them cannot be fitted."""
    models = {}
    for name in run.families:
        try:
            models[name] = build_model(run.of_family(name))
        except load.InputError as e:
            raise load.InputError(f"{name}: {e}") from None
    return models


def backends_model(run, models):
    """The numbers of the Backends section: per family its backend, b, R²,
    hook_ns at the largest rule count all families have (None when there is
    none) and install_ms at its largest N; ratios to the legacy family."""
    common = set.intersection(*(set(m.med["hook_ns"])
                                for m in models.values()))
    n_common = max(common) if common else None
    legacy = next((name for name in models if schema.FAMILY[name]
                   .backend == schema.LEGACY), None)
    rows = {}
    for name, m in models.items():
        install = m.med["install_ms"]
        n_inst = max(install) if install else None
        rows[name] = {"backend": run.backend_of(name)
                      or schema.FAMILY[name].backend,
                      "b": m.hook["b"], "r2": m.hook["r2"],
                      "hook": (m.med["hook_ns"][n_common]
                               if n_common is not None else None),
                      "install": (n_inst, install.get(n_inst))}
    for name, row in rows.items():
        base = rows.get(legacy)
        row["b_ratio"] = (row["b"] / base["b"] if base and base["b"] > 0
                          else None)
        row["hook_ratio"] = (row["hook"] / base["hook"]
                             if base and row["hook"] is not None else None)
    return {"rows": rows, "n_common": n_common, "legacy": legacy}


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


# --------------------------------------------------------------------------
# Rule shapes (Shape, ShapeIptNft, ShapeNft/<k>/<N>): ns per rule at each
# shape k, and what each added match callback costs.

LINEAR_R2 = 0.9  # the fit of b over k = 1..3 that counts as "roughly linear"


def shape_slopes(run, family):
    """{k: (b, r2, rule counts)}: the fit hook_ns = a + b·N of the family's
    points of shape k (medians over repetitions), for each k with hook_ns
    at two rule counts or more."""
    sub = run.of_family(family)
    by_k = {}
    for point in sub.names:
        values = sub.values(point, "hook_ns")
        if values:
            by_k.setdefault(sub.shape[point], {})[
                sub.rule_count[point]] = statistics.median(values)
    out = {}
    for k, med in sorted(by_k.items()):
        if len(med) >= 2:
            xs, ys = _series(med)
            _, b, r2 = fit_line(xs, ys)
            out[k] = (b, r2, len(xs))
    return out


def shape_model(run, family):
    """One backend's numbers: slopes per k, the fit of b over k >= 1 (per
    added callback), the steps between neighbouring k, and the verdict."""
    slopes = shape_slopes(run, family)
    ks = [k for k in slopes if k >= 1]
    fit = None
    if len(ks) >= 2:
        _, per_cb, r2 = fit_line(ks, [slopes[k][0] for k in ks])
        fit = {"per_cb": per_cb, "r2": r2, "ks": ks}
    steps = {(i, k): slopes[k][0] - slopes[i][0]
             for i, k in zip(sorted(slopes), sorted(slopes)[1:])
             if k == i + 1}
    return {"family": family, "slopes": slopes, "fit": fit, "steps": steps,
            "backend": run.backend_of(family)
            or schema.FAMILY[family].backend}


def shape_verdict(sm):
    """One sentence: does "each extra match flag is one more callback with
    a roughly constant cost" hold for this backend's data?"""
    who = schema.FAMILY[sm["family"]].title
    fit = sm["fit"]
    steps = {ik: d for ik, d in sm["steps"].items() if ik[0] >= 1}
    if fit is None or len(fit["ks"]) < 3 or len(steps) < 2:
        have = ", ".join(str(k) for k in sm["slopes"]) or "none"
        return (f"{who}: too few shapes with a slope (k = {have}) to say "
                "whether each added callback costs the same.")
    shown = ", ".join(f"k = {i}→{k}: {_signed_ns(d)}"
                      for (i, k), d in steps.items())
    bad = [(ik, d) for ik, d in steps.items() if d <= 0]
    if bad:
        (i, k), d = bad[0]
        return (f"{who}: the picture does not hold here: going from k = {i} "
                f"to k = {k} the cost per rule "
                f"{'does not rise' if d == 0 else 'falls'} ({shown} ns per "
                f"rule; fit R² = {fmt_r2(fit['r2'])}).")
    if math.isfinite(fit["r2"]) and fit["r2"] >= LINEAR_R2:
        return (f"{who}: the lab's picture holds: each extra match is one "
                f"more callback of roughly constant cost, about "
                f"{fmt_sig(fit['per_cb'])} ns per rule ({shown} ns; fit R² = "
                f"{fmt_r2(fit['r2'])}).")
    (i0, k0), big = max(steps.items(), key=lambda t: t[1])
    (i1, k1), small = min(steps.items(), key=lambda t: t[1])
    return (f"{who}: the cost per callback is not constant: the step k = "
            f"{i0}→{k0} ({fmt_sig(big)} ns per rule) is "
            f"{fmt_sig(big / small)}× the step k = {i1}→{k1} "
            f"({fmt_sig(small)} ns); fit R² = {fmt_r2(fit['r2'])}, below "
            f"{LINEAR_R2:g}.")


def _signed_ns(d):
    return f"{'+' if d >= 0 else '−'}{fmt_sig(abs(d))}"


def shapes_table(models):
    """Per backend: b at each k, the per-callback fit, the k = 0→1 step."""
    ks = sorted({k for sm in models for k in sm["slopes"]})
    out = ["| family | backend | " + " | ".join(f"b at k = {k}" for k in ks)
           + " | per added callback (k ≥ 1) | R² | k = 0→1 |",
           "| --- | --- |" + " ---: |" * (len(ks) + 3)]
    for sm in models:
        cells = [fmt_sig(sm["slopes"][k][0]) if k in sm["slopes"] else "n/a"
                 for k in ks]
        fit, step = sm["fit"], sm["steps"].get((0, 1))
        out.append(f"| {sm['family']} | {sm['backend']} | "
                   + " | ".join(cells) + " | "
                   + (f"{fmt_sig(fit['per_cb'])} | {fmt_r2(fit['r2'])}"
                      if fit else "n/a | n/a") + " | "
                   + (_signed_ns(step) if step is not None else "n/a") + " |")
    return out


def shape_notes(run, families):
    """Observed points and failed runs of the shape families, if any."""
    out = []
    seen = [p for p in run.names if p in run.observed
            and load.family_of(p) in families]
    if seen:
        out.append("Observed (their hook_ns includes an observer's cost): "
                   + ", ".join(seen) + ".")
    failed = sum(len(m) for p, m in run.failures.items()
                 if load.family_of(p) in families)
    if failed:
        out.append(f"Failed runs left out: {failed}.")
    return out


def shapes_section(run):
    """The Rule shapes section; [] without shape families."""
    families = [f for f in schema.SHAPES
                if any(load.family_of(p) == f
                       for p in [*run.points, *run.failures])]
    if not families:
        return []
    models = [shape_model(run, f) for f in families]
    out = ["", "## Rule shapes", "",
           "Shape/<k>/<N>: N rules of shape k. k = 0 is the Chain rule "
           "(it fails at its first compare, the destination); from k = 1 "
           "the rule's destination and protocol match the traffic, then k "
           "match callbacks run and the last fails. b is the fit of "
           "hook_ns = a + b·N at each k, in ns per rule; the cost per added "
           "callback is the fit of b over k = 1..3. The step k = 0→1 is "
           "shown apart: it also switches the rule from failing at the "
           "address compare to passing it.", ""]
    out += shapes_table(models) + [""]
    out += [f"- {shape_verdict(sm)}" for sm in models]
    notes = shape_notes(run, families)
    return out + ([""] + notes if notes else [])


# --------------------------------------------------------------------------
# The table's own time (nf_bench --table_time): table_ns beside hook_ns.

def table_groups(run):
    """{(family, lead or None): {x: (table_ns, hook_ns) medians}} for
    every family (and shape k, payload, streams) whose points have both;
    in schema order. x is the rule count (of a remedy: blocked)."""
    groups = {}
    rank = {f.name: i for i, f in enumerate(schema.FAMILIES)}
    for point in sorted(run.names, key=lambda p: (
            rank[load.family_of(p)], run.lead.get(p, -1))):
        table, hook = (run.values(point, m) for m in ("table_ns", "hook_ns"))
        if not (table and hook):
            continue
        key = (load.family_of(point), run.lead.get(point))
        groups.setdefault(key, {})[run.x[point]] = (
            statistics.median(table), statistics.median(hook))
    return groups


def table_section(run):
    """The table's own time; [] when no row has table_ns."""
    groups = table_groups(run)
    if not groups:
        return []
    out = ["", "## The table's own time", "",
           "With --table_time, table_ns is the time per walk of the filter "
           "table alone (ipt_do_table, nft_do_chain), where hook_ns is the "
           "whole LOCAL_OUT walk; at the fewest and the most rules of each "
           "family (of a shape family: the fewest at its first shape k, the "
           "most at every k), medians over repetitions:", "",
           "| family | N | table_ns | hook_ns | rest of the walk | "
           "the table's share |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    firsts = set()
    for (family, k), by_n in groups.items():
        lead = schema.FAMILY[family].lead
        label = (family if k is None else f"{family} k = {k}"
                 if lead == "callbacks" else f"{family} {lead} = {k}")
        lows = [] if family in firsts else [min(by_n)]
        firsts.add(family)
        for n in sorted(set(lows + [max(by_n)])):
            table, hook = by_n[n]
            out.append(f"| {label} | {fmt_rules(n)} | {fmt_ns(table)} | "
                       f"{fmt_ns(hook)} | {fmt_ns(hook - table)} | "
                       f"{fmt_pct(table / hook)} |")
    self_ns = _number(run.context.get("table_self_ns"))
    return out + ["", "What the --table_time probe pair itself reads with "
                  "no table between its two probes (table_self_ns): "
                  + (f"{fmt_ns(self_ns)}." if self_ns is not None
                     else "not recorded.")]


# --------------------------------------------------------------------------
# Remedies, traffic profiles and install cost: families of their own, each
# with a section when the file has them. Medians over repetitions, by x.

def present(run, families):
    """Those of families with results or failures in run, in order."""
    have = {load.family_of(p) for p in [*run.points, *run.failures]}
    return [f for f in families if f in have]


# Where the remedies meet the per-address rules: the end of the Chain
# sweep (schema), the largest N both are measured at by default.
REMEDY_AT = schema.FAMILY["Chain"].points[-1]


def _versus(run, refs, n, hook, bps):
    """{Chain family: None when it has no point at n, else its hook time
    over the remedy's and the remedy's throughput over its}."""
    out = {}
    for name in refs:
        chain_hook = medians(run.series(name, "hook_ns"))
        chain_bps = medians(run.series(name, "bits_per_s"))
        if n not in chain_hook:
            out[name] = None
            continue
        out[name] = {"hook": chain_hook[n] / hook,
                     "bps": (bps / chain_bps[n] if bps is not None
                             and n in chain_bps else None)}
    return out


def remedy_model(run, family):
    """One remedy's numbers at N = REMEDY_AT and at its largest N (hook
    time, throughput, against the per-address rules it replaces and the
    legacy Chain at the same N), and, for a set lookup, the hook time at
    0 and at the largest N; None without hook_ns."""
    hook = medians(run.series(family, "hook_ns"))
    if not hook:
        return None
    bps = medians(run.series(family, "bits_per_s"))
    f = schema.FAMILY[family]
    refs = list(dict.fromkeys((schema.rules_family(f).name, "Chain")))
    n_max = max(hook)
    at = {n: {"hook": hook[n], "bps": bps.get(n),
              "vs": _versus(run, refs, n, hook[n], bps.get(n))}
          for n in sorted({n_max, REMEDY_AT} & set(hook))}
    reach = {name: max(medians(run.series(name, "hook_ns")), default=None)
             for name in refs}
    growth = None
    if schema.is_set_remedy(f) and min(hook) < n_max:
        growth = (min(hook), hook[min(hook)], hook[n_max])
    return {"family": family, "backend": run.backend_of(family) or f.backend,
            "n_max": n_max, "at": at, "refs": refs, "reach": reach,
            "growth": growth}


def remedies_model(run):
    """[remedy_model] of the remedies with hook_ns, in schema order."""
    models = (remedy_model(run, f) for f in schema.REMEDIES)
    return [rm for rm in models if rm is not None]


def _versus_cell(rm, n):
    """The speed-up cell of one remedy at one N."""
    parts = []
    for name in rm["refs"]:
        vs, reach = rm["at"][n]["vs"][name], rm["reach"][name]
        if vs is not None:
            parts.append(f"{name}: {fmt_sig(vs['hook'])}× less hook time"
                         + (f", {fmt_sig(vs['bps'])}× the throughput"
                            if vs["bps"] is not None else ""))
        elif reach is None:
            parts.append(f"{name}: not in this run")
        else:
            parts.append(f"{name}: not measured at this N (to "
                         f"{fmt_rules(reach)} rules)")
    return "; ".join(parts)


def no_results(run, title, families, what):
    """A section of families that are in the file without the numbers
    (what) it shows (their runs failed, or their rows lack them): it says
    so instead of leaving them out; [] when the file has none of them."""
    tried = present(run, families)
    if not tried:
        return []
    return ["", f"## {title}", "", f"No numbers to show: no run of "
            f"{', '.join(tried)} has {what}."] + [""] + shape_notes(run, tried)


def remedies_section(run, models):
    """The Remedies section; [] without remedy families."""
    if not models:
        return no_results(run, "Remedies", schema.REMEDIES,
                          "hook_ns")
    out = ["", "## Remedies", "",
           "Each remedy blocks N addresses (its `blocked` counter) without "
           "one rule per address; medians over repetitions, at N = "
           f"{fmt_rules(REMEDY_AT)} and at each remedy's largest N. The "
           "speed-up is over N per-address rules measured in this run at "
           "the same N (the rules the remedy replaces: Chain for the "
           "iptables remedies, ChainNft for the nft sets; and the legacy "
           "Chain): their hook time over the remedy's, and the remedy's "
           "throughput over theirs. Where the per-address rules were not "
           "measured (beyond their sweep) no speed-up is given: nothing is "
           "extrapolated.", "",
           "| remedy | backend | N | hook time | throughput | against "
           "per-address rules at N |",
           "| --- | --- | ---: | ---: | ---: | --- |"]
    for rm in models:
        for n, row in rm["at"].items():
            bps = fmt_gbps(row["bps"]) if row["bps"] is not None else "n/a"
            out.append(f"| {rm['family']} | {rm['backend']} | "
                       f"{fmt_rules(n)} | {fmt_ns(row['hook'])} | {bps} | "
                       f"{_versus_cell(rm, n)} |")
    grown = [rm for rm in models if rm["growth"]]
    if grown:
        out += ["", "The set lookups' hook time from the fewest to the most "
                "blocked addresses:", ""]
        for rm in grown:
            n0, lo, hi = rm["growth"]
            out.append(f"- {schema.FAMILY[rm['family']].title}: "
                       f"{fmt_ns(lo)} at {fmt_rules(n0)}, {fmt_ns(hi)} at "
                       f"{fmt_rules(rm['n_max'])}: "
                       f"{_signed_ns(hi - lo)} ns ({fmt_sig(hi / lo)}×).")
    notes = shape_notes(run, present(run, schema.REMEDIES))
    return out + ([""] + notes if notes else [])


def _leads(run, family):
    """The lead values of a family's points with results (or [None])."""
    leads = {run.lead.get(p) for p in run.names
             if load.family_of(p) == family}
    return sorted(leads, key=lambda v: -1 if v is None else v) or [None]


def _lost(med, base, n):
    """1 - med[n]/med[base]: the share of the rate lost from base to n;
    None when either is missing or med[base] is 0."""
    if base not in med or n not in med or not med[base] > 0:
        return None
    return 1.0 - med[n] / med[base]


def profile_rows(run, family, lead):
    """One profile's numbers at each of its rule counts: rate, loss, hook
    time per walk and per connection, the chain's CPU share (over the
    fewest rules), the rate lost and TCP bulk's (its backend's Chain
    family) at the same rule counts."""
    f = schema.FAMILY[family]
    med = {m: medians(run.series(family, m, lead)) for m in (
        "hook_ns", schema.RATE[f.workload], "loss_fraction",
        "hook_cpu_share", "hook_calls_per_connection")}
    rate = med[schema.RATE[f.workload]]
    bulk = schema.rules_family(f).name
    bulk_bps = medians(run.series(bulk, "bits_per_s"))
    xs = sorted(set(rate) | set(med["hook_ns"]))
    base = xs[0]
    share = med["hook_cpu_share"]
    rows = []
    for n in xs:
        hook, calls = med["hook_ns"].get(n), med[
            "hook_calls_per_connection"].get(n)
        rows.append({
            "n": n, "rate": rate.get(n), "loss": med["loss_fraction"].get(n),
            "hook": hook,
            "per_conn": hook * calls if hook and calls else None,
            "chain_share": (share[n] - share[base]
                            if n in share and base in share else None),
            "lost": _lost(rate, base, n),
            "bulk_lost": _lost(bulk_bps, base, n)})
    return {"family": family, "lead": lead, "bulk": bulk, "base": base,
            "metric": schema.RATE[f.workload], "rows": rows,
            "paced": f.workload == "udp_paced"}


def profiles_model(run):
    """[profile_rows] of every profile family and lead with results."""
    return [profile_rows(run, family, lead)
            for family in present(run, schema.PROFILES)
            for lead in _leads(run, family)
            if run.series(family, "hook_ns", lead)
            or run.series(family, schema.RATE[
                schema.FAMILY[family].workload], lead)]


def profile_name(pm):
    """'Udp (legacy), 64-byte datagrams', 'Streams (legacy), 4 streams'."""
    f = schema.FAMILY[pm["family"]]
    what = {"payload_bytes": f"{pm['lead']}-byte datagrams",
            "streams": f"{pm['lead']} streams"}.get(f.lead)
    return f.title + (f", {what}" if what else "")


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
    return "none: paced" if pm["paced"] else _maybe(r["lost"], fmt_pct)


def _bulk_cells(pm, r):
    """TCP bulk's share of Gbit/s lost at the same N, and how many times
    that the profile lost; or why not."""
    if r["n"] == pm["base"]:
        return "—", "—"
    if r["bulk_lost"] is None:
        return f"{pm['bulk']} at {fmt_rules(r['n'])} not in this run", "—"
    bulk = f"{fmt_pct(r['bulk_lost'])} ({pm['bulk']})"
    if pm["paced"]:  # it lost no rate to compare with
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
        for r in pm["rows"]:
            first = r["n"] == pm["base"]
            out.append(
                f"| {profile_name(pm)} | {fmt_rules(r['n'])} | "
                f"{_rate_text(pm['metric'], r['rate'])} | "
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


# The rule counts the install section quotes one commit at (when measured).
INSTALL_AT = (REMEDY_AT, schema.FAMILY["Install"].points[-1])


def install_model(run):
    """Per install family with results: {N: median ms} of Google
    Benchmark's real_time and its fit, linear for one commit, a + b·N +
    c·N² for the loop of one command per rule (None: too few points)."""
    out = {}
    for family in present(run, schema.INSTALLS):
        ms = {n: v * 1e3 for n, v in
              medians(run.series(family, "real_time_s")).items()}
        if not ms:
            continue
        loop = schema.FAMILY[family].workload == "install_loop"
        xs, ys = _series(ms)
        fit = None
        if loop and len(xs) >= 3:
            fit = fit_quadratic(xs, ys)
        elif not loop and len(xs) >= 2:
            fit = fit_line(xs, ys)
        out[family] = {"ms": ms, "loop": loop, "fit": fit,
                       "backend": run.backend_of(family)
                       or schema.FAMILY[family].backend}
    return out


def fitted_ms(im, n):
    """The install fit's ms at n rules."""
    if im["loop"]:
        a, b, c, _ = im["fit"]
        return a + b * n + c * n * n
    a, b, _ = im["fit"]
    return a + b * n


def install_table(models):
    """One commit: the linear fit and the ms at INSTALL_AT per family."""
    out = ["| family | backend | fit: ms = a + b·N | R² | "
           + " | ".join(f"at {fmt_rules(n)} rules" for n in INSTALL_AT)
           + " |", "| --- | --- | --- | ---: |" + " ---: |" * len(INSTALL_AT)]
    for family, im in models.items():
        if im["loop"]:
            continue
        fit = (f"a = {fmt_sig(im['fit'][0])} ms, b = "
               f"{fmt_sig(im['fit'][1] * 1e3)} µs per rule"
               if im["fit"] else "too few rule counts")
        r2 = fmt_r2(im["fit"][2]) if im["fit"] else "n/a"
        cells = [f"{fmt_sig(im['ms'][n])} ms" if n in im["ms"]
                 else "not measured" for n in INSTALL_AT]
        out.append(f"| {family} | {im['backend']} | {fit} | {r2} | "
                   + " | ".join(cells) + " |")
    return out


def loop_lines(family, im):
    """The loop of one command per rule: its quadratic fit, its ms at each
    N, and the lab's Chain sweep as the fit puts it."""
    out = ["", f"{schema.FAMILY[family].title}: one command per rule "
           "(the lab's way), median ms at each N"
           + (" and the quadratic fit:" if im["fit"] else ":"), "",
           "| N | measured | fit |", "| ---: | ---: | ---: |"]
    for n, ms in sorted(im["ms"].items()):
        fit = f"{fmt_sig(fitted_ms(im, n))} ms" if im["fit"] else "n/a"
        out.append(f"| {fmt_rules(n)} | {fmt_sig(ms)} ms | {fit} |")
    if not im["fit"]:
        return out + ["", "Too few rule counts (fewer than three) for a "
                      "quadratic fit."]
    a, b, c, r2 = im["fit"]
    sweep = [n for n in schema.FAMILY["Chain"].points if n > 0]
    total_s = math.fsum(fitted_ms(im, n) for n in sweep) / 1e3
    return out + [
        "", f"Fit: ms = a + b·N + c·N² with a = {fmt_sig(a)} ms, b = "
        f"{fmt_sig(b * 1e3)} µs per rule, c = {fmt_sig(c * 1e6)} ns per "
        f"rule², R² = {fmt_r2(r2)}.", "",
        f"From the fit, not measured: building each point of the Chain "
        f"sweep (N = {fmt_rules(sweep[0])} to {fmt_rules(sweep[-1])}, "
        f"{len(sweep)} points; 0 rules needs no command) from an empty "
        f"chain this way would take {fmt_sig(total_s)} s in all, the sum of "
        f"the fit over those N; the loop was measured up to "
        f"{fmt_rules(max(im['ms']))} rules."]


def install_section(run, models):
    """The Install cost section; [] without install families."""
    if not models:
        return no_results(run, "Install cost", schema.INSTALLS,
                          "a real_time")
    out = ["", "## Install cost", "",
           "The wall time of setting the chain from empty to N rules "
           "(Google Benchmark's real_time of one iteration, median over "
           "repetitions)."]
    if any(not im["loop"] for im in models.values()):
        out += ["", "One commit (Install*: libiptc, iptables-nft-restore, "
                "libnftables), fitted as ms = a + b·N:", ""]
        out += install_table(models)
    for family, im in models.items():
        if im["loop"]:
            out += loop_lines(family, im)
    notes = shape_notes(run, present(run, schema.INSTALLS))
    return out + ([""] + notes if notes else [])


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
    out += ["## Run", "", f"- Kernel: {_show(ctx, 'kernel')}",
            _probe_line(ctx),
            f"- iptables backend: {_show(ctx, 'iptables_backend')}",
            f"- iperf3: {_show(ctx, 'iperf3')}"
            + (", one TCP stream" if shapes_only else ""),
            _cpu_line(ctx), f"- Date: {_show(ctx, 'date')}"]
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

