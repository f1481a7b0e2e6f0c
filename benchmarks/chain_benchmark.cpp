#include "chain_benchmark.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "../fixtures/errors.h"
#include "../fixtures/observers.h"

namespace nfb {

namespace {

int g_failed_runs = 0;

// How often to look for observers while a benchmark runs: often enough to
// catch a tool run for a few seconds, rarely enough to cost nothing.
constexpr std::chrono::milliseconds kObserverPollPeriod(500);

// Records the failure instead of a number, and remembers it for the exit code.
void fail_run(benchmark::State &state, const std::string &message) {
  ++g_failed_runs;
  state.SkipWithError(message.c_str());
}

// One iperf3 run and what the probe saw during it.
struct Measured {
  HookTotals hook;
  ReceivedTotals received;
  double wall_s = 0;
};

Measured measure_one_run(BenchEnvironment &env) {
  // Right after a test the server may still be winding it down and refuse
  // the next one before any data flows: wait and ask again.
  constexpr int kAttempts = 50;
  for (int attempt = 1;; ++attempt) {
    try {
      const HookTotals before = env.probe().read();
      const auto start = std::chrono::steady_clock::now();
      Measured m;
      m.received = env.run_client();
      const std::chrono::duration<double> wall =
          std::chrono::steady_clock::now() - start;
      m.hook = env.probe().read() - before;
      m.wall_s = wall.count();
      return m;
    } catch (const ServerBusy &) {
      if (attempt == kAttempts)
        throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

// Marks a point some other BPF program watched: a counter, the label, and a
// warning (once per change, not per repetition).
void record_observers(benchmark::State &state, std::size_t rules,
                      const std::vector<std::string> &observers) {
  static std::string last_warned;
  state.counters["observers"] = static_cast<double>(observers.size());
  if (observers.empty())
    return;
  std::string list;
  for (const auto &o : observers)
    list += (list.empty() ? "" : "; ") + o;
  state.SetLabel("observed: " + list);
  if (list != last_warned)
    fmt::print(stderr,
               "nf_bench: warning: at {} rules the timed hook walk also runs "
               "{}: its cost is in hook_ns (stop the other tool for clean "
               "numbers)\n",
               rules, list);
  last_warned = list;
}

} // namespace

int failed_benchmark_runs() { return g_failed_runs; }

void run_chain_benchmark(benchmark::State &state, BenchEnvironment &env) {
  // The chain holds the benchmark's rule count plus --extra_rules.
  const auto rules = static_cast<std::size_t>(state.range(0)) +
                     static_cast<std::size_t>(env.options().extra_rules);
  try {
    env.chain().set_rule_count(rules);
    const std::size_t in_kernel = env.chain().count_rules_in_kernel();
    if (in_kernel != rules)
      throw SetupError(fmt::format("OUTPUT holds {} rules after committing {}",
                                   in_kernel, rules));
  } catch (const std::exception &e) {
    fail_run(state, e.what());
    return;
  }

  std::vector<std::string> observers;
  try {
    observers = env.find_observers(true);
  } catch (const std::exception &e) {
    fail_run(state, e.what());
    return;
  }
  ObserverPoll poll([&env] { return env.find_observers(false); },
                    kObserverPollPeriod);
  HookTotals hook;
  ReceivedTotals received;
  for (auto _ : state) {
    try {
      const Measured m = measure_one_run(env);
      hook += m.hook;
      received.bytes += m.received.bytes;
      received.seconds += m.received.seconds;
      state.SetIterationTime(m.wall_s);
    } catch (const std::exception &e) {
      fail_run(state, e.what());
      break;
    }
  }
  if (state.error_occurred())
    return;
  try {
    merge_observers(observers, poll.stop());
    merge_observers(observers, env.find_observers(true));
  } catch (const std::exception &e) {
    fail_run(state, e.what());
    return;
  }
  // Never record a number the kernel did not produce.
  if (hook.calls == 0 || received.seconds <= 0 || received.bytes <= 0) {
    fail_run(state,
             fmt::format("nothing measured: {} hook calls, {} bytes received",
                         hook.calls, received.bytes));
    return;
  }

  using benchmark::Counter;
  state.counters["bits_per_s"] = received.bytes * 8 / received.seconds;
  state.counters["hook_ns"] = hook.mean_ns();
  state.counters["hook_p50_ns"] = hook.percentile_ns(0.50);
  state.counters["hook_p99_ns"] = hook.percentile_ns(0.99);
  state.counters["hook_calls"] =
      Counter(static_cast<double>(hook.calls), Counter::kAvgIterations);
  state.counters["bytes_per_call"] = hook.bytes_per_call();
  // Walks the probe could not pair (nested or migrated) and left out.
  state.counters["hook_unpaired"] =
      Counter(static_cast<double>(hook.unpaired), Counter::kAvgIterations);
  state.counters["rules"] = static_cast<double>(rules);
  record_observers(state, rules, observers);
}

void register_chain_benchmarks(const std::unique_ptr<BenchEnvironment> &env) {
  benchmark::RegisterBenchmark(
      "Chain",
      [&env](benchmark::State &state) { run_chain_benchmark(state, *env); })
      ->DenseRange(0, kChainMaxRules, kChainRuleStep)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
}

} // namespace nfb
