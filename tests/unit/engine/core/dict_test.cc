#include "engine/core/dict.h"

#include <map>
#include <random>
#include <set>
#include <string>

#include "gtest/gtest.h"

namespace bazaar::engine::core {
namespace {

TEST(DictTest, InsertFindErase) {
  Dict<int> d;
  for (int i = 0; i < 1000; ++i) d.FindOrInsert("k" + std::to_string(i)).first->value = i;
  EXPECT_EQ(d.size(), 1000u);
  EXPECT_EQ(d.Find("k500")->value, 500);
  EXPECT_FALSE(d.FindOrInsert("k500").second);
  EXPECT_TRUE(d.Erase("k500"));
  EXPECT_FALSE(d.Erase("k500"));
  EXPECT_EQ(d.Find("k500"), nullptr);
  EXPECT_EQ(d.size(), 999u);
}

TEST(DictTest, ScanVisitsEveryEntryExactlyOnceWithoutChanges) {
  Dict<int> d;
  for (int i = 0; i < 5000; ++i) d.FindOrInsert(std::to_string(i));
  std::multiset<std::string> seen;
  uint64_t cursor = 0;
  do {
    cursor = d.Scan(cursor, [&](const Dict<int>::Entry& e) { seen.insert(e.key); });
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 5000u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 5000u);
}

TEST(DictTest, ScanReturnsEveryOriginalEntryAcrossGrowthAndShrinking) {
  Dict<int> d;
  for (int i = 0; i < 3000; ++i) d.FindOrInsert("orig" + std::to_string(i));
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int step = 0;
  do {
    cursor = d.Scan(cursor, [&](const Dict<int>::Entry& e) { seen.insert(e.key); });
    // Grow the table mid-scan, then shrink it again by removing the additions.
    if (step == 50) {
      for (int i = 0; i < 20000; ++i) d.FindOrInsert("extra" + std::to_string(i));
    }
    if (step == 2000) {
      for (int i = 0; i < 20000; ++i) d.Erase("extra" + std::to_string(i));
    }
    ++step;
  } while (cursor != 0);
  for (int i = 0; i < 3000; ++i) EXPECT_TRUE(seen.count("orig" + std::to_string(i))) << i;
}

TEST(DictTest, RandomReturnsAnEntry) {
  Dict<int> d;
  std::mt19937_64 rng(1);
  auto random = [&] { return rng(); };
  EXPECT_EQ(d.Random(random), nullptr);
  for (int i = 0; i < 10; ++i) d.FindOrInsert(std::to_string(i));
  std::set<std::string> picked;
  for (int i = 0; i < 500; ++i) picked.insert(d.Random(random)->key);
  EXPECT_EQ(picked.size(), 10u);
}

// Every entry equally likely, whatever the chains look like (Redis's suite checks SRANDMEMBER's
// histogram the same way: chi-square with 9 degrees of freedom under 40).
TEST(DictTest, RandomIsFairAcrossChainsOfDifferentLengths) {
  Dict<int> d;
  for (int i = 0; i < 10; ++i) d.FindOrInsert("member:" + std::to_string(i));
  std::mt19937_64 rng(7);
  auto random = [&] { return rng(); };
  std::map<std::string, int> counts;
  constexpr int kDraws = 100000;
  for (int i = 0; i < kDraws; ++i) ++counts[d.Random(random)->key];
  ASSERT_EQ(counts.size(), 10u);
  double chi_square = 0;
  const double expected = kDraws / 10.0;
  for (const auto& [key, n] : counts) chi_square += (n - expected) * (n - expected) / expected;
  EXPECT_LT(chi_square, 40) << "chains skew the picks";
}

}  // namespace
}  // namespace bazaar::engine::core
