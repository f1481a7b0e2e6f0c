// nf_bench: Google Benchmark runner for what a long iptables chain costs.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/core.h>

#include "counters.h"
#include "errors.h"
#include "host_info.h"
#include "host_load.h"
#include "iperf_client.h"
#include "library_exit.h"
#include "observers.h"
#include "options.h"
#include "result_file.h"
#include "suite.h"
#include "version.h"

namespace {

// Runs nothing (its ReportContext says no) and keeps Google Benchmark's
// messages: counts what a filter selects before any set-up is made.
class CountOnlyReporter : public benchmark::BenchmarkReporter {
public:
  CountOnlyReporter() {
    SetOutputStream(&listing_); // --benchmark_list_tests prints here
    SetErrorStream(&messages_);
  }
  // The selection pass runs the benchmarks as no-ops (Suite::selecting).
  bool ReportContext(const Context &) override { return true; }
  void ReportRuns(const std::vector<Run> &) override {}
  void Finalize() override {}
  std::string messages() const { return messages_.str(); }
  // What --benchmark_list_tests printed: set when Google Benchmark listed
  // instead of running.
  std::string listing() const { return listing_.str(); }

private:
  std::ostringstream listing_, messages_;
};

int fail(int status, const std::string &message) {
  fmt::print(stderr, "nf_bench: {}\n", message);
  return status;
}

// argv with every --benchmark_out=OUT replaced by one --benchmark_out=/dev/null
// at the end (over BENCHMARK_OUT too): Google Benchmark writes there, and
// nf_bench writes OUT itself (result_file.h).
std::vector<char *> with_benchmark_out_to_null(int argc, char **argv) {
  static char kNull[] = "--benchmark_out=/dev/null";
  std::vector<char *> out;
  for (int i = 0; i < argc; ++i)
    if (std::string_view(argv[i]).rfind("--benchmark_out=", 0) != 0)
      out.push_back(argv[i]);
  out.push_back(kNull);
  out.push_back(nullptr);
  return out;
}

// What the filter selects, found without running anything: a filter that
// selects nothing (or is not a regular expression) is refused before any
// set-up, instead of Google Benchmark's exit 0.
struct Selection {
  std::size_t count = 0;
  std::string why;     // Google Benchmark's message when count is 0
  std::string listing; // what --benchmark_list_tests printed, if given
};

Selection select_benchmarks(const nfb::Options &options, nfb::Suite &suite) {
  CountOnlyReporter display, file;
  const bool with_file = !options.benchmark_out.empty();
  Selection s;
  suite.set_selecting(true);
  s.count =
      benchmark::RunSpecifiedBenchmarks(&display, with_file ? &file : nullptr);
  suite.set_selecting(false);
  s.why = display.messages();
  while (!s.why.empty() && (s.why.back() == '\n' || s.why.back() == ' '))
    s.why.pop_back();
  s.listing = display.listing();
  return s;
}

int no_benchmark_selected(const std::string &why) {
  return fail(2, fmt::format("--benchmark_filter='{}' selects no benchmark "
                             "({}); --benchmark_list_tests lists them",
                             benchmark::GetBenchmarkFilter(), why));
}

// "Chain: legacy (libip4tc 1.8.9); ChainNft: nft (libnftables 1.0.6); ...":
// which backend builds each selected family's chain, with its version.
std::string backends_in_use(const nfb::Suite &suite) {
  std::string out;
  for (const nfb::Family *family : suite.selected()) {
    const nfb::BackendInfo &b = nfb::rule_backend(family->backend);
    out += fmt::format("{}{}: {} ({})", out.empty() ? "" : "; ", family->name,
                       b.name, b.version());
  }
  return out;
}

void add_context(const nfb::Suite &suite, nfb::BenchEnvironment &env,
                 const nfb::HostLoad &load) {
  const nfb::Options &options = suite.options();
  using benchmark::AddCustomContext;
  using nfb::add_context_number;
  // Which nf_bench and which contract: a tool tells an old file from a
  // broken one.
  AddCustomContext("nf_bench_version", nfb::kNfBenchVersion);
  AddCustomContext("schema_version", std::to_string(nfb::kSchemaVersion));
  AddCustomContext("kernel", nfb::kernel_release());
  AddCustomContext("probe", std::string(env.probe().strategy().name));
  AddCustomContext("probe_self_ns",
                   fmt::format("{:.1f}", env.probe_self_cost().ns));
  AddCustomContext("probe_self_method", env.probe_self_cost().method);
  if (options.table_time)
    AddCustomContext("table_self_ns",
                     fmt::format("{:.1f}", env.probe_self_cost().table_ns));
  AddCustomContext("iptables_backend", backends_in_use(suite));
  AddCustomContext("host_iptables", nfb::host_iptables_version());
  AddCustomContext("bpf_jit_enable", nfb::first_line_of(nfb::kBpfJitEnable));
  AddCustomContext("spectre_v2", nfb::first_line_of(nfb::kSpectreV2));
  AddCustomContext("iperf3", nfb::iperf_version());
  add_context_number("duration_s", std::to_string(options.duration_s));
  // Where to point nf_watch or a bpftrace script at the same traffic.
  AddCustomContext("sender_netns",
                   std::to_string(env.topology().sender().inode()));
  add_context_number("extra_rules", std::to_string(options.extra_rules));
  add_context_number("rule_scale", fmt::format("{:g}", options.rule_scale));
  add_context_number("pinned", options.pin ? "1" : "0");
  // What else ran: other runs and load skew the numbers (the report warns).
  add_context_number("load_avg_1m", fmt::format("{:.2f}", load.load_avg_1m));
  add_context_number("cpus", std::to_string(load.cpus));
  add_context_number("other_nf_bench", std::to_string(load.other_nf_bench));
  add_context_number("cpu_busy_at_start", fmt::format("{:.3f}", load.cpu_busy));
  AddCustomContext("observer_scan", nfb::observer_scan_coverage());
}

// The rule backends as the contract (schema.h) states them.
std::vector<nfb::BackendSchema> backend_schemas() {
  std::vector<nfb::BackendSchema> out;
  for (const nfb::BackendInfo &b : nfb::rule_backends())
    out.push_back(
        {b.name, b.summary, b.compared_with, b.hook_type, b.table_function});
  return out;
}

// Runs the benchmarks; 0, or the exit status with its message printed.
int run_and_check(const nfb::Options &options, const nfb::Suite &suite,
                  nfb::ResultFile *out) {
  std::unique_ptr<nfb::ResultFileReporter> file;
  if (out)
    file = std::make_unique<nfb::ResultFileReporter>(
        *out, options.benchmark_out_format);
  benchmark::RunSpecifiedBenchmarks(nullptr, file.get());
  benchmark::Shutdown();
  // The display goes to stdout; a full disk or closed pipe there loses it.
  std::cout.flush();
  if (std::cout.fail())
    return fail(1, "could not write the results to stdout (a write to it "
                   "failed): free space there, keep the pipe open, or use "
                   "--benchmark_out");
  if (file && file->error())
    return fail(1, fmt::format("could not write the results to "
                               "--benchmark_out={} ({}): free space there or "
                               "choose another file",
                               options.benchmark_out,
                               std::strerror(file->error())));
  // Google Benchmark exits 0 even when every run failed; scripts need to know.
  if (int failed = suite.failed_runs())
    return fail(1, fmt::format("{} benchmark run(s) failed (see their error "
                               "messages above)",
                               failed));
  return 0;
}

// Builds what the benchmarks share and runs them (root only).
int set_up_and_run(const nfb::Options &options, nfb::Suite &suite,
                   nfb::ResultFile *out) {
  // Before set-up: what else this host runs now, not what nf_bench adds.
  const nfb::HostLoad load =
      nfb::sample_host_load(std::chrono::milliseconds(250));
  // Everything it creates is held by file descriptors or dies with this
  // process (see fixtures/netns.h, iperf_server.h), so SIGINT, SIGTERM and
  // kill -9 leave nothing behind with their default actions; the handler
  // only says where the results are first.
  if (out && !out->direct())
    nfb::say_where_results_are_on_signal(*out);
  try {
    add_context(suite, suite.env(suite.selected().front()->backend), load);
  } catch (const std::exception &e) {
    return fail(1, e.what());
  }
  return run_and_check(options, suite, out);
}

} // namespace

