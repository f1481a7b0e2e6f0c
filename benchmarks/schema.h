// nf_bench's JSON contract, declared once: every number it writes (user
// counters of a benchmark row, numeric context entries) and every benchmark
// family with its sweep. The benchmarks write counters and context through
// these entries (counters.h), `--print_schema` prints them, and the Python
// tools read their mirror, tools/nf_schema.py (tests/tools/test_schema.py
// fails when the two differ).
#pragma once

#include <array>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>

namespace nfb {

enum class Where { Row, Context };

// How Google Benchmark reports a row counter: the value as set per run, or
// divided by the iterations (benchmark::Counter::kAvgIterations).
enum class Aggregation { Run, AvgIterations, Context };

// What a family's benchmark does, one iteration at a time (the bit of its
// rows in Quantity::rows).
enum class Workload : unsigned {
  TcpBulk = 1,      // one iperf3 TCP stream
  TcpStreams = 2,   // iperf3 TCP with <streams> parallel streams
  UdpMax = 4,       // iperf3 UDP datagrams of <payload_bytes>, unpaced
  UdpPaced = 8,     // the same at kPacedDatagramsPerS
  ConnRate = 16,    // connect, request, response, close, in a loop
  Install = 32,     // one commit from an empty chain to <rules> rules
  InstallLoop = 64, // one `iptables -A` command per rule (the lab's way)
};
// Rows of a remedy family (Family::remedy) also carry this bit.
inline constexpr unsigned kRemedyRows = 128;
constexpr unsigned bit(Workload w) { return static_cast<unsigned>(w); }
inline constexpr unsigned kUdpRows =
    bit(Workload::UdpMax) | bit(Workload::UdpPaced);
inline constexpr unsigned kPayloadRows =
    bit(Workload::TcpBulk) | bit(Workload::TcpStreams) | kUdpRows;
// Rows of a run with traffic and the probe timing its walks.
inline constexpr unsigned kTrafficRows = kPayloadRows | bit(Workload::ConnRate);
inline constexpr unsigned kAllRows = 0xFF;

// The fixed rate of the UdpPaced families: a rate the sender holds at 3000
// rules, so that every rule count sends the same datagrams.
inline constexpr int kPacedDatagramsPerS = 20000;

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

constexpr bool declared(std::string_view name, Where where) {
  for (const auto &q : kQuantities)
    if (q.name == name && q.where == where)
      return true;
  return false;
}

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

// "Chain/<rules> for rules = 0, 100, ... 3000": for --help.
// "tcp_bulk", "udp_max", ...: how --print_schema and --help name it.
const char *to_string(Workload w);

std::string describe_families();

// The whole contract as JSON (what --print_schema prints).
std::string schema_json();

} // namespace nfb
