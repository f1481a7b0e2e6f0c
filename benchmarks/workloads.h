// How each workload of schema.h (kWorkloads) runs: the benchmark that drives
// it, its client, the rate it delivered and the counters of its own. One row
// per Workload; adding a workload is its row in schema.h, its row here and
// its client code.
#pragma once

#include <benchmark/benchmark.h>

#include "family_runs.h"

namespace nfb {

struct WorkloadClient {
  Workload id;
  // One benchmark of a family of this workload (family_runs.h).
  void (*benchmark)(benchmark::State &, BenchEnvironment &, const Point &);
  // One run of its client for --duration; nullptr: no traffic.
  TrafficTotals (*run)(const BenchEnvironment &, int lead);
  // The value of its row's `rate` counter; 0 when nothing got through.
  double (*rate)(const TrafficTotals &);
  // The counters of its own, beyond the rate and the hook's.
  void (*record)(benchmark::State &, const Point &, const Measured &);
};

const WorkloadClient &workload_client(Workload w);

} // namespace nfb
