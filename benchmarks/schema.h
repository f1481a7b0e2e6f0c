// nf_bench's JSON contract, declared once: every number it writes (user
// counters of a benchmark row, numeric context entries), every workload and
// every benchmark family with its sweep. The benchmarks write counters and
// context through these entries (counters.h); `--print_schema` prints them
// (with the rule backends of fixtures/rule_backend.cpp), committed as
// benchmarks/schema.json, which the Python tools load (tools/nfbench/schema.py;
// tests/tools/test_schema.py fails when the binary prints anything else).
#pragma once

#include <array>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>

namespace nfb {

enum class Where { Row, Context };

// The version of what --print_schema prints and the result files' context
// carries (schema_version): raised when a name or meaning changes, so that
// a tool tells a file of another version from a broken one.
inline constexpr int kSchemaVersion = 1;

// How Google Benchmark reports a row counter: the value as set per run, or
// divided by the iterations (benchmark::Counter::kAvgIterations); Gbench:
// its own real_time / cpu_time, which nf_bench does not set.
enum class Aggregation { Run, AvgIterations, Context, Gbench };

// What a family's benchmark does, one iteration at a time: the rows of
// kWorkloads, in this order (Count last). A quantity's `rows` mask has bit
// 1 << Workload per workload that writes it.
enum class Workload : unsigned {
  TcpBulk,
  TcpStreams,
  UdpMax,
  UdpPaced,
  ConnRate,
  Install,
  InstallLoop,
  Count
};
inline constexpr unsigned kWorkloadCount =
    static_cast<unsigned>(Workload::Count);
constexpr unsigned bit(Workload w) { return 1u << static_cast<unsigned>(w); }
// Rows of a remedy family (Family::remedy) also carry this bit.
inline constexpr unsigned kRemedyRows = 1u << kWorkloadCount;
inline constexpr unsigned kAllRows = (kRemedyRows << 1) - 1;
inline constexpr unsigned kUdpRows =
    bit(Workload::UdpMax) | bit(Workload::UdpPaced);
inline constexpr unsigned kPayloadRows =
    bit(Workload::TcpBulk) | bit(Workload::TcpStreams) | kUdpRows;
// Rows of a run with traffic and the probe timing its walks.
inline constexpr unsigned kTrafficRows = kPayloadRows | bit(Workload::ConnRate);

// How Google Benchmark times one iteration.
enum class Timing {
  EachRun, // manual time: the traffic run's own wall time
  Clock,   // real time: its own clock around what the iteration times
};

// A workload, declared once: what --print_schema, --help and the tools call
// it and what it delivers. How its client runs is its row in
// benchmarks/workloads.cpp.
struct WorkloadRow {
  Workload id;
  std::string_view name;    // "tcp_bulk"
  std::string_view summary; // for --help and the tools
  // The row counter of what it delivers, the rate a chain slows down;
  // empty: it delivers no traffic (the install workloads).
  std::string_view rate;
  Timing timing;
  // A paced workload's fixed datagrams per second (0: unpaced).
  int datagrams_per_s = 0;
};

// The fixed rate of the UdpPaced families: a rate the sender holds at 3000
// rules, so that every rule count sends the same datagrams.
inline constexpr int kPacedDatagramsPerS = 20000;

inline constexpr WorkloadRow kWorkloads[] = {
    // clang-format off
    {Workload::TcpBulk, "tcp_bulk", "one iperf3 TCP stream", "bits_per_s",
     Timing::EachRun},
    {Workload::TcpStreams, "tcp_streams",
     "iperf3 TCP with <streams> parallel streams", "bits_per_s",
     Timing::EachRun},
    {Workload::UdpMax, "udp_max", "iperf3 UDP datagrams of <payload_bytes>, "
     "unpaced", "packets_per_s", Timing::EachRun},
    {Workload::UdpPaced, "udp_paced", "iperf3 UDP datagrams of "
     "<payload_bytes> at a fixed rate", "packets_per_s", Timing::EachRun,
     kPacedDatagramsPerS},
    {Workload::ConnRate, "conn_rate", "connect, request, response, close, in "
     "a loop", "connections_per_s", Timing::EachRun},
    {Workload::Install, "install", "one commit from an empty chain to "
     "<rules> rules", {}, Timing::Clock},
    {Workload::InstallLoop, "install_loop", "one `iptables -A` command per "
     "rule (the lab's way)", {}, Timing::Clock},
    // clang-format on
};
static_assert(std::size(kWorkloads) == kWorkloadCount);
static_assert(
    [] {
      for (unsigned i = 0; i < kWorkloadCount; ++i)
        if (static_cast<unsigned>(kWorkloads[i].id) != i)
          return false;
      return true;
    }(),
    "kWorkloads: one row per Workload, in the enum's order");

constexpr const WorkloadRow &row(Workload w) {
  return kWorkloads[static_cast<unsigned>(w)];
}

struct Quantity {
  std::string_view name;
  std::string_view unit;
  int worse; // +1: higher is worse, -1: lower is worse, 0: not a cost
  Aggregation aggregation;
  // The values a real run can produce (the tools refuse others).
  double low, high;
  bool positive = false; // low itself is no measurement
  bool integer = false;
  Where where = Where::Row;
  // The flag a row counter needs; empty: in every row.
  std::string_view when = {};
  // The rows that carry it (Workload bits, kRemedyRows); context: 0.
  unsigned rows = kTrafficRows;
};

inline constexpr Quantity kQuantities[] = {
    // One row per quantity, on as few lines as it takes.
    // clang-format off
    // Payload received per second. A run of at most 3600 s that received
    // one byte: 8/3600 bit/s.
    {"bits_per_s", "bit/s", -1, Aggregation::Run, 1e-3, 1e13, false, false,
     Where::Row, {}, kPayloadRows},
    {"hook_ns", "ns", +1, Aggregation::Run, 0, 1e9, true},
    // Percentiles from the histogram, whose first slot starts at 0 ns.
    {"hook_p50_ns", "ns", +1, Aggregation::Run, 0, 1e9},
    {"hook_p99_ns", "ns", +1, Aggregation::Run, 0, 1e9},
    {"hook_calls", "walks per run", 0, Aggregation::AvgIterations, 0, 1e12,
     true},
    {"bytes_per_call", "bytes", 0, Aggregation::Run, 0, 4294967296.0, true},
    // Walks the probe could not pair (nested or migrated) and left out.
    {"hook_unpaired", "walks per run", 0, Aggregation::AvgIterations, 0, 1e12},
    // The time in the timed walks over the run's wall time: the share of
    // one CPU the hook took.
    {"hook_cpu_share", "of one CPU", +1, Aggregation::Run, 0, 1e4, true},
    // Rules in the chain: the benchmark's argument times --scale_rules plus
    // --extra_rules (a remedy: the rules it puts in the chain).
    {"rules", "rules", 0, Aggregation::Run, 0, 1e6, false, true, Where::Row,
     {}, kAllRows},
    // A remedy's argument: the addresses it blocks.
    {"blocked", "addresses", 0, Aggregation::Run, 0, 1e7, false, true,
     Where::Row, {}, kRemedyRows},
    // Other BPF programs seen in the timed walk (the label names them).
    {"observers", "programs", 0, Aggregation::Run, 0, 1e6},
    // Wall time of the one commit (transaction) that set the chain.
    {"install_ms", "ms", +1, Aggregation::Run, 0, 1e7},
    // The rule shape: match callbacks each rule runs for the benchmark's
    // traffic before it fails (0: it fails at its first compare).
    {"callbacks", "callbacks", 0, Aggregation::Run, 0, 100, false, true},
    // Time per walk of the filter table alone (between the --table_time
    // programs), ns.
    {"table_ns", "ns", +1, Aggregation::Run, 0, 1e9, true, false, Where::Row,
     "--table_time"},
    {"streams", "streams", 0, Aggregation::Run, 1, 128, false, true,
     Where::Row, {}, bit(Workload::TcpStreams)},
    // UDP: the payload of each datagram, what the receiver counted per
    // second, what the sender sent, and the share lost on the way.
    {"payload_bytes", "bytes", 0, Aggregation::Run, 1, 65507, false, true,
     Where::Row, {}, kUdpRows},
    {"packets_per_s", "datagrams/s", -1, Aggregation::Run, 0, 1e9, false,
     false, Where::Row, {}, kUdpRows},
    {"datagrams_sent", "datagrams per run", 0, Aggregation::AvgIterations, 0,
     1e12, true, false, Where::Row, {}, kUdpRows},
    {"loss_fraction", "of datagrams sent", +1, Aggregation::Run, 0, 1, false,
     false, Where::Row, {}, kUdpRows},
    // Connection rate: completed connections per second, and the walks of
    // the sender's LOCAL_OUT each one made.
    {"connections_per_s", "connections/s", -1, Aggregation::Run, 0, 1e8, true,
     false, Where::Row, {}, bit(Workload::ConnRate)},
    {"hook_calls_per_connection", "walks", 0, Aggregation::Run, 0, 1e4, true,
     false, Where::Row, {}, bit(Workload::ConnRate)},
    // Google Benchmark's own times (real_time, cpu_time in time_unit), in
    // every row; of an install row, the time of one commit.
    {"real_time_s", "s", +1, Aggregation::Gbench, 0, 1e7, false, false,
     Where::Row, {}, kAllRows},
    {"cpu_time_s", "s", +1, Aggregation::Gbench, 0, 1e7, false, false,
     Where::Row, {}, kAllRows},
    {"duration_s", "s", 0, Aggregation::Context, 0, 1e6, true, false,
     Where::Context, {}, 0},
    {"extra_rules", "rules", 0, Aggregation::Context, 0, 60000, false, true,
     Where::Context, {}, 0},
    // --scale_rules=F: every chain F times as long (1: as declared).
    {"rule_scale", "", 0, Aggregation::Context, 0.5, 2, false, false,
     Where::Context, {}, 0},
    // --pin: 1 when the client ran on CPU 0 and the servers on CPU 1.
    {"pinned", "", 0, Aggregation::Context, 0, 1, false, true, Where::Context,
     {}, 0},
    {"load_avg_1m", "", 0, Aggregation::Context, 0, 1e6, false, false,
     Where::Context, {}, 0},
    {"cpus", "CPUs", 0, Aggregation::Context, 1, 1e6, false, true,
     Where::Context, {}, 0},
    {"other_nf_bench", "processes", 0, Aggregation::Context, 0, 1e7, false,
     true, Where::Context, {}, 0},
    {"cpu_busy_at_start", "of all CPUs", 0, Aggregation::Context, 0, 1, false,
     false, Where::Context, {}, 0},
    // clang-format on
};

// A quantity nf_bench writes itself (not Google Benchmark's times).
constexpr bool declared(std::string_view name, Where where) {
  for (const auto &q : kQuantities)
    if (q.name == name && q.where == where &&
        q.aggregation != Aggregation::Gbench)
      return true;
  return false;
}

static_assert(
    [] {
      for (const WorkloadRow &w : kWorkloads)
        if (!w.rate.empty() && !declared(w.rate, Where::Row))
          return false;
      return true;
    }(),
    "kWorkloads: a rate must be a row counter of kQuantities");

// Names of kQuantities, checked at compile time: set_counter(state,
// "hook_ns", v) compiles only when "hook_ns" is a row counter above.
struct CounterName {
  consteval CounterName(const char *text) : name(text) {
    if (!declared(name, Where::Row))
      throw "not a row counter declared in benchmarks/schema.h";
  }
  std::string_view name;
};

struct ContextName {
  consteval ContextName(const char *text) : name(text) {
    if (!declared(name, Where::Context))
      throw "not a context entry declared in benchmarks/schema.h";
  }
  std::string_view name;
};

// first, first + step, ... last.
template <int First, int Last, int Step>
inline constexpr auto kSweep = [] {
  static_assert(Step > 0 && (Last - First) % Step == 0);
  std::array<int, (Last - First) / Step + 1> values{};
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] = First + static_cast<int>(i) * Step;
  return values;
}();

