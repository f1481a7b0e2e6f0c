"""The Python mirror of what nf_bench writes: its numbers and its benchmark
families, the one place the tools (and their tests) take names, units,
ranges, the rows that carry each number and the sweeps from.

nf_bench declares the same in C++ (benchmarks/schema.h); `nf_bench
--print_schema` prints it as JSON, and tests/tools/test_schema.py holds that
output equal to declared() below, so the two cannot drift apart. Google
Benchmark's own times (real_time_s, cpu_time_s: aggregation "gbench") are
read by the tools but not declared by nf_bench, and are not in declared().
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

# What a family's benchmark does, one iteration at a time (schema.h
# Workload, in its bit order): the tags of its rows. Rows of a remedy
# family are also tagged "remedy".
WORKLOADS = ("tcp_bulk", "tcp_streams", "udp_max", "udp_paced", "conn_rate",
             "install", "install_loop")
REMEDY = "remedy"
ROW_TAGS = WORKLOADS + (REMEDY,)
UDP_ROWS = ("udp_max", "udp_paced")
PAYLOAD_ROWS = ("tcp_bulk", "tcp_streams") + UDP_ROWS
TRAFFIC_ROWS = PAYLOAD_ROWS + ("conn_rate",)  # traffic, and the probe
INSTALL_WORKLOADS = ("install", "install_loop")

# schema.h owns it (kPacedDatagramsPerS; --print_schema gives it as each
# UdpPaced family's datagrams_per_s): the datagrams per second of the
# UdpPaced families, a rate the sender holds at 3000 rules.
PACED_DATAGRAMS_PER_S = 20000


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
    # The row tags (ROW_TAGS) of the rows that carry it; () for context.
    rows: tuple = TRAFFIC_ROWS

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
                "when": self.when,
                "rows": [t for t in ROW_TAGS if t in self.rows]}


def _context(name, unit, low, high, **kw):
    return Quantity(name, unit, 0, low, high, where="context",
                    aggregation="context", rows=(), **kw)


# The ONE list of numbers the tools read, with units, which way is worse,
# the range a real run can produce and the rows that carry them. Outside
# the range the file is damaged, edited or from a broken build, and the
# tools say so instead of plotting or gating it. The bounds are
# deliberately wide (a slow VM, nft, 60 000 extra rules stay far inside);
# they catch 0, negatives, 1e308 and overflowed casts.
QUANTITIES = (
    # Payload received per second; a run (at most 3600 s) that received
    # one byte has 8/3600 bit/s, so 1e-3 is the floor (below it, the
    # report's fit of 1/bits_per_s would overflow)
    Quantity("bits_per_s", "bit/s", -1, 1e-3, 1e13, rows=PAYLOAD_ROWS),
    # Per walk of the sender's LOCAL_OUT hook (UDP: one per datagram)
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
    # The time in the timed walks over the run's wall time: the share of
    # one CPU the hook took.
    Quantity("hook_cpu_share", "of one CPU", +1, 0, 1e4, positive=True),
    # The chain's real length: the benchmark's argument plus --extra_rules
    # (a remedy: the rules it puts in the chain). nf_bench builds at most
    # 65 534 (fixtures/rule_set.h kMaxRules).
    Quantity("rules", "rules", 0, 0, 1e6, integer=True, rows=ROW_TAGS),
    # A remedy's argument: the addresses it blocks.
    Quantity("blocked", "addresses", 0, 0, 1e7, integer=True,
             rows=(REMEDY,)),
    # Not whole in mean aggregates of repetitions that saw different counts.
    Quantity("observers", "programs", 0, 0, 1e6),
    # Wall time of the one commit (libiptc) or transaction (nft,
    # iptables-nft-restore) that set the chain at this point.
    Quantity("install_ms", "ms", +1, 0, 1e7),
    # The rule shape: how many match callbacks each rule runs before its
    # last test fails (0: the Chain rule, failing at its first compare).
    Quantity("callbacks", "callbacks", 0, 0, 100, integer=True),
    # With --table_time only: time per walk of the filter table alone
    # (ipt_do_table, nft_do_chain), where hook_ns is the whole LOCAL_OUT walk.
    Quantity("table_ns", "ns", +1, 0, 1e9, positive=True,
             when="--table_time"),
    Quantity("streams", "streams", 0, 1, 128, integer=True,
             rows=("tcp_streams",)),
    # UDP: the payload of each datagram, what the receiver counted per
    # second, what the sender sent, and the share lost on the way.
    Quantity("payload_bytes", "bytes", 0, 1, 65507, integer=True,
             rows=UDP_ROWS),
    Quantity("packets_per_s", "datagrams/s", -1, 0, 1e9, rows=UDP_ROWS),
    Quantity("datagrams_sent", "datagrams per run", 0, 0, 1e12,
             positive=True, aggregation="avg_iterations", rows=UDP_ROWS),
    Quantity("loss_fraction", "of datagrams sent", +1, 0, 1, rows=UDP_ROWS),
    # Connection rate: completed connections per second, and the walks of
    # the sender's LOCAL_OUT each one made.
    Quantity("connections_per_s", "connections/s", -1, 0, 1e8,
             positive=True, rows=("conn_rate",)),
    Quantity("hook_calls_per_connection", "walks", 0, 0, 1e4, positive=True,
             rows=("conn_rate",)),
    # the benchmark's own times (real_time, cpu_time in time_unit), in
    # every row; of the Install* rows, the time of one commit
    Quantity("real_time_s", "s", +1, 0, 1e7, aggregation="gbench",
             rows=ROW_TAGS),
    Quantity("cpu_time_s", "s", +1, 0, 1e7, aggregation="gbench",
             rows=ROW_TAGS),
    # context entries (strings, as AddCustomContext writes them); nf_bench's
    # --duration is at most 3600 s
    _context("duration_s", "s", 0, 1e6, positive=True),
    # --extra_rules=E: every chain is E rules longer (at most 60 000)
    _context("extra_rules", "rules", 0, 60000, integer=True),
    # --scale_rules=F: every chain F times as long (1: as declared)
    _context("rule_scale", "", 0.5, 2),
    # --pin: 1 when the client ran on CPU 0 and the servers on CPU 1
    _context("pinned", "", 0, 1, integer=True),
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
# Every flag a row counter may need (a run made with all of them).
ALL_FLAGS = tuple(dict.fromkeys(q.when for q in QUANTITIES if q.when))

# What a traffic workload delivers, the rate its chain slows down.
RATE = {"tcp_bulk": "bits_per_s", "tcp_streams": "bits_per_s",
        "udp_max": "packets_per_s", "udp_paced": "packets_per_s",
        "conn_rate": "connections_per_s"}


@dataclass(frozen=True)
class Family:
    """A benchmark family: rows named <name>/<x> for x in points, or
    <name>/<lead>/<x> for each lead in leads (args (lead, x)); x is the
    value of the counter args[-1] ("rules", or for a remedy "blocked"),
    lead of args[0] ("callbacks", "payload_bytes", "streams"). Its chain
    is made by one rule backend, or a remedy (remedy = True)."""
    name: str
    # "legacy": iptables-legacy through libiptc; "iptables-nft": what
    # `iptables-nft -A` makes (for these rules native nf_tables expressions,
    # payload and cmp, no xtables compat: see `nft --debug=netlink list
    # ruleset`); "nft": native nftables rules through libnftables; a
    # remedy's name (prefix, conntrack, ipset, nft-set, nft-interval).
    backend: str
    workload: str  # one of WORKLOADS
    args: tuple
    points: tuple  # the values of x, in nf_bench's order
    leads: tuple = ()
    remedy: bool = False  # blocks addresses without a rule per address

    @property
    def x(self):
        """The counter of the last argument: "rules" or "blocked"."""
        return self.args[-1]

    @property
    def lead(self):
        """The counter of the leading argument, or None."""
        return self.args[0] if len(self.args) > 1 else None

    @property
    def shaped(self):
        """True for a family of rule shapes (Shape, ShapeIptNft, ShapeNft)."""
        return self.lead == "callbacks"

    @property
    def tags(self):
        """Its rows' tags: its workload, and "remedy" for a remedy."""
        return frozenset((self.workload,) + ((REMEDY,) if self.remedy
                                             else ()))

    def declared(self):
        """The JSON object `nf_bench --print_schema` prints for it."""
        return {"name": self.name, "backend": self.backend,
                "workload": self.workload, "remedy": self.remedy,
                "args": list(self.args), "leads": list(self.leads),
                "points": list(self.points),
                "datagrams_per_s": PACED_DATAGRAMS_PER_S
                if self.workload == "udp_paced" else 0}

    @property
    def title(self):
        """How plots and reports name it: 'ChainNft (nft)'."""
        return f"{self.name} ({self.backend})"


