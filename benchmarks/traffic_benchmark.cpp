#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "counters.h"
#include "errors.h"
#include "family_runs.h"
#include "observers.h"
#include "workloads.h"

namespace nfb {

namespace {

// How often to look for observers while a benchmark runs: often enough to
// catch a tool run for a few seconds, rarely enough to cost nothing.
constexpr std::chrono::milliseconds kObserverPollPeriod(500);

Measured measure_one_run(BenchEnvironment &env, const Point &point) {
  // Right after a test the server may still be winding it down and refuse
  // the next one before any data flows: wait and ask again.
  constexpr int kAttempts = 50;
  for (int attempt = 1;; ++attempt) {
    try {
      const HookTotals before = env.probe().read();
      const HookTotals table_before = env.probe().read_table();
      const auto start = std::chrono::steady_clock::now();
      Measured m;
      m.traffic = workload_client(point.family.workload).run(env, point.lead);
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

// Every iteration's run, summed; Google Benchmark gets each run's time.
Measured measure_iterations(benchmark::State &state, BenchEnvironment &env,
                            const Point &point) {
  Measured sum;
  for (auto _ : state) {
    const Measured m = measure_one_run(env, point);
    sum.hook += m.hook;
    sum.table += m.table;
    sum.traffic += m.traffic;
    sum.wall_s += m.wall_s;
    state.SetIterationTime(m.wall_s);
  }
  // Never record a number the kernel did not produce.
  if (sum.hook.calls == 0 || sum.traffic.seconds <= 0 ||
      !(workload_client(point.family.workload).rate(sum.traffic) > 0))
    throw SetupError(fmt::format(
        "nothing measured: {} hook calls, {} bytes and {} connections "
        "delivered",
        sum.hook.calls, sum.traffic.bytes, sum.traffic.connections));
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

void record_hook(benchmark::State &state, const Measured &m) {
  set_counter(state, "hook_ns", m.hook.mean_ns());
  set_counter(state, "hook_p50_ns", m.hook.percentile_ns(0.50));
  set_counter(state, "hook_p99_ns", m.hook.percentile_ns(0.99));
  set_counter(state, "hook_calls", static_cast<double>(m.hook.calls));
  set_counter(state, "bytes_per_call", m.hook.bytes_per_call());
  set_counter(state, "hook_unpaired", static_cast<double>(m.hook.unpaired));
  set_counter(state, "hook_cpu_share",
              m.hook.mean_ns() * static_cast<double>(m.hook.calls) /
                  (m.wall_s * 1e9));
}

void record_counters(benchmark::State &state, const Point &point,
                     const Measured &m, const RuleBackend &chain) {
  record_hook(state, m);
  const WorkloadClient &client = workload_client(point.family.workload);
  set_rate(state, row(point.family.workload), client.rate(m.traffic));
  client.record(state, point, m);
  set_counter(state, "rules",
              static_cast<double>(chain.rules_in_chain(point.n)));
  if (point.family.remedy)
    set_counter(state, "blocked", static_cast<double>(point.n));
  set_counter(state, "install_ms", chain.last_install_s() * 1e3);
  set_counter(state, "callbacks", point.callbacks());
}

// The table's own time; never a number the kernel did not produce.
void record_table(benchmark::State &state, const HookTotals &table) {
  if (table.calls == 0)
    throw SetupError("--table_time: the filter table was never timed");
  set_counter(state, "table_ns", table.mean_ns());
}

} // namespace

void run_traffic_benchmark(benchmark::State &state, BenchEnvironment &env,
                           const Point &point) {
  // A fresh table for every repetition (set_rules always commits): each one
  // samples the allocation and cache placement a new run would get.
  env.chain().set_rules(point.n, point.callbacks());
  env.chain().check_in_kernel(point.n);
  env.warm_up(); // untimed: the new table into the caches
  env.check_only_backend_hooks();
  std::vector<std::string> observers = env.find_observers(true);
  ObserverPoll poll([&env] { return env.find_observers(false); },
                    kObserverPollPeriod);
  const Measured m = measure_iterations(state, env, point);
  merge_observers(observers, poll.stop());
  merge_observers(observers, env.find_observers(true));
  record_counters(state, point, m, env.chain());
  if (env.options().table_time)
    record_table(state, m.table);
  record_observers(state, point.n, observers);
}

} // namespace nfb
