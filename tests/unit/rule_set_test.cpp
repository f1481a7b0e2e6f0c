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

constexpr TrafficMatch kTraffic{(198u << 24) | (18u << 16) | 2u, 5201};

TEST(RuleShapes, ShapeZeroIsTheNeverMatchingChain) {
  const auto ipt = iptables_rules(2, 0, kTraffic);
  EXPECT_EQ(ipt[1], never_match_rules(2)[1].to_iptables_args());
  EXPECT_EQ(nft_rules(2, 0, kTraffic)[0],
            never_match_rules(1)[0].to_nft_rule());
}

TEST(RuleShapes, EachShapeAddsOneCallbackBeforeTheFailingMark) {
  EXPECT_EQ(iptables_rules(1, 1, kTraffic)[0],
            "-p tcp -d 198.18.0.2/32 -m mark --mark 0x1 -j DROP");
  EXPECT_EQ(iptables_rules(1, 3, kTraffic)[0],
            "-p tcp -d 198.18.0.2/32 -m tcp --dport 5201 -m length --length "
            "0:65535 -m mark --mark 0x1 -j DROP");
  EXPECT_EQ(nft_rules(1, 2, kTraffic)[0],
            "ip daddr 198.18.0.2 meta l4proto tcp tcp dport 5201 meta mark "
            "0x00000001 drop");
  EXPECT_EQ(nft_rules(3, 1, kTraffic).size(), 3u);
}

TEST(RuleShapes, RejectsShapesAndCountsItCannotMake) {
  EXPECT_THROW(iptables_rules(1, kMaxCallbacks + 1, kTraffic),
               std::invalid_argument);
  EXPECT_THROW(nft_rules(1, -1, kTraffic), std::invalid_argument);
  EXPECT_THROW(nft_rules(kMaxRules + 1, 1, kTraffic), std::invalid_argument);
}

TEST(NeverMatchRules, NftSpelling) {
  const auto rules = never_match_rules(1);
  EXPECT_EQ(rules[0].to_nft_rule(), "ip daddr 198.19.0.1 tcp dport 10001 drop");
}

} // namespace
} // namespace nfb