// A benchmark family: <name>/<x>, or <name>/<lead>/<x> with a leading
// argument (the rule shape, the UDP payload, the streams).
struct Family {
  std::string_view name;
  // Builds its chain (fixtures/rule_backend.h); a remedy is a backend too.
  std::string_view backend;
  Workload workload;
  std::string_view x;         // counter of the last argument
  std::span<const int> xs;    // its values
  std::string_view lead = {}; // counter of the leading argument; empty: none
  std::span<const int> leads = {};
  // Blocks <blocked> addresses some cheaper way than a rule per address.
  bool remedy = false;

  unsigned rows() const { return bit(workload) | (remedy ? kRemedyRows : 0); }
};

inline constexpr auto kChainSweep = kSweep<0, 3000, 100>;
inline constexpr auto kShapeSweep = kSweep<0, 3000, 1000>;
inline constexpr int kShapes[] = {0, 1, 2, 3}; // rule_set.h kMaxCallbacks
// Remedies to 3000 addresses, as the Chain; set lookups much further.
inline constexpr auto kRemedySweep = kSweep<0, 3000, 500>;
inline constexpr int kSetSweep[] = {0,    500,  1000,  1500,  2000,
                                    2500, 3000, 10000, 30000, 100000};
// The traffic profiles at three chain lengths.
inline constexpr int kProfileRules[] = {0, 1000, 3000};
inline constexpr int kPayloads[] = {64, 512, 1400};
inline constexpr int kStreams[] = {4};
// Install cost: one commit to 30 000 rules; the lab's loop of one command
// per rule grows with the square of the rules, so it stops at 2000.
inline constexpr int kInstallRules[] = {1000, 3000, 10000, 30000};
inline constexpr int kInstallLoopRules[] = {100, 500, 1000, 2000};

