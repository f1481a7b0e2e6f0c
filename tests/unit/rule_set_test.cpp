#include "rule_set.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
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
            "-d 198.19.0.1/32 -p tcp -m tcp --dport 10001 -j DROP");
  EXPECT_EQ(rules[299].to_iptables_args(),
            "-d 198.19.1.44/32 -p tcp -m tcp --dport 10300 -j DROP");
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
            "-d 198.18.0.2/32 -p tcp -m mark --mark 0x1 -j DROP");
  EXPECT_EQ(iptables_rules(1, 3, kTraffic)[0],
            "-d 198.18.0.2/32 -p tcp -m tcp --dport 5201 -m length --length "
            "0:65535 -m mark --mark 0x1 -j DROP");
  EXPECT_EQ(nft_rules(1, 2, kTraffic)[0],
            "ip daddr 198.18.0.2 tcp dport 5201 meta mark "
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

constexpr std::uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

TEST(BlockedAddresses, CountsFirstAndLast) {
  EXPECT_TRUE(blocked_addresses(0).empty());
  EXPECT_EQ(kMaxBlocked, 130814u);
  const auto all = blocked_addresses(kMaxBlocked);
  ASSERT_EQ(all.size(), kMaxBlocked);
  EXPECT_EQ(dotted(all.front()), "198.19.0.1");
  EXPECT_EQ(dotted(all[kMaxRules - 1]), "198.19.255.254");
  EXPECT_EQ(dotted(all[kMaxRules]), "198.18.1.0");
  EXPECT_EQ(dotted(all.back()), "198.18.255.255");
  EXPECT_EQ(blocked_addresses(3000).size(), 3000u);
}

TEST(BlockedAddresses, TheChainsDestinationsFirst) {
  const auto addresses = blocked_addresses(kMaxRules);
  const auto rules = never_match_rules(kMaxRules);
  for (std::size_t i = 0; i < rules.size(); ++i)
    ASSERT_EQ(addresses[i], rules[i].dst_host_order) << i;
}

TEST(BlockedAddresses, DistinctAndNeverTheTrafficsNetwork) {
  const auto all = blocked_addresses(kMaxBlocked);
  EXPECT_EQ(std::set<std::uint32_t>(all.begin(), all.end()).size(), all.size());
  for (auto a : all) {
    ASSERT_EQ(a >> 17, ip(198, 18, 0, 0) >> 17) << dotted(a); // in /15
    ASSERT_NE(a >> 8, ip(198, 18, 0, 0) >> 8) << dotted(a);   // not the /24
  }
}

TEST(BlockedAddresses, RejectsMoreThanItCanMake) {
  EXPECT_THROW(blocked_addresses(kMaxBlocked + 1), std::invalid_argument);
}

TEST(BlockedPrefixes, NonAdjacentSlash30sInSharedAddressSpace) {
  EXPECT_TRUE(blocked_prefixes(0).empty());
  const auto all = blocked_prefixes(kMaxBlockedPrefixes);
  ASSERT_EQ(all.size(), kMaxBlockedPrefixes);
  EXPECT_EQ(all[0].text(), "100.64.0.0/30");
  EXPECT_EQ(all[1].text(), "100.64.0.8/30");
  EXPECT_EQ(all.back().text(), "100.127.255.248/30");
  for (std::size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(all[i].len, 30);
    ASSERT_EQ(all[i].addr_host_order >> 22, ip(100, 64, 0, 0) >> 22) << i;
    // A gap before each: it does not start right after the last one ends.
    if (i > 0) {
      ASSERT_GT(all[i].addr_host_order, all[i - 1].addr_host_order + 4) << i;
    }
  }
  EXPECT_EQ(blocked_prefixes(100000).size(), 100000u);
}

TEST(BlockedPrefixes, RejectsMoreThanFit) {
  EXPECT_THROW(blocked_prefixes(kMaxBlockedPrefixes + 1),
               std::invalid_argument);
}

TEST(CoveringPrefix, Examples) {
  EXPECT_EQ(covering_prefix(1).text(), "198.19.0.1/32");
  EXPECT_EQ(covering_prefix(2).text(), "198.19.0.0/30");
  EXPECT_EQ(covering_prefix(3).text(), "198.19.0.0/30");
  EXPECT_EQ(covering_prefix(4).text(), "198.19.0.0/29");
  EXPECT_EQ(covering_prefix(3000).text(), "198.19.0.0/20");
  EXPECT_EQ(covering_prefix(4095).text(), "198.19.0.0/20");
  EXPECT_EQ(covering_prefix(4096).text(), "198.19.0.0/19");
  EXPECT_EQ(covering_prefix(kMaxRules).text(), "198.19.0.0/16");
}

bool contains(const Ipv4Prefix &p, std::uint32_t a) {
  const std::uint32_t mask = p.len ? ~0u << (32 - p.len) : 0;
  return (a & mask) == p.addr_host_order;
}

TEST(CoveringPrefix, HoldsAllAndIsTheSmallest) {
  for (std::size_t n = 1; n <= kMaxRules; ++n) {
    const Ipv4Prefix p = covering_prefix(n);
    const std::uint32_t first = ip(198, 19, 0, 1);
    const auto last = static_cast<std::uint32_t>(first + n - 1);
    ASSERT_TRUE(contains(p, first) && contains(p, last)) << n;
    // The half of it that holds the first address misses the last.
    if (p.len < 32) {
      const Ipv4Prefix half{first & (~0u << (31 - p.len)), p.len + 1};
      ASSERT_FALSE(contains(half, last)) << n;
    }
  }
}

TEST(CoveringPrefix, RejectsNothingAndMoreThanTheChain) {
  EXPECT_THROW(covering_prefix(0), std::invalid_argument);
  EXPECT_THROW(covering_prefix(kMaxRules + 1), std::invalid_argument);
}

TEST(SavedOutputRules, TheOutputLinesInOrder) {
  const std::string save = "# Generated by iptables-save\n*filter\n"
                           ":INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                           "-A INPUT -j DROP\n"
                           "-A OUTPUT -m conntrack --ctstate "
                           "RELATED,ESTABLISHED -j ACCEPT\n"
                           "-A OUTPUT -d 198.19.0.0/20 -j DROP\nCOMMIT\n";
  EXPECT_EQ(saved_output_rules(save),
            (std::vector<std::string>{
                "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                "-d 198.19.0.0/20 -j DROP"}));
  EXPECT_TRUE(saved_output_rules("*filter\nCOMMIT\n").empty());
}

} // namespace
} // namespace nfb
