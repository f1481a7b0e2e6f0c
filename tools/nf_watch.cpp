// nf_watch: the everyday view of the netfilter hook. Every interval, until
// Ctrl-C, prints how often the IPv4 LOCAL_OUT hook ran in one network
// namespace, how long a walk took (mean, p50, p99), and which processes sent
// the packets. Same probe as nf_bench (fentry, kprobe or the netfilter-link
// bracket), so it runs wherever nf_bench does.
//
//   nf_watch [--netns=PATH] [--probe=KIND] [--interval=SECONDS] [--count=N]
//            [--top=N]
//
// PATH names the namespace (/proc/PID/ns/net, /run/netns/NAME); default: the
// namespace nf_watch runs in. An empty PATH, or one that is not a network
// namespace (a FIFO, a file, another namespace type), is refused: exit 2. The
// bracket adds two read-only BPF hooks at LOCAL_OUT of that namespace while it
// runs; they accept every packet.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include <fmt/core.h>

#include "errors.h"
#include "flags.h"
#include "hook_probe.h"
#include "netns.h"

namespace {

std::atomic<bool> g_stop{false};

struct WatchOptions {
  std::string netns_path;                    // empty: our own namespace
  const nfb::ProbeStrategy *probe = nullptr; // nullptr: auto
  int interval_s = 1;
  int count = 0; // 0: until Ctrl-C
  int top = 10;
};

std::string usage() {
  return fmt::format(
      "usage: nf_watch [--netns=PATH] [--probe=KIND] [--interval=SECONDS]\n"
      "                [--count=N] [--top=N]\n"
      "Prints, every interval until Ctrl-C (or N times), the IPv4 LOCAL_OUT\n"
      "netfilter hook calls per second, mean/p50/p99 time per call, and the\n"
      "processes that sent the packets, for the namespace PATH names\n"
      "(/proc/PID/ns/net, /run/netns/NAME; default: this one). Needs root.\n"
      "KIND: {} (default auto: the first that attaches).\n"
      "NF_BENCH_DEBUG=1 prints libbpf's messages (verifier logs).\n",
      nfb::probe_choices());
}

constexpr const char *kNetnsHint = "give /proc/PID/ns/net or /run/netns/NAME";

WatchOptions parse_args(int argc, char **argv) {
  WatchOptions o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](std::string_view name) -> std::optional<std::string_view> {
      if (arg.substr(0, name.size()) == name && arg.size() > name.size() &&
          arg[name.size()] == '=')
        return arg.substr(name.size() + 1);
      return std::nullopt;
    };
    if (auto path = value("--netns")) {
      // Empty is not "this namespace": it is what an unset variable gives.
      if (path->empty())
        throw std::invalid_argument(fmt::format(
            "--netns= needs a path (an unset variable?): {}, or leave "
            "--netns out to watch this namespace",
            kNetnsHint));
      o.netns_path = std::string(*path);
    } else if (auto probe = value("--probe")) {
      o.probe = nfb::parse_probe_flag(*probe);
    } else if (auto interval = value("--interval")) {
      o.interval_s =
          nfb::parse_int_flag("--interval", *interval, 1, 3600, "seconds");
    } else if (auto count = value("--count")) {
      o.count = nfb::parse_int_flag("--count", *count, 0, 1000000, "a count");
    } else if (auto top = value("--top")) {
      o.top = nfb::parse_int_flag("--top", *top, 1, 1000, "a row count");
    } else {
      throw std::invalid_argument(fmt::format("unknown argument '{}'", arg));
    }
  }
  return o;
}

std::string format_ns(double ns) {
  if (ns >= 1e6)
    return fmt::format("{:.2f} ms", ns / 1e6);
  if (ns >= 1e3)
    return fmt::format("{:.2f} µs", ns / 1e3);
  return fmt::format("{:.0f} ns", ns);
}

using ProcessKey = std::tuple<std::uint32_t, std::string>;

std::map<ProcessKey, nfb::ProcessTotals>
by_process(const std::vector<nfb::ProcessTotals> &list) {
  std::map<ProcessKey, nfb::ProcessTotals> out;
  for (const auto &p : list)
    out[{p.tgid, p.comm}] = p;
  return out;
}

