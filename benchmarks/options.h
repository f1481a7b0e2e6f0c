// nf_bench's own flags, taken out of argv before Google Benchmark reads it.
#pragma once

#include <string>
#include <string_view>

#include "../fixtures/hook_probe.h"

namespace nfb {

struct Options {
  int duration_s = 2;                // one iperf3 client run per iteration
  ProbeKind probe = ProbeKind::Auto; // --probe
  int extra_rules = 0;    // --extra_rules: added to every Chain/<rules>
  bool list_only = false; // --benchmark_list_tests: no root needed
};

inline constexpr int kMaxDurationS = 3600;
inline constexpr int kMaxExtraRules = 60000; // + 3000 stays below kMaxRules

// Removes --duration=, --probe=, --extra_rules= from argv; leaves every other
// argument for Google Benchmark. Throws std::invalid_argument with a one-line
// message.
Options take_options(int *argc, char **argv);

std::string options_help();

// Flag values, shared with nf_watch; each throws a one-line
// std::invalid_argument naming the flag and what it wants.
int parse_int_flag(std::string_view flag, std::string_view text, int lo, int hi,
                   std::string_view what);
ProbeKind parse_probe_flag(std::string_view text);

} // namespace nfb