def _sweep(first, last, step):
    return tuple(range(first, last + 1, step))


CHAIN_SWEEP = _sweep(0, 3000, 100)
SHAPE_SWEEP = _sweep(0, 3000, 1000)
REMEDY_SWEEP = _sweep(0, 3000, 500)  # the remedies, as far as the Chain
SET_SWEEP = REMEDY_SWEEP + (10000, 30000, 100000)  # set lookups, further
PROFILE_RULES = (0, 1000, 3000)
# One commit to 30 000 rules; the loop of one command per rule grows with
# the square of the rules, so it stops at 2000.
INSTALL_RULES = (1000, 3000, 10000, 30000)
INSTALL_LOOP_RULES = (100, 500, 1000, 2000)
_BACKENDS = (("legacy", ""), ("iptables-nft", "IptNft"), ("nft", "Nft"))
_TWO = (("legacy", ""), ("nft", "Nft"))  # the traffic profiles' backends


def _traffic(name, workload, lead=None, leads=()):
    """One profile family per backend of _TWO, at PROFILE_RULES."""
    args = ((lead,) if lead else ()) + ("rules",)
    return tuple(Family(name + tail, backend, workload, args, PROFILE_RULES,
                        leads) for backend, tail in _TWO)


def _remedy(name, backend, points):
    return Family(name, backend, "tcp_bulk", ("blocked",), points,
                  remedy=True)


