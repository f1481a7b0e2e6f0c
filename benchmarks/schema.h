// nf_bench's JSON contract, declared once: every number it writes (user
// counters of a benchmark row, numeric context entries) and every benchmark
// family with its sweep. The benchmarks write counters and context through
// these entries (counters.h), `--print_schema` prints them, and the Python
// tools read their mirror, tools/nf_schema.py (tests/tools/test_schema.py
// fails when the two differ).
#pragma once

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
};

inline constexpr Quantity kQuantities[] = {
    // A run of at most 3600 s that received one byte: 8/3600 bit/s.
    {"bits_per_s", "bit/s", -1, Aggregation::Run, 1e-3, 1e13},
    {"hook_ns", "ns", +1, Aggregation::Run, 0, 1e9, true},
    // Percentiles from the histogram, whose first slot starts at 0 ns.
    {"hook_p50_ns", "ns", +1, Aggregation::Run, 0, 1e9},
    {"hook_p99_ns", "ns", +1, Aggregation::Run, 0, 1e9},
    {"hook_calls", "walks per run", 0, Aggregation::AvgIterations, 0, 1e12,
     true},
    {"bytes_per_call", "bytes", 0, Aggregation::Run, 0, 4294967296.0, true},
    // Walks the probe could not pair (nested or migrated) and left out.
    {"hook_unpaired", "walks per run", 0, Aggregation::AvgIterations, 0, 1e12},
    // Rules in the chain: the benchmark's argument plus --extra_rules.
    {"rules", "rules", 0, Aggregation::Run, 0, 1e6, false, true},
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
    {"duration_s", "s", 0, Aggregation::Context, 0, 1e6, true, false,
     Where::Context},
    {"extra_rules", "rules", 0, Aggregation::Context, 0, 60000, false, true,
     Where::Context},
    {"load_avg_1m", "", 0, Aggregation::Context, 0, 1e6, false, false,
     Where::Context},
    {"cpus", "CPUs", 0, Aggregation::Context, 1, 1e6, false, true,
     Where::Context},
    {"other_nf_bench", "processes", 0, Aggregation::Context, 0, 1e7, false,
     true, Where::Context},
    {"cpu_busy_at_start", "of all CPUs", 0, Aggregation::Context, 0, 1, false,
     false, Where::Context},
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

// A benchmark family: <name>/<rules>, or <name>/<callbacks>/<rules> for a
// family of rule shapes; rules from `first` to `last` in steps of `step`.
struct Family {
  std::string_view name;
  std::string_view backend;       // builds its chain (fixtures/rule_backend.h)
  std::span<const int> callbacks; // the shapes; empty: shape 0, no argument
  int first, last, step;
};

inline constexpr int kShapes[] = {0, 1, 2, 3}; // rule_set.h kMaxCallbacks

inline constexpr Family kChainFamily{"Chain", "legacy", {}, 0, 3000, 100};
inline constexpr Family kFamilies[] = {
    kChainFamily,
    // The same chain and sweep through the nf_tables backends.
    {"ChainIptNft", "iptables-nft", {}, 0, 3000, 100},
    {"ChainNft", "nft", {}, 0, 3000, 100},
    // Rule shapes: how the cost per rule grows with the callbacks it runs.
    {"Shape", "legacy", kShapes, 0, 3000, 1000},
    {"ShapeIptNft", "iptables-nft", kShapes, 0, 3000, 1000},
    {"ShapeNft", "nft", kShapes, 0, 3000, 1000},
};

// "Chain/<rules> for rules = 0, 100, ... 3000": for --help.
std::string describe_families();

// The whole contract as JSON (what --print_schema prints).
std::string schema_json();

} // namespace nfb
