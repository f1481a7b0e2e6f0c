#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "counters.h"
#include "errors.h"
#include "family_runs.h"
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
  TrafficTotals traffic;
  double wall_s = 0;
};

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
      m.traffic = env.run_traffic(point.family.workload, point.lead);
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
  const bool delivered = point.family.workload == Workload::ConnRate
                             ? sum.traffic.connections > 0
                             : sum.traffic.bytes > 0;
  if (sum.hook.calls == 0 || sum.traffic.seconds <= 0 || !delivered)
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

// What the workload delivered: its own rate counters.
void record_delivered(benchmark::State &state, const Point &point,
                      const TrafficTotals &t) {
  const Workload w = point.family.workload;
  if (w == Workload::ConnRate) {
    set_counter(state, "connections_per_s", t.connections / t.seconds);
    return;
  }
  set_counter(state, "bits_per_s", t.bytes * 8 / t.seconds);
  if (w == Workload::TcpStreams)
    set_counter(state, "streams", point.lead);
  if (w != Workload::UdpMax && w != Workload::UdpPaced)
    return;
  set_counter(state, "payload_bytes", point.lead);
  set_counter(state, "packets_per_s", t.udp.received / t.seconds);
  set_counter(state, "datagrams_sent", t.udp.sent);
  const double counted = t.udp.received + t.udp.lost;
  set_counter(state, "loss_fraction", counted > 0 ? t.udp.lost / counted : 0);
}

void record_counters(benchmark::State &state, const Point &point,
                     const Measured &m, const RuleBackend &chain) {
  record_hook(state, m);
  record_delivered(state, point, m.traffic);
  if (point.family.workload == Workload::ConnRate)
    set_counter(state, "hook_calls_per_connection",
                static_cast<double>(m.hook.calls) / m.traffic.connections);
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
  if (std::find(selected_.begin(), selected_.end(), &family) == selected_.end())
    selected_.push_back(&family);
}

void Suite::fail(benchmark::State &state, const std::string &message) {
  ++failed_runs_;
  state.SkipWithError(message.c_str());
}

// Runs one benchmark of `family`: its arguments are [lead,] x.
void run_family_benchmark(benchmark::State &state, Suite &suite,
                          const Family &family) {
  if (suite.selecting()) {
    suite.note_selected(family);
    state.SkipWithError("selection pass");
    return;
  }
  const bool lead = !family.lead.empty();
  Point point{family, lead ? static_cast<int>(state.range(0)) : 0,
              static_cast<std::size_t>(state.range(lead ? 1 : 0))};
  // A chain of rules holds the argument times --scale_rules plus
  // --extra_rules; a remedy blocks exactly its argument.
  if (family.x == "rules")
    point.n = static_cast<std::size_t>(std::lround(
                  static_cast<double>(point.n) * suite.options().rule_scale)) +
              static_cast<std::size_t>(suite.options().extra_rules);
  try {
    BenchEnvironment &env = suite.env(family.backend);
    if (family.workload == Workload::Install)
      run_install_benchmark(state, env.chain(), point.n);
    else if (family.workload == Workload::InstallLoop)
      run_install_loop_benchmark(state, env, point.n);
    else
      run_traffic_benchmark(state, env, point);
  } catch (const std::exception &e) {
    suite.fail(state, e.what());
  }
}

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
    // Install families: Google Benchmark's own clock times the commits.
    const bool install = family.workload == Workload::Install ||
                         family.workload == Workload::InstallLoop;
    (install ? b->UseRealTime() : b->UseManualTime())
        ->Unit(benchmark::kMillisecond);
  }
}

} // namespace nfb
