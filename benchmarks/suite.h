// What the benchmarks of one process share: the options, the environment
// (built on first use, so listing and --help build nothing; one backend's at
// a time) and the count of runs that failed (nf_bench then exits 1).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include "environment.h"
#include "options.h"
#include "schema.h"

namespace nfb {

class Suite {
public:
  explicit Suite(const Options &options) : options_(options) {}
  Suite(const Suite &) = delete;
  Suite &operator=(const Suite &) = delete;

  // The environment of `backend`, built on first use. A backend has
  // namespaces of its own: a legacy table, once made, stays hooked until its
  // namespace goes, so only the measured backend's table is there. Switching
  // destroys the other backend's environment first. It forks the iperf3
  // server: call when no other thread runs. Throws SetupError.
  BenchEnvironment &env(std::string_view backend);
  const Options &options() const { return options_; }

  // The selection pass: benchmarks run as no-ops that only note their
  // family; `selected` lists them in the order they run.
  void set_selecting(bool selecting) { selecting_ = selecting; }
  bool selecting() const { return selecting_; }
  void note_selected(const Family &family);
  const std::vector<const Family *> &selected() const { return selected_; }

  // Records the failure instead of a number.
  void fail(benchmark::State &state, const std::string &message);
  int failed_runs() const { return failed_runs_; }

private:
  Options options_;
  std::optional<BenchEnvironment> env_;
  int failed_runs_ = 0;
  bool selecting_ = false;
  std::vector<const Family *> selected_;
};

// The families of schema.h. The sender's OUTPUT chain holds the point's
// never-matching rules (or a remedy for its blocked addresses), built by the
// family's backend; one iteration is one run of its workload (an iperf3
// client run, the connection loop, or one install).
void register_benchmarks(Suite &suite);

} // namespace nfb
