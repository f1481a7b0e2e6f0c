// nf_bench: Google Benchmark runner for what a long iptables chain costs.
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <memory>

#include <benchmark/benchmark.h>
#include <fmt/core.h>

#include "../fixtures/errors.h"
#include "../fixtures/iperf_client.h"
#include "chain_benchmark.h"
#include "environment.h"
#include "options.h"

int main(int argc, char **argv) {
  nfb::Options options;
  try {
    options = nfb::take_options(&argc, argv);
  } catch (const std::exception &e) {
    fmt::print(stderr, "nf_bench: {}\n", e.what());
    return 2;
  }
  benchmark::Initialize(&argc, argv, [] {
    fmt::print("{}", nfb::options_help());
    benchmark::PrintDefaultHelp();
  });
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 2;

  std::unique_ptr<nfb::BenchEnvironment> env;
  nfb::register_chain_benchmarks(env);
  if (options.list_only) {
    benchmark::RunSpecifiedBenchmarks();
    return 0;
  }
  if (::geteuid() != 0) {
    fmt::print(stderr, "nf_bench: needs root (it creates network namespaces, "
                       "iptables rules and BPF programs): run it with sudo\n");
    return 1;
  }
  // Everything it creates is held by file descriptors or dies with this
  // process (see fixtures/netns.h, iperf_server.h), so SIGINT, SIGTERM and
  // kill -9 leave nothing behind with their default actions.
  try {
    env = std::make_unique<nfb::BenchEnvironment>(options);
  } catch (const std::exception &e) {
    fmt::print(stderr, "nf_bench: {}\n", e.what());
    return 1;
  }

  benchmark::AddCustomContext("kernel", nfb::kernel_release());
  benchmark::AddCustomContext("probe", nfb::to_string(env->probe().kind()));
  benchmark::AddCustomContext("probe_self_ns",
                              fmt::format("{:.1f}", env->probe_self_cost().ns));
  benchmark::AddCustomContext("probe_self_method",
                              env->probe_self_cost().method);
  benchmark::AddCustomContext("iptables_backend", "legacy (libiptc)");
  benchmark::AddCustomContext("iperf3", nfb::iperf_version());
  benchmark::AddCustomContext("duration_s", std::to_string(options.duration_s));
  // Where to point nf_watch or a bpftrace script at the same traffic.
  benchmark::AddCustomContext("sender_netns",
                              std::to_string(env->topology().sender().inode()));
  benchmark::AddCustomContext("extra_rules",
                              std::to_string(options.extra_rules));

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  // Google Benchmark exits 0 even when every run failed; scripts need to know.
  if (int failed = nfb::failed_benchmark_runs()) {
    fmt::print(stderr,
               "nf_bench: {} benchmark run(s) failed (see their error "
               "messages above)\n",
               failed);
    return 1;
  }
  return 0;
}
