"""The analysis the report and the figures share: every number the report
quotes, computed from a Run first (medians over repetitions, the fits of
nfbench.stats), with nothing of its wording."""

import math
import statistics
from dataclasses import dataclass

from . import load, schema
from .stats import (
    data_half_point, fit_inverse, fit_line, fit_quadratic, half_point, medians)

MSS = 1448          # TCP payload of one segment at a 1500-byte MTU (timestamps on)


MSS = 1448          # TCP payload of one segment at a 1500-byte MTU (timestamps on)
MTU = 1500          # bytes of one full-size IPv4 packet


MTU = 1500          # bytes of one full-size IPv4 packet
SMALL_PACKET = 64   # bytes of a minimum-size packet


def cpu_fraction(calls_per_s, ns_per_call):
    """Share of one CPU spent in the hook: calls/s x ns/call x 1e-9."""
    return calls_per_s * ns_per_call * 1e-9


def number(value):
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
            "cpus": number(context.get("num_cpus"))}


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


@dataclass
class ShapeModel:
    """One shape family: ns per rule at each k, and what follows from it."""
    family: str
    slopes: dict  # k -> (b ns per rule, r2, rule counts)
    fit: dict  # of b over k >= 1: per_cb, r2, ks; None with < 2 such k
    steps: dict  # (k, k + 1) -> the change of b
    backend: str


@dataclass
class ProfileModel:
    """One traffic profile (a family, and a lead) against the rules."""
    family: str
    lead: int  # payload bytes or streams; None without one
    bulk: str  # the Chain family of the same backend (TCP bulk)
    base: int  # the fewest rules, the rates' reference
    metric: str  # its rate counter
    rows: list  # per rule count: n, rate, loss, hook, per_conn, ...
    paced: bool


@dataclass
class InstallModel:
    """One install family: the median ms of one commit (or loop) per N."""
    ms: dict  # N -> ms
    loop: bool  # one command per rule (fit quadratic), else one commit
    fit: tuple  # (a, b, r2) or (a, b, c, r2); None: too few points
    backend: str


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
    return ShapeModel(family, slopes, fit, steps,
                      run.backend_of(family) or schema.FAMILY[family].backend)


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
    return ProfileModel(family, lead, bulk, base, schema.RATE[f.workload],
                        rows, f.workload == "udp_paced")


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
    f = schema.FAMILY[pm.family]
    what = {"payload_bytes": f"{pm.lead}-byte datagrams",
            "streams": f"{pm.lead} streams"}.get(f.lead)
    return f.title + (f", {what}" if what else "")


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
        out[family] = InstallModel(
            ms, loop, fit,
            run.backend_of(family) or schema.FAMILY[family].backend)
    return out


def fitted_ms(im, n):
    """The install fit's ms at n rules."""
    if im.loop:
        a, b, c, _ = im.fit
        return a + b * n + c * n * n
    a, b, _ = im.fit
    return a + b * n
