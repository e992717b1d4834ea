// Set commands through the in-process fixture: multi-call scans, random picks and pops, and the
// Op layer on its own.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/commands/random_pick.h"
#include "engine/commands/set_ops.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/engine_fixture.h"
#include "unit/engine/commands/resp_reader.h"

namespace bazaar::engine::commands {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;
using bazaar::testing::Elements;
using bazaar::testing::ParseReply;

class SetTest : public ::testing::Test {
 protected:
  // Adds members m0..m<n-1> to `key`.
  void Fill(const std::string& key, int n) {
    std::vector<std::string> argv = {"SADD", key};
    for (int i = 0; i < n; ++i) argv.push_back("m" + std::to_string(i));
    f_.Run(argv);
  }

  std::set<std::string> Members(const std::string& key) {
    auto m = Elements(f_.Run({"SMEMBERS", key}));
    return {m.begin(), m.end()};
  }

  testing::EngineFixture f_;
};

TEST_F(SetTest, SScanOfBigSetVisitsEveryMemberOnce) {
  Fill("s", 2000);
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    auto reply = ParseReply(f_.Run({"SSCAN", "s", cursor, "COUNT", "5"}));
    ASSERT_EQ(reply.children.size(), 2u);
    cursor = reply.children[0].text;
    for (const auto& m : reply.children[1].children) {
      EXPECT_TRUE(seen.insert(m.text).second) << "returned twice: " << m.text;
    }
    ++calls;
  } while (cursor != "0" && calls < 100000);
  EXPECT_EQ(seen.size(), 2000u);
  EXPECT_GT(calls, 100);
}

TEST_F(SetTest, SScanReturnsMembersPresentThroughoutWhileTheSetGrowsAndShrinks) {
  Fill("s", 500);
  std::set<std::string> seen;
  std::string cursor = "0";
  int round = 0;
  do {
    auto reply = ParseReply(f_.Run({"SSCAN", "s", cursor, "COUNT", "10"}));
    cursor = reply.children[0].text;
    for (const auto& m : reply.children[1].children) seen.insert(m.text);
    // Grow, then shrink, the table between calls with members that come and go.
    f_.Run({"SADD", "s", "tmp" + std::to_string(round)});
    if (round == 5) {
      for (int i = 0; i < 2000; ++i) f_.Run({"SADD", "s", "x" + std::to_string(i)});
    }
    if (round == 15) {
      for (int i = 0; i < 2000; ++i) f_.Run({"SREM", "s", "x" + std::to_string(i)});
    }
    ++round;
  } while (cursor != "0" && round < 100000);
  for (int i = 0; i < 500; ++i) EXPECT_EQ(seen.count("m" + std::to_string(i)), 1u) << i;
}

TEST_F(SetTest, IntegerSetsListInNumericOrderLikeAnIntset) {
  f_.Run({"SADD", "s", "10", "-3", "7", "0"});
  EXPECT_THAT(Elements(f_.Run({"SMEMBERS", "s"})), ElementsAre("-3", "0", "7", "10"));
  auto scan = ParseReply(f_.Run({"SSCAN", "s", "55", "COUNT", "1"}));
  EXPECT_EQ(scan.children[0].text, "0");
  EXPECT_EQ(scan.children[1].children.size(), 4u);
  EXPECT_EQ(scan.children[1].children[0].text, "-3");
}

TEST_F(SetTest, SRandMemberPositiveCountGivesDistinctMembers) {
  Fill("s", 90);
  for (int count : {1, 2, 29, 30, 31, 60, 89, 90, 1000}) {
    auto members = Elements(f_.Run({"SRANDMEMBER", "s", std::to_string(count)}));
    EXPECT_EQ(members.size(), static_cast<size_t>(std::min(count, 90))) << count;
    std::set<std::string> distinct(members.begin(), members.end());
    EXPECT_EQ(distinct.size(), members.size()) << count;
  }
  EXPECT_EQ(f_.Run({"SCARD", "s"}), ":90\r\n") << "SRANDMEMBER removes nothing";
}

// Like Redis's, picks go by hash bucket first, so the spread is only rough (Redis documents
// SRANDMEMBER as not uniform either).
TEST_F(SetTest, SRandMemberNegativeCountRepeatsEveryMember) {
  f_.Run({"SADD", "s", "a", "b", "c", "d"});
  std::map<std::string, int> hits;
  for (const auto& m : Elements(f_.Run({"SRANDMEMBER", "s", "-8000"}))) ++hits[m];
  ASSERT_EQ(hits.size(), 4u);
  for (const auto& [member, n] : hits) {
    EXPECT_GT(n, 400) << member;
  }
}

TEST_F(SetTest, SPopWithCountRemovesExactlyWhatItReturns) {
  Fill("s", 100);
  auto popped = Elements(f_.Run({"SPOP", "s", "30"}));
  ASSERT_EQ(popped.size(), 30u);
  std::set<std::string> distinct(popped.begin(), popped.end());
  EXPECT_EQ(distinct.size(), 30u);
  auto left = Members("s");
  EXPECT_EQ(left.size(), 70u);
  for (const auto& m : popped) EXPECT_EQ(left.count(m), 0u) << m;
  for (const auto& m : popped) left.insert(m);
  EXPECT_EQ(left.size(), 100u);
}

