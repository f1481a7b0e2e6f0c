#include "environment.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>

#include <fmt/core.h>

#include "errors.h"
#include "observers.h"
#include "unique_fd.h"

namespace nfb {

namespace {

constexpr int kCalibrationDatagrams = 20000;

// Sends `datagrams` small UDP datagrams from the sender to the receiver:
// LOCAL_OUT walks with no TCP machinery around them.
void send_udp_burst(const Netns &sender, int datagrams) {
  UniqueFd sock;
  {
    NetnsGuard in(sender); // a socket belongs to the namespace it is made in
    sock.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  }
  if (!sock)
    throw SetupError(sys_message("socket(AF_INET, SOCK_DGRAM)"));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9); // nothing listens; the receiver's ICMP answers
                          // go through its own hooks, not the sender's
  ::inet_pton(AF_INET, TopologyAddresses::receiver, &to.sin_addr);
  char payload[64] = {};
  for (int i = 0; i < datagrams; ++i)
    if (::sendto(sock.get(), payload, sizeof payload, 0,
                 reinterpret_cast<sockaddr *>(&to), sizeof to) < 0)
      throw SetupError(sys_message("send calibration datagram"));
}

ProbeSelfCost measure_self_cost(HookProbe &probe, RuleBackend &chain,
                                const Netns &sender) {
  // With no rule table in the namespace, the bracket's two programs are
  // the only hooks at LOCAL_OUT: what it reads is its own cost.
  auto before = probe.read();
  const auto table_before = probe.read_table();
  send_udp_burst(sender, kCalibrationDatagrams);
  auto seen = probe.read() - before;
  const auto table = probe.read_table() - table_before;
  if (seen.calls > 0)
    return {seen.mean_ns(), "hook walk with no iptables table (probe only)",
            table.calls ? table.mean_ns() : 0};
  // fentry/kprobe: with no hook at all nf_hook_slow() never runs. Time the
  // smallest real walk instead, this backend's empty chain: an upper bound.
  chain.set_rules(0);
  before = probe.read();
  send_udp_burst(sender, kCalibrationDatagrams);
  seen = probe.read() - before;
  if (seen.calls == 0)
    throw SetupError(
        "the probe attached but saw no LOCAL_OUT hook call in the sender "
        "namespace while UDP traffic was sent");
  return {seen.mean_ns(), "empty chain, 0 rules (upper bound)"};
}

// What the benchmark's packets carry: to the receiver's iperf3 server.
TrafficMatch benchmark_traffic() {
  in_addr receiver{};
  ::inet_pton(AF_INET, TopologyAddresses::receiver, &receiver);
  return {ntohl(receiver.s_addr),
          static_cast<std::uint16_t>(IperfServer::default_port)};
}

// --pin: the client (this thread, and the threads it starts) on CPU 0, the
// iperf3 server and the connection server on CPU 1.
void pin(IperfServer &server, ConnServer &conn_server) {
  if (::sysconf(_SC_NPROCESSORS_ONLN) < 2)
    throw SetupError("--pin needs two CPUs; run without it");
  cpu_set_t client, servers;
  CPU_ZERO(&client);
  CPU_SET(0, &client);
  CPU_ZERO(&servers);
  CPU_SET(1, &servers);
  if (::sched_setaffinity(0, sizeof client, &client) != 0 ||
      ::sched_setaffinity(server.pid(), sizeof servers, &servers) != 0)
    throw SetupError(sys_message("--pin: sched_setaffinity"));
  conn_server.pin_to(1);
}

} // namespace

std::string kernel_release() {
  utsname u{};
  ::uname(&u);
  return u.release;
}

BenchEnvironment::BenchEnvironment(const Options &options,
                                   const BackendInfo &backend)
    : options_(options),
      server_(topology_.receiver(), TopologyAddresses::receiver,
              IperfServer::default_port),
      conn_server_(topology_.receiver(), TopologyAddresses::receiver,
                   ConnServer::default_port),
      probe_(HookProbe::attach(options.probe, topology_.sender(),
                               {.per_process = false,
                                .table_function = options.table_time
                                                      ? backend.table_function
                                                      : ""})),
      backend_(backend),
      chain_(backend.make(topology_.sender(), benchmark_traffic())),
      self_cost_(measure_self_cost(*probe_, *chain_, topology_.sender())) {
  server_.wait_ready(std::chrono::seconds(5));
  if (options.pin)
    pin(server_, conn_server_);
}

TrafficTotals &TrafficTotals::operator+=(const TrafficTotals &other) {
  bytes += other.bytes;
  seconds += other.seconds;
  udp.sent += other.udp.sent;
  udp.received += other.udp.received;
  udp.lost += other.udp.lost;
  connections += other.connections;
  return *this;
}

ClientSettings BenchEnvironment::iperf_settings() const {
  return {.server_address = TopologyAddresses::receiver,
          .port = server_.port(),
          .duration_s = options_.duration_s,
          .print_unreadable_json = options_.debug};
}

TrafficTotals
BenchEnvironment::run_iperf(const ClientSettings &settings) const {
  const IperfResult r = run_iperf_client(topology_.sender(), settings);
  return {
      .bytes = r.received.bytes, .seconds = r.received.seconds, .udp = r.udp};
}

TrafficTotals BenchEnvironment::run_connections() const {
  const ConnTotals c =
      run_conn_client(topology_.sender(), TopologyAddresses::receiver,
                      conn_server_.port(), options_.duration_s);
  TrafficTotals t;
  t.seconds = c.seconds;
  t.connections = c.connections;
  return t;
}

void BenchEnvironment::check_only_backend_hooks() {
  constexpr std::chrono::milliseconds kWait(500);
  const auto hooks = probe_->list_hooks(
      [this] { send_udp_burst(topology_.sender(), 1); }, kWait);
  if (!hooks)
    throw SetupError("the probe did not list the hooks at LOCAL_OUT within "
                     "0.5 s of packets sent through them");
  for (const HookEntry &hook : *hooks)
    if (!hook.bpf && hook.type != backend_.hook_type)
      throw SetupError(fmt::format(
          "the sender namespace's LOCAL_OUT holds a hook of type {} at "
          "priority {} beside backend {} (type {}): another backend's table",
          hook.type, hook.priority, backend_.name, backend_.hook_type));
}

void BenchEnvironment::warm_up() {
  constexpr int kWarmUpDatagrams = 2000;
  send_udp_burst(topology_.sender(), kWarmUpDatagrams);
}

std::vector<std::string> BenchEnvironment::find_observers(bool send_packets) {
  std::function<void()> one_packet;
  if (send_packets)
    one_packet = [this] { send_udp_burst(topology_.sender(), 1); };
  return nfb::find_observers(*probe_, one_packet);
}

} // namespace nfb
