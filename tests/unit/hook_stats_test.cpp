#include "hook_stats.h"

#include <gtest/gtest.h>

#include <utility>

namespace nfb {
namespace {

TEST(HistSlot, SmallTimesHaveTheirOwnSlot) {
  for (unsigned ns = 0; ns < HOOK_HIST_SUB; ++ns)
    EXPECT_EQ(hook_hist_slot(ns), ns);
}

TEST(HistSlot, EightSubBucketsPerPowerOfTwo) {
  EXPECT_EQ(hook_hist_slot(8), 8u);
  EXPECT_EQ(hook_hist_slot(15), 15u);
  EXPECT_EQ(hook_hist_slot(16), 16u);
  EXPECT_EQ(hook_hist_slot(17), 16u); // [16, 18)
  EXPECT_EQ(hook_hist_slot(18), 17u);
  // 13500 ns: k = 13 ([8192, 16384)), sub-buckets of 1024 ns.
  EXPECT_EQ(slot_lower_ns(hook_hist_slot(13500)), 13312u);
  EXPECT_EQ(slot_upper_ns(hook_hist_slot(13500)), 14336u);
  EXPECT_EQ(hook_hist_slot(~0ULL), HOOK_HIST_SLOTS - 1u);
}

TEST(HistSlot, BucketsTileTheTimeAxis) {
  EXPECT_EQ(slot_lower_ns(0), 0u);
  for (unsigned s = 0; s + 1 < HOOK_HIST_SLOTS; ++s) {
    ASSERT_EQ(slot_upper_ns(s), slot_lower_ns(s + 1)) << s;
    ASSERT_EQ(hook_hist_slot(slot_lower_ns(s)), s) << s;
    ASSERT_EQ(hook_hist_slot(slot_upper_ns(s) - 1), s) << s;
    // A bucket is at most 1/8 of the times it holds.
    if (s >= HOOK_HIST_SUB) {
      ASSERT_LE((slot_upper_ns(s) - slot_lower_ns(s)) * HOOK_HIST_SUB,
                slot_lower_ns(s))
          << s;
    }
  }
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
  const unsigned slot = hook_hist_slot(1024); // [1024, 1152)
  t.hist[slot] = 100;
  EXPECT_DOUBLE_EQ(t.percentile_ns(0.5), 1024 + 128 * 0.5);
  EXPECT_DOUBLE_EQ(t.percentile_ns(0.99), 1024 + 128 * 0.99);
  EXPECT_DOUBLE_EQ(t.percentile_ns(1.0), 1152);
}

TEST(Percentile, PicksTheBucketHoldingTheRank) {
  HookTotals t;
  t.hist[hook_hist_slot(150)] = 90;   // [144, 160)
  t.hist[hook_hist_slot(13500)] = 10; // [13312, 14336)
  EXPECT_GE(t.percentile_ns(0.5), 144);
  EXPECT_LT(t.percentile_ns(0.5), 160);
  EXPECT_GE(t.percentile_ns(0.99), 13312);
  EXPECT_LT(t.percentile_ns(0.99), 14336);
  // The 90th percentile is the top of the lower bucket.
  EXPECT_DOUBLE_EQ(t.percentile_ns(0.9), 160);
}

TEST(Percentile, OffByAtMostTheWidthOfItsBucket) {
  // Times spread evenly over 1000..20999 ns.
  HookTotals t;
  for (std::uint64_t ns = 1000; ns < 21000; ++ns)
    ++t.hist[hook_hist_slot(ns)];
  for (auto [q, truth] : {std::pair{0.5, 11000.0}, std::pair{0.99, 20800.0}}) {
    const unsigned slot = hook_hist_slot(static_cast<std::uint64_t>(truth));
    const auto width =
        static_cast<double>(slot_upper_ns(slot) - slot_lower_ns(slot));
    EXPECT_NEAR(t.percentile_ns(q), truth, width) << q;
    EXPECT_LE(width, truth / HOOK_HIST_SUB);
  }
}

TEST(Percentile, SlotZeroStartsAtZero) {
  HookTotals t;
  t.hist[0] = 2;
  EXPECT_DOUBLE_EQ(t.percentile_ns(0.5), 0.5);
}

TEST(Percentile, RejectsOutOfRangeQuantiles) {
  HookTotals t;
  t.hist[1] = 1;
  EXPECT_THROW(t.percentile_ns(0), std::invalid_argument);
  EXPECT_THROW(t.percentile_ns(1.5), std::invalid_argument);
}

} // namespace
} // namespace nfb
