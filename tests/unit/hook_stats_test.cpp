#include "../../fixtures/hook_stats.h"

#include <gtest/gtest.h>

namespace nfb {
namespace {

TEST(Log2Slot, MatchesBucketBounds) {
  EXPECT_EQ(log2_slot(0), 0u);
  EXPECT_EQ(log2_slot(1), 0u);
  EXPECT_EQ(log2_slot(2), 1u);
  EXPECT_EQ(log2_slot(3), 1u);
  EXPECT_EQ(log2_slot(4), 2u);
  EXPECT_EQ(log2_slot(1023), 9u);
  EXPECT_EQ(log2_slot(1024), 10u);
  EXPECT_EQ(log2_slot(13500), 13u); // [8192, 16384)
  EXPECT_EQ(log2_slot(~0ULL), HOOK_HIST_SLOTS - 1u);
}

TEST(HookTotals, MeanAndBytesPerCall) {
  HookTotals t;
  EXPECT_EQ(t.mean_ns(), 0); // no calls: no division by zero
  t.calls = 4;
  t.sum_ns = 1000;
  t.bytes = 4 * 65536;
  EXPECT_DOUBLE_EQ(t.mean_ns(), 250);
  EXPECT_DOUBLE_EQ(t.bytes_per_call(), 65536);
}

TEST(HookTotals, DifferenceOfTwoReads) {
  HookTotals earlier, later;
  earlier.calls = 10;
  earlier.sum_ns = 100;
  earlier.hist[3] = 10;
  later.calls = 30;
  later.sum_ns = 500;
  later.hist[3] = 12;
  later.hist[5] = 18;
  HookTotals d = later - earlier;
  EXPECT_EQ(d.calls, 20u);
  EXPECT_EQ(d.sum_ns, 400u);
  EXPECT_EQ(d.hist[3], 2u);
  EXPECT_EQ(d.hist[5], 18u);
  HookTotals sum = earlier;
  sum += d;
  EXPECT_EQ(sum.calls, later.calls);
  EXPECT_EQ(sum.hist[5], later.hist[5]);
}

TEST(Percentile, EmptyHistogramIsZero) {
  EXPECT_EQ(HookTotals{}.percentile_ns(0.5), 0);
}

TEST(Percentile, InterpolatesInsideOneBucket) {
  HookTotals t;
  t.hist[10] = 100; // all in [1024, 2048)
  EXPECT_DOUBLE_EQ(t.percentile_ns(0.5), 1024 + 1024 * 0.5);
  EXPECT_DOUBLE_EQ(t.percentile_ns(0.99), 1024 + 1024 * 0.99);
  EXPECT_DOUBLE_EQ(t.percentile_ns(1.0), 2048);
}

TEST(Percentile, PicksTheBucketHoldingTheRank) {
  HookTotals t;
  t.hist[7] = 90;  // [128, 256)
  t.hist[13] = 10; // [8192, 16384)
  EXPECT_GE(t.percentile_ns(0.5), 128);
  EXPECT_LT(t.percentile_ns(0.5), 256);
  EXPECT_GE(t.percentile_ns(0.99), 8192);
  EXPECT_LT(t.percentile_ns(0.99), 16384);
  // The 90th percentile is the top of the lower bucket.
  EXPECT_DOUBLE_EQ(t.percentile_ns(0.9), 256);
}

TEST(Percentile, SlotZeroStartsAtZero) {
  HookTotals t;
  t.hist[0] = 2;
  EXPECT_DOUBLE_EQ(t.percentile_ns(0.5), 1);
}

TEST(Percentile, RejectsOutOfRangeQuantiles) {
  HookTotals t;
  t.hist[1] = 1;
  EXPECT_THROW(t.percentile_ns(0), std::invalid_argument);
  EXPECT_THROW(t.percentile_ns(1.5), std::invalid_argument);
}

} // namespace
} // namespace nfb