inline constexpr Family kChainFamily{"Chain", "legacy", Workload::TcpBulk,
                                     "rules", kChainSweep};
inline constexpr Family kFamilies[] = {
    // One row per family, on as few lines as it takes.
    // clang-format off
    kChainFamily,
    // The same chain and sweep through the nf_tables backends.
    {"ChainIptNft", "iptables-nft", Workload::TcpBulk, "rules", kChainSweep},
    {"ChainNft", "nft", Workload::TcpBulk, "rules", kChainSweep},
    // Rule shapes: how the cost per rule grows with the callbacks it runs.
    {"Shape", "legacy", Workload::TcpBulk, "rules", kShapeSweep, "callbacks",
     kShapes},
    {"ShapeIptNft", "iptables-nft", Workload::TcpBulk, "rules", kShapeSweep,
     "callbacks", kShapes},
    {"ShapeNft", "nft", Workload::TcpBulk, "rules", kShapeSweep, "callbacks",
     kShapes},
    // Remedies: the same blocked addresses without a rule per address.
    {"RemedyPrefix", "prefix", Workload::TcpBulk, "blocked", kRemedySweep, {},
     {}, true},
    {"RemedyConntrack", "conntrack", Workload::TcpBulk, "blocked",
     kRemedySweep, {}, {}, true},
    {"RemedyIpset", "ipset", Workload::TcpBulk, "blocked", kSetSweep, {}, {},
     true},
    {"RemedyNftSet", "nft-set", Workload::TcpBulk, "blocked", kSetSweep, {},
     {}, true},
    {"RemedyNftInterval", "nft-interval", Workload::TcpBulk, "blocked",
     kSetSweep, {}, {}, true},
    // Traffic profiles: which traffic pays for the chain.
    {"Udp", "legacy", Workload::UdpMax, "rules", kProfileRules,
     "payload_bytes", kPayloads},
    {"UdpNft", "nft", Workload::UdpMax, "rules", kProfileRules,
     "payload_bytes", kPayloads},
    {"UdpPaced", "legacy", Workload::UdpPaced, "rules", kProfileRules,
     "payload_bytes", kPayloads},
    {"UdpPacedNft", "nft", Workload::UdpPaced, "rules", kProfileRules,
     "payload_bytes", kPayloads},
    {"ConnRate", "legacy", Workload::ConnRate, "rules", kProfileRules},
    {"ConnRateNft", "nft", Workload::ConnRate, "rules", kProfileRules},
    {"Streams", "legacy", Workload::TcpStreams, "rules", kProfileRules,
     "streams", kStreams},
    {"StreamsNft", "nft", Workload::TcpStreams, "rules", kProfileRules,
     "streams", kStreams},
    // Install cost, timed by Google Benchmark itself.
    {"Install", "legacy", Workload::Install, "rules", kInstallRules},
    {"InstallIptNft", "iptables-nft", Workload::Install, "rules",
     kInstallRules},
    {"InstallNft", "nft", Workload::Install, "rules", kInstallRules},
    {"InstallLoop", "legacy", Workload::InstallLoop, "rules",
     kInstallLoopRules},
    // clang-format on
};

// "  Chain/<rules> (legacy, tcp_bulk): rules = 0, 100, ... 3000": for --help.
std::string describe_families();

// What the contract says of a rule backend (fixtures/rule_backend.h holds
// the backends; the pure schema gets them from there).
struct BackendSchema {
  std::string_view name;
  std::string_view summary;
  // The backend whose per-address rules it stands against: itself for a
  // chain; for a remedy, the chain backend of the rules it replaces.
  std::string_view compared_with;
  unsigned hook_type; // enum nf_hook_ops_type of the hooks its table makes
  std::string_view table_function;
};

// The whole contract as JSON (what --print_schema prints, committed as
// benchmarks/schema.json).
std::string schema_json(std::span<const BackendSchema> backends);

} // namespace nfb
