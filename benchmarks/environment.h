// What every benchmark of one process shares, built once: the namespaces, the
// iperf3 server, the probe (with its own cost measured) and the rule chain.
// Google Benchmark runs Setup/TearDown per repetition; rebuilding these per
// benchmark would add noise and minutes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "conn_rate.h"
#include "hook_probe.h"
#include "iperf_client.h"
#include "iperf_server.h"
#include "options.h"
#include "rule_backend.h"
#include "topology.h"

namespace nfb {

// The probe's own cost per hook walk: what hook_ns reads when the walk holds
// nothing but the probe.
struct ProbeSelfCost {
  double ns = 0;
  std::string method;
  // --table_time with the bracket: what its inner pair reads with no table
  // between them (0 when not measured).
  double table_ns = 0;
};

// What one run of a workload delivered to the receiver.
struct TrafficTotals {
  double bytes = 0;       // payload received
  double seconds = 0;     // over which the receiver counted
  UdpCounts udp;          // UDP workloads
  double connections = 0; // ConnRate

  TrafficTotals &operator+=(const TrafficTotals &other);
};

class BenchEnvironment {
public:
  // Forks the iperf3 server: call before any thread exists.
  BenchEnvironment(const Options &options, const BackendInfo &backend);

  // The iperf3 client's settings for --duration to the receiver's server;
  // a workload (workloads.cpp) changes what it needs and runs them.
  ClientSettings iperf_settings() const;
  TrafficTotals run_iperf(const ClientSettings &settings) const;
  // The connection loop (conn_rate.h) for --duration.
  TrafficTotals run_connections() const;
  // Other BPF programs in the walk the probe times (fixtures/observers.h).
  // With `send_packets` it makes the walks the search needs; without, the
  // benchmark's own traffic must (its walks are being timed: no extra ones).
  std::vector<std::string> find_observers(bool send_packets);
  HookProbe &probe() { return *probe_; }
  RuleBackend &chain() { return *chain_; }
  const BackendInfo &backend() const { return backend_; }
  // Throws SetupError unless every netfilter hook at the sender's LOCAL_OUT
  // (the probe's own aside) is of this backend: no other backend's table.
  void check_only_backend_hooks();
  const ProbeSelfCost &probe_self_cost() const { return self_cost_; }
  // Sends a burst of datagrams through the sender's hook, outside any timed
  // run.
  void warm_up();
  const Topology &topology() const { return topology_; }
  const Options &options() const { return options_; }

private:
  Options options_;
  Topology topology_;
  IperfServer server_;
  ConnServer conn_server_; // a thread: made after the fork above
  std::unique_ptr<HookProbe> probe_;
  const BackendInfo &backend_;
  std::unique_ptr<RuleBackend> chain_;
  ProbeSelfCost self_cost_;
};

// Kernel release, e.g. "6.18.44-fc-v669".
std::string kernel_release();

} // namespace nfb
