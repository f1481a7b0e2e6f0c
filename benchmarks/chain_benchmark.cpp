#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "counters.h"
#include "errors.h"
#include "observers.h"
#include "suite.h"

namespace nfb {

namespace {

// How often to look for observers while a benchmark runs: often enough to
// catch a tool run for a few seconds, rarely enough to cost nothing.
constexpr std::chrono::milliseconds kObserverPollPeriod(500);

// One iperf3 run and what the probe saw during it.
struct Measured {
  HookTotals hook;
  HookTotals table; // the filter table alone (--table_time)
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
      const HookTotals table_before = env.probe().read_table();
      const auto start = std::chrono::steady_clock::now();
      Measured m;
      m.received = env.run_client();
      const std::chrono::duration<double> wall =
          std::chrono::steady_clock::now() - start;
      m.hook = env.probe().read() - before;
      m.table = env.probe().read_table() - table_before;
      m.wall_s = wall.count();
      return m;
    } catch (const ServerBusy &) {
      if (attempt == kAttempts)
        throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

// Commits `rules` rules of shape `callbacks` in one go and checks the kernel
// holds them.
void commit_chain(BenchEnvironment &env, std::size_t rules, int callbacks) {
  env.chain().set_rules(rules, callbacks);
  env.chain().check_in_kernel(rules);
}

// Every iteration's run, summed; Google Benchmark gets each run's time.
Measured measure_iterations(benchmark::State &state, BenchEnvironment &env) {
  Measured sum;
  for (auto _ : state) {
    const Measured m = measure_one_run(env);
    sum.hook += m.hook;
    sum.table += m.table;
    sum.received.bytes += m.received.bytes;
    sum.received.seconds += m.received.seconds;
    state.SetIterationTime(m.wall_s);
  }
  // Never record a number the kernel did not produce.
  if (sum.hook.calls == 0 || sum.received.seconds <= 0 ||
      sum.received.bytes <= 0)
    throw SetupError(
        fmt::format("nothing measured: {} hook calls, {} bytes received",
                    sum.hook.calls, sum.received.bytes));
  return sum;
}

// Marks a point some other BPF program watched: a counter, the label, and a
// warning (once per change, not per repetition).
void record_observers(benchmark::State &state, std::size_t rules,
                      const std::vector<std::string> &observers) {
  static std::string last_warned;
  set_counter(state, "observers", static_cast<double>(observers.size()));
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

void record_counters(benchmark::State &state, const Measured &m,
                     std::size_t rules) {
  set_counter(state, "bits_per_s", m.received.bytes * 8 / m.received.seconds);
  set_counter(state, "hook_ns", m.hook.mean_ns());
  set_counter(state, "hook_p50_ns", m.hook.percentile_ns(0.50));
  set_counter(state, "hook_p99_ns", m.hook.percentile_ns(0.99));
  set_counter(state, "hook_calls", static_cast<double>(m.hook.calls));
  set_counter(state, "bytes_per_call", m.hook.bytes_per_call());
  set_counter(state, "hook_unpaired", static_cast<double>(m.hook.unpaired));
  set_counter(state, "rules", static_cast<double>(rules));
}

// The table's own time; never a number the kernel did not produce.
void record_table(benchmark::State &state, const HookTotals &table) {
  if (table.calls == 0)
    throw SetupError("--table_time: the filter table was never timed");
  set_counter(state, "table_ns", table.mean_ns());
}

void run_chain_benchmark(benchmark::State &state, BenchEnvironment &env,
                         std::size_t rules, int callbacks) {
  commit_chain(env, rules, callbacks);
  env.check_only_backend_hooks();
  std::vector<std::string> observers = env.find_observers(true);
  ObserverPoll poll([&env] { return env.find_observers(false); },
                    kObserverPollPeriod);
  const Measured m = measure_iterations(state, env);
  merge_observers(observers, poll.stop());
  merge_observers(observers, env.find_observers(true));
  record_counters(state, m, rules);
  set_counter(state, "install_ms", env.chain().last_install_s() * 1e3);
  set_counter(state, "callbacks", callbacks);
  if (env.options().table_time)
    record_table(state, m.table);
  record_observers(state, rules, observers);
}

} // namespace

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
  if (!first_selected_)
    first_selected_ = &family;
}

void Suite::fail(benchmark::State &state, const std::string &message) {
  ++failed_runs_;
  state.SkipWithError(message.c_str());
}

// Runs one benchmark of `family`: its arguments are [callbacks,] rules.
void run_family_benchmark(benchmark::State &state, Suite &suite,
                          const Family &family) {
  if (suite.selecting()) {
    suite.note_selected(family);
    state.SkipWithError("selection pass");
    return;
  }
  const bool shaped = !family.lead.empty();
  const auto callbacks = shaped ? static_cast<int>(state.range(0)) : 0;
  // The chain holds the benchmark's rule count plus --extra_rules.
  const auto rules = static_cast<std::size_t>(state.range(shaped ? 1 : 0)) +
                     static_cast<std::size_t>(suite.options().extra_rules);
  try {
    run_chain_benchmark(state, suite.env(family.backend), rules, callbacks);
  } catch (const std::exception &e) {
    suite.fail(state, e.what());
  }
}

void register_chain_benchmarks(Suite &suite) {
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
    b->UseManualTime()->Unit(benchmark::kMillisecond);
  }
}

} // namespace nfb
