#include "readback.h"

#include <gtest/gtest.h>

namespace nfb {
namespace {

TEST(Readback, SameIsNoDifference) {
  const Installed a{{"-d 1/32 -j DROP", "-j ACCEPT"}, {"1.2.3.4", "5.6.7.8"}};
  const Installed b{{"-d 1/32 -j DROP", "-j ACCEPT"}, {"5.6.7.8", "1.2.3.4"}};
  EXPECT_EQ(first_difference(a, b), "");
}

TEST(Readback, NamesTheMissingRuleAndBothCounts) {
  EXPECT_EQ(first_difference({{"-d 198.19.0.0/22 -j DROP"}, {}}, {}),
            "holds 0 rules, not the 1 installed: #1 '-d 198.19.0.0/22 -j "
            "DROP' is missing");
  EXPECT_EQ(first_difference({{"a"}, {}}, {{"a", "b"}, {}}),
            "holds 2 rules, not the 1 installed: #2 'b' is extra");
  EXPECT_EQ(first_difference({{"a", "b"}, {}}, {{"a", "c"}, {}}),
            "holds 2 rules, as installed, but #2 is 'c', not 'b'");
}

TEST(Readback, SetEntriesMissingExtraOrTwice) {
  const Installed want{{"r"}, {"1", "2", "3"}};
  EXPECT_EQ(first_difference(want, {{"r"}, {"1", "3"}}),
            "holds 2 entries in its set, not the 3 installed: 1 missing, the "
            "first '2'");
  EXPECT_EQ(first_difference(want, {{"r"}, {"1", "2", "3", "9"}}),
            "holds 4 entries in its set, not the 3 installed: 1 extra, the "
            "first '9'");
  EXPECT_NE(first_difference(want, {{"r"}, {"1", "2", "3", "3"}}), "");
  // The rule that uses the set is checked before its entries.
  EXPECT_EQ(first_difference(want, {{}, {"1", "2", "3"}}),
            "holds 0 rules, not the 1 installed: #1 'r' is missing");
}

TEST(Readback, ParsesNftChainListing) {
  const char *listing = "table ip nf_bench {\n"
                        "\tchain output {\n"
                        "\t\ttype filter hook output priority filter; "
                        "policy accept;\n"
                        "\t\tip daddr 198.19.0.1 tcp dport 10001 drop\n"
                        "\t\tip daddr @block drop\n"
                        "\t}\n"
                        "}\n";
  EXPECT_EQ(
      nft_listed_rules(listing),
      (std::vector<std::string>{"ip daddr 198.19.0.1 tcp dport 10001 drop",
                                "ip daddr @block drop"}));
  EXPECT_TRUE(nft_listed_rules("table ip t {\n\tchain c {\n\t}\n}\n").empty());
}

TEST(Readback, ParsesIpsetSave) {
  const char *save = "create nfb_block hash:ip family inet hashsize 1024\n"
                     "add nfb_block 198.19.0.2\n"
                     "add nfb_block 198.19.0.1\n"
                     "add other 1.1.1.1\n";
  EXPECT_EQ(ipset_saved_entries(save, "nfb_block"),
            (std::vector<std::string>{"198.19.0.2", "198.19.0.1"}));
}

} // namespace
} // namespace nfb
