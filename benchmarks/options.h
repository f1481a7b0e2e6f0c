// nf_bench's own flags, taken out of argv before Google Benchmark reads it.
#pragma once

#include <string>

#include "../fixtures/hook_probe.h"

namespace nfb {

struct Options {
  int duration_s = 2;                // one iperf3 client run per iteration
  ProbeKind probe = ProbeKind::Auto; // --probe
  bool list_only = false;            // --benchmark_list_tests: no root needed
};

inline constexpr int kMaxDurationS = 3600;

// Removes --duration=, --probe= from argv; leaves every other argument for
// Google Benchmark. Throws std::invalid_argument with a one-line message.
Options take_options(int *argc, char **argv);

std::string options_help();

} // namespace nfb