# The ONE Python definition of nf_bench's families, in nf_bench's order:
# the same chain, one family per rule backend; the rule shapes
# (Shape/<k>/<rules>: k = 0 the Chain rule, k >= 1 a rule whose destination
# and protocol match the traffic, then k match callbacks: tcp dport,
# length, mark last and failing; as nft expressions in ShapeNft); the
# remedies (the same blocked addresses without a rule per address); the
# traffic profiles (which traffic pays for the chain); the install cost.
FAMILIES = (
    tuple(Family("Chain" + tail, backend, "tcp_bulk", ("rules",),
                 CHAIN_SWEEP) for backend, tail in _BACKENDS)
    + tuple(Family("Shape" + tail, backend, "tcp_bulk",
                   ("callbacks", "rules"), SHAPE_SWEEP, (0, 1, 2, 3))
            for backend, tail in _BACKENDS)
    + (_remedy("RemedyPrefix", "prefix", REMEDY_SWEEP),
       _remedy("RemedyConntrack", "conntrack", REMEDY_SWEEP),
       _remedy("RemedyIpset", "ipset", SET_SWEEP),
       _remedy("RemedyNftSet", "nft-set", SET_SWEEP),
       _remedy("RemedyNftInterval", "nft-interval", SET_SWEEP))
    + _traffic("Udp", "udp_max", "payload_bytes", (64, 512, 1400))
    + _traffic("UdpPaced", "udp_paced", "payload_bytes", (64, 512, 1400))
    + _traffic("ConnRate", "conn_rate")
    + _traffic("Streams", "tcp_streams", "streams", (4,))
    + tuple(Family("Install" + tail, backend, "install", ("rules",),
                   INSTALL_RULES) for backend, tail in _BACKENDS)
    + (Family("InstallLoop", "legacy", "install_loop", ("rules",),
              INSTALL_LOOP_RULES),))
FAMILY = {f.name: f for f in FAMILIES}
CHAINS = tuple(f.name for f in FAMILIES if f.workload == "tcp_bulk"
               and not f.remedy and f.lead is None)
SHAPES = tuple(f.name for f in FAMILIES if f.shaped)
REMEDIES = tuple(f.name for f in FAMILIES if f.remedy)
PROFILES = tuple(f.name for f in FAMILIES if f.workload in RATE
                 and f.workload != "tcp_bulk")
INSTALLS = tuple(f.name for f in FAMILIES
                 if f.workload in INSTALL_WORKLOADS)
CHAIN = FAMILY["Chain"]
LEGACY = "legacy"  # the backend the others are compared with
# The remedies that replace per-address nftables rules (nft sets); the
# others replace iptables-legacy rules.
_NFT_REMEDIES = ("nft-set", "nft-interval")


def carries(quantity, family, flags=()):
    """True when a row of the family (a Family or its name), in a run
    given these nf_bench flags, has the quantity (a Quantity or its name):
    its rows meet the family's tags and its `when` flag was given."""
    q = QUANTITY[quantity] if isinstance(quantity, str) else quantity
    f = FAMILY[family] if isinstance(family, str) else family
    return (q.where == "row" and bool(f.tags.intersection(q.rows))
            and (not q.when or q.when in flags))


def carried(family, flags=ALL_FLAGS):
    """The metrics (METRICS order) a row of the family can have."""
    return tuple(m for m in METRICS if carries(m, family, flags))


def measures(family):
    """What a family measures, the metrics that gate it by default: the
    hook time and the rate of traffic rows; real_time (one commit) of the
    Install* rows."""
    f = FAMILY[family] if isinstance(family, str) else family
    if f.workload in INSTALL_WORKLOADS:
        return ("real_time_s",)
    return ("hook_ns", RATE[f.workload])


def rules_family(family):
    """The Chain family of rules one per address that a family is compared
    with: for a remedy, the rules it replaces (ChainNft for the nft sets,
    else the legacy Chain); otherwise the Chain family of its backend."""
    f = FAMILY[family] if isinstance(family, str) else family
    backend = f.backend
    if f.remedy:
        backend = "nft" if f.backend in _NFT_REMEDIES else LEGACY
    return next(FAMILY[c] for c in CHAINS if FAMILY[c].backend == backend)


def is_set_remedy(family):
    """True for a remedy swept beyond the per-address rules (a set
    lookup: ipset, nft-set, nft-interval)."""
    f = FAMILY[family] if isinstance(family, str) else family
    return f.remedy and max(f.points) > max(rules_family(f).points)


def declared():
    """What nf_bench declares in C++, as `nf_bench --print_schema` prints
    it (without its "probes"): every quantity but Google Benchmark's own
    times, in table order, and the families."""
    return {"quantities": [q.declared() for q in QUANTITIES
                           if q.aggregation != "gbench"],
            "families": [f.declared() for f in FAMILIES]}
