#include "engine/core/zset.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace bazaar::engine::core {
namespace {

using Pairs = std::vector<std::pair<std::string, double>>;

Pairs WalkAll(const ZSet& z, size_t rank, bool reverse) {
  Pairs out;
  z.Walk(rank, reverse, [&](std::string_view m, double s) {
    out.emplace_back(std::string(m), s);
    return true;
  });
  return out;
}

TEST(ZSetTest, OrdersByScoreThenMemberBytes) {
  ZSet z;
  EXPECT_TRUE(z.Set("b", 1));
  EXPECT_TRUE(z.Set("a", 1));
  EXPECT_TRUE(z.Set("c", 0));
  EXPECT_TRUE(z.Set("\xff", 1));
  Pairs want = {{"c", 0}, {"a", 1}, {"b", 1}, {"\xff", 1}};
  EXPECT_EQ(WalkAll(z, 0, false), want);
  EXPECT_EQ(z.Rank("\xff"), 3u);
  EXPECT_EQ(z.Rank("c"), 0u);
  EXPECT_FALSE(z.Rank("zz").has_value());
}

TEST(ZSetTest, UpdatingScoreMovesMemberAndKeepsSize) {
  ZSet z;
  z.Set("a", 1);
  z.Set("b", 2);
  EXPECT_FALSE(z.Set("a", 3));
  EXPECT_EQ(z.size(), 2u);
  EXPECT_EQ(z.Rank("a"), 1u);
  EXPECT_EQ(z.Score("a"), 3);
  EXPECT_TRUE(z.Verify());
}

TEST(ZSetTest, ScoreBoundsWithInfinitiesAndExclusion) {
  ZSet z;
  z.Set("n", -INFINITY);
  z.Set("a", 1);
  z.Set("b", 2);
  z.Set("c", 2);
  z.Set("p", INFINITY);
  EXPECT_EQ(z.ScoreStart(-INFINITY, false), 0u);
  EXPECT_EQ(z.ScoreStart(-INFINITY, true), 1u);
  EXPECT_EQ(z.ScoreEnd(INFINITY, false), 5u);
  EXPECT_EQ(z.ScoreEnd(INFINITY, true), 4u);
  EXPECT_EQ(z.ScoreStart(2, false), 2u);
  EXPECT_EQ(z.ScoreStart(2, true), 4u);
  EXPECT_EQ(z.ScoreEnd(2, false), 4u);
  EXPECT_EQ(z.ScoreEnd(2, true), 2u);
}

TEST(ZSetTest, LexBounds) {
  ZSet z;
  for (const char* m : {"a", "b", "c", "d"}) z.Set(m, 0);
  LexBound minus{LexBound::kMin, {}, true}, plus{LexBound::kMax, {}, true};
  EXPECT_EQ(z.LexStart(minus), 0u);
  EXPECT_EQ(z.LexEnd(plus), 4u);
  EXPECT_EQ(z.LexStart(LexBound{LexBound::kValue, "b", false}), 1u);
  EXPECT_EQ(z.LexStart(LexBound{LexBound::kValue, "b", true}), 2u);
  EXPECT_EQ(z.LexEnd(LexBound{LexBound::kValue, "c", false}), 3u);
  EXPECT_EQ(z.LexEnd(LexBound{LexBound::kValue, "c", true}), 2u);
  EXPECT_EQ(z.LexStart(plus), 4u);
  EXPECT_EQ(z.LexEnd(minus), 0u);
}

TEST(ZSetTest, WalkBackwardFromRank) {
  ZSet z;
  for (int i = 0; i < 10; ++i) z.Set(std::to_string(i), i);
  Pairs got = WalkAll(z, 3, true);
  Pairs want = {{"3", 3}, {"2", 2}, {"1", 1}, {"0", 0}};
  EXPECT_EQ(got, want);
  EXPECT_TRUE(WalkAll(z, 10, false).empty());
}

TEST(ZSetTest, EraseRanksRemovesMiddleAndFreesMembers) {
  ZSet z;
  for (int i = 0; i < 100; ++i) z.Set("m" + std::to_string(i), i);
  EXPECT_EQ(z.EraseRanks(10, 20), 20u);
  EXPECT_EQ(z.size(), 80u);
  EXPECT_FALSE(z.Score("m15").has_value());
  EXPECT_EQ(z.At(10).member, "m30");
  EXPECT_EQ(z.EraseRanks(70, 100), 10u);
  EXPECT_EQ(z.size(), 70u);
  EXPECT_TRUE(z.Verify());
}

TEST(ZSetTest, CompactTracksRedisListpackRules) {
  ZSet z;
  for (int i = 0; i < 128; ++i) z.Set(std::to_string(i), i);
  EXPECT_TRUE(z.compact());
  z.Set("one-more", 0);
  EXPECT_FALSE(z.compact());
  z.Erase("one-more");
  EXPECT_FALSE(z.compact());  // Redis does not convert back
  z.RecheckCompact();
  EXPECT_TRUE(z.compact());
  z.Set(std::string(65, 'x'), 1);
  EXPECT_FALSE(z.compact());
}

// Random operations against a std::set<(score, member)> reference.
TEST(ZSetTest, RandomOperationsMatchReferenceModel) {
  std::mt19937_64 rng(12345);
  ZSet z;
  std::map<std::string, double> scores;
  std::set<std::pair<double, std::string>> order;
  auto ref_rank = [&](double s, const std::string& m) {
    return static_cast<size_t>(std::distance(order.begin(), order.find({s, m})));
  };
  for (int step = 0; step < 60000; ++step) {
    std::string m = "m" + std::to_string(rng() % 2000);
    double s = static_cast<double>(static_cast<int>(rng() % 50)) / 2;
    switch (rng() % 8) {
      case 0:
      case 1:
      case 2: {
        bool is_new = !scores.count(m);
        if (!is_new) order.erase({scores[m], m});
        scores[m] = s;
        order.insert({s, m});
        ASSERT_EQ(z.Set(m, s), is_new);
        break;
      }
      case 3: {
        bool had = scores.count(m);
        if (had) order.erase({scores[m], m});
        scores.erase(m);
        ASSERT_EQ(z.Erase(m), had);
        break;
      }
      case 4: {
        auto r = z.Rank(m);
        if (!scores.count(m)) {
          ASSERT_FALSE(r.has_value());
        } else {
          ASSERT_EQ(*r, ref_rank(scores[m], m));
        }
        break;
      }
      case 5: {
        if (order.empty()) break;
        size_t k = rng() % order.size();
        auto it = std::next(order.begin(), k);
        ASSERT_EQ(z.At(k).member, it->second);
        // A short walk in each direction.
        Pairs fwd = WalkAll(z, k, false);
        ASSERT_EQ(fwd.size(), order.size() - k);
        ASSERT_EQ(fwd.front().first, it->second);
        Pairs back = WalkAll(z, k, true);
        ASSERT_EQ(back.size(), k + 1);
        if (k > 0) ASSERT_EQ(back[1].first, std::prev(it)->second);
        break;
      }
      case 6: {
        double lo = s, hi = s + static_cast<double>(rng() % 10);
        bool lex = rng() % 2, hex = rng() % 2;
        size_t want_start = 0, want_end = 0;
        for (const auto& [sc, mm] : order) {
          if (lex ? sc <= lo : sc < lo) ++want_start;
          if (hex ? sc < hi : sc <= hi) ++want_end;
        }
        ASSERT_EQ(z.ScoreStart(lo, lex), want_start);
        ASSERT_EQ(z.ScoreEnd(hi, hex), want_end);
        break;
      }
      case 7: {
        if (rng() % 50 != 0 || order.empty()) break;
        size_t start = rng() % order.size(), count = rng() % 20;
        size_t removed = 0;
        auto it = std::next(order.begin(), start);
        while (it != order.end() && removed < count) {
          scores.erase(it->second);
          it = order.erase(it);
          ++removed;
        }
        ASSERT_EQ(z.EraseRanks(start, count), removed);
        break;
      }
    }
    ASSERT_EQ(z.size(), scores.size());
    if (step % 5000 == 0) ASSERT_TRUE(z.Verify());
  }
  ASSERT_TRUE(z.Verify());
  Pairs all = WalkAll(z, 0, false);
  ASSERT_EQ(all.size(), order.size());
  size_t i = 0;
  for (const auto& [s, m] : order) {
    ASSERT_EQ(all[i].first, m);
    ASSERT_EQ(all[i].second, s);
    ++i;
  }
}

TEST(ZSetTest, LargeSetStaysShallowEnoughForRecursion) {
  ZSet z;
  for (int i = 0; i < 200000; ++i) z.Set("k" + std::to_string(i), i);  // ascending inserts
  EXPECT_TRUE(z.Verify());
  EXPECT_EQ(z.Rank("k199999"), 199999u);
  EXPECT_EQ(z.EraseRanks(0, 100000), 100000u);
  EXPECT_EQ(z.At(0).member, "k100000");
}

}  // namespace
}  // namespace bazaar::engine::core
