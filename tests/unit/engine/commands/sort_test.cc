// SORT's pattern lookups and its conversion of the set it sorts; the replies themselves, ties
// included, are compared with Redis by differential script 64.
#include <string>
#include <vector>

#include "engine/commands/sort_ops.h"
#include "gtest/gtest.h"
#include "harness/engine_fixture.h"

namespace bazaar::engine::commands {
namespace {

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