int main(int argc, char **argv) {
  nfb::Options options;
  try {
    options = nfb::take_options(&argc, argv);
  } catch (const std::exception &e) {
    return fail(2, e.what());
  }
  if (options.print_schema) {
    fmt::print("{}", nfb::schema_json(backend_schemas()));
    return 0;
  }
  std::vector<char *> args = {argv, argv + argc + 1};
  if (!options.benchmark_out.empty())
    args = with_benchmark_out_to_null(argc, argv);
  argc = static_cast<int>(args.size()) - 1;
  argv = args.data();
  benchmark::Initialize(&argc, argv, [] {
    fmt::print("{}", nfb::options_help());
    benchmark::PrintDefaultHelp();
  });
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 2;
  if (std::string why = nfb::raise_open_file_limit(); !why.empty())
    return fail(2, why);
  try {
    nfb::check_library_exits_caught();
  } catch (const std::exception &e) {
    return fail(1, e.what());
  }
  // Process set-up: a server gone mid-test must not kill the client.
  std::signal(SIGPIPE, SIG_IGN);
  options.debug = std::getenv("NF_BENCH_DEBUG") != nullptr;
  nfb::show_libbpf_messages(options.debug);

  // Before any set-up: a path that cannot be written, or one another
  // nf_bench is writing, is refused.
  std::unique_ptr<nfb::ResultFile> out;
  try {
    if (!options.benchmark_out.empty())
      out = std::make_unique<nfb::ResultFile>(options.benchmark_out);
  } catch (const nfb::ResultFileError &e) {
    return fail(2, e.what());
  }
  nfb::Suite suite(options);
  nfb::register_benchmarks(suite);
  const Selection selected = select_benchmarks(options, suite);
  if (selected.count == 0)
    return no_benchmark_selected(selected.why);
  if (!selected.listing.empty()) { // --benchmark_list_tests: no root needed
    fmt::print("{}", selected.listing);
    return 0;
  }
  if (::geteuid() != 0)
    return fail(1, "needs root (it creates network namespaces, iptables rules "
                   "and BPF programs): run it as root");
  return set_up_and_run(options, suite, out.get());
}
