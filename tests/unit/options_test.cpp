#include "options.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace nfb {
namespace {

// argv as main gets it, with storage that outlives the call.
struct Argv {
  explicit Argv(std::vector<std::string> args) : strings(std::move(args)) {
    for (auto &s : strings)
      pointers.push_back(s.data());
    pointers.push_back(nullptr);
    argc = static_cast<int>(strings.size());
  }
  std::vector<std::string> remaining() const {
    return {pointers.begin(), pointers.begin() + argc};
  }
  std::vector<std::string> strings;
  std::vector<char *> pointers;
  int argc;
};

TEST(Options, Defaults) {
  Argv a({"nf_bench"});
  Options o = take_options(&a.argc, a.pointers.data());
  EXPECT_EQ(o.duration_s, 2);
  EXPECT_EQ(o.probe, nullptr); // auto
  EXPECT_EQ(o.extra_rules, 0);
  EXPECT_EQ(o.rule_scale, 1);
  EXPECT_FALSE(o.pin);
  EXPECT_FALSE(o.print_schema);
  EXPECT_EQ(a.argc, 1);
}

TEST(Options, TakesItsOwnAndLeavesBenchmarkFlags) {
  Argv a({"nf_bench", "--benchmark_filter=Chain/3000", "--duration=5",
          "--probe=bracket", "--extra_rules=500", "--benchmark_repetitions=3",
          "--scale_rules=1.03", "--pin"});
  Options o = take_options(&a.argc, a.pointers.data());
  EXPECT_EQ(o.duration_s, 5);
  EXPECT_EQ(o.extra_rules, 500);
  EXPECT_DOUBLE_EQ(o.rule_scale, 1.03);
  EXPECT_TRUE(o.pin);
  ASSERT_NE(o.probe, nullptr);
  EXPECT_EQ(o.probe->name, "bracket");
  EXPECT_EQ(a.remaining(), (std::vector<std::string>{
                               "nf_bench", "--benchmark_filter=Chain/3000",
                               "--benchmark_repetitions=3"}));
  EXPECT_EQ(a.pointers[static_cast<std::size_t>(a.argc)], nullptr);
}

TEST(Options, EveryProbeStrategyParsesByItsName) {
  EXPECT_EQ(parse_probe_flag("auto"), nullptr);
  for (const auto &strategy : kProbeStrategies)
    EXPECT_EQ(parse_probe_flag(strategy.name), &strategy);
  EXPECT_THROW(parse_probe_flag("kretprobe"), std::invalid_argument);
}

TEST(Options, HelpNamesEveryProbeAndTheSweep) {
  const std::string help = options_help();
  for (const auto &strategy : kProbeStrategies)
    EXPECT_NE(help.find(strategy.name), std::string::npos) << strategy.name;
  EXPECT_NE(
      help.find("Chain/<rules> (legacy, tcp_bulk): rules = 0, 100, ... 3000"),
      std::string::npos)
      << help;
}

TEST(Options, RejectsBadValues) {
  for (const char *bad :
       {"--duration=0",      "--duration=-1",     "--duration=1.5",
        "--duration=abc",    "--duration=3601",   "--duration=",
        "--duration",        "--probe=foo",       "--probe=",
        "--probe",           "--extra_rules=-1",  "--extra_rules=60001",
        "--extra_rules=1e3", "--extra_rules",     "--scale_rules=0.4",
        "--scale_rules=2.1", "--scale_rules=nan", "--scale_rules=1.0x",
        "--scale_rules=",    "--scale_rules"}) {
    Argv a({"nf_bench", bad});
    EXPECT_THROW(take_options(&a.argc, a.pointers.data()),
                 std::invalid_argument)
        << bad;
  }
}

// Values Google Benchmark answers with its help and exit 0, a crash, or a
// run of nothing: refused here with one line instead.
TEST(Options, RejectsBenchmarkFlagValuesGoogleBenchmarkWouldNot) {
  for (const char *bad :
       {"--benchmark_format=bogus", "--benchmark_out_format=bogus",
        "--benchmark_out_format=", "--benchmark_time_unit=bogus",
        "--benchmark_time_unit=NS", "--benchmark_repetitions=0",
        "--benchmark_repetitions=-1", "--benchmark_repetitions=10001",
        "--benchmark_min_time=-1", "--benchmark_min_time=1e12",
        "--benchmark_min_time=nan", "--benchmark_min_time=inf",
        "--benchmark_color=", "--benchmark_out="}) {
    Argv a({"nf_bench", bad});
    EXPECT_THROW(take_options(&a.argc, a.pointers.data()),
                 std::invalid_argument)
        << bad;
  }
}

TEST(Options, LastBenchmarkFlagWinsAndIsChecked) {
  Argv ok({"nf_bench", "--benchmark_format=bogus", "--benchmark_format=json"});
  EXPECT_THROW(
      take_options(&ok.argc, ok.pointers.data()),
      std::invalid_argument); // each value is checked, not only the last
  Argv a({"nf_bench", "--benchmark_out=a.json", "--benchmark_out=b.csv",
          "--benchmark_out_format=csv", "--benchmark_repetitions=5",
          "--benchmark_time_unit=ms", "--benchmark_min_time=0.5"});
  Options o = take_options(&a.argc, a.pointers.data());
  EXPECT_EQ(o.benchmark_out, "b.csv");
  EXPECT_EQ(o.benchmark_out_format, "csv");
  EXPECT_EQ(a.argc, 7); // all left for Google Benchmark
}

TEST(Options, BenchmarkFlagsFromTheEnvironmentAreChecked) {
  ::setenv("BENCHMARK_FORMAT", "bogus", 1);
  Argv a({"nf_bench"});
  try {
    take_options(&a.argc, a.pointers.data());
    ADD_FAILURE() << "BENCHMARK_FORMAT=bogus accepted";
  } catch (const std::invalid_argument &e) {
    EXPECT_NE(std::string(e.what()).find("BENCHMARK_FORMAT"), std::string::npos)
        << e.what();
  }
  ::unsetenv("BENCHMARK_FORMAT");
  ::setenv("BENCHMARK_OUT", "env.json", 1);
  Argv b({"nf_bench"});
  EXPECT_EQ(take_options(&b.argc, b.pointers.data()).benchmark_out, "env.json");
  ::unsetenv("BENCHMARK_OUT");
}

TEST(Options, ErrorsAreOneLine) {
  // Found by the fuzz target: a newline in a value broke the message.
  try {
    parse_int_flag("--duration", "1\n2", 1, 3600, "whole seconds");
    ADD_FAILURE() << "accepted";
  } catch (const std::invalid_argument &e) {
    EXPECT_STREQ(
        e.what(),
        "--duration wants whole seconds from 1 to 3600, not '1\\x0a2'");
  }
  Argv a({"nf_bench", "--probe=fentry\r\x7f"});
  try {
    take_options(&a.argc, a.pointers.data());
    ADD_FAILURE() << "accepted";
  } catch (const std::invalid_argument &e) {
    EXPECT_STREQ(e.what(), "--probe wants auto, fentry, kprobe or bracket, "
                           "not 'fentry\\x0d\\x7f'");
  }
}

} // namespace
} // namespace nfb