TEST_F(SetTest, SPopOfEverythingDeletesTheKey) {
  Fill("s", 10);
  EXPECT_EQ(Elements(f_.Run({"SPOP", "s", "10"})).size(), 10u);
  EXPECT_EQ(f_.Run({"EXISTS", "s"}), ":0\r\n");
  f_.Run({"SADD", "s", "only"});
  EXPECT_EQ(f_.Run({"SPOP", "s"}), "$4\r\nonly\r\n");
  EXPECT_EQ(f_.Run({"EXISTS", "s"}), ":0\r\n");
}

TEST_F(SetTest, SMoveOfTheLastMemberMovesTheWholeSet) {
  f_.Run({"SADD", "src", "x"});
  EXPECT_EQ(f_.Run({"SMOVE", "src", "dst", "x"}), ":1\r\n");
  EXPECT_EQ(f_.Run({"EXISTS", "src"}), ":0\r\n");
  EXPECT_EQ(f_.Run({"SMEMBERS", "dst"}), "*1\r\n$1\r\nx\r\n");
}

TEST_F(SetTest, SMoveIntoASetHoldingTheMemberLeavesItsWatchersAlone) {
  f_.Run({"SADD", "src", "x", "y"});
  f_.Run({"SADD", "dst", "x"});
  f_.Run({"WATCH", "dst"});
  f_.Run({"WATCH", "src"}, 2);
  EXPECT_EQ(f_.Run({"SMOVE", "src", "dst", "x"}, 1), ":1\r\n");
  f_.Run({"MULTI"});
  EXPECT_EQ(f_.Run({"EXEC"}), "*0\r\n");
  f_.Run({"MULTI"}, 2);
  EXPECT_EQ(f_.Run({"EXEC"}, 2), "*-1\r\n");
}

TEST_F(SetTest, StoreIntoOneOfItsSources) {
  f_.Run({"SADD", "a", "1", "2", "3"});
  f_.Run({"SADD", "b", "2", "3", "4"});
  EXPECT_EQ(f_.Run({"SINTERSTORE", "a", "a", "b"}), ":2\r\n");
  EXPECT_THAT(Members("a"), UnorderedElementsAre("2", "3"));
  EXPECT_EQ(f_.Run({"SDIFFSTORE", "b", "b", "a"}), ":1\r\n");
  EXPECT_THAT(Members("b"), UnorderedElementsAre("4"));
}

TEST_F(SetTest, SInterCardStopsAtTheLimit) {
  Fill("a", 100);
  Fill("b", 50);
  EXPECT_EQ(f_.Run({"SINTERCARD", "2", "a", "b"}), ":50\r\n");
  EXPECT_EQ(f_.Run({"SINTERCARD", "2", "a", "b", "LIMIT", "7"}), ":7\r\n");
  EXPECT_EQ(f_.Run({"SINTERCARD", "2", "a", "b", "LIMIT", "0"}), ":50\r\n");
}

TEST_F(SetTest, ResultsOfIntegersComeOutAscendingAsRedisIntsetsDo) {
  f_.Run({"SADD", "a", "10", "x", "3"});
  f_.Run({"SREM", "a", "x"});  // still a hash table
  EXPECT_EQ(f_.Run({"OBJECT", "ENCODING", "a"}), "$9\r\nhashtable\r\n");
  f_.Run({"SADD", "b", "-1", "3"});
  EXPECT_EQ(f_.Run({"OBJECT", "ENCODING", "b"}), "$6\r\nintset\r\n");
  // SUNION collects into a new set, an intset here, so it lists ascending.
  EXPECT_EQ(f_.Run({"SUNION", "a", "b"}), "*3\r\n$2\r\n-1\r\n$1\r\n3\r\n$2\r\n10\r\n");
  EXPECT_EQ(f_.Run({"SUNIONSTORE", "c", "a", "b"}), ":3\r\n");
  EXPECT_EQ(f_.Run({"OBJECT", "ENCODING", "c"}), "$6\r\nintset\r\n");
}

TEST(SetOpsTest, OpsWorkOnTheKeyspaceWithoutSockets) {
  core::Keyspace ks(16);
  const std::string_view members[] = {"a", "b", "c"};
  EXPECT_EQ(*OpSAdd(ks, 0, "s", members), 3);
  EXPECT_EQ(*OpSAdd(ks, 0, "s", members), 0);
  EXPECT_TRUE(*OpSMove(ks, 0, "s", "t", "a"));
  EXPECT_FALSE(*OpSMove(ks, 0, "s", "t", "a"));
  const std::string_view keys[] = {"s", "t", "none"};
  EXPECT_EQ(*OpSetStore(ks, 0, SetOp::kUnion, "u", keys), 3);
  EXPECT_EQ(*OpSetStore(ks, 0, SetOp::kInter, "u", keys), 0);
  EXPECT_FALSE(ks.ContainsRaw(0, "u"));
  auto popped = OpSPop(ks, 0, "s", 5);
  EXPECT_THAT(*popped, UnorderedElementsAre("b", "c"));
  EXPECT_FALSE(ks.ContainsRaw(0, "s"));
}

}  // namespace
}  // namespace bazaar::engine::commands
