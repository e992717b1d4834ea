// Hash commands through the in-process fixture: what the differential scripts cannot compare
// byte for byte (multi-call scans, random picks) and the Op layer on its own.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/commands/hash_ops.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/engine_fixture.h"
#include "unit/engine/commands/resp_reader.h"

namespace bazaar::engine::commands {
namespace {

using ::testing::UnorderedElementsAre;
using bazaar::testing::Elements;
using bazaar::testing::ParseReply;

class HashTest : public ::testing::Test {
 protected:
  // Fills `key` with fields f0..f<n-1> holding values v0..v<n-1>.
  void Fill(const std::string& key, int n, const std::string& value_suffix = "") {
    for (int i = 0; i < n; ++i) {
      f_.Run({"HSET", key, "f" + std::to_string(i), "v" + std::to_string(i) + value_suffix});
    }
  }

  // Runs HSCAN from cursor 0 to the end; fails on a repeated field or a wrong pairing.
  std::map<std::string, std::string> ScanAll(const std::string& key,
                                              std::vector<std::string> extra, int* calls) {
    std::map<std::string, std::string> seen;
    std::string cursor = "0";
    *calls = 0;
    do {
      std::vector<std::string> argv = {"HSCAN", key, cursor};
      argv.insert(argv.end(), extra.begin(), extra.end());
      auto reply = ParseReply(f_.Run(argv));
      ++*calls;
      EXPECT_EQ(reply.children.size(), 2u);
      if (reply.children.size() != 2) break;
      cursor = reply.children[0].text;
      const auto& items = reply.children[1].children;
      EXPECT_EQ(items.size() % 2, 0u);
      for (size_t i = 0; i + 1 < items.size(); i += 2) {
        EXPECT_TRUE(seen.emplace(items[i].text, items[i + 1].text).second)
            << "field returned twice: " << items[i].text;
      }
    } while (cursor != "0" && *calls < 100000);
    return seen;
  }

