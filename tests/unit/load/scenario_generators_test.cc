// The live scenarios' generators (same seed, same intended operations) and the open-loop
// dispatcher's bookkeeping (no coordinated omission), with made-up times: no clock, no market.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "load/arrivals.h"
#include "load/sampler.h"
#include "load/workload.h"

namespace bazaar::load {
namespace {

Workload Live(ScenarioKind kind, uint64_t seed) {
  Workload w;
  w.kind = kind;
  w.seed = seed;
  w.sellers = 8;
  w.buyers = 20;
  w.think_time = absl::Milliseconds(2);
  return w;
}

bool Same(const Intent& a, const Intent& b) {
  return a.kind == b.kind && a.at_us == b.at_us && a.player == b.player && a.price == b.price &&
         a.pick == b.pick && a.shop == b.shop && a.think_us == b.think_us;
}

TEST(ScenarioTest, ParsesTheLiveScenariosWithTheirShapes) {
  auto live = ParseScenarios("live");
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->size(), 4u);
  EXPECT_EQ((*live)[0].kind, ScenarioKind::kDrop);
  EXPECT_EQ((*live)[3].kind, ScenarioKind::kWhales);
  auto drop = ParseScenarios("drop@2x3000,5x5");
  ASSERT_TRUE(drop.ok());
  EXPECT_EQ((*drop)[0].sellers, 2);
  EXPECT_EQ((*drop)[0].buyers, 3000);
  EXPECT_EQ((*drop)[1].kind, ScenarioKind::kBook);
  for (const char* bad : {"drop@", "drop@0x5", "steady@5", "whale", "pricewar@5x0", "5x5@1x1"}) {
    EXPECT_FALSE(ParseScenarios(bad).ok()) << bad;
  }
}

TEST(IntentStreamTest, TheSameSeedGivesTheSameIntendedOperations) {
  for (ScenarioKind kind : {ScenarioKind::kDrop, ScenarioKind::kPriceWar, ScenarioKind::kSteady,
                            ScenarioKind::kWhales}) {
    Workload w = Live(kind, 42);
    IntentStream a(w, 3), b(w, 3), other_player(w, 4);
    IntentStream open_a(w, IntentStream::kOpenLoopStream), open_b(w, IntentStream::kOpenLoopStream);
    int differs = 0;
    for (int i = 0; i < 1000; ++i) {
      const auto role = i % 2 ? Intent::Kind::kBuy : Intent::Kind::kSell;
      Intent x = a.NextTurn(role, 3);
      ASSERT_TRUE(Same(x, b.NextTurn(role, 3))) << i;
      differs += !Same(x, other_player.NextTurn(role, 3));
      ASSERT_TRUE(Same(open_a.NextArrival(500), open_b.NextArrival(500))) << i;
    }
    EXPECT_GT(differs, 990) << "each player has its own stream";
    Workload reseeded = Live(kind, 43);
    IntentStream c(w, 3), d(reseeded, 3);
    int changed = 0;
    for (int i = 0; i < 100; ++i) {
      changed += !Same(c.NextTurn(Intent::Kind::kBuy, 3), d.NextTurn(Intent::Kind::kBuy, 3));
    }
    EXPECT_GT(changed, 95) << "another seed, other operations";
  }
}

TEST(IntentStreamTest, IntentsStayWithinTheScenariosRules) {
  Workload steady = Live(ScenarioKind::kSteady, 7);
  IntentStream s(steady, IntentStream::kOpenLoopStream);
  int sells = 0;
  int64_t last = 0;
  for (int i = 0; i < 20000; ++i) {
    Intent in = s.NextArrival(2000);
    ASSERT_GT(in.at_us, last) << "arrival times strictly increase";
    last = in.at_us;
    if (in.kind == Intent::Kind::kSell) {
      ++sells;
      const int type = in.player % steady.item_types;
      EXPECT_GE(in.price, TypePriceMin(steady, type));
      EXPECT_LE(in.price, TypePriceMax(steady, type));
      ASSERT_LT(in.player, steady.sellers);
    } else {
      ASSERT_LT(in.player, steady.buyers);
      ASSERT_LT(in.shop, steady.sellers);
    }
  }
  EXPECT_NEAR(last / 1e6, 20000 / 2000.0, 0.5) << "Poisson at the rate asked";
  EXPECT_NEAR(sells, 10000, 400);

  Workload whales = Live(ScenarioKind::kWhales, 7);
  whales.accounts = 50;
  whales.whales = 2;
  whales.whale_share = 0.8;
  IntentStream b(whales, 1);
  int by_whales = 0;
  for (int i = 0; i < 10000; ++i) {
    Intent in = b.NextTurn(Intent::Kind::kBuy, 1);
    ASSERT_LT(in.player, whales.accounts);
    by_whales += in.player < whales.whales;
  }
  EXPECT_NEAR(by_whales, 8000, 200) << "whales make whale_share of the purchases";
}

TEST(TypePriceTest, BandsSplitThePriceRangeInOrder) {
  Workload w;
  w.price_min = 1;
  w.price_max = 100;
  w.item_types = 4;
  EXPECT_EQ(TypePriceMin(w, 0), 1);
  EXPECT_EQ(TypePriceMax(w, 0), 25);
  EXPECT_EQ(TypePriceMin(w, 3), 76);
  EXPECT_EQ(TypePriceMax(w, 3), 100);
}

// The first `n` arrivals of `w`'s open loop at `rate`, as a fresh stream gives them.
std::vector<Intent> Schedule(const Workload& w, int n, double rate) {
  IntentStream reference(w, IntentStream::kOpenLoopStream);
  std::vector<Intent> out;
  for (int i = 0; i < n; ++i) out.push_back(reference.NextArrival(rate));
  return out;
}

TEST(OpenLoopTest, AStalledCallDoesNotDelayTheNextIntendedSendTime) {
  Workload w = Live(ScenarioKind::kSteady, 1);
  const std::vector<Intent> expected = Schedule(w, 3000, 1000);

  IntentStream stream(w, IntentStream::kOpenLoopStream);
  OpenLoop loop(&stream, 1000, /*max_in_flight=*/100000);
  auto first = loop.Due(expected[0].at_us);
  ASSERT_EQ(first.size(), 1u);
  // The first call never finishes; a second later every arrival intended meanwhile is due, at
  // the time the schedule gave it.
  auto later = loop.Due(expected[0].at_us + 1'000'000);
  ASSERT_GT(later.size(), 900u);
  ASSERT_LT(later.size(), 1100u);
  for (size_t i = 0; i < later.size(); ++i) ASSERT_TRUE(Same(later[i], expected[i + 1])) << i;
  EXPECT_EQ(loop.in_flight(), static_cast<int>(later.size()) + 1);
  EXPECT_EQ(loop.offered(), static_cast<int64_t>(later.size()) + 1);
}

TEST(OpenLoopTest, ArrivalsThatWaitForASlotKeepTheirIntendedTime) {
  Workload w = Live(ScenarioKind::kSteady, 1);
  const std::vector<Intent> expected = Schedule(w, 10, 1000);

  IntentStream stream(w, IntentStream::kOpenLoopStream);
  OpenLoop loop(&stream, 1000, /*max_in_flight=*/1);
  ASSERT_EQ(loop.Due(expected[0].at_us).size(), 1u);
  EXPECT_TRUE(loop.Due(expected[5].at_us).empty()) << "the one slot is busy";
  EXPECT_EQ(loop.waiting(), 5u);
  EXPECT_EQ(loop.offered(), 6);
  loop.Finished();
  auto next = loop.Due(expected[5].at_us + 10);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].at_us, expected[1].at_us) << "latency counts from when it was meant to go";
  loop.Finished();
  EXPECT_EQ(loop.DiscardWaiting(), 4u);
  EXPECT_EQ(loop.Due(expected[5].at_us + 10).size(), 0u);
  loop.SetRate(10, expected[5].at_us + 10);
  EXPECT_GT(loop.NextAt(), expected[5].at_us + 10) << "a new rate schedules from its start";
}

TEST(SamplerTest, ParsesTheEnginesAbortsByKeyClass) {
  auto classes = ParseKeyClassAborts(
      "# Transactions\r\nexec_aborted_watch:5\r\n"
      "top_aborting_key_0:db=0,key=\"users:1\",aborts=3\r\n"
      "aborting_key_class_0:class=\"users:\",aborts=3\r\n"
      "aborting_key_class_1:class=\"{r}:listing:\",aborts=2\r\n"
      "aborting_key_class_2:class=\"\",aborts=1\r\n");
  EXPECT_THAT(classes, ::testing::ElementsAre(::testing::Pair("", 1), ::testing::Pair("users:", 3),
                                              ::testing::Pair("{r}:listing:", 2)));
  EXPECT_TRUE(ParseKeyClassAborts("# Transactions\r\nexec_count:0\r\n").empty());
}

}  // namespace
}  // namespace bazaar::load
