// The load tool's workload parsing, skewed choice and outcome classes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "load/recorder.h"
#include "load/report.h"
#include "load/workload.h"

namespace bazaar::load {
namespace {

TEST(ScenarioTest, ParsesTheBooksScenariosAndLists) {
  auto all = ParseScenarios("all");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[1].name, "5x1");
  EXPECT_EQ((*all)[1].sellers, 5);
  EXPECT_EQ((*all)[1].buyers, 1);
  auto two = ParseScenarios("2x3,1x1");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ((*two)[0].buyers, 3);
}

TEST(ScenarioTest, RejectsMalformedScenarios) {
  for (const char* bad : {"", "5", "5x", "x5", "0x0", "5y5", "-1x2", "5x5x5"}) {
    EXPECT_FALSE(ParseScenarios(bad).ok()) << bad;
  }
}

TEST(SkewedIndexTest, ZeroSkewIsUniformAndHighSkewPicksTheFirst) {
  int counts[4] = {};
  for (int i = 0; i < 4000; ++i) ++counts[SkewedIndex(4, 0.0, (i + 0.5) / 4000.0)];
  for (int c : counts) EXPECT_NEAR(c, 1000, 5);
  int first = 0;
  for (int i = 0; i < 1000; ++i) first += SkewedIndex(10, 8.0, (i + 0.5) / 1000.0) == 0;
  EXPECT_GT(first, 990);
  EXPECT_EQ(SkewedIndex(1, 1.0, 0.99), 0);
}

TEST(RecorderTest, ClassifiesOutcomesAndSumsThePricesOfSuccesses) {
  LiveCounters live;
  Recorder r(0, &live);
  r.Record(Op::kPurchase, absl::OkStatus(), 0, 1000, 42);
  r.Record(Op::kPurchase, absl::NotFoundError("LISTING_NOT_FOUND: gone"), 0, 1000);
  r.Record(Op::kPurchase, absl::AbortedError("CONTENTION: too busy"), 0, 1000);
  r.Record(Op::kPurchase, absl::UnavailableError("OUTCOME_UNKNOWN: lost"), 1'500'000, 1'600'000);
  const OpStats& s = r.stats(Op::kPurchase);
  EXPECT_EQ(s.ok, 1);
  EXPECT_EQ(s.value, 42);
  EXPECT_EQ(s.aborted, 1);
  EXPECT_EQ(s.uncertain, 1);
  EXPECT_EQ(s.calls(), 4);
  EXPECT_EQ(s.failures.at("LISTING_NOT_FOUND"), 1);
  EXPECT_EQ(s.failures.at("OUTCOME_UNKNOWN"), 1);
  ASSERT_EQ(r.timeline().size(), 2u);
  EXPECT_EQ(r.timeline()[1].failed[static_cast<int>(Op::kPurchase)], 1);
  EXPECT_EQ(live.bought.load(), 1);
  EXPECT_EQ(live.aborted.load(), 1);
  EXPECT_EQ(live.failed.load(), 1);  // the lost race is not a failure
}

TEST(BookFiguresTest, KnowsTheBooksThreeScenarios) {
  BookFigures f;
  ASSERT_TRUE(BookFiguresFor("5x5", &f));
  EXPECT_STREQ(f.listed, "206,000");
  EXPECT_STREQ(f.wait, "498 ms");
  ASSERT_TRUE(BookFiguresFor("1x1", &f));
  EXPECT_STREQ(f.bought, "27,000");
  EXPECT_FALSE(BookFiguresFor("2x2", &f));
}

}  // namespace
}  // namespace bazaar::load
