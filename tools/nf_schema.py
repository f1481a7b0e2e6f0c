"""The Python mirror of what nf_bench writes: its numbers and its benchmark
families, the one place the tools (and their tests) take names, units,
ranges and the sweep from.

nf_bench declares the same in C++; `nf_bench --print_schema` prints it as
JSON, and tests/tools/test_schema.py holds that output equal to declared()
below, so the two cannot drift apart. Google Benchmark's own times
(real_time_s, cpu_time_s: aggregation "gbench") are read by the tools but
not declared by nf_bench, and are not in declared().
"""

from dataclasses import dataclass

# How a quantity's value is made (Quantity.aggregation):
#   "run"            a row counter set once per run (Google Benchmark's
#                    kDefault: the value as set);
#   "avg_iterations" a row counter set with benchmark::Counter::
#                    kAvgIterations (the value divided by the iterations);
#   "context"        a context entry (AddCustomContext, a string);
#   "gbench"         Google Benchmark's own real_time / cpu_time.
AGGREGATIONS = ("run", "avg_iterations", "context", "gbench")


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
    aggregation: str = "run"  # one of AGGREGATIONS
    # The nf_bench flag a row counter needs ("--table_time"): rows of runs
    # without it do not have the counter. "" for those always written.
    when: str = ""

    def why_invalid(self, x):
        """None when x (a finite float) can be real, else why not."""
        if (x > self.low if self.positive else x >= self.low) \
                and x <= self.high and (not self.integer or x == int(x)):
            return None
        unit = f" {self.unit}" if self.unit else ""
        return (f"is outside {self.low:g} {'<' if self.positive else '<='} "
                f"{self.name} <= {self.high:g}{unit}"
                + (", whole" if self.integer else ""))

    def declared(self):
        """The JSON object `nf_bench --print_schema` prints for it."""
        return {"name": self.name, "where": self.where, "unit": self.unit,
                "worse": self.worse, "aggregation": self.aggregation,
                "low": self.low, "high": self.high,
                "positive": self.positive, "integer": self.integer,
                "when": self.when}


def _context(name, unit, low, high, **kw):
    return Quantity(name, unit, 0, low, high, where="context",
                    aggregation="context", **kw)


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
    Quantity("hook_calls", "walks per run", 0, 0, 1e12, positive=True,
             aggregation="avg_iterations"),
    Quantity("bytes_per_call", "bytes", 0, 0, 2.0 ** 32, positive=True),
    # A quality count (the tests hold it below 1% of hook_calls), not a cost.
    Quantity("hook_unpaired", "walks per run", 0, 0, 1e12,
             aggregation="avg_iterations"),
    # The chain's real length: the benchmark's argument plus --extra_rules.
    # nf_bench builds at most 65 534 (fixtures/rule_set.h kMaxRules).
    Quantity("rules", "rules", 0, 0, 1e6, integer=True),
    # Not whole in mean aggregates of repetitions that saw different counts.
    Quantity("observers", "programs", 0, 0, 1e6),
    # Wall time of the one commit (libiptc) or transaction (nft,
    # iptables-nft-restore) that set the chain at this point.
    Quantity("install_ms", "ms", +1, 0, 1e7),
    # The rule shape: how many match callbacks each rule runs before its
    # last test fails (0: the Chain rule, failing at its first compare).
    # In every row; 0 in the Chain families.
    Quantity("callbacks", "callbacks", 0, 0, 100, integer=True),
    # With --table_time only: time per walk of the filter table alone
    # (ipt_do_table, nft_do_chain), where hook_ns is the whole LOCAL_OUT walk.
    Quantity("table_ns", "ns", +1, 0, 1e9, positive=True,
             when="--table_time"),
    # the benchmark's own times (real_time, cpu_time in time_unit)
    Quantity("real_time_s", "s", +1, 0, 1e7, aggregation="gbench"),
    Quantity("cpu_time_s", "s", +1, 0, 1e7, aggregation="gbench"),
    # context entries (strings, as AddCustomContext writes them); nf_bench's
    # --duration is at most 3600 s
    _context("duration_s", "s", 0, 1e6, positive=True),
    # --extra_rules=E: every chain is E rules longer (at most 60 000)
    _context("extra_rules", "rules", 0, 60000, integer=True),
    _context("load_avg_1m", "", 0, 1e6),
    _context("cpus", "CPUs", 1, 1e6, integer=True),
    _context("other_nf_bench", "processes", 0, 1e7, integer=True),
    _context("cpu_busy_at_start", "of all CPUs", 0, 1),
)
QUANTITY = {q.name: q for q in QUANTITIES}
COUNTERS = tuple(q.name for q in QUANTITIES
                 if q.where == "row" and q.aggregation != "gbench")
