#include "schema.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "probe_strategy.h"

namespace nfb {
namespace {

TEST(Schema, NamesAreUniqueAndRangesSane) {
  std::set<std::string_view> names;
  for (const auto &q : kQuantities) {
    EXPECT_TRUE(names.insert(q.name).second) << q.name;
    EXPECT_LT(q.low, q.high) << q.name;
    EXPECT_TRUE(q.worse >= -1 && q.worse <= 1) << q.name;
    EXPECT_EQ(q.where == Where::Context, q.aggregation == Aggregation::Context)
        << q.name;
  }
}

TEST(Schema, EveryFamilyArgumentIsARowCounter) {
  EXPECT_TRUE(declared("rules", Where::Row));
  EXPECT_TRUE(declared("callbacks", Where::Row));
  for (const auto &f : kFamilies) {
    EXPECT_TRUE(declared(f.x, Where::Row)) << f.name;
    EXPECT_TRUE(f.lead.empty() || declared(f.lead, Where::Row)) << f.name;
    EXPECT_EQ(f.lead.empty(), f.leads.empty()) << f.name;
    EXPECT_FALSE(f.xs.empty()) << f.name;
    // The family's rows carry its own arguments.
    for (const auto &q : kQuantities) {
      if (q.name == f.x || q.name == f.lead) {
        EXPECT_NE(q.rows & f.rows(), 0u) << f.name << " " << q.name;
      }
    }
  }
}

TEST(Schema, PrintedJsonHoldsTheTables) {
  const BackendSchema backends[] = {
      {"legacy", "libiptc", "legacy", 0, "ipt_do_table"}};
  const auto j = nlohmann::json::parse(schema_json(backends));
  EXPECT_EQ(j["schema_version"], kSchemaVersion);
  ASSERT_EQ(j["workloads"].size(), std::size(kWorkloads));
  EXPECT_EQ(j["workloads"][0]["rate"], "bits_per_s");
  EXPECT_EQ(j["backends"][0]["compared_with"], "legacy");
  ASSERT_EQ(j["quantities"].size(), std::size(kQuantities));
  EXPECT_EQ(j["quantities"][0]["name"], std::string(kQuantities[0].name));
  ASSERT_EQ(j["probes"].size(), std::size(kProbeStrategies));
  EXPECT_EQ(j["families"][0]["points"].size(), kChainFamily.xs.size());
  EXPECT_EQ(j["families"][0]["args"], nlohmann::json::array({"rules"}));
  EXPECT_EQ(j["families"][3]["args"],
            nlohmann::json::array({"callbacks", "rules"}));
}

TEST(Schema, RowMasksAreSizedFromTheWorkloads) {
  EXPECT_EQ(kRemedyRows, 1u << std::size(kWorkloads));
  EXPECT_EQ(kAllRows, (1u << (std::size(kWorkloads) + 1)) - 1);
  for (const auto &w : kWorkloads)
    EXPECT_EQ(&row(w.id), &w) << w.name;
  // Google Benchmark's own times are declared, but no counter nf_bench sets.
  EXPECT_FALSE(declared("real_time_s", Where::Row));
}

TEST(ProbeStrategies, NamesAreUniqueAndNotAuto) {
  std::set<std::string_view> names;
  for (const auto &s : kProbeStrategies) {
    EXPECT_TRUE(names.insert(s.name).second) << s.name;
    EXPECT_NE(s.name, kAutoProbe);
    EXPECT_EQ(find_probe_strategy(s.name), &s);
    // The error names the others to try, never itself.
    const std::string missing = probe_missing_feature(s);
    EXPECT_EQ(missing.find("--probe=" + std::string(s.name)), std::string::npos)
        << missing;
  }
}

} // namespace
} // namespace nfb
