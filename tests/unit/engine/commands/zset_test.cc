// Sorted-set commands through the in-process fixture, and the Op functions other modules call.
#include <set>
#include <string>
#include <vector>

#include "engine/commands/zset_ops.h"
#include "gtest/gtest.h"
#include "harness/engine_fixture.h"

namespace bazaar::engine::commands {
namespace {

class ZSetCommandTest : public ::testing::Test {
 protected:
  // Runs a write on client 1 between WATCH z and EXEC on client 0; true if EXEC was aborted.
  bool AbortsWatcher(const std::vector<std::string>& write, const std::string& key = "z") {
    f_.Run({"WATCH", key});
    f_.Run(write, 1);
    f_.Run({"MULTI"});
    f_.Run({"PING"});
    return f_.Run({"EXEC"}) == "*-1\r\n";
  }
  testing::EngineFixture f_;
};

TEST_F(ZSetCommandTest, ZAddCountsNewMembersAndChCountsUpdates) {
  EXPECT_EQ(f_.Run({"ZADD", "z", "1", "a", "2", "b"}), ":2\r\n");
  EXPECT_EQ(f_.Run({"ZADD", "z", "1", "a", "3", "b", "4", "c"}), ":1\r\n");
  EXPECT_EQ(f_.Run({"ZADD", "z", "CH", "9", "a", "3", "b"}), ":1\r\n");
  EXPECT_EQ(f_.Run({"ZRANGE", "z", "0", "-1", "WITHSCORES"}),
            "*6\r\n$1\r\nb\r\n$1\r\n3\r\n$1\r\nc\r\n$1\r\n4\r\n$1\r\na\r\n$1\r\n9\r\n");
}

TEST_F(ZSetCommandTest, ZAddOfSameScoreDoesNotTouchWatchers) {
  f_.Run({"ZADD", "z", "1", "a"});
  EXPECT_FALSE(AbortsWatcher({"ZADD", "z", "1", "a"}));
  EXPECT_FALSE(AbortsWatcher({"ZADD", "z", "NX", "5", "a"}));
  EXPECT_FALSE(AbortsWatcher({"ZADD", "z", "GT", "0", "a"}));
  EXPECT_TRUE(AbortsWatcher({"ZADD", "z", "2", "a"}));
}

TEST_F(ZSetCommandTest, ZRemOfMissingMemberDoesNotTouchWatchers) {
  f_.Run({"ZADD", "z", "1", "a", "2", "b"});
  EXPECT_FALSE(AbortsWatcher({"ZREM", "z", "nosuch"}));
  EXPECT_FALSE(AbortsWatcher({"ZREMRANGEBYSCORE", "z", "5", "9"}));
  EXPECT_TRUE(AbortsWatcher({"ZREM", "z", "a"}));
}

TEST_F(ZSetCommandTest, RemovingLastMemberDeletesKey) {
  f_.Run({"ZADD", "z", "1", "a"});
  EXPECT_TRUE(AbortsWatcher({"ZREM", "z", "a"}));
  EXPECT_EQ(f_.Run({"EXISTS", "z"}), ":0\r\n");
  f_.Run({"ZADD", "z", "1", "a", "2", "b"});
  EXPECT_EQ(f_.Run({"ZPOPMAX", "z", "5"}), "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(f_.Run({"EXISTS", "z"}), ":0\r\n");
}

TEST_F(ZSetCommandTest, IncrementOfOppositeInfinityIsNaNError) {
  f_.Run({"ZADD", "z", "inf", "a"});
  EXPECT_EQ(f_.Run({"ZINCRBY", "z", "-inf", "a"}),
            "-ERR resulting score is not a number (NaN)\r\n");
  EXPECT_EQ(f_.Run({"ZSCORE", "z", "a"}), "$3\r\ninf\r\n");
}

TEST_F(ZSetCommandTest, ScoresPrintWithSeventeenDigitsAndIntegersBare) {
  f_.Run({"ZADD", "z", "0.1", "a", "3", "b", "1e17", "c"});
  EXPECT_EQ(f_.Run({"ZSCORE", "z", "a"}), "$19\r\n0.10000000000000001\r\n");
  EXPECT_EQ(f_.Run({"ZSCORE", "z", "b"}), "$1\r\n3\r\n");
  EXPECT_EQ(f_.Run({"ZSCORE", "z", "c"}), "$5\r\n1e+17\r\n");
}

TEST_F(ZSetCommandTest, ExclusiveScoreBoundsAndLimit) {
  f_.Run({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"});
  EXPECT_EQ(f_.Run({"ZRANGEBYSCORE", "z", "(1", "(4"}), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
  EXPECT_EQ(f_.Run({"ZCOUNT", "z", "(1", "4"}), ":3\r\n");
  EXPECT_EQ(f_.Run({"ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "1", "2"}),
            "*2\r\n$1\r\nc\r\n$1\r\nb\r\n");
  EXPECT_EQ(f_.Run({"ZRANGEBYSCORE", "z", "x", "1"}), "-ERR min or max is not a float\r\n");
}

TEST_F(ZSetCommandTest, LexRangesAndTheirErrors) {
  f_.Run({"ZADD", "z", "0", "a", "0", "b", "0", "c"});
  EXPECT_EQ(f_.Run({"ZRANGEBYLEX", "z", "(a", "+"}), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
  EXPECT_EQ(f_.Run({"ZLEXCOUNT", "z", "-", "[b"}), ":2\r\n");
  EXPECT_EQ(f_.Run({"ZRANGEBYLEX", "z", "a", "+"}),
            "-ERR min or max not valid string range item\r\n");
}

TEST_F(ZSetCommandTest, EmptyStoreResultDeletesDestination) {
  f_.Run({"ZADD", "a", "1", "x"});
  f_.Run({"ZADD", "dst", "1", "old"});
  EXPECT_EQ(f_.Run({"ZINTERSTORE", "dst", "2", "a", "nokey"}), ":0\r\n");
  EXPECT_EQ(f_.Run({"EXISTS", "dst"}), ":0\r\n");
  EXPECT_EQ(f_.Run({"ZUNIONSTORE", "dst", "0", "a"}),
            "-ERR at least 1 input key is needed for 'zunionstore' command\r\n");
}

TEST_F(ZSetCommandTest, PlainSetsCountAsScoreOne) {
  f_.Run({"ZADD", "z", "2", "x"});
  f_.Run({"SADD", "s", "x", "y"});
  EXPECT_EQ(f_.Run({"ZUNION", "2", "z", "s", "WITHSCORES"}),
            "*4\r\n$1\r\ny\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n3\r\n");
}

TEST_F(ZSetCommandTest, Resp3WithScoresGivesPairsAndDoubles) {
  f_.Run({"HELLO", "3"});
  f_.Run({"ZADD", "z", "1.5", "a"});
  EXPECT_EQ(f_.Run({"ZRANGE", "z", "0", "-1", "WITHSCORES"}), "*1\r\n*2\r\n$1\r\na\r\n,1.5\r\n");
  EXPECT_EQ(f_.Run({"ZSCORE", "z", "a"}), ",1.5\r\n");
  EXPECT_EQ(f_.Run({"ZSCORE", "z", "b"}), "_\r\n");
}

TEST_F(ZSetCommandTest, ZRandMemberNegativeCountRepeats) {
  f_.Run({"ZADD", "z", "1", "a"});
  EXPECT_EQ(f_.Run({"ZRANDMEMBER", "z", "-3"}), "*3\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n");
}

TEST_F(ZSetCommandTest, ZScanVisitsEveryMemberOfBigSetOnce) {
  std::vector<std::string> add = {"ZADD", "z"};
  for (int i = 0; i < 500; ++i) {
    add.push_back(std::to_string(i));
    add.push_back("m" + std::to_string(i));
  }
  f_.Run(add);
  std::multiset<std::string> seen;
  std::string cursor = "0";
  do {
    std::string reply = f_.Run({"ZSCAN", "z", cursor, "COUNT", "7"});
    // *2\r\n$<n>\r\n<cursor>\r\n*<m>\r\n then bulk strings.
    size_t p = reply.find("\r\n", 4) + 2;
    size_t e = reply.find("\r\n", p);
    cursor = reply.substr(p, e - p);
    p = reply.find("\r\n", e + 2) + 2;
    bool member = true;
    while (p < reply.size()) {
      size_t h = reply.find("\r\n", p);
      size_t len = std::stoul(reply.substr(p + 1, h - p - 1));
      if (member) seen.insert(reply.substr(h + 2, len));
      member = !member;
      p = h + 2 + len + 2;
    }
  } while (cursor != "0");
  EXPECT_EQ(seen.size(), 500u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 500u);
}

TEST_F(ZSetCommandTest, OpZPopTakesFirstExistingKeyForBlockingPops) {
  f_.Run({"ZADD", "b", "1", "x", "2", "y"});
  std::vector<std::string_view> keys = {"nokey", "b"};
  auto r = OpZPop(f_.keyspace(), 0, keys, /*max=*/true, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->found);
  EXPECT_EQ(r->key, "b");
  ASSERT_EQ(r->elements.size(), 1u);
  EXPECT_EQ(r->elements[0].member, "y");
  f_.Run({"SET", "str", "v"});
  std::vector<std::string_view> bad = {"str", "b"};
  EXPECT_FALSE(OpZPop(f_.keyspace(), 0, bad, false, 1).ok());
  std::vector<std::string_view> none = {"nokey"};
  EXPECT_FALSE(OpZPop(f_.keyspace(), 0, none, false, 1)->found);
}

TEST_F(ZSetCommandTest, WrongTypeAmongSeveralKeys) {
  f_.Run({"ZADD", "z", "1", "a"});
  f_.Run({"SET", "str", "v"});
  EXPECT_EQ(f_.Run({"ZUNION", "2", "z", "str"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(f_.Run({"ZINTERCARD", "2", "str", "z"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
}

}  // namespace
}  // namespace bazaar::engine::commands
