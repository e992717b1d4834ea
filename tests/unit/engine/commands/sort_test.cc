// SORT's ordering machinery on its own: Redis's partial quicksort (where ties land decides the
// replies, so its steps are pinned here against orders real Redis 7.0.15 produced) and the
// pattern lookups; the replies themselves are compared with Redis by differential script 64.
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "engine/commands/sort_ops.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/engine_fixture.h"

namespace bazaar::engine::commands {
namespace {

using ::testing::ElementsAre;

int CompareInts(int a, int b) { return a < b ? -1 : (a > b ? 1 : 0); }

TEST(PartialQuickSortTest, SortsExactlyTheRequestedRanks) {
  std::mt19937 rng(64);
  for (int round = 0; round < 500; ++round) {
    const int n = 1 + static_cast<int>(rng() % 300);
    std::vector<int> v(n);
    for (int& x : v) x = static_cast<int>(rng() % 1000);
    std::vector<int> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    const int64_t first = rng() % n;
    const int64_t last = first + static_cast<int64_t>(rng() % (n - first));
    PartialQuickSort(v, first, last, CompareInts);
    for (int64_t i = first; i <= last; ++i) ASSERT_EQ(v[i], sorted[i]) << "n=" << n << " i=" << i;
  }
}

TEST(PartialQuickSortTest, WholeRangeIsAFullSort) {
  std::vector<int> v = {5, 3, 9, 1, 1, 8, 2, 7, 6, 4, 0, 3};
  PartialQuickSort(v, 0, static_cast<int64_t>(v.size()) - 1, CompareInts);
  EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));
}

// Redis 7.0.15: RPUSH L e b d a c f h g j i; SORT L BY w_* ALPHA LIMIT 0 5 (no w_ keys: every
// element ties) answers "i b d a c"; LIMIT 2 5 answers "d a c f h".
TEST(PartialQuickSortTest, LeavesTiesWhereRedisLeavesThem) {
  const std::vector<std::string> list = {"e", "b", "d", "a", "c", "f", "h", "g", "j", "i"};
  auto tie = [](const std::string&, const std::string&) { return 0; };
  std::vector<std::string> v = list;
  PartialQuickSort(v, 0, 4, tie);
  EXPECT_THAT(std::vector<std::string>(v.begin(), v.begin() + 5),
              ElementsAre("i", "b", "d", "a", "c"));
  v = list;
  PartialQuickSort(v, 2, 6, tie);
  EXPECT_THAT(std::vector<std::string>(v.begin() + 2, v.begin() + 7),
              ElementsAre("d", "a", "c", "f", "h"));
}

TEST(LookupByPatternTest, SubstitutesTheFirstStarAndReadsHashFields) {
  testing::EngineFixture f;
  f.Run({"SET", "w_a", "10"});
  f.Run({"HSET", "h_a", "f", "20", "->x", "30"});
  f.Run({"SET", "x:a->", "40"});
  f.Run({"RPUSH", "l_a", "1"});
  core::Keyspace& ks = f.keyspace();
  EXPECT_EQ(LookupByPattern(ks, 0, "#", "a"), "a");
  EXPECT_EQ(LookupByPattern(ks, 0, "w_*", "a"), "10");
  EXPECT_EQ(LookupByPattern(ks, 0, "h_*->f", "a"), "20");
  EXPECT_EQ(LookupByPattern(ks, 0, "h_*->->x", "a"), "30");  // the field is all after "->"
  EXPECT_EQ(LookupByPattern(ks, 0, "x:*->", "a"), "40");     // nothing after "->": a key
  EXPECT_EQ(LookupByPattern(ks, 0, "h_*->missing", "a"), std::nullopt);
  EXPECT_EQ(LookupByPattern(ks, 0, "w_*->f", "a"), std::nullopt);  // not a hash
  EXPECT_EQ(LookupByPattern(ks, 0, "l_*", "a"), std::nullopt);     // not a string
  EXPECT_EQ(LookupByPattern(ks, 0, "w_a", "a"), std::nullopt);     // no '*'
}

TEST(LookupByPatternTest, StopsLookingForStarOrArrowAtANulByteAsRedisDoes) {
  testing::EngineFixture f;
  f.Run({"SET", std::string("w_a\0*", 5), "1"});
  f.Run({"SET", std::string("#\0x", 3), "2"});
  core::Keyspace& ks = f.keyspace();
  EXPECT_EQ(LookupByPattern(ks, 0, std::string("w_\0*", 4), "a"), std::nullopt);
  EXPECT_EQ(LookupByPattern(ks, 0, std::string("w_*\0*", 5), "a"), "1");
  EXPECT_EQ(LookupByPattern(ks, 0, std::string("#\0x", 3), "a"), "a");  // "#" to a C string
}

TEST(SortOpsTest, SortingASortedSetLeavesItsCompactFormWithoutSignallingAChange) {
  testing::EngineFixture f;
  f.Run({"ZADD", "z", "1", "a", "2", "b"});
  f.Run({"WATCH", "z"});
  EXPECT_EQ(f.Run({"OBJECT", "ENCODING", "z"}), "$8\r\nlistpack\r\n");
  f.Run({"SORT_RO", "z", "ALPHA"}, 1);
  EXPECT_EQ(f.Run({"OBJECT", "ENCODING", "z"}), "$8\r\nskiplist\r\n");
  f.Run({"MULTI"});
  f.Run({"PING"});
  EXPECT_EQ(f.Run({"EXEC"}), "*1\r\n+PONG\r\n");
}

}  // namespace
}  // namespace bazaar::engine::commands
