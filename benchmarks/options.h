// nf_bench's own flags, taken out of argv before Google Benchmark reads it.
#pragma once

#include <string>
#include <string_view>

#include "flags.h"

namespace nfb {

struct Options {
  int duration_s = 2;                   // one iperf3 client run per iteration
  const ProbeStrategy *probe = nullptr; // --probe; nullptr: auto
  int extra_rules = 0;       // --extra_rules: added to every Chain/<rules>
  double rule_scale = 1;     // --scale_rules: every rule count times this
  bool table_time = false;   // --table_time: also time the table alone
  bool pin = false;          // --pin: client on CPU 0, servers on CPU 1
  bool print_schema = false; // --print_schema: no benchmark, no root
  bool debug = false;        // NF_BENCH_DEBUG set (main reads it)
  // Google Benchmark's result file, as it will read its flags (left in argv).
  std::string benchmark_out;
  std::string benchmark_out_format = "json";
};

inline constexpr int kMaxDurationS = 3600;
inline constexpr int kMaxExtraRules = 60000; // + 3000 stays below kMaxRules
inline constexpr double kMinRuleScale = 0.5, kMaxRuleScale = 2;
inline constexpr int kMaxRepetitions = 10000;
inline constexpr double kMaxMinTimeS = 86400;

// Removes --duration=, --probe=, --extra_rules= from argv; leaves every other
// argument for Google Benchmark, after checking the values of its flags that
// it would otherwise answer with its help and exit 0, or a crash
// (--benchmark_format, _out_format, _time_unit, _color, _repetitions,
// _min_time, _out), also where they come from the environment
// (BENCHMARK_FORMAT, ...). Throws std::invalid_argument with a one-line
// message.
Options take_options(int *argc, char **argv);

std::string options_help();

} // namespace nfb
