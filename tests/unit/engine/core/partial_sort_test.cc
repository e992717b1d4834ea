#include "engine/core/partial_sort.h"

#include <algorithm>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace bazaar::engine::core {
namespace {

int CompareKeys(const std::pair<int, int>& a, const std::pair<int, int>& b) {
  return a.first > b.first ? 1 : a.first == b.first ? 0 : -1;
}

TEST(PartialSortTest, WantedRanksHoldWhatAFullSortPutsThere) {
  std::mt19937 rng(7);
  for (size_t n : {1, 2, 6, 7, 8, 40, 41, 100, 1000}) {
    for (int round = 0; round < 20; ++round) {
      std::vector<std::pair<int, int>> v(n);
      for (size_t i = 0; i < n; ++i) v[i] = {static_cast<int>(rng() % (n / 2 + 1)), int(i)};
      const size_t last = rng() % n;
      std::vector<std::pair<int, int>> sorted = v;
      std::stable_sort(sorted.begin(), sorted.end());
      PartialQuickSort(v.data(), n, CompareKeys, 0, last);
      for (size_t i = 0; i <= last; ++i) ASSERT_EQ(v[i].first, sorted[i].first) << n << " " << i;
    }
  }
}

TEST(PartialSortTest, LeavesTheTailUnsortedWhenOnlyTheHeadIsWanted) {
  std::vector<std::pair<int, int>> v;
  for (int i = 0; i < 200; ++i) v.push_back({(i * 7919) % 200, i});
  PartialQuickSort(v.data(), v.size(), CompareKeys, 0, 2);
  EXPECT_EQ(v[0].first, 0);
  EXPECT_EQ(v[1].first, 1);
  EXPECT_EQ(v[2].first, 2);
  EXPECT_FALSE(std::is_sorted(v.begin(), v.end()));
}

// Groups of equal keys in the order GEORADIUS meets them: n members 33 m away (c), n at 11 m
// (a), n at 22 m (b), each group by name. The expected orders are what Redis 7.0.15 answers to
// GEORADIUS ... COUNT for exactly these points.
std::vector<std::pair<int, std::string>> Groups(int first, int n) {
  std::vector<std::pair<int, std::string>> v;
  for (auto [key, prefix] : {std::pair{2, "c"}, {0, "a"}, {1, "b"}}) {
    for (int i = first; i < first + n; ++i) v.push_back({key, prefix + std::to_string(i)});
  }
  return v;
}

std::string Names(const std::vector<std::pair<int, std::string>>& v, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += (i ? " " : "") + v[i].second;
  return out;
}

int Ascending(const std::pair<int, std::string>& a, const std::pair<int, std::string>& b) {
  return a.first > b.first ? 1 : a.first == b.first ? 0 : -1;
}
int Descending(const std::pair<int, std::string>& a, const std::pair<int, std::string>& b) {
  return -Ascending(a, b);
}

TEST(PartialSortTest, TiesComeOutInRedisOrderForMedianOfThree) {
  auto v = Groups(0, 5);
  PartialQuickSort(v.data(), v.size(), Ascending, 0, 3);
  EXPECT_EQ(Names(v, 4), "a0 a4 a3 a2");
  v = Groups(0, 5);
  PartialQuickSort(v.data(), v.size(), Descending, 0, 11);
  EXPECT_EQ(Names(v, 12), "c0 c1 c2 c3 c4 b4 b0 b1 b2 b3 a0 a1");
}

TEST(PartialSortTest, TiesComeOutInRedisOrderForMedianOfNine) {
  auto v = Groups(10, 15);
  PartialQuickSort(v.data(), v.size(), Ascending, 0, 19);
  EXPECT_EQ(Names(v, 20),
            "a11 a24 a23 a22 a21 a20 a19 a18 a17 a16 a15 a14 a13 a12 a10 b24 b10 b11 b12 b13");
  v = Groups(10, 15);
  PartialQuickSort(v.data(), v.size(), Descending, 0, 19);
  EXPECT_EQ(Names(v, 20),
            "c24 c11 c12 c13 c14 c15 c16 c17 c18 c19 c20 c21 c22 c23 c10 b24 b10 b11 b12 b13");
}

// SORT's ranges need not start at 0. Redis 7.0.15: RPUSH L e b d a c f h g j i; SORT L BY w_*
// ALPHA LIMIT 0 5 (no w_ keys: every element ties) answers "i b d a c"; LIMIT 2 5, "d a c f h".
TEST(PartialSortTest, TiesComeOutInRedisOrderForARangeNotAtTheStart) {
  const std::vector<std::string> list = {"e", "b", "d", "a", "c", "f", "h", "g", "j", "i"};
  auto tie = [](const std::string&, const std::string&) { return 0; };
  auto joined = [](const std::vector<std::string>& v, size_t from, size_t to) {
    std::string out;
    for (size_t i = from; i <= to; ++i) out += (i > from ? " " : "") + v[i];
    return out;
  };
  std::vector<std::string> v = list;
  PartialQuickSort(v.data(), v.size(), tie, 0, 4);
  EXPECT_EQ(joined(v, 0, 4), "i b d a c");
  v = list;
  PartialQuickSort(v.data(), v.size(), tie, 2, 6);
  EXPECT_EQ(joined(v, 2, 6), "d a c f h");
}

}  // namespace
}  // namespace bazaar::engine::core