// One interval's report: totals, then the busiest processes.
void print_interval(const nfb::HookTotals &delta, double seconds,
                    const std::map<ProcessKey, nfb::ProcessTotals> &now,
                    const std::map<ProcessKey, nfb::ProcessTotals> &before,
                    int top) {
  std::time_t t = std::time(nullptr);
  char clock[16];
  std::strftime(clock, sizeof clock, "%H:%M:%S", std::localtime(&t));
  fmt::print("{}  hook calls {} ({:.0f}/s)  mean {}  p50 {}  p99 {}\n", clock,
             delta.calls, static_cast<double>(delta.calls) / seconds,
             format_ns(delta.mean_ns()),
             format_ns(delta.calls ? delta.percentile_ns(0.50) : 0),
             format_ns(delta.calls ? delta.percentile_ns(0.99) : 0));
  std::vector<nfb::ProcessTotals> rows;
  for (const auto &[key, p] : now) {
    nfb::ProcessTotals d = p;
    if (auto it = before.find(key); it != before.end()) {
      d.calls -= it->second.calls;
      d.sum_ns -= it->second.sum_ns;
    }
    if (d.calls > 0)
      rows.push_back(d);
  }
  std::sort(rows.begin(), rows.end(),
            [](const auto &a, const auto &b) { return a.calls > b.calls; });
  if (rows.empty())
    return;
  fmt::print("  {:>8}  {:<16} {:>10}  {:>10}\n", "PID", "COMM", "CALLS/s",
             "MEAN");
  for (std::size_t i = 0; i < rows.size() && i < static_cast<std::size_t>(top);
       ++i)
    fmt::print("  {:>8}  {:<16} {:>10.0f}  {:>10}\n", rows[i].tgid,
               rows[i].comm, static_cast<double>(rows[i].calls) / seconds,
               format_ns(static_cast<double>(rows[i].sum_ns) /
                         static_cast<double>(rows[i].calls)));
}

// The namespace --netns= names, or nullopt for this one; exit status 2
// (not a network namespace) or 1 (cannot open it) with the message printed.
std::optional<nfb::Netns> open_watched(const std::string &path, int &status) {
  status = 0;
  try {
    if (!path.empty())
      return nfb::Netns::open(path);
  } catch (const nfb::NotANetns &e) {
    fmt::print(stderr, "nf_watch: --netns={}: {}\n", e.what(), kNetnsHint);
    status = 2;
  } catch (const std::exception &e) { // e.g. "PATH: Permission denied"
    fmt::print(stderr, "nf_watch: --netns={}\n", e.what());
    status = 1;
  }
  return std::nullopt;
}

// Prints an interval's report until Ctrl-C or --count. Throws SetupError.
void watch(const WatchOptions &options, const nfb::Netns &ns) {
  auto probe = nfb::HookProbe::attach(
      options.probe, ns, {.per_process = true, .table_function = {}});
  fmt::print("nf_watch: probe {} on IPv4 LOCAL_OUT of netns {} ({}); "
             "Ctrl-C to end\n",
             probe->strategy().name, ns.inode(),
             options.netns_path.empty() ? "this one" : options.netns_path);
  std::fflush(stdout);
  auto totals = probe->read();
  auto processes = by_process(probe->read_processes());
  auto last = std::chrono::steady_clock::now();
  for (int printed = 0;
       !g_stop && (options.count == 0 || printed < options.count); ++printed) {
    // Sleep in short steps so Ctrl-C ends the wait at once.
    const auto until = last + std::chrono::seconds(options.interval_s);
    while (!g_stop && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const auto now = std::chrono::steady_clock::now();
    const std::chrono::duration<double> elapsed = now - last;
    auto totals_now = probe->read();
    auto processes_now = by_process(probe->read_processes());
    print_interval(totals_now - totals, elapsed.count(), processes_now,
                   processes, options.top);
    std::fflush(stdout);
    totals = totals_now;
    processes = std::move(processes_now);
    last = now;
  }
}

} // namespace

int main(int argc, char **argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]) == "--help" ||
        std::string_view(argv[i]) == "-h") {
      fmt::print("{}", usage());
      return 0;
    }
  WatchOptions options;
  try {
    options = parse_args(argc, argv);
  } catch (const std::exception &e) {
    fmt::print(stderr, "nf_watch: {}\n", e.what());
    return 2;
  }
  if (::geteuid() != 0) {
    fmt::print(stderr, "nf_watch: needs root (it loads BPF programs): run it "
                       "as root\n");
    return 1;
  }
  nfb::show_libbpf_messages(std::getenv("NF_BENCH_DEBUG") != nullptr);
  // Ctrl-C and SIGTERM end the loop; the destructors then detach the probe.
  struct sigaction stop {};
  stop.sa_handler = [](int) { g_stop = true; };
  sigaction(SIGINT, &stop, nullptr);
  sigaction(SIGTERM, &stop, nullptr);

  // A --netns= path that is no network namespace is bad input (exit 2),
  // found before anything is attached.
  int status = 0;
  std::optional<nfb::Netns> watched = open_watched(options.netns_path, status);
  if (status)
    return status;
  try {
    const nfb::Netns ns = watched ? std::move(*watched) : nfb::Netns::current();
    watch(options, ns);
  } catch (const std::exception &e) {
    fmt::print(stderr, "nf_watch: {}\n", e.what());
    return 1;
  }
  return 0;
}
