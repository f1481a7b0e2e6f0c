// One benchmark point of a family, and the benchmarks that run it: the
// traffic one (traffic_benchmark.cpp) and those timing something else
// (install_benchmark.cpp). benchmarks/workloads.cpp says which a workload
// runs.
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

// What the runs of one benchmark delivered and what the probe saw.
struct Measured {
  HookTotals hook;
  HookTotals table; // the filter table alone (--table_time)
  TrafficTotals traffic;
  double wall_s = 0;
};

// A fresh chain of the point's rules, then the workload's client run once
// per iteration, its own wall time timed, with the probe reading the hook.
void run_traffic_benchmark(benchmark::State &state, BenchEnvironment &env,
                           const Point &point);

// Each iteration commits n rules to a chain emptied outside the timer, in
// one commit (Google Benchmark's clock times it).
void run_install_benchmark(benchmark::State &state, BenchEnvironment &env,
                           const Point &point);

// Each iteration adds n rules one `iptables-legacy -A` command at a time,
// as the lab did: every command reads and writes back the whole table.
void run_install_loop_benchmark(benchmark::State &state, BenchEnvironment &env,
                                const Point &point);

} // namespace nfb
