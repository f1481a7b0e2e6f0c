"""What nf_bench writes, as the tools read it: its numbers, its workloads,
its rule backends and its benchmark families, loaded from
benchmarks/schema.json, the committed output of `nf_bench --print_schema`
(tests/tools/test_schema.py fails when the binary prints anything else).
nf_bench declares them once, in C++ (benchmarks/schema.h, the backends in
fixtures/rule_backend.cpp); this module keeps only behaviour: the names the
tools use, and what a family carries and is compared with.
"""

import json
import os
from dataclasses import dataclass

# The file nf_bench's contract is committed in.
SCHEMA_FILE = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir,
    "benchmarks", "schema.json"))

# How a quantity's value is made (Quantity.aggregation):
#   "run"            a row counter set once per run (Google Benchmark's
#                    kDefault: the value as set);
#   "avg_iterations" a row counter set with benchmark::Counter::
#                    kAvgIterations (the value divided by the iterations);
#   "context"        a context entry (AddCustomContext, a string);
#   "gbench"         Google Benchmark's own real_time / cpu_time.
AGGREGATIONS = ("run", "avg_iterations", "context", "gbench")
REMEDY = "remedy"  # the tag of a remedy family's rows, beside its workload


def _load(path=SCHEMA_FILE):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise ImportError(f"nf_bench's contract {path} cannot be read ({e}): "
                          "the tools run from nf_bench's repository, where "
                          "`nf_bench --print_schema` wrote it") from None


_SCHEMA = _load()
# The contract's version: result files carry it in their context
# (schema_version); files from before it was written have none.
SCHEMA_VERSION = _SCHEMA["schema_version"]


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
    rows: tuple = ()

    def why_invalid(self, x):
        """None when x (a finite float) can be real, else why not."""
        if (x > self.low if self.positive else x >= self.low) \
                and x <= self.high and (not self.integer or x == int(x)):
            return None
        unit = f" {self.unit}" if self.unit else ""
        return (f"is outside {self.low:g} {'<' if self.positive else '<='} "
                f"{self.name} <= {self.high:g}{unit}"
                + (", whole" if self.integer else ""))

    @classmethod
    def from_json(cls, q):
        return cls(q["name"], q["unit"], q["worse"], q["low"], q["high"],
                   q["positive"], q["integer"], q["where"], q["aggregation"],
                   q["when"], tuple(q["rows"]))


# The numbers nf_bench writes, with units, which way is worse, the range a
# real run can produce and the rows that carry them. Outside the range the
# file is damaged, edited or from a broken build, and the tools say so
# instead of plotting or gating it.
QUANTITIES = tuple(Quantity.from_json(q) for q in _SCHEMA["quantities"])
QUANTITY = {q.name: q for q in QUANTITIES}
COUNTERS = tuple(q.name for q in QUANTITIES
                 if q.where == "row" and q.aggregation != "gbench")
TIME_METRICS = tuple(q.name for q in QUANTITIES if q.aggregation == "gbench")
METRICS = COUNTERS + TIME_METRICS
CONTEXT_NUMBERS = tuple(q.name for q in QUANTITIES if q.where == "context")
# Every flag a row counter may need (a run made with all of them).
ALL_FLAGS = tuple(dict.fromkeys(q.when for q in QUANTITIES if q.when))

# What a family's benchmark does, one iteration at a time (schema.h
# kWorkloads): the tags of its rows. Rows of a remedy family are also
# tagged "remedy".
WORKLOADS = tuple(w["name"] for w in _SCHEMA["workloads"])
ROW_TAGS = WORKLOADS + (REMEDY,)
WORKLOAD = {w["name"]: w for w in _SCHEMA["workloads"]}
# What a traffic workload delivers, the rate its chain slows down.
RATE = {w["name"]: w["rate"] for w in _SCHEMA["workloads"] if w["rate"]}
# The rows of the UDP workloads: those that carry packets_per_s.
UDP_ROWS = QUANTITY["packets_per_s"].rows
INSTALL_WORKLOADS = tuple(w for w in WORKLOADS if w not in RATE)
# The datagrams per second of the UdpPaced families, a rate the sender
# holds at 3000 rules.
PACED_DATAGRAMS_PER_S = WORKLOAD["udp_paced"]["datagrams_per_s"]
# Each rule backend (fixtures/rule_backend.cpp): its summary, its hook type
# and the chain backend it is compared with.
BACKEND = {b["name"]: b for b in _SCHEMA["backends"]}


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

    @classmethod
    def from_json(cls, f):
        return cls(f["name"], f["backend"], f["workload"], tuple(f["args"]),
                   tuple(f["points"]), tuple(f["leads"]), f["remedy"])

    @property
    def title(self):
        """How plots and reports name it: 'ChainNft (nft)'."""
        return f"{self.name} ({self.backend})"


# nf_bench's families, in its order: the same chain, one family per rule
# backend; the rule shapes (Shape/<k>/<rules>: k = 0 the Chain rule, k >= 1
# a rule whose destination and protocol match the traffic, then k match
# callbacks); the remedies (the same blocked addresses without a rule per
# address); the traffic profiles (which traffic pays for the chain); the
# install cost.
FAMILIES = tuple(Family.from_json(f) for f in _SCHEMA["families"])
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
    backend = BACKEND[f.backend]["compared_with"]
    return next(FAMILY[c] for c in CHAINS if FAMILY[c].backend == backend)


def is_set_remedy(family):
    """True for a remedy swept beyond the per-address rules (a set
    lookup: ipset, nft-set, nft-interval)."""
    f = FAMILY[family] if isinstance(family, str) else family
    return f.remedy and max(f.points) > max(rules_family(f).points)
