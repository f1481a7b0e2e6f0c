#include <string>
#include <vector>

#include "command.h"
#include "counters.h"
#include "family_runs.h"
#include "remedies.h"

namespace nfb {

namespace {

std::vector<std::string> append_command(const std::string &rule) {
  std::vector<std::string> argv{kIptablesLegacy, "-w", "-A", "OUTPUT"};
  for (std::size_t at = 0; at < rule.size();) {
    const std::size_t space = rule.find(' ', at);
    const std::size_t end = space == std::string::npos ? rule.size() : space;
    argv.push_back(rule.substr(at, end - at));
    at = end + 1;
  }
  return argv;
}

} // namespace

void run_install_benchmark(benchmark::State &state, BenchEnvironment &env,
                           const Point &point) {
  RuleBackend &chain = env.chain();
  const std::size_t n = point.n;
  for (auto _ : state) {
    state.PauseTiming();
    chain.set_rules(0);
    state.ResumeTiming();
    chain.set_rules(n);
  }
  chain.check_in_kernel(n);
  set_counter(state, "rules", static_cast<double>(n));
}

void run_install_loop_benchmark(benchmark::State &state, BenchEnvironment &env,
                                const Point &point) {
  const std::size_t n = point.n;
  std::vector<std::vector<std::string>> commands;
  for (const auto &rule : iptables_rules(n, 0, {}))
    commands.push_back(append_command(rule));
  RuleBackend &chain = env.chain();
  for (auto _ : state) {
    state.PauseTiming();
    chain.set_rules(0);
    state.ResumeTiming();
    NetnsGuard in(env.topology().sender());
    for (const auto &argv : commands)
      run_command(argv);
  }
  chain.check_in_kernel(n);
  set_counter(state, "rules", static_cast<double>(n));
}

} // namespace nfb
