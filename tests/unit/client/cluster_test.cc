// Redis Cluster's slot arithmetic and replies, as the cluster spec gives them.
#include "resp/cluster.h"

#include <gtest/gtest.h>

namespace bazaar::client {
namespace {

TEST(KeySlotTest, IsCrc16OfTheKeyOrItsHashTagModulo16384) {
  EXPECT_EQ(KeySlot("123456789"), 0x31C3 % kClusterSlots);  // the spec's CRC16 check value
  EXPECT_EQ(KeySlot("foo"), 12182);
  EXPECT_EQ(KeySlot("bar"), 5061);
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("{user1000}.followers"));
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("user1000"));
  EXPECT_EQ(KeySlot("foo{}{bar}"), KeySlot("foo{}{bar}"));  // empty tag: the whole key
  EXPECT_NE(KeySlot("foo{}{bar}"), KeySlot("bar"));
  EXPECT_EQ(KeySlot("foo{{bar}}zap"), KeySlot("{bar"));  // the tag ends at the first '}'
  EXPECT_EQ(KeySlot("foo{bar}{zap}"), KeySlot("bar"));   // the first tag only
  EXPECT_TRUE(HasHashTag("{realm1}:"));
  EXPECT_FALSE(HasHashTag("realm1:"));
  EXPECT_FALSE(HasHashTag("{}realm1:"));
}

TEST(RedirectTest, ParsesMovedAndAskAndKnowsTheRetryErrors) {
  auto moved = ParseRedirect("MOVED 3999 127.0.0.1:6381");
  ASSERT_TRUE(moved.has_value());
  EXPECT_FALSE(moved->ask);
  EXPECT_EQ(moved->slot, 3999);
  EXPECT_EQ(moved->host, "127.0.0.1");
  EXPECT_EQ(moved->port, 6381);
  auto ask = ParseRedirect("ASK 1 ::1:7000");
  ASSERT_TRUE(ask.has_value());
  EXPECT_TRUE(ask->ask);
  EXPECT_EQ(ask->host, "::1");
  for (const char* other : {"ERR wrong", "MOVED", "MOVED x 1.2.3.4:5", "MOVED 1 nohost"}) {
    EXPECT_FALSE(ParseRedirect(other).has_value()) << other;
  }
  EXPECT_TRUE(IsClusterRetry("TRYAGAIN Multiple keys request during rehashing of slot"));
  EXPECT_TRUE(IsClusterRetry("CLUSTERDOWN The cluster is down"));
  EXPECT_FALSE(IsClusterRetry("ERR CLUSTERDOWN"));
}

RespReply Node(const std::string& host, int port) {
  RespReply n;
  n.type = RespReply::Type::kArray;
  n.elements = {RespReply::String(host), RespReply::Integer(port), RespReply::String("id")};
  return n;
}

TEST(ClusterSlotsTest, ParsesRangesAndTheirPrimaries) {
  RespReply range;
  range.type = RespReply::Type::kArray;
  range.elements = {RespReply::Integer(0), RespReply::Integer(5460), Node("127.0.0.1", 7000),
                    Node("127.0.0.1", 7003)};
  RespReply reply;
  reply.type = RespReply::Type::kArray;
  reply.elements = {range};
  auto slots = ParseClusterSlots(reply);
  ASSERT_TRUE(slots.ok());
  ASSERT_EQ(slots->size(), 1u);
  EXPECT_EQ((*slots)[0].last, 5460);
  EXPECT_EQ((*slots)[0].port, 7000) << "the primary, not the replica";
  RespReply bad;
  bad.type = RespReply::Type::kArray;
  bad.elements = {RespReply::Integer(1)};
  EXPECT_FALSE(ParseClusterSlots(bad).ok());
  EXPECT_FALSE(ParseClusterSlots(RespReply::String("x")).ok());
}

TEST(ClusterSeedsTest, NeedTheSchemeAndANode) {
  auto seeds = ClusterResolver::ParseSeeds("cluster://127.0.0.1:7000,127.0.0.1:7001",
                                           std::chrono::milliseconds(100));
  ASSERT_TRUE(seeds.ok());
  EXPECT_EQ((*seeds)[1].port, 7001);
  EXPECT_FALSE(ClusterResolver::ParseSeeds("127.0.0.1:7000", std::chrono::milliseconds(100)).ok());
  EXPECT_FALSE(ClusterResolver::ParseSeeds("cluster://", std::chrono::milliseconds(100)).ok());
}

}  // namespace
}  // namespace bazaar::client