  testing::EngineFixture f_;
};

TEST_F(HashTest, HSetCountsOnlyNewFields) {
  EXPECT_EQ(f_.Run({"HSET", "h", "a", "1", "b", "2"}), ":2\r\n");
  EXPECT_EQ(f_.Run({"HSET", "h", "a", "3", "c", "4"}), ":1\r\n");
  EXPECT_EQ(f_.Run({"HGET", "h", "a"}), "$1\r\n3\r\n");
  EXPECT_EQ(f_.Run({"HMSET", "h", "d", "5"}), "+OK\r\n");
  EXPECT_EQ(f_.Run({"HLEN", "h"}), ":4\r\n");
}

TEST_F(HashTest, HScanOfBigHashVisitsEveryFieldOnceWithItsValue) {
  Fill("h", 1000);
  int calls = 0;
  auto seen = ScanAll("h", {"COUNT", "7"}, &calls);
  ASSERT_EQ(seen.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(seen["f" + std::to_string(i)], "v" + std::to_string(i));
  EXPECT_GT(calls, 10) << "a big hash is scanned in steps";
}

TEST_F(HashTest, HScanMatchFiltersOnFieldsNotValues) {
  Fill("h", 600);  // past 512 fields: scanned in steps
  f_.Run({"HSET", "h", "zfield", "f1-looking-value"});
  int calls = 0;
  auto seen = ScanAll("h", {"MATCH", "f1?", "COUNT", "20"}, &calls);
  EXPECT_EQ(seen.size(), 10u);  // f10..f19
  for (const auto& [field, value] : seen) EXPECT_EQ(value, "v" + field.substr(1));
}

TEST_F(HashTest, HScanOfCompactHashReturnsItWholeWhateverTheCursor) {
  Fill("h", 5);
  auto reply = ParseReply(f_.Run({"HSCAN", "h", "987", "COUNT", "1"}));
  EXPECT_EQ(reply.children[0].text, "0");
  EXPECT_EQ(reply.children[1].children.size(), 10u);
}

TEST_F(HashTest, HScanOfSmallHashWithLongValueIsStepped) {
  // A value over 64 bytes makes Redis use a real hash table, scanned by cursor.
  Fill("h", 100, std::string(70, 'x'));
  int calls = 0;
  auto seen = ScanAll("h", {"COUNT", "3"}, &calls);
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_GT(calls, 1);
}

TEST_F(HashTest, HRandFieldPositiveCountGivesDistinctFields) {
  Fill("h", 100);
  for (int count : {1, 2, 10, 33, 34, 50, 99, 100, 150}) {
    auto fields = Elements(f_.Run({"HRANDFIELD", "h", std::to_string(count)}));
    EXPECT_EQ(fields.size(), static_cast<size_t>(std::min(count, 100))) << count;
    std::set<std::string> distinct(fields.begin(), fields.end());
    EXPECT_EQ(distinct.size(), fields.size()) << count;
    for (const auto& field : fields) EXPECT_EQ(field[0], 'f');
  }
}

TEST_F(HashTest, HRandFieldOfBigHashGivesDistinctFieldsWithTheirValues) {
  Fill("h", 600);  // past 512 fields: the table form
  for (int count : {1, 50, 250, 600, 700}) {
    auto items = Elements(f_.Run({"HRANDFIELD", "h", std::to_string(count), "WITHVALUES"}));
    ASSERT_EQ(items.size(), 2u * std::min(count, 600)) << count;
    std::set<std::string> distinct;
    for (size_t i = 0; i < items.size(); i += 2) {
      distinct.insert(items[i]);
      EXPECT_EQ(items[i + 1], "v" + items[i].substr(1));
    }
    EXPECT_EQ(distinct.size(), items.size() / 2) << count;
  }
}

TEST_F(HashTest, ObjectEncodingIsListpackUntilALimitIsPassed) {
  Fill("small", 512);
  EXPECT_EQ(f_.Run({"OBJECT", "ENCODING", "small"}), "$8\r\nlistpack\r\n");
  Fill("many", 513);
  EXPECT_EQ(f_.Run({"OBJECT", "ENCODING", "many"}), "$9\r\nhashtable\r\n");
  f_.Run({"HSET", "long", "f", std::string(65, 'x')});
  EXPECT_EQ(f_.Run({"OBJECT", "ENCODING", "long"}), "$9\r\nhashtable\r\n");
  // No way back, as in Redis: deleting down to one short field keeps the table.
  f_.Run({"HSET", "long", "g", "1"});
  f_.Run({"HDEL", "long", "f"});
  EXPECT_EQ(f_.Run({"OBJECT", "ENCODING", "long"}), "$9\r\nhashtable\r\n");
}

TEST_F(HashTest, CompactHashRepliesInInsertionOrder) {
  f_.Run({"HSET", "h", "b", "1", "a", "2", "c", "3"});
  f_.Run({"HDEL", "h", "a"});
  f_.Run({"HSET", "h", "a", "4", "b", "5"});
  EXPECT_EQ(Elements(f_.Run({"HKEYS", "h"})), (std::vector<std::string>{"b", "c", "a"}));
  EXPECT_EQ(Elements(f_.Run({"HVALS", "h"})), (std::vector<std::string>{"5", "3", "4"}));
}

TEST_F(HashTest, HRandFieldNegativeCountRepeatsFields) {
  f_.Run({"HSET", "h", "a", "1", "b", "2"});
  auto fields = Elements(f_.Run({"HRANDFIELD", "h", "-200"}));
  ASSERT_EQ(fields.size(), 200u);
  std::set<std::string> distinct(fields.begin(), fields.end());
  EXPECT_THAT(distinct, UnorderedElementsAre("a", "b"));
}

TEST_F(HashTest, HRandFieldWithValuesPairsEachFieldWithItsValue) {
  Fill("h", 50);
  for (const char* count : {"10", "-30", "50"}) {
    auto items = Elements(f_.Run({"HRANDFIELD", "h", count, "WITHVALUES"}));
    ASSERT_EQ(items.size() % 2, 0u);
    for (size_t i = 0; i < items.size(); i += 2) EXPECT_EQ(items[i + 1], "v" + items[i].substr(1));
  }
}

TEST_F(HashTest, HRandFieldWithValuesNestsPairsInResp3) {
  f_.Run({"HELLO", "3"});
  f_.Run({"HSET", "h", "a", "1"});
  EXPECT_EQ(f_.Run({"HRANDFIELD", "h", "-2", "WITHVALUES"}),
            "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(f_.Run({"HGETALL", "h"}), "%1\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(f_.Run({"HRANDFIELD", "nokey"}), "_\r\n");
}

TEST_F(HashTest, HDelOfLastFieldDeletesTheKey) {
  f_.Run({"HSET", "h", "a", "1", "b", "2"});
  EXPECT_EQ(f_.Run({"HDEL", "h", "a", "b", "c"}), ":2\r\n");
  EXPECT_EQ(f_.Run({"EXISTS", "h"}), ":0\r\n");
  EXPECT_EQ(f_.keyspace().DbSize(0), 0u);
}

TEST_F(HashTest, InPlaceWritesKeepTheTtl) {
  f_.Run({"HSET", "h", "n", "1"});
  f_.Run({"EXPIRE", "h", "100"});
  f_.Run({"HINCRBY", "h", "n", "1"});
  f_.Run({"HSET", "h", "m", "x"});
  f_.Run({"HDEL", "h", "m"});
  EXPECT_EQ(f_.Run({"TTL", "h"}), ":100\r\n");
}

TEST_F(HashTest, WritesToAnExpiredHashStartFresh) {
  f_.Run({"HSET", "h", "old", "1"});
  f_.Run({"PEXPIRE", "h", "100"});
  f_.AdvanceMs(200);
  EXPECT_EQ(f_.Run({"HINCRBY", "h", "n", "5"}), ":5\r\n");
  EXPECT_EQ(f_.Run({"HLEN", "h"}), ":1\r\n");
  EXPECT_EQ(f_.Run({"TTL", "h"}), ":-1\r\n");
}

TEST_F(HashTest, NoOpWritesDoNotAbortWatchers) {
  f_.Run({"HSET", "h", "f", "v"});
  f_.Run({"WATCH", "h"});
  f_.Run({"HDEL", "h", "nofield"}, 1);
  f_.Run({"HSETNX", "h", "f", "other"}, 1);
  f_.Run({"HINCRBY", "h", "f", "1"}, 1);  // fails: not an integer
  f_.Run({"MULTI"});
  EXPECT_EQ(f_.Run({"EXEC"}), "*0\r\n");
  f_.Run({"WATCH", "h"});
  f_.Run({"HSET", "h", "f", "v"}, 1);  // same value: Redis still signals
  f_.Run({"MULTI"});
  EXPECT_EQ(f_.Run({"EXEC"}), "*-1\r\n");
}

TEST(HashOpsTest, OpsWorkOnTheKeyspaceWithoutSockets) {
  core::Keyspace ks(16);
  const std::string_view pairs[] = {"a", "1", "b", "2"};
  EXPECT_EQ(*OpHSet(ks, 0, "h", pairs), 2);
  EXPECT_EQ(*OpHIncrByFloat(ks, 0, "h", "a", "0.5"), "1.5");
  EXPECT_EQ(*OpHIncrBy(ks, 0, "h", "b", -3), -1);
  EXPECT_EQ(OpHIncrBy(ks, 0, "h", "a", 1).status().message(), "ERR hash value is not an integer");
  EXPECT_EQ(OpHIncrByFloat(ks, 0, "h", "a", "inf").status().message(),
            "ERR value is NaN or Infinity");
  const std::string_view fields[] = {"a", "b"};
  EXPECT_EQ(*OpHDel(ks, 0, "h", fields), 2);
  EXPECT_FALSE(ks.ContainsRaw(0, "h"));
  ks.Store(0, "s", core::Value(std::string("x")));
  EXPECT_EQ(OpHSetNx(ks, 0, "s", "f", "v").status().message(),
            "WRONGTYPE Operation against a key holding the wrong kind of value");
}

}  // namespace
}  // namespace bazaar::engine::commands
