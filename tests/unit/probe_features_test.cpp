// check_kernel_feature (probe_strategy.h) on the running kernel, against
// sources that do not share its code: the kprobe files read another way, and
// the whole BPF object loaded with each strategy's entry program attached and
// no check at all (what the check, a filter, must never contradict). The
// kernel decides what passes, so the tests assert agreement, not "bracket
// only". Root (they load BPF programs); the file-reading one runs without.
#include "probe_strategy.h"

#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <linux/netfilter.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include <fmt/core.h>

#include "bpf_netfilter_link.h"
#include "errors.h"
#include "hook_latency.h" // the skeleton's types
#include "hook_latency.skel.h"
#include "hook_probe.h"
#include "netns.h"

namespace nfb {
namespace {

using Link = std::unique_ptr<bpf_link, decltype(&bpf_link__destroy)>;

int errno_or(int fallback) { return errno ? errno : fallback; }

// Attaches `entry` as HookProbe does, and detaches it again: 0 or an errno.
int attach_and_detach(ProbeAttach kind, bpf_program *entry, const Netns &ns) {
  errno = 0;
  switch (kind) {
  case ProbeAttach::Tracing:
    return Link(bpf_program__attach(entry), bpf_link__destroy) ? 0
                                                               : errno_or(EIO);
  case ProbeAttach::Kprobe:
    return Link(bpf_program__attach_kprobe(entry, false, "nf_hook_slow"),
                bpf_link__destroy)
               ? 0
               : errno_or(EIO);
  case ProbeAttach::NetfilterLink: {
    NetnsGuard in(ns);
    return link_netfilter_ipv4(bpf_program__fd(entry), NF_INET_LOCAL_OUT,
                               INT_MIN + 1)
               ? 0
               : errno_or(EIO);
  }
  }
  return EINVAL;
}

// The whole object loaded with only `s`'s entry program, attached in `ns`,
// with no feature check: 0 or the errno that stopped it.
int attach_without_check(const ProbeStrategy &s, const Netns &ns) {
  const std::unique_ptr<hook_latency, decltype(&hook_latency__destroy)> skel(
      hook_latency__open(), hook_latency__destroy);
  if (!skel)
    return errno_or(EINVAL);
  skel->rodata->target_netns_inum = ns.inode();
  const std::string name(s.entry_program);
  bpf_program *entry =
      bpf_object__find_program_by_name(skel->obj, name.c_str());
  if (!entry)
    return ENOENT;
  bpf_program *prog;
  bpf_object__for_each_program(prog, skel->obj) {
    bpf_program__set_autoload(prog, prog == entry);
  }
  if (s.attach == ProbeAttach::NetfilterLink)
    if (int err = set_netfilter_program_type(entry))
      return -err;
  if (int err = hook_latency__load(skel.get()))
    return -err;
  return attach_and_detach(s.attach, entry, ns);
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - start)
      .count();
}

std::string outcome(int err) { return err ? std::strerror(err) : "works"; }

class ProbeFeatures : public testing::Test {
protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "needs root (loads BPF programs)";
    show_libbpf_messages(false);
  }
};

TEST_F(ProbeFeatures, NeverFailWhereTheFullAttachWorks) {
  const Netns ns = Netns::create();
  for (const auto &s : kProbeStrategies) {
    SCOPED_TRACE(std::string(s.name));
    auto start = std::chrono::steady_clock::now();
    const FeatureCheck check = check_kernel_feature(s.attach);
    const double check_ms = ms_since(start);
    start = std::chrono::steady_clock::now();
    const int full = attach_without_check(s, ns);
    std::printf("%s: check %.1f ms (%s%s%s), full load and attach %.1f ms "
                "(%s)\n",
                std::string(s.name).c_str(), check_ms, check.step.c_str(),
                check.err ? ": " : "", outcome(check.err).c_str(),
                ms_since(start), outcome(full).c_str());
    if (full == 0) {
      EXPECT_EQ(check.err, 0) << check.step;
    }
    if (check.err) {
      EXPECT_FALSE(check.step.empty());
    }
  }
}

TEST_F(ProbeFeatures, ExplicitProbeFailsWithTheCheckedStep) {
  const Netns ns = Netns::create();
  for (const auto &s : kProbeStrategies) {
    SCOPED_TRACE(std::string(s.name));
    const FeatureCheck check = check_kernel_feature(s.attach);
    if (!check.err)
      continue; // the full attach decides; its messages are tested elsewhere
    try {
      HookProbe::attach(&s, ns);
      ADD_FAILURE() << "attached although its check failed";
    } catch (const SetupError &e) {
      const std::string want =
          fmt::format("--probe={} cannot attach ({}: {}): {}", s.name,
                      check.step, std::strerror(check.err), s.needs);
      EXPECT_EQ(std::string(e.what()).substr(0, want.size()), want);
    }
  }
}

TEST_F(ProbeFeatures, AutoPicksTheFirstThatAttachesWithoutCheck) {
  const Netns ns = Netns::create();
  const ProbeStrategy *first = nullptr;
  for (const auto &s : kProbeStrategies)
    if (!first && attach_without_check(s, ns) == 0)
      first = &s;
  try {
    const auto probe = HookProbe::attach(nullptr, ns);
    ASSERT_NE(first, nullptr) << "auto attached " << probe->strategy().name;
    EXPECT_EQ(probe->strategy().name, first->name);
  } catch (const SetupError &e) {
    EXPECT_EQ(first, nullptr) << e.what();
  }
}

// The kprobe check's verdict from its files, read here another way.
TEST(ProbeFeaturesFiles, KprobeCheckFollowsThePmuAndKallsyms) {
  const bool pmu =
      ::access("/sys/bus/event_source/devices/kprobe/type", R_OK) == 0 ||
      ::access("/sys/kernel/tracing/kprobe_events", W_OK) == 0 ||
      ::access("/sys/kernel/debug/tracing/kprobe_events", W_OK) == 0;
  std::ifstream in("/proc/kallsyms");
  const std::string symbols{std::istreambuf_iterator<char>(in), {}};
  bool listed = false;
  for (const char *form : {" T nf_hook_slow\n", " t nf_hook_slow\n",
                           " T nf_hook_slow\t", " t nf_hook_slow\t"})
    listed = listed || symbols.find(form) != std::string::npos;
  const FeatureCheck check = check_kernel_feature(ProbeAttach::Kprobe);
  EXPECT_EQ(check.err == 0, pmu && listed) << check.step;
  if (!pmu) {
    EXPECT_NE(check.step.find("kprobe/type"), std::string::npos) << check.step;
  }
}

} // namespace
} // namespace nfb
