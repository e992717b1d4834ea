// Replication with real processes: real redis-server 7.0 as a replica of bazaar-engine and
// bazaar-engine as a replica of real redis-server, both ways with full then partial resyncs;
// chains; a replica restarted under write load; a link cut and healed by a proxy; the failover
// drill; WAIT; read-only and stale-data refusals in Redis's words; the wait_for_sync recipe.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>

#include "dataset.h"
#include "harness/process.h"
#include "harness/resp_client.h"
#include "link_proxy.h"

namespace bazaar::testing {
namespace {

using Kind = ServerUnderTest::Kind;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

// One field of INFO, "" when absent.
std::string InfoField(int port, const std::string& field) {
  RespClient c(port);
  std::string info = Bulk(c.Command({"INFO", "everything"}));
  size_t at = info.find("\r\n" + field + ":");
  if (at == std::string::npos) return "";
  at += field.size() + 3;
  return info.substr(at, info.find("\r\n", at) - at);
}

int64_t InfoInt(int port, const std::string& field) {
  std::string v = InfoField(port, field);
  return v.empty() ? -1 : std::stoll(v);
}

std::vector<std::string> ReplicaArgs(int primary_port, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--replicaof", "127.0.0.1", std::to_string(primary_port)};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

bool LinkUp(int replica_port, std::chrono::milliseconds timeout = 15s) {
  return WaitFor([&] { return InfoField(replica_port, "master_link_status") == "up"; }, timeout);
}

// Waits until the replica holds exactly the primary's data.
void ExpectSameData(int primary, int replica) {
  auto want = Dataset(primary);
  ASSERT_FALSE(want.empty());
  WaitFor([&] { return Dataset(replica) == want; }, 15s);
  EXPECT_EQ(Dataset(replica), want);
}

void WriteSome(int port, const std::string& tag, int n = 50) {
  RespClient c(port);
  for (int i = 0; i < n; ++i) {
    c.Command({"SET", tag + ":" + std::to_string(i), std::to_string(i)});
    c.Command({"HINCRBY", "h:" + tag, "f" + std::to_string(i % 7), "1"});
    c.Command({"ZADD", "z:" + tag, std::to_string(i), "m" + std::to_string(i)});
  }
  // A consumer group's traffic reaches the replica as the XCLAIMs and XGROUP SETIDs it logs.
  const std::string stream = "x:" + tag;
  c.Command({"XGROUP", "CREATE", stream, "g", "$", "MKSTREAM"});
  for (int i = 0; i < 5; ++i) c.Command({"XADD", stream, "*", "n", std::to_string(i)});
  c.Command({"XREADGROUP", "GROUP", "g", "alice", "COUNT", "3", "STREAMS", stream, ">"});
  c.Command({"XREADGROUP", "GROUP", "g", "bob", "NOACK", "COUNT", "1", "STREAMS", stream, ">"});
  c.Command({"XAUTOCLAIM", stream, "g", "carol", "0", "0", "COUNT", "1"});
  c.Command({"XGROUP", "CREATECONSUMER", stream, "g", "dave"});
  c.Command({"SELECT", "5"});
  c.Command({"MULTI"});
  c.Command({"LPUSH", "l:" + tag, "x", "y"});
  c.Command({"SADD", "s:" + tag, "a", "b"});
  c.Command({"EXPIRE", "s:" + tag, "1000"});
  c.Command({"EXEC"});
}

// A function library the full sync must carry: the replica serves FCALL_RO with it.
constexpr const char* kLibrary =
    "#!lua name=synced\n"
    "redis.register_function{function_name='peek', flags={'no-writes'}, "
    "callback=function(keys) return redis.call('get', keys[1]) end}";

// One pairing of real Redis with ours: who is the primary, and how the snapshot travels.
struct Pairing {
  const char* name;
  Kind primary;
  std::vector<std::string> primary_args;
};

class InteropTest : public ::testing::TestWithParam<Pairing> {};

// Full sync, then a dropped link (cut from the replica's side when ours is the primary, from the
// primary's side when ours is the replica) and a partial resync; every key compared each time.
TEST_P(InteropTest, FullSyncThenPartialAfterTheLinkDrops) {
  const Kind replica_kind =
      GetParam().primary == Kind::kBazaarEngine ? Kind::kRealRedis : Kind::kBazaarEngine;
  ServerUnderTest primary(GetParam().primary, GetParam().primary_args);
  Populate(primary.port());
  RespClient(primary.port()).Command({"FUNCTION", "LOAD", kLibrary});
  RespClient(primary.port()).Command({"SET", "peeked", "v1"});
  ServerUnderTest replica(replica_kind, ReplicaArgs(primary.port()));
  ASSERT_TRUE(LinkUp(replica.port())) << replica.process().ReadLog();
  WriteSome(primary.port(), "after-sync");
  ExpectSameData(primary.port(), replica.port());
  EXPECT_EQ(InfoInt(primary.port(), "sync_full"), 1);
  // The snapshot held the library: the replica lists it as the primary does, and runs it.
  EXPECT_EQ(RespClient(replica.port()).Command({"FUNCTION", "LIST"}),
            RespClient(primary.port()).Command({"FUNCTION", "LIST"}));
  EXPECT_EQ(RespClient(replica.port()).Command({"FCALL_RO", "peek", "1", "peeked"}),
            "$2\r\nv1\r\n");

  if (replica_kind == Kind::kRealRedis) {
    RespClient(replica.port()).Command({"CLIENT", "KILL", "TYPE", "master"});
  } else {
    RespClient(primary.port()).Command({"CLIENT", "KILL", "TYPE", "replica"});
  }
  WriteSome(primary.port(), "during-drop");
  ASSERT_TRUE(LinkUp(replica.port()));
  WriteSome(primary.port(), "after-drop");
  ExpectSameData(primary.port(), replica.port());
  EXPECT_EQ(InfoInt(primary.port(), "sync_partial_ok"), 1) << replica.process().ReadLog();
  EXPECT_EQ(InfoInt(primary.port(), "sync_full"), 1);
  // WAIT on the primary counts the replica's acknowledgements.
  EXPECT_EQ(RespClient(primary.port()).Command({"WAIT", "1", "5000"}), ":1\r\n");
}

INSTANTIATE_TEST_SUITE_P(
    Pairings, InteropTest,
    ::testing::Values(
        Pairing{"RedisReplicaOfOursDiskless", Kind::kBazaarEngine,
                {"--repl-diskless-sync-delay", "0"}},
        Pairing{"RedisReplicaOfOursDisk", Kind::kBazaarEngine, {"--repl-diskless-sync", "no"}},
        Pairing{"OursReplicaOfRedisDiskless", Kind::kRealRedis,
                {"--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"}},
        Pairing{"OursReplicaOfRedisDisk", Kind::kRealRedis, {"--repl-diskless-sync", "no"}}),
    [](const auto& info) { return std::string(info.param.name); });

// masterauth: replicas of a primary with requirepass authenticate during the handshake, ours
// with a real Redis primary and a real Redis replica with ours.
TEST(ReplicationTest, MasterauthLetsReplicasThroughRequirepass) {
  const std::vector<std::string> auth = {"--requirepass", "s3cret", "--repl-diskless-sync-delay", "0"};
  for (Kind primary_kind : {Kind::kBazaarEngine, Kind::kRealRedis}) {
    ServerUnderTest primary(primary_kind, auth);
    const Kind replica_kind =
        primary_kind == Kind::kBazaarEngine ? Kind::kRealRedis : Kind::kBazaarEngine;
    SCOPED_TRACE(primary.name() + " primary");
    ServerUnderTest replica(replica_kind, ReplicaArgs(primary.port(), {"--masterauth", "s3cret"}));
    ServerUnderTest refused(replica_kind, ReplicaArgs(primary.port(), {"--masterauth", "wrong"}));
    ASSERT_TRUE(LinkUp(replica.port())) << replica.process().ReadLog();
    RespClient c(primary.port());
    ASSERT_EQ(c.Command({"AUTH", "s3cret"}), "+OK\r\n");
    c.Command({"SET", "guarded", "1"});
    EXPECT_TRUE(WaitFor([&] {
      return RespClient(replica.port()).Command({"GET", "guarded"}) == "$1\r\n1\r\n";
    }, 10s));
    EXPECT_EQ(InfoField(refused.port(), "master_link_status"), "down");
  }
}

TEST(ReplicationTest, ChainOfReplicasHoldsThePrimarysDataAndWaitCountsAcks) {
  ServerUnderTest a(Kind::kBazaarEngine, {"--repl-diskless-sync-delay", "0"});
  Populate(a.port());
  ServerUnderTest b(Kind::kBazaarEngine,
                    ReplicaArgs(a.port(), {"--repl-diskless-sync-delay", "0"}));
  ServerUnderTest c(Kind::kBazaarEngine, ReplicaArgs(b.port()));
  ASSERT_TRUE(LinkUp(b.port()));
  ASSERT_TRUE(LinkUp(c.port()));
  WriteSome(a.port(), "chain");
  ExpectSameData(a.port(), c.port());
  EXPECT_EQ(InfoField(c.port(), "master_repl_offset"), InfoField(a.port(), "master_repl_offset"));
  RespClient client(a.port());
  client.Command({"SET", "acked", "1"});
  EXPECT_EQ(client.Command({"WAIT", "1", "5000"}), ":1\r\n");
  EXPECT_EQ(Bulk(RespClient(b.port()).Command({"GET", "acked"})), "1");
}

TEST(ReplicationTest, ReplicaRestartedUnderWriteLoadContinuesPartiallyWithNothingMissing) {
  ServerUnderTest primary(Kind::kBazaarEngine, {"--repl-diskless-sync-delay", "0"});
  TempDir replica_dir;
  // Save points make the replica write its dump (with its replication id) when stopped.
  const auto replica_args = ReplicaArgs(primary.port(), {"--dir", replica_dir.path(), "--save", "3600 1"});
  auto replica = std::make_unique<ServerUnderTest>(Kind::kBazaarEngine, replica_args);
  ASSERT_TRUE(LinkUp(replica->port()));

  std::atomic<bool> stop{false};
  std::atomic<int64_t> written{0};
  std::thread writer([&] {
    RespClient c(primary.port());
    while (!stop) {
      int64_t i = written + 1;
      if (c.Command({"SET", "k" + std::to_string(i), std::to_string(i)}) != "+OK\r\n") return;
      c.Command({"INCR", "counter"});
      written = i;
    }
  });
  std::this_thread::sleep_for(300ms);
  replica->process().Stop(SIGTERM);
  const std::string first_log = replica->process().ReadLog();
  std::this_thread::sleep_for(300ms);  // writes the replica misses
  replica = std::make_unique<ServerUnderTest>(Kind::kBazaarEngine, replica_args);
  ASSERT_TRUE(LinkUp(replica->port()));
  std::this_thread::sleep_for(300ms);
  stop = true;
  writer.join();
  ASSERT_GT(written.load(), 100);
  ExpectSameData(primary.port(), replica->port());
  EXPECT_EQ(InfoInt(primary.port(), "sync_partial_ok"), 1)
      << "first run:\n" << first_log << "\nsecond run:\n" << replica->process().ReadLog();
  EXPECT_EQ(InfoInt(primary.port(), "sync_full"), 1);
}

TEST(ReplicationTest, LinkCutByAProxyHealsWithAPartialResync) {
  ServerUnderTest primary(Kind::kBazaarEngine, {"--repl-diskless-sync-delay", "0"});
  LinkProxy proxy(primary.port());
  ServerUnderTest replica(Kind::kBazaarEngine, ReplicaArgs(proxy.port()));
  ASSERT_TRUE(LinkUp(replica.port()));
  WriteSome(primary.port(), "before-cut");
  ExpectSameData(primary.port(), replica.port());

  proxy.Cut();
  EXPECT_TRUE(WaitFor([&] { return InfoField(replica.port(), "master_link_status") == "down"; }, 10s));
  WriteSome(primary.port(), "while-cut");
  // The replica still serves the data it has (replica-serve-stale-data yes).
  EXPECT_EQ(Bulk(RespClient(replica.port()).Command({"GET", "before-cut:1"})), "1");
  proxy.Heal();
  ASSERT_TRUE(LinkUp(replica.port()));
  ExpectSameData(primary.port(), replica.port());
  EXPECT_EQ(InfoInt(primary.port(), "sync_partial_ok"), 1);
  EXPECT_EQ(InfoInt(primary.port(), "sync_full"), 1);
}

TEST(ReplicationTest, FailoverDrillLosesNothing) {
  ServerUnderTest primary(Kind::kBazaarEngine, {"--repl-diskless-sync-delay", "0"});
  Populate(primary.port());
  WriteSome(primary.port(), "drill");
  ServerUnderTest replica(Kind::kBazaarEngine, ReplicaArgs(primary.port()));
  ASSERT_TRUE(LinkUp(replica.port()));
  ExpectSameData(primary.port(), replica.port());
  const auto before = Dataset(primary.port());

  // The drill: SAVE on the replica, a new server on its dump, the old replica follows it.
  ASSERT_EQ(RespClient(replica.port()).Command({"SAVE"}), "+OK\r\n");
  TempDir fresh;
  std::filesystem::copy_file(replica.dir() + "/dump.rdb", fresh.path() + "/dump.rdb");
  ServerUnderTest promoted(Kind::kBazaarEngine,
                           {"--dir", fresh.path(), "--repl-diskless-sync-delay", "0"});
  EXPECT_EQ(Dataset(promoted.port()), before);
  EXPECT_EQ(RespClient(replica.port())
                .Command({"REPLICAOF", "127.0.0.1", std::to_string(promoted.port())}),
            "+OK\r\n");
  ASSERT_TRUE(LinkUp(replica.port()));
  RespClient(promoted.port()).Command({"SET", "after-failover", "1"});
  ExpectSameData(promoted.port(), replica.port());
  auto now = Dataset(replica.port());
  for (const auto& [key, value] : before) EXPECT_EQ(now[key], value) << key;
}

TEST(ReplicationTest, PromotedReplicaLetsItsSiblingContinuePartially) {
  ServerUnderTest primary(Kind::kBazaarEngine, {"--repl-diskless-sync-delay", "0"});
  ServerUnderTest r1(Kind::kBazaarEngine, ReplicaArgs(primary.port(), {"--repl-diskless-sync-delay", "0"}));
  ServerUnderTest r2(Kind::kRealRedis, ReplicaArgs(primary.port()));
  ASSERT_TRUE(LinkUp(r1.port()));
  ASSERT_TRUE(LinkUp(r2.port()));
  WriteSome(primary.port(), "history");
  ExpectSameData(primary.port(), r2.port());
  ASSERT_TRUE(WaitFor([&] {
    return InfoField(r1.port(), "master_repl_offset") == InfoField(r2.port(), "master_repl_offset");
  }, 10s));

  EXPECT_EQ(RespClient(r1.port()).Command({"REPLICAOF", "NO", "ONE"}), "+OK\r\n");
  EXPECT_EQ(InfoField(r1.port(), "role"), "master");
  EXPECT_EQ(RespClient(r2.port()).Command({"REPLICAOF", "127.0.0.1", std::to_string(r1.port())}),
            "+OK\r\n");
  ASSERT_TRUE(LinkUp(r2.port()));
  WriteSome(r1.port(), "new-primary");
  ExpectSameData(r1.port(), r2.port());
  EXPECT_EQ(InfoInt(r1.port(), "sync_partial_ok"), 1);
  EXPECT_EQ(InfoInt(r1.port(), "sync_full"), 0);
}

// The same refusals from our replica and from a real Redis replica, byte for byte.
TEST(ReplicationTest, ReplicaRefusalsMatchRedis) {
  const int dead_port = FreeLoopbackPort();
  for (Kind kind : {Kind::kRealRedis, Kind::kBazaarEngine}) {
    SCOPED_TRACE(kind == Kind::kRealRedis ? "redis" : "bazaar-engine");
    ServerUnderTest replica(kind, ReplicaArgs(dead_port));
    RespClient c(replica.port());
    EXPECT_EQ(c.Command({"SET", "k", "v"}),
              "-READONLY You can't write against a read only replica.\r\n");
    EXPECT_EQ(c.Command({"MULTI"}), "+OK\r\n");
    EXPECT_EQ(c.Command({"SET", "k", "v"}),
              "-READONLY You can't write against a read only replica.\r\n");
    EXPECT_THAT(c.Command({"EXEC"}), HasSubstr("-EXECABORT"));
    EXPECT_EQ(c.Command({"WAIT", "0", "0"}).substr(0, 50),
              "-ERR WAIT cannot be used with replica instances. P");
    EXPECT_EQ(c.Command({"CONFIG", "SET", "replica-serve-stale-data", "no"}), "+OK\r\n");
    EXPECT_EQ(c.Command({"GET", "k"}),
              "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to "
              "'no'.\r\n");
    EXPECT_THAT(c.Command({"ROLE"}), ::testing::StartsWith("*5\r\n$5\r\nslave\r\n"));
    EXPECT_EQ(c.Command({"REPLICAOF", "127.0.0.1", std::to_string(dead_port)}),
              "+OK Already connected to specified master\r\n");
    EXPECT_EQ(c.Command({"REPLICAOF", "NO", "ONE"}), "+OK\r\n");
    EXPECT_EQ(c.Command({"SET", "k", "v"}), "+OK\r\n");
  }
}

// Expiry belongs to the primary: a replica hides an expired key from its clients but keeps it
// until the primary's DEL arrives, exactly as a real Redis replica of the same primary does.
TEST(ReplicationTest, ReplicasLeaveExpiryToThePrimaryAsRedisReplicasDo) {
  ServerUnderTest primary(Kind::kBazaarEngine, {"--repl-diskless-sync-delay", "0"});
  ServerUnderTest ours(Kind::kBazaarEngine, ReplicaArgs(primary.port()));
  ServerUnderTest redis(Kind::kRealRedis, ReplicaArgs(primary.port()));
  ASSERT_TRUE(LinkUp(ours.port()));
  ASSERT_TRUE(LinkUp(redis.port()));
  RespClient p(primary.port());
  ASSERT_EQ(p.Command({"DEBUG", "SET-ACTIVE-EXPIRE", "0"}), "+OK\r\n");
  p.Command({"SET", "short", "v", "PX", "1500"});
  p.Command({"SET", "counter", "10", "PX", "1500"});
  p.Command({"SET", "long", "v"});
  ExpectSameData(primary.port(), ours.port());
  ExpectSameData(primary.port(), redis.port());
  std::this_thread::sleep_for(std::chrono::milliseconds(1700));
  auto look = [](int port) {
    RespClient c(port);
    return c.Command({"GET", "short"}) + c.Command({"EXISTS", "short"}) +
           c.Command({"TTL", "short"}) + c.Command({"DBSIZE"});
  };
  EXPECT_EQ(look(ours.port()), look(redis.port()));
  EXPECT_EQ(look(ours.port()), "$-1\r\n:0\r\n:-2\r\n:3\r\n");
  // The primary notices the expiry (a lookup) and its DEL reaches both replicas.
  EXPECT_EQ(p.Command({"GET", "short"}), "$-1\r\n");
  EXPECT_EQ(p.Command({"INCR", "counter"}), ":1\r\n");
  // DBSIZE alone is 2 as soon as short's DEL is in, before the stream's MULTI DEL counter /
  // INCR counter EXEC (a later write of the primary) is: wait for the new counter itself.
  for (int port : {ours.port(), redis.port()}) {
    ASSERT_TRUE(WaitFor(
        [&] { return RespClient(port).Command({"GET", "counter"}) == "$1\r\n1\r\n"; }, 5s));
    EXPECT_EQ(RespClient(port).Command({"DBSIZE"}), ":2\r\n");
  }
  EXPECT_EQ(Dataset(ours.port()), Dataset(redis.port()));
}

TEST(ReplicationTest, ReplicaThatStopsReadingIsDroppedAtItsOutputLimit) {
  ServerUnderTest primary(Kind::kBazaarEngine,
                          {"--repl-diskless-sync-delay", "0", "--client-output-buffer-limit",
                           "replica 1mb 512kb 5"});
  // A replica that asks for a sync and then never reads.
  RespClient stalled(primary.port());
  stalled.SendRaw(EncodeCommand({"PSYNC", "?", "-1"}));
  ASSERT_TRUE(WaitFor([&] { return InfoField(primary.port(), "connected_slaves") == "1"; }, 5s));
  RespClient writer(primary.port());
  const std::string value(100 * 1024, 'x');
  for (int i = 0; i < 300 && InfoField(primary.port(), "connected_slaves") == "1"; ++i) {
    writer.Command({"SET", "k" + std::to_string(i), value});
  }
  EXPECT_TRUE(WaitFor([&] { return InfoField(primary.port(), "connected_slaves") == "0"; }, 10s));
  EXPECT_THAT(primary.process().ReadLog(), HasSubstr("output buffer limits"));
  EXPECT_EQ(writer.Command({"PING"}), "+PONG\r\n");
}

TEST(ReplicationTest, ClientListAndKillKnowReplicasAndTheMasterLink) {
  ServerUnderTest primary(Kind::kBazaarEngine, {"--repl-diskless-sync-delay", "0"});
  ServerUnderTest replica(Kind::kBazaarEngine, ReplicaArgs(primary.port()));
  ASSERT_TRUE(LinkUp(replica.port()));
  EXPECT_THAT(Bulk(RespClient(primary.port()).Command({"CLIENT", "LIST", "TYPE", "replica"})),
              HasSubstr("flags=S"));
  EXPECT_THAT(Bulk(RespClient(replica.port()).Command({"CLIENT", "LIST", "TYPE", "master"})),
              HasSubstr("flags=M"));
  EXPECT_EQ(Bulk(RespClient(replica.port()).Command({"CLIENT", "LIST", "TYPE", "replica"})), "");
  EXPECT_EQ(RespClient(replica.port()).Command({"CLIENT", "KILL", "TYPE", "master"}), ":1\r\n");
  RespClient(primary.port()).Command({"SET", "after-kill", "1"});
  ASSERT_TRUE(LinkUp(replica.port()));
  ExpectSameData(primary.port(), replica.port());
  EXPECT_EQ(InfoInt(primary.port(), "sync_partial_ok"), 1);
  RespClient(primary.port()).Command({"CONFIG", "RESETSTAT"});
  EXPECT_EQ(InfoInt(primary.port(), "sync_partial_ok"), 0);
}

TEST(ReplicationTest, WaitWithoutReplicasTimesOutWithZero) {
  ServerUnderTest primary(Kind::kBazaarEngine);
  RespClient c(primary.port());
  c.Command({"SET", "k", "v"});
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(c.Command({"WAIT", "1", "300"}), ":0\r\n");
  // The server's clock has whole milliseconds (as Redis's): the deadline it computes may lie up
  // to 1 ms before 300 ms of our time.
  EXPECT_GE(std::chrono::steady_clock::now() - start, 299ms);
  EXPECT_EQ(c.Command({"WAIT", "0", "0"}), ":0\r\n");
  // Pipelined requests behind a parked WAIT run after it.
  c.SendRaw(EncodeCommand({"WAIT", "1", "100"}) + EncodeCommand({"PING"}));
  EXPECT_EQ(c.ReadReply().value_or(""), ":0\r\n");
  EXPECT_EQ(c.ReadReply().value_or(""), "+PONG\r\n");
}

// The seed's wait_for_sync: the link is up, the token reached the replica, and the replica's
// AOF has no fsync pending.
TEST(ReplicationTest, WaitForSyncRecipeWorksAgainstABazaarPair) {
  ServerUnderTest primary(Kind::kBazaarEngine, {"--repl-diskless-sync-delay", "0"});
  ServerUnderTest replica(Kind::kBazaarEngine,
                          ReplicaArgs(primary.port(), {"--appendonly", "yes"}));
  ASSERT_TRUE(LinkUp(replica.port()));
  const std::string token = "token-42";
  RespClient(primary.port()).Command({"ZADD", "sync:wait", "1", token});
  EXPECT_TRUE(WaitFor([&] {
    return RespClient(replica.port()).Command({"ZSCORE", "sync:wait", token}) == "$1\r\n1\r\n";
  }, 10s));
  EXPECT_TRUE(WaitFor([&] { return InfoField(replica.port(), "aof_pending_bio_fsync") == "0"; }, 10s));
  RespClient(primary.port()).Command({"ZREM", "sync:wait", token});
  // The replica's AOF was rebuilt from the synced data and holds what followed.
  RespClient(primary.port()).Command({"SET", "after", "1"});
  ASSERT_TRUE(WaitFor([&] { return Bulk(RespClient(replica.port()).Command({"GET", "after"})) == "1"; }, 10s));
  RespClient(replica.port()).Command({"SHUTDOWN", "NOSAVE"});
  replica.process().Wait(5s);
  ServerUnderTest reloaded(Kind::kBazaarEngine, {"--dir", replica.dir(), "--appendonly", "yes"});
  EXPECT_EQ(Bulk(RespClient(reloaded.port()).Command({"GET", "after"})), "1");
}

TEST(ReplicationTest, RoleAndInfoDescribeBothSides) {
  ServerUnderTest primary(Kind::kBazaarEngine, {"--repl-diskless-sync-delay", "0"});
  ServerUnderTest replica(Kind::kBazaarEngine, ReplicaArgs(primary.port()));
  ASSERT_TRUE(LinkUp(replica.port()));
  RespClient(primary.port()).Command({"SET", "k", "v"});
  ASSERT_TRUE(WaitFor([&] {
    return InfoField(replica.port(), "slave_repl_offset") == InfoField(primary.port(), "master_repl_offset");
  }, 10s));
  auto role = Elements(RespClient(replica.port()).Command({"ROLE"}));
  ASSERT_EQ(role.size(), 5u);
  EXPECT_EQ(role[0], "slave");
  EXPECT_EQ(role[2], std::to_string(primary.port()));
  EXPECT_EQ(role[3], "connected");
  EXPECT_EQ(InfoField(primary.port(), "connected_slaves"), "1");
  EXPECT_THAT(InfoField(primary.port(), "slave0"),
              HasSubstr("port=" + std::to_string(replica.port()) + ",state=online"));
  EXPECT_EQ(InfoField(replica.port(), "master_replid"), InfoField(primary.port(), "master_replid"));
  EXPECT_EQ(InfoField(primary.port(), "repl_backlog_active"), "1");
}

}  // namespace
}  // namespace bazaar::testing
