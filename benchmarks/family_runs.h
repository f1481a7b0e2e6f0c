// One benchmark point of a family, and the runs of the families that time
// something other than traffic (traffic_benchmark.cpp runs the traffic ones).
#pragma once

#include <cstddef>

#include <benchmark/benchmark.h>

#include "environment.h"
#include "rule_backend.h"
#include "schema.h"

namespace nfb {

struct Point {
  const Family &family;
  int lead;      // the leading argument (callbacks, payload bytes, streams)
  std::size_t n; // rules in the chain, or addresses a remedy blocks

  int callbacks() const { return family.lead == "callbacks" ? lead : 0; }
};

// Each iteration commits n rules to a chain emptied outside the timer, in
// one commit (Google Benchmark's clock times it).
void run_install_benchmark(benchmark::State &state, RuleBackend &chain,
                           std::size_t n);

// Each iteration adds n rules one `iptables-legacy -A` command at a time,
// as the lab did: every command reads and writes back the whole table.
void run_install_loop_benchmark(benchmark::State &state, BenchEnvironment &env,
                                std::size_t n);

} // namespace nfb
