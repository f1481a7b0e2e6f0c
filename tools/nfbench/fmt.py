"""How the tools write numbers: every number in the report's text goes
through one of these."""

import math


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
