#include "rule_set.h"

#include <gtest/gtest.h>

#include <set>
#include <utility>

namespace nfb {
namespace {

TEST(NeverMatchRules, CountIsExact) {
  EXPECT_TRUE(never_match_rules(0).empty());
  EXPECT_EQ(never_match_rules(1).size(), 1u);
  EXPECT_EQ(never_match_rules(3000).size(), 3000u);
}

TEST(NeverMatchRules, AllDistinct) {
  auto rules = never_match_rules(kMaxRules);
  std::set<std::pair<std::uint32_t, std::uint16_t>> seen;
  for (const auto &r : rules)
    seen.insert({r.dst_host_order, r.dport});
  EXPECT_EQ(seen.size(), rules.size());
}

TEST(NeverMatchRules, NeverNameBenchmarkAddresses) {
  // Benchmark traffic is 198.18.0.0/24; rules live in 198.19.0.0/16 and
  // avoid its network and broadcast addresses.
  for (const auto &r : never_match_rules(kMaxRules)) {
    ASSERT_EQ(r.dst_host_order >> 16, (198u << 8) | 19u);
    ASSERT_NE(r.dst_host_order & 0xFFFF, 0u);
    ASSERT_NE(r.dst_host_order & 0xFFFF, 0xFFFFu);
    ASSERT_NE(r.dport, 5201); // the iperf3 port
  }
}

TEST(NeverMatchRules, RejectsMoreThanItCanMakeDistinct) {
  EXPECT_THROW(never_match_rules(kMaxRules + 1), std::invalid_argument);
}

TEST(NeverMatchRules, IptablesSpelling) {
  auto rules = never_match_rules(300);
  EXPECT_EQ(rules[0].to_iptables_args(),
            "-p tcp -d 198.19.0.1/32 --dport 10001 -j DROP");
  EXPECT_EQ(rules[299].to_iptables_args(),
            "-p tcp -d 198.19.1.44/32 --dport 10300 -j DROP");
}

TEST(NeverMatchRules, NftSpelling) {
  const auto rules = never_match_rules(1);
  EXPECT_EQ(rules[0].to_nft_rule(), "ip daddr 198.19.0.1 tcp dport 10001 drop");
}

} // namespace
} // namespace nfb