TIME_METRICS = tuple(q.name for q in QUANTITIES if q.aggregation == "gbench")
METRICS = COUNTERS + TIME_METRICS
CONTEXT_NUMBERS = tuple(q.name for q in QUANTITIES if q.where == "context")


@dataclass(frozen=True)
class Family:
    """A benchmark family: rows named <name>/<arg>/..., one per point of
    its sweep first, first + step, ..., last (nf_bench's default) of rule
    counts, and for a shape family (args ("callbacks", "rules")) one per
    rule shape k in `callbacks` and rule count (Shape/<k>/<rules>); its
    chain is made by one rule backend."""
    name: str
    args: tuple
    first: int
    last: int
    step: int
    # "legacy": iptables-legacy through libiptc; "iptables-nft": what
    # `iptables-nft -A` makes (for these rules native nf_tables expressions,
    # payload and cmp, no xtables compat: see `nft --debug=netlink list
    # ruleset`); "nft": native nftables rules through libnftables.
    backend: str = "legacy"
    # The rule shapes k of a shape family (match callbacks a rule runs
    # before its last test fails); () for the Chain families.
    callbacks: tuple = ()

    @property
    def shaped(self):
        """True for a family of rule shapes (Shape, ShapeIptNft, ShapeNft)."""
        return bool(self.callbacks)

    def points(self):
        """The sweep's rule counts: (0, 100, ..., 3000) for Chain, (0, 1000,
        2000, 3000) for Shape (at each of its callbacks)."""
        return tuple(range(self.first, self.last + 1, self.step))

    def declared(self):
        """The JSON object `nf_bench --print_schema` prints for it."""
        return {"name": self.name, "args": list(self.args),
                "callbacks": list(self.callbacks),
                "first": self.first, "last": self.last, "step": self.step,
                "backend": self.backend}

    @property
    def title(self):
        """How plots and reports name it: 'ChainNft (nft)'."""
        return f"{self.name} ({self.backend})"


# The ONE Python definition of nf_bench's sweeps, in nf_bench's order: the
# same chain, one family per rule backend; then the rule shapes, one family
# per backend: Shape/<k>/<rules>, k = 0 the Chain rule, k >= 1 a rule whose
# destination and protocol match the traffic, then k match callbacks (tcp
# dport, length, mark last and failing; as nft expressions in ShapeNft).
_BACKENDS = (("legacy", ""), ("iptables-nft", "IptNft"), ("nft", "Nft"))
FAMILIES = tuple(
    Family(name="Chain" + tail, args=("rules",), first=0, last=3000,
           step=100, backend=backend)
    for backend, tail in _BACKENDS) + tuple(
    Family(name="Shape" + tail, args=("callbacks", "rules"), first=0,
           last=3000, step=1000, backend=backend, callbacks=(0, 1, 2, 3))
    for backend, tail in _BACKENDS)
FAMILY = {f.name: f for f in FAMILIES}
CHAINS = tuple(f.name for f in FAMILIES if not f.shaped)
SHAPES = tuple(f.name for f in FAMILIES if f.shaped)
CHAIN = FAMILY["Chain"]
LEGACY = "legacy"  # the backend the others are compared with


def declared():
    """What nf_bench declares in C++, as `nf_bench --print_schema` prints
    it (without its "probes"): every quantity but Google Benchmark's own
    times, in table order, and the families."""
    return {"quantities": [q.declared() for q in QUANTITIES
                           if q.aggregation != "gbench"],
            "families": [f.declared() for f in FAMILIES]}
