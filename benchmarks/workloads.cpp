#include "workloads.h"

#include "counters.h"

namespace nfb {

namespace {

TrafficTotals tcp(const BenchEnvironment &env, int) {
  return env.run_iperf(env.iperf_settings());
}

TrafficTotals tcp_streams(const BenchEnvironment &env, int streams) {
  ClientSettings c = env.iperf_settings();
  c.streams = streams;
  return env.run_iperf(c);
}

TrafficTotals udp(const BenchEnvironment &env, int payload_bytes) {
  ClientSettings c = env.iperf_settings();
  c.udp_payload_bytes = payload_bytes;
  return env.run_iperf(c);
}

// The same datagrams at a rate every rule count holds.
TrafficTotals udp_paced(const BenchEnvironment &env, int payload_bytes) {
  ClientSettings c = env.iperf_settings();
  c.udp_payload_bytes = payload_bytes;
  c.udp_bits_per_s =
      8.0 * payload_bytes * row(Workload::UdpPaced).datagrams_per_s;
  return env.run_iperf(c);
}

TrafficTotals connections(const BenchEnvironment &env, int) {
  return env.run_connections();
}

double bits_per_s(const TrafficTotals &t) { return t.bytes * 8 / t.seconds; }
double packets_per_s(const TrafficTotals &t) {
  return t.udp.received / t.seconds;
}
double connections_per_s(const TrafficTotals &t) {
  return t.connections / t.seconds;
}

void no_counters(benchmark::State &, const Point &, const Measured &) {}

void streams_counters(benchmark::State &state, const Point &point,
                      const Measured &) {
  set_counter(state, "streams", point.lead);
}

void udp_counters(benchmark::State &state, const Point &point,
                  const Measured &m) {
  const UdpCounts &udp = m.traffic.udp;
  set_counter(state, "bits_per_s", bits_per_s(m.traffic));
  set_counter(state, "payload_bytes", point.lead);
  set_counter(state, "datagrams_sent", udp.sent);
  const double counted = udp.received + udp.lost;
  set_counter(state, "loss_fraction", counted > 0 ? udp.lost / counted : 0);
}

void connection_counters(benchmark::State &state, const Point &,
                         const Measured &m) {
  set_counter(state, "hook_calls_per_connection",
              static_cast<double>(m.hook.calls) / m.traffic.connections);
}

constexpr WorkloadClient kClients[] = {
    // clang-format off
    {Workload::TcpBulk, run_traffic_benchmark, tcp, bits_per_s, no_counters},
    {Workload::TcpStreams, run_traffic_benchmark, tcp_streams, bits_per_s,
     streams_counters},
    {Workload::UdpMax, run_traffic_benchmark, udp, packets_per_s,
     udp_counters},
    {Workload::UdpPaced, run_traffic_benchmark, udp_paced, packets_per_s,
     udp_counters},
    {Workload::ConnRate, run_traffic_benchmark, connections,
     connections_per_s, connection_counters},
    {Workload::Install, run_install_benchmark, nullptr, nullptr, no_counters},
    {Workload::InstallLoop, run_install_loop_benchmark, nullptr, nullptr,
     no_counters},
    // clang-format on
};
static_assert(std::size(kClients) == kWorkloadCount);
static_assert(
    [] {
      for (unsigned i = 0; i < kWorkloadCount; ++i)
        if (static_cast<unsigned>(kClients[i].id) != i ||
            (kClients[i].run != nullptr) != !row(kClients[i].id).rate.empty())
          return false;
      return true;
    }(),
    "kClients: one row per Workload in order; a client where a rate is");

} // namespace

const WorkloadClient &workload_client(Workload w) {
  return kClients[static_cast<unsigned>(w)];
}

} // namespace nfb
