// What the differential scripts cannot see of DUMP, RESTORE, COPY and SORT ... STORE: how each
// is logged for the AOF and replicas, and that a payload survives the trip through our codec.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/engine_fixture.h"
#include "unit/engine/commands/resp_reader.h"

namespace bazaar::engine::commands {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using bazaar::testing::ParseReply;

class DumpTest : public ::testing::Test {
 protected:
  DumpTest() { f_.set_propagator(&log_); }
  // DUMP's payload for key.
  std::string Dump(const std::string& key) { return ParseReply(f_.Run({"DUMP", key})).text; }

  testing::EngineFixture f_;
  testing::RecordingPropagator log_;
};

TEST_F(DumpTest, RestoreWithRelativeTtlIsLoggedWithTheAbsoluteTime) {
  f_.Run({"SET", "k", "v"});
  const std::string payload = Dump("k");
  log_.logged.clear();
  f_.SetTimeMs(1700000000000);
  EXPECT_EQ(f_.Run({"RESTORE", "r", "5000", payload, "IDLETIME", "3"}), "+OK\r\n");
  EXPECT_THAT(log_.logged, ElementsAre(ElementsAre("RESTORE", "r", "1700000005000", payload,
                                                   "IDLETIME", "3", "ABSTTL")));
  log_.logged.clear();
  EXPECT_EQ(f_.Run({"RESTORE", "r2", "1800000000000", payload, "ABSTTL"}), "+OK\r\n");
  EXPECT_EQ(f_.Run({"RESTORE", "r3", "0", payload}), "+OK\r\n");
  EXPECT_THAT(log_.logged,
              ElementsAre(ElementsAre("RESTORE", "r2", "1800000000000", payload, "ABSTTL"),
                          ElementsAre("RESTORE", "r3", "0", payload)));
}

TEST_F(DumpTest, RestoreInThePastLogsADeleteOrNothing) {
  f_.Run({"SET", "k", "v"});
  const std::string payload = Dump("k");
  log_.logged.clear();
  EXPECT_EQ(f_.Run({"RESTORE", "gone", "1", payload, "ABSTTL"}), "+OK\r\n");
  EXPECT_THAT(log_.logged, IsEmpty());
  EXPECT_EQ(f_.Run({"RESTORE", "k", "1", payload, "ABSTTL", "REPLACE"}), "+OK\r\n");
  EXPECT_THAT(log_.logged, ElementsAre(ElementsAre("DEL", "k")));
  EXPECT_EQ(f_.Run({"EXISTS", "k"}), ":0\r\n");
}

TEST_F(DumpTest, FailedRestoreLogsNothing) {
  f_.Run({"SET", "k", "v"});
  log_.logged.clear();
  EXPECT_EQ(f_.Run({"RESTORE", "k", "0", Dump("k")}),
            "-BUSYKEY Target key name already exists.\r\n");
  EXPECT_EQ(f_.Run({"RESTORE", "n", "0", "junk"}),
            "-ERR DUMP payload version or checksum are wrong\r\n");
  EXPECT_THAT(log_.logged, IsEmpty());
}

TEST_F(DumpTest, EveryTypeRoundTripsThroughDumpAndRestore) {
  f_.Run({"SET", "s", "hello"});
  f_.Run({"RPUSH", "l", "a", "1", "b"});
  f_.Run({"SADD", "set", "x", "2", "y"});
  f_.Run({"ZADD", "z", "1.5", "a", "-2", "b"});
  f_.Run({"HSET", "h", "f", "v", "g", "7"});
  for (const char* key : {"s", "l", "set", "z", "h"}) {
    const std::string payload = Dump(key);
    EXPECT_EQ(f_.Run({"RESTORE", std::string(key) + "2", "0", payload}), "+OK\r\n") << key;
    // A set's order is its table's, which insertion order can change.
    if (std::string(key) != "set") {
      EXPECT_EQ(Dump(std::string(key) + "2"), payload) << key;
    }
  }
  EXPECT_EQ(f_.Run({"SMISMEMBER", "set2", "x", "2", "y"}), "*3\r\n:1\r\n:1\r\n:1\r\n");
  EXPECT_EQ(f_.Run({"LRANGE", "l2", "0", "-1"}), "*3\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n");
  EXPECT_EQ(f_.Run({"ZSCORE", "z2", "b"}), "$2\r\n-2\r\n");
  EXPECT_EQ(f_.Run({"HGET", "h2", "g"}), "$1\r\n7\r\n");
}

TEST_F(DumpTest, CopyAndSortStoreAreLoggedAsGivenOnlyWhenTheyWrite) {
  f_.Run({"RPUSH", "l", "3", "1", "2"});
  log_.logged.clear();
  f_.Run({"COPY", "l", "c"});
  f_.Run({"COPY", "nokey", "c2"});
  f_.Run({"SORT", "l", "STORE", "s"});
  f_.Run({"SORT", "nokey", "STORE", "s2"});  // nothing to store, nothing to delete
  f_.Run({"SORT", "nokey", "STORE", "s"});   // deletes s
  EXPECT_THAT(log_.logged, ElementsAre(ElementsAre("COPY", "l", "c"),
                                       ElementsAre("SORT", "l", "STORE", "s"),
                                       ElementsAre("SORT", "nokey", "STORE", "s")));
}

}  // namespace
}  // namespace bazaar::engine::commands
