#include "suite.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "workloads.h"

namespace nfb {

BenchEnvironment &Suite::env(std::string_view backend) {
  if (env_ && env_->backend().name != backend)
    env_.reset(); // its namespaces, server and probe go first
  if (!env_) {
    env_.emplace(options_, rule_backend(backend));
    // Where to point nf_watch at this backend's traffic (the context has
    // only the first backend's sender_netns).
    fmt::print(stderr, "sender_netns ({}): {}\n", backend,
               env_->topology().sender().inode());
  }
  return *env_;
}

void Suite::note_selected(const Family &family) {
  if (std::find(selected_.begin(), selected_.end(), &family) == selected_.end())
    selected_.push_back(&family);
}

void Suite::fail(benchmark::State &state, const std::string &message) {
  ++failed_runs_;
  state.SkipWithError(message.c_str());
}

namespace {

// The point of a benchmark of `family`: its arguments are [lead,] x.
Point point_of(const benchmark::State &state, const Suite &suite,
               const Family &family) {
  const bool lead = !family.lead.empty();
  Point point{family, lead ? static_cast<int>(state.range(0)) : 0,
              static_cast<std::size_t>(state.range(lead ? 1 : 0))};
  // A chain of rules holds the argument times --scale_rules plus
  // --extra_rules; a remedy blocks exactly its argument.
  if (family.x == "rules")
    point.n = static_cast<std::size_t>(std::lround(
                  static_cast<double>(point.n) * suite.options().rule_scale)) +
              static_cast<std::size_t>(suite.options().extra_rules);
  return point;
}

void run_family_benchmark(benchmark::State &state, Suite &suite,
                          const Family &family) {
  if (suite.selecting()) {
    suite.note_selected(family);
    state.SkipWithError("selection pass");
    return;
  }
  try {
    const Point point = point_of(state, suite, family);
    BenchEnvironment &env = suite.env(family.backend);
    workload_client(family.workload).benchmark(state, env, point);
  } catch (const std::exception &e) {
    suite.fail(state, e.what());
  }
}

} // namespace

void register_benchmarks(Suite &suite) {
  for (const Family &family : kFamilies) {
    auto *b = benchmark::RegisterBenchmark(
        std::string(family.name).c_str(),
        [&suite, &family](benchmark::State &state) {
          run_family_benchmark(state, suite, family);
        });
    const std::vector<std::int64_t> xs(family.xs.begin(), family.xs.end());
    if (family.lead.empty())
      b->ArgsProduct({xs});
    else
      b->ArgsProduct({{family.leads.begin(), family.leads.end()}, xs});
    const bool clock = row(family.workload).timing == Timing::Clock;
    (clock ? b->UseRealTime() : b->UseManualTime())
        ->Unit(benchmark::kMillisecond);
  }
}

} // namespace nfb
