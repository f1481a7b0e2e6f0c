"""The sections of one Chain family: Warnings, Run, Hook time, Throughput,
Cost in CPU, Why TCP bulk hides part of the cost, and the advice."""

from .. import load, schema
from ..fmt import (
    fmt_bps, fmt_gbps, fmt_ns, fmt_pct, fmt_r2, fmt_rate, fmt_rules, fmt_sig,
    round_sig)
from ..model import MSS, MTU, SMALL_PACKET, number, cpu_fraction

def show_entry(ctx, key):
    value = ctx.get(key)
    return str(value) if value not in (None, "") else "not recorded"


def probe_line(ctx):
    probe = f"- Probe: {show_entry(ctx, 'probe')}"
    self_ns = number(ctx.get("probe_self_ns"))
    if self_ns is not None:
        probe += f", own cost {fmt_ns(self_ns)} per hook call"
        if ctx.get("probe_self_method"):
            probe += f", measured by: {ctx['probe_self_method']}"
        probe += "; it is included in every hook time below"
    return probe


def cpu_line(ctx):
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
            f"- Kernel: {show_entry(ctx, 'kernel')}", probe_line(ctx),
            f"- iptables backend: {show_entry(ctx, 'iptables_backend')}",
            f"- iperf3: {show_entry(ctx, 'iperf3')}, one TCP stream", duration,
            f"- Rule counts: {fmt_rules(rules[0])} to {fmt_rules(rules[-1])}"
            f" ({len(rules)} points), "
            + (f"{most} repetitions each; medians are used" if most > 1
               else "one value each (single runs or aggregate rows)"),
            cpu_line(ctx), f"- Date: {show_entry(ctx, 'date')}", _failed_line(m)]


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
