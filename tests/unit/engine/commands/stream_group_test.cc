// How the consumer-group commands are logged for the AOF and replicas, as Redis 7.0 logs them
// (checked against real Redis's AOF): XREADGROUP never itself, but one XCLAIM ... FORCE JUSTID
// LASTID per delivered entry, or XGROUP SETID ... ENTRIESREAD after a NOACK read; XCLAIM and
// XAUTOCLAIM likewise, dropped entries included; the other XGROUP subcommands and XACK as given.
// And replaying what was logged rebuilds the same groups.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/engine_fixture.h"

namespace bazaar::engine::commands {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// The XCLAIM ... FORCE JUSTID LASTID that recreates one pending entry.
std::vector<std::string> Claim(const char* consumer, const char* id, const char* time,
                               const char* count, const char* last_id) {
  return {"XCLAIM", "s", "g", consumer, "0", id, "TIME", time, "RETRYCOUNT", count,
          "FORCE", "JUSTID", "LASTID", last_id};
}

class StreamGroupLogTest : public ::testing::Test {
 protected:
  StreamGroupLogTest() {
    f_.set_propagator(&log_);
    f_.SetTimeMs(1700000000000);
    f_.Run({"XADD", "s", "1-0", "a", "1"});
    f_.Run({"XADD", "s", "2-0", "b", "2"});
    f_.Run({"XADD", "s", "3-0", "c", "3"});
    f_.Run({"XGROUP", "CREATE", "s", "g", "0"});
    log_.logged.clear();
  }
  testing::EngineFixture f_;
  testing::RecordingPropagator log_;
};

TEST_F(StreamGroupLogTest, ReadingNewEntriesIsLoggedAsOneClaimPerEntry) {
  f_.Run({"XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"});
  EXPECT_THAT(log_.logged,
              ElementsAre(Claim("alice", "1-0", "1700000000000", "1", "1-0"),
                          Claim("alice", "2-0", "1700000000000", "1", "2-0")));
}

TEST_F(StreamGroupLogTest, NoAckReadsAreLoggedAsSetIdAndHistoryReadsNotAtAll) {
  f_.Run({"XREADGROUP", "GROUP", "g", "alice", "NOACK", "COUNT", "1", "STREAMS", "s", ">"});
  EXPECT_THAT(log_.logged,
              ElementsAre(ElementsAre("XGROUP", "CREATECONSUMER", "s", "g", "alice"),
                          ElementsAre("XGROUP", "SETID", "s", "g", "1-0", "ENTRIESREAD", "1")));
  log_.logged.clear();
  f_.Run({"XREADGROUP", "GROUP", "g", "alice", "NOACK", "STREAMS", "s", ">"});
  EXPECT_THAT(log_.logged, ElementsAre(ElementsAre("XGROUP", "SETID", "s", "g", "3-0",
                                                   "ENTRIESREAD", "3")));
  log_.logged.clear();
  f_.Run({"XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", "0"});
  f_.Run({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"});
  f_.Run({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"});
  EXPECT_THAT(log_.logged, IsEmpty());
}

TEST_F(StreamGroupLogTest, ClaimsAreLoggedWithTheirResultAndDroppedEntriesToo) {
  f_.Run({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"});
  f_.Run({"XDEL", "s", "2-0"});
  log_.logged.clear();
  f_.AdvanceMs(10);
  f_.Run({"XCLAIM", "s", "g", "bob", "0", "1-0", "2-0", "RETRYCOUNT", "5"});
  EXPECT_THAT(log_.logged,
              ElementsAre(Claim("bob", "1-0", "1700000000010", "5", "3-0"),
                          Claim("alice", "2-0", "1700000000000", "1", "3-0")));
  log_.logged.clear();
  f_.Run({"XCLAIM", "s", "g", "bob", "0", "LASTID", "9-0"});
  EXPECT_THAT(log_.logged, ElementsAre(ElementsAre("XGROUP", "SETID", "s", "g", "9-0",
                                                   "ENTRIESREAD", "3")));
  log_.logged.clear();
  f_.Run({"XCLAIM", "s", "g", "bob", "100000", "1-0"});  // not idle enough: nothing happens
  EXPECT_THAT(log_.logged, IsEmpty());
  f_.Run({"XAUTOCLAIM", "s", "g", "carol", "0", "0", "JUSTID"});
  EXPECT_THAT(log_.logged,
              ElementsAre(Claim("carol", "1-0", "1700000000010", "5", "9-0"),
                          Claim("carol", "3-0", "1700000000010", "1", "9-0")));
}

TEST_F(StreamGroupLogTest, ReplayingTheLogRebuildsTheGroups) {
  f_.Run({"XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"});
  f_.Run({"XGROUP", "CREATECONSUMER", "s", "g", "idle"});
  f_.Run({"XCLAIM", "s", "g", "bob", "0", "2-0", "RETRYCOUNT", "4"});
  f_.Run({"XACK", "s", "g", "1-0"});
  f_.Run({"XREADGROUP", "GROUP", "g", "carol", "NOACK", "STREAMS", "s", ">"});
  const auto logged = log_.logged;
  const std::string pending = f_.Run({"XPENDING", "s", "g", "-", "+", "10"});
  const std::string groups = f_.Run({"XINFO", "GROUPS", "s"});

  testing::EngineFixture replica;
  replica.SetTimeMs(1700000000000);
  for (const char* id : {"1-0", "2-0", "3-0"}) replica.Run({"XADD", "s", id, "f", "v"});
  replica.Run({"XGROUP", "CREATE", "s", "g", "0"});
  for (const auto& argv : logged) replica.Run(argv);
  EXPECT_EQ(replica.Run({"XPENDING", "s", "g", "-", "+", "10"}), pending);
  EXPECT_EQ(replica.Run({"XINFO", "GROUPS", "s"}), groups);
}

}  // namespace
}  // namespace bazaar::engine::commands
