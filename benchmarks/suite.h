// What the benchmarks of one process share: the options, the environment
// (built on first use, so listing and --help build nothing) and the count of
// runs that failed (nf_bench then exits 1).
#pragma once

#include <optional>
#include <string>

#include <benchmark/benchmark.h>

#include "environment.h"
#include "options.h"

namespace nfb {

class Suite {
public:
  explicit Suite(const Options &options) : options_(options) {}
  Suite(const Suite &) = delete;
  Suite &operator=(const Suite &) = delete;

  // Builds the environment on the first call: it forks the iperf3 server, so
  // the first call comes before any thread exists. Throws SetupError.
  BenchEnvironment &env();
  const Options &options() const { return options_; }

  // Records the failure instead of a number.
  void fail(benchmark::State &state, const std::string &message);
  int failed_runs() const { return failed_runs_; }

private:
  Options options_;
  std::optional<BenchEnvironment> env_;
  int failed_runs_ = 0;
};

// Family Chain/<rules> (schema.h kChainFamily): the sender's OUTPUT chain
// holds <rules> never-matching rules; one iteration is one iperf3 client run.
void register_chain_benchmarks(Suite &suite);

} // namespace nfb
