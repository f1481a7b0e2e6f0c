#include "options.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/core.h>

#include "schema.h"

namespace nfb {

namespace {

// Google Benchmark reads BENCHMARK_<FLAG> from the environment as a default.
std::string env_name(std::string_view flag) {
  std::string out;
  for (char c : flag.substr(2))
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

void check_one_of(std::string_view flag, std::string_view value,
                  std::initializer_list<std::string_view> allowed) {
  for (auto a : allowed)
    if (value == a)
      return;
  std::string list;
  for (auto a : allowed)
    list += fmt::format("{}{}", list.empty() ? "" : ", ",
                        a.empty() ? "(empty)" : a);
  throw std::invalid_argument(fmt::format("{} wants one of {}, not '{}'", flag,
                                          list, printable(value)));
}

void check_min_time(std::string_view flag, std::string_view value) {
  const std::string text(value);
  char *end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0')
    return; // not a number: Google Benchmark rejects it itself (exit 2)
  if (!std::isfinite(v) || v < 0 || v > kMaxMinTimeS)
    throw std::invalid_argument(
        fmt::format("{} wants seconds from 0 to {:g}, not '{}'", flag,
                    kMaxMinTimeS, printable(value)));
}

// Google Benchmark's flags whose bad values it answers with its help and
// exit 0, or a crash, or silence: checked here instead.
void check_benchmark_flag(std::string_view flag, std::string_view value) {
  if (flag == "--benchmark_format" || flag == "--benchmark_out_format")
    check_one_of(flag, value, {"console", "json", "csv"});
  else if (flag == "--benchmark_time_unit")
    check_one_of(flag, value, {"", "ns", "us", "ms", "s"});
  else if (flag == "--benchmark_repetitions")
    parse_int_flag(flag, value, 1, kMaxRepetitions, "a count");
  else if (flag == "--benchmark_min_time" ||
           flag == "--benchmark_min_warmup_time")
    check_min_time(flag, value);
  else if ((flag == "--benchmark_color" || flag == "--benchmark_out") &&
           value.empty())
    throw std::invalid_argument(fmt::format(
        "{} wants a value, got an empty one (an unset variable?)", flag));
}

constexpr std::string_view kCheckedBenchmarkFlags[] = {
    "--benchmark_format",    "--benchmark_out_format",
    "--benchmark_time_unit", "--benchmark_repetitions",
    "--benchmark_min_time",  "--benchmark_min_warmup_time",
    "--benchmark_color",     "--benchmark_out"};

// The value of `--flag=value` when `arg` is that flag, else nullopt.
std::optional<std::string_view> value_of(std::string_view arg,
                                         std::string_view flag) {
  if (arg.size() > flag.size() && arg.substr(0, flag.size()) == flag &&
      arg[flag.size()] == '=')
    return arg.substr(flag.size() + 1);
  return std::nullopt;
}

// Checks the environment's defaults, then the command line's values (the
// last one wins, as in Google Benchmark); fills what main needs to know.
void check_benchmark_flags(int argc, char **argv, Options &o) {
  for (auto flag : kCheckedBenchmarkFlags) {
    std::optional<std::string> value;
    if (const char *env = std::getenv(env_name(flag).c_str())) {
      try {
        check_benchmark_flag(flag, env);
      } catch (const std::invalid_argument &e) {
        throw std::invalid_argument(
            fmt::format("{} (from the environment, {}={})", e.what(),
                        env_name(flag), printable(env)));
      }
      value = env;
    }
    for (int i = 1; i < argc; ++i)
      if (auto v = value_of(argv[i], flag)) {
        check_benchmark_flag(flag, *v);
        value = std::string(*v);
      }
    if (value && flag == "--benchmark_out")
      o.benchmark_out = *value;
    if (value && flag == "--benchmark_out_format")
      o.benchmark_out_format = *value;
  }
}

// --scale_rules=F: a plain decimal from kMinRuleScale to kMaxRuleScale.
double parse_rule_scale(std::string_view value) {
  const std::string text(value);
  char *end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !std::isfinite(v) ||
      v < kMinRuleScale || v > kMaxRuleScale)
    throw std::invalid_argument(
        fmt::format("--scale_rules wants a factor from {:g} to {:g} (e.g. "
                    "1.03), not '{}'",
                    kMinRuleScale, kMaxRuleScale, printable(value)));
  return v;
}

} // namespace

Options take_options(int *argc, char **argv) {
  Options o;
  int kept = 1;
  for (int i = 1; i < *argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.substr(0, 11) == "--duration=") {
      o.duration_s = parse_int_flag("--duration", arg.substr(11), 1,
                                    kMaxDurationS, "whole seconds");
    } else if (arg.substr(0, 14) == "--extra_rules=") {
      o.extra_rules = parse_int_flag("--extra_rules", arg.substr(14), 0,
                                     kMaxExtraRules, "a rule count");
    } else if (arg.substr(0, 14) == "--scale_rules=") {
      o.rule_scale = parse_rule_scale(arg.substr(14));
    } else if (arg.substr(0, 8) == "--probe=") {
      o.probe = parse_probe_flag(arg.substr(8));
    } else if (arg == "--print_schema") {
      o.print_schema = true;
    } else if (arg == "--table_time") {
      o.table_time = true;
    } else if (arg == "--pin") {
      o.pin = true;
    } else if (arg == "--duration" || arg == "--probe" ||
               arg == "--extra_rules" || arg == "--scale_rules") {
      throw std::invalid_argument(
          fmt::format("{} wants a value: {}=VALUE", arg, arg));
    } else {
      argv[kept++] = argv[i];
    }
  }
  *argc = kept;
  argv[kept] = nullptr;
  check_benchmark_flags(*argc, argv, o);
  return o;
}

std::string options_help() {
  std::string probes;
  for (const auto &p : kProbeStrategies)
    probes +=
        fmt::format("                       {:8} {}\n", p.name, p.summary);
  return fmt::format(
      "nf_bench: what a long iptables OUTPUT chain costs (run as root)\n"
      "  --duration=SECONDS   length of one iperf3 run = one iteration "
      "(1..{}, default 2)\n"
      "  --probe=KIND         {} (default auto: the first that attaches)\n"
      "{}"
      "  --extra_rules=N      N more never-matching rules in every chain, "
      "e.g. to\n"
      "                       produce a known regression (default 0)\n"
      "  --scale_rules=F      every chain F times as long (before "
      "--extra_rules), e.g.\n"
      "                       1.03: a known 3% slope regression (default 1)\n"
      "  --table_time         also time the filter table alone (table_ns): "
      "two more\n"
      "                       programs around it (bracket) or on its function "
      "(fentry)\n"
      "  --pin                run the client on CPU 0 and the servers on CPU "
      "1\n"
      "  --print_schema       print the counters, workloads, backends, "
      "families "
      "and\n"
      "                       probes nf_bench writes and takes, as JSON (as "
      "committed\n"
      "                       in benchmarks/schema.json, which the tools "
      "load)\n"
      "  NF_BENCH_DEBUG=1     print libbpf's messages (verifier logs)\n"
      "Benchmarks (family/arguments (backend, workload)):\n{}"
      "Google Benchmark's own flags follow.\n\n",
      kMaxDurationS, probe_choices(), probes, describe_families());
}

} // namespace nfb
