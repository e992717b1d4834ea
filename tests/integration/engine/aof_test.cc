// The append-only file with real processes: kill -9 under load with appendfsync always loses
// nothing acknowledged and never half a transaction; our AOF passes real redis-check-aof and
// loads into real redis-server; Redis's AOF loads into ours; truncated tails at every offset
// load or refuse as Redis does; rewrites, a killed rewrite child, and enabling at run time;
// commands logged in another form (GEOADD as ZADD) and scripts (as their effects) log exactly
// Redis's bytes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "dataset.h"
#include "harness/process.h"
#include "harness/resp_client.h"

namespace bazaar::testing {
namespace {

using Kind = ServerUnderTest::Kind;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

std::vector<std::string> AofArgs(const std::string& dir, const std::string& fsync = "always") {
  return {"--dir", dir, "--appendonly", "yes", "--appendfsync", fsync, "--save", ""};
}

std::string IncrFile(const std::string& dir) {
  std::string found;
  for (const auto& e : fs::directory_iterator(dir + "/appendonlydir")) {
    std::string name = e.path().filename().string();
    if (name.find(".incr.aof") != std::string::npos && name > found) found = name;
  }
  return dir + "/appendonlydir/" + found;
}

int64_t IntReply(const std::string& raw) {
  if (raw.size() > 1 && raw[0] == ':') return std::stoll(raw.substr(1));
  if (raw.size() > 1 && raw[0] == '$' && raw != "$-1\r\n") return std::stoll(Bulk(raw));
  return 0;
}

// Waits (up to 10 s) until no AOF rewrite is in progress on the server behind `c`.
bool RewriteEnded(RespClient& c) {
  return WaitFor(
      [&] {
        return c.Command({"INFO", "persistence"}).find("aof_rewrite_in_progress:0") !=
               std::string::npos;
      },
      std::chrono::seconds(10));
}

TEST(AofTest, KillNineWithFsyncAlwaysKeepsEveryAcknowledgedWrite) {
  TempDir dir;
  for (int round = 0; round < 3; ++round) {
    ServerUnderTest engine(Kind::kBazaarEngine, AofArgs(dir.path()));
    std::atomic<bool> stop{false};
    std::atomic<int64_t> acked_counter{0}, acked_tx{0};
    std::thread counter([&] {
      RespClient c(engine.port());
      while (!stop) {
        std::string r = c.Command({"INCR", "counter"}, std::chrono::seconds(2));
        if (r.empty() || r[0] != ':') return;
        acked_counter = IntReply(r);
      }
    });
    std::thread transactions([&] {
      RespClient c(engine.port());
      while (!stop) {
        c.SendRaw(EncodeCommand({"MULTI"}) + EncodeCommand({"INCR", "a"}) +
                  EncodeCommand({"INCR", "b"}) + EncodeCommand({"EXEC"}));
        std::string last;
        for (int i = 0; i < 4; ++i) last = c.ReadReply(std::chrono::seconds(2)).value_or("");
        if (last.empty() || last[0] != '*') return;
        ++acked_tx;
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    kill(engine.process().pid(), SIGKILL);
    stop = true;
    counter.join();
    transactions.join();
    engine.process().Wait(std::chrono::seconds(5));

    ServerUnderTest again(Kind::kBazaarEngine, AofArgs(dir.path()));
    RespClient c(again.port());
    int64_t counter_now = IntReply(c.Command({"GET", "counter"}));
    int64_t a = IntReply(c.Command({"GET", "a"})), b = IntReply(c.Command({"GET", "b"}));
    EXPECT_GE(counter_now, acked_counter.load()) << "round " << round;
    EXPECT_EQ(a, b) << "a transaction was half applied";
    EXPECT_GE(a, acked_tx.load()) << "round " << round;
    ASSERT_GT(acked_counter.load(), 0);
  }
}

TEST(AofTest, OurAofPassesRedisCheckAofAndLoadsIntoRealRedis) {
  TempDir dir;
  std::map<std::string, std::string> expected;
  {
    ServerUnderTest engine(Kind::kBazaarEngine, AofArgs(dir.path(), "everysec"));
    Populate(engine.port());
    RespClient c(engine.port());
    EXPECT_EQ(c.Command({"BGREWRITEAOF"}), "+Background append only file rewriting started\r\n");
    ASSERT_TRUE(RewriteEnded(c));
    c.Command({"SET", "after-rewrite", "yes"});
    c.Command({"INCRBYFLOAT", "float", "0.1"});
    c.Command({"SET", "relative", "v", "EX", "5000"});
    c.Command({"RPUSH", "blockable", "x"});
    c.Command({"BLPOP", "blockable", "0"});
    expected = Dataset(engine.port());
    c.Command({"SHUTDOWN"});
    engine.process().Wait(std::chrono::seconds(10));
  }
  auto check = RunCommand("redis-check-aof " + dir.path() + "/appendonlydir/appendonly.aof.manifest");
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_THAT(check.output, HasSubstr("All AOF files and manifest are valid"));
  ServerUnderTest redis(Kind::kRealRedis, {"--dir", dir.path(), "--appendonly", "yes"});
  EXPECT_EQ(Dataset(redis.port()), expected);
}

constexpr const char* kLibrary =
    "#!lua name=kept\n"
    "redis.register_function('bump', function(keys) return redis.call('incr', keys[1]) end)";

// Redis writes the function libraries into the AOF's base (its RDB preamble): after a rewrite
// they are nowhere else, and a restart must bring them back, in ours and in real Redis.
TEST(AofTest, FunctionLibrariesLiveInTheBaseAcrossARewriteAndARestart) {
  TempDir dir;
  std::string listed;
  {
    ServerUnderTest engine(Kind::kBazaarEngine, AofArgs(dir.path(), "everysec"));
    RespClient c(engine.port());
    ASSERT_EQ(c.Command({"FUNCTION", "LOAD", kLibrary}), "$4\r\nkept\r\n");
    c.Command({"BGREWRITEAOF"});
    ASSERT_TRUE(RewriteEnded(c));
    EXPECT_EQ(c.Command({"FCALL", "bump", "1", "n"}), ":1\r\n");
    listed = c.Command({"FUNCTION", "LIST"});
    c.Command({"SHUTDOWN"});
    engine.process().Wait(std::chrono::seconds(10));
  }
  auto check =
      RunCommand("redis-check-aof " + dir.path() + "/appendonlydir/appendonly.aof.manifest");
  EXPECT_EQ(check.exit_code, 0) << check.output;
  TempDir copy;
  fs::copy(dir.path(), copy.path(), fs::copy_options::recursive);
  {
    ServerUnderTest engine(Kind::kBazaarEngine, AofArgs(dir.path()));
    RespClient c(engine.port());
    EXPECT_EQ(c.Command({"FUNCTION", "LIST"}), listed);
    EXPECT_EQ(c.Command({"FCALL", "bump", "1", "n"}), ":2\r\n");
  }
  ServerUnderTest redis(Kind::kRealRedis, {"--dir", copy.path(), "--appendonly", "yes"});
  EXPECT_EQ(RespClient(redis.port()).Command({"FUNCTION", "LIST"}), listed);
  EXPECT_EQ(RespClient(redis.port()).Command({"FCALL", "bump", "1", "n"}), ":2\r\n");
}

TEST(AofTest, FunctionLibrariesInARealRedisBaseLoadIntoOurs) {
  TempDir dir;
  std::string listed;
  {
    ServerUnderTest redis(Kind::kRealRedis, {"--dir", dir.path(), "--appendonly", "yes"});
    RespClient c(redis.port());
    c.Command({"FUNCTION", "LOAD", kLibrary});
    c.Command({"BGREWRITEAOF"});
    ASSERT_TRUE(RewriteEnded(c));
    listed = c.Command({"FUNCTION", "LIST"});
    c.Command({"SHUTDOWN", "NOSAVE"});
    redis.process().Wait(std::chrono::seconds(10));
  }
  ServerUnderTest engine(Kind::kBazaarEngine, AofArgs(dir.path()));
  RespClient c(engine.port());
  EXPECT_EQ(c.Command({"FUNCTION", "LIST"}), listed);
  EXPECT_EQ(c.Command({"FCALL", "bump", "1", "n"}), ":1\r\n");
}

TEST(AofTest, AofWrittenByRealRedisLoadsIntoOurs) {
  TempDir dir;
  std::map<std::string, std::string> expected;
  {
    ServerUnderTest redis(Kind::kRealRedis, {"--dir", dir.path(), "--appendonly", "yes"});
    Populate(redis.port());
    RespClient c(redis.port());
    c.Command({"SET", "relative", "v", "EX", "5000"});
    c.Command({"INCRBYFLOAT", "float", "2.5"});
    c.Command({"SHUTDOWN", "NOSAVE"});
    redis.process().Wait(std::chrono::seconds(10));
  }
  // What real Redis itself loads from the file is the reference: a replayed consumer group
  // does not always get back its read counter (Redis 7.0 logs XCLAIM ... LASTID without it).
  TempDir copy;
  std::filesystem::copy(dir.path(), copy.path(), std::filesystem::copy_options::recursive);
  {
    ServerUnderTest redis(Kind::kRealRedis, {"--dir", copy.path(), "--appendonly", "yes"});
    expected = Dataset(redis.port());
  }
  ServerUnderTest engine(Kind::kBazaarEngine, AofArgs(dir.path()));
  EXPECT_EQ(Dataset(engine.port()), expected);
}

// Both servers start on the same truncated copy; both must load the same data or both refuse.
TEST(AofTest, TruncatedAtEveryOffsetLoadsOrRefusesAsRedisDoes) {
  TempDir source;
  {
    ServerUnderTest engine(Kind::kBazaarEngine, AofArgs(source.path()));
    RespClient c(engine.port());
    c.Command({"SET", "k", "v"});
    c.SendRaw(EncodeCommand({"MULTI"}) + EncodeCommand({"INCR", "n"}) +
              EncodeCommand({"RPUSH", "l", "x"}) + EncodeCommand({"EXEC"}));
    for (int i = 0; i < 4; ++i) c.ReadReply();
    c.Command({"DEL", "k"});
    kill(engine.process().pid(), SIGKILL);
    engine.process().Wait(std::chrono::seconds(5));
  }
  const std::string full = ReadFile(IncrFile(source.path()));
  ASSERT_GT(full.size(), 50u);
  int loaded = 0;
  for (size_t cut = 1; cut < full.size(); ++cut) {
    std::map<std::string, std::string> outcome[2];
    bool started[2];
    for (int side = 0; side < 2; ++side) {
      TempDir dir;
      fs::copy(source.path() + "/appendonlydir", dir.path() + "/appendonlydir");
      std::ofstream(IncrFile(dir.path()), std::ios::binary | std::ios::trunc)
          << full.substr(0, cut);
      Kind kind = side == 0 ? Kind::kRealRedis : Kind::kBazaarEngine;
      try {
        ServerUnderTest server(kind, {"--dir", dir.path(), "--appendonly", "yes"});
        // Redis listens before it loads: wait for loading to end, or for the process to exit.
        bool ready = WaitFor([&] {
          if (!server.process().running()) return true;
          try {
            return RespClient(server.port()).Command({"PING"}) == "+PONG\r\n";
          } catch (const std::exception&) {
            return false;
          }
        }, std::chrono::seconds(10));
        started[side] = ready && server.process().running();
        if (started[side]) outcome[side] = Dataset(server.port());
      } catch (const std::exception&) {
        started[side] = false;
      }
    }
    EXPECT_EQ(started[1], started[0]) << "cut at byte " << cut;
    EXPECT_EQ(outcome[1], outcome[0]) << "cut at byte " << cut;
    loaded += started[1];
  }
  EXPECT_GT(loaded, 0);
}

TEST(AofTest, KilledRewriteChildLeavesTheOldFilesServing) {
  TempDir dir;
  ServerUnderTest engine(Kind::kBazaarEngine, AofArgs(dir.path(), "everysec"));
  RespClient c(engine.port());
  std::string bulk(100000, 'x');
  for (int i = 0; i < 300; ++i) c.Command({"SET", "big" + std::to_string(i), bulk});
  c.Command({"CONFIG", "SET", "rdbcompression", "no"});
  ASSERT_THAT(c.Command({"BGREWRITEAOF"}), HasSubstr("rewriting started"));
  auto children = RunCommand("pgrep -P " + std::to_string(engine.process().pid()));
  if (!children.output.empty()) kill(std::stoi(children.output), SIGKILL);
  ASSERT_TRUE(RewriteEnded(c));
  c.Command({"SET", "still", "serving"});
  c.Command({"SHUTDOWN"});
  engine.process().Wait(std::chrono::seconds(10));
  auto check = RunCommand("redis-check-aof " + dir.path() + "/appendonlydir/appendonly.aof.manifest");
  EXPECT_EQ(check.exit_code, 0) << check.output;
  ServerUnderTest again(Kind::kBazaarEngine, AofArgs(dir.path()));
  EXPECT_EQ(RespClient(again.port()).Command({"GET", "still"}), "$7\r\nserving\r\n");
  EXPECT_EQ(RespClient(again.port()).Command({"DBSIZE"}), ":301\r\n");
}

TEST(AofTest, ConfigSetAppendonlyYesBuildsTheAofFromTheDataset) {
  TempDir dir;
  {
    ServerUnderTest engine(Kind::kBazaarEngine, {"--dir", dir.path(), "--save", ""});
    Populate(engine.port());
    RespClient c(engine.port());
    EXPECT_EQ(c.Command({"CONFIG", "SET", "appendonly", "yes"}), "+OK\r\n");
    c.Command({"SET", "later", "write"});
    EXPECT_THAT(c.Command({"INFO", "persistence"}), HasSubstr("aof_enabled:1"));
    c.Command({"SHUTDOWN"});
    engine.process().Wait(std::chrono::seconds(10));
  }
  ServerUnderTest again(Kind::kBazaarEngine, AofArgs(dir.path()));
  RespClient c(again.port());
  EXPECT_EQ(c.Command({"GET", "later"}), "$5\r\nwrite\r\n");
  EXPECT_EQ(c.Command({"LLEN", "big-list"}), ":300\r\n");
}

// A transaction that starts a rewrite (BGREWRITEAOF) or turns the AOF on (CONFIG SET
// appendonly yes) must not be counted twice, once in the new base and again in the log after
// it: both wait for the transaction's end, as in Redis. Checked on both servers by reloading
// the AOF (DEBUG LOADAOF) after an INCR inside such a transaction.
TEST(AofTest, ATransactionThatRewritesOrTurnsOnTheAofIsLoggedOnce) {
  for (Kind kind : {Kind::kRealRedis, Kind::kBazaarEngine}) {
    for (const bool turn_on : {false, true}) {
      TempDir dir;
      std::vector<std::string> args = AofArgs(dir.path(), "everysec");
      if (turn_on) args[3] = "no";  // appendonly no until the transaction turns it on
      ServerUnderTest server(kind, args);
      RespClient c(server.port());
      c.Command({"SET", "n", "10"});
      c.Command({"MULTI"});
      c.Command({"INCR", "n"});
      if (turn_on) {
        c.Command({"CONFIG", "SET", "appendonly", "yes"});
      } else {
        c.Command({"BGREWRITEAOF"});
      }
      EXPECT_THAT(c.Command({"EXEC"}), HasSubstr(":11\r\n"));
      // The rewrite (or the AOF's first base) runs after the transaction, in the background.
      ASSERT_TRUE(WaitFor(
          [&] {
            const std::string info = c.Command({"INFO", "persistence"});
            return info.find("aof_enabled:1") != std::string::npos &&
                   info.find("aof_rewrite_in_progress:0") != std::string::npos &&
                   info.find("aof_rewrite_scheduled:0") != std::string::npos;
          },
          std::chrono::seconds(10)))
          << server.name();
      c.Command({"INCR", "n"});
      EXPECT_EQ(c.Command({"DEBUG", "LOADAOF"}), "+OK\r\n") << server.name();
      EXPECT_EQ(c.Command({"GET", "n"}), "$2\r\n12\r\n")
          << server.name() << (turn_on ? " appendonly yes" : " BGREWRITEAOF")
          << " in a transaction";
    }
  }
}

// An earlier run's AOF files are replaced, never appended to: a server started with appendonly
// no and switched on later continues the manifest's numbering (as Redis reads the manifest at
// start), so the old incr file cannot leak its writes into the new AOF.
TEST(AofTest, EnablingAfterAStartWithoutAofReplacesAnEarlierRunsFiles) {
  TempDir dir;
  {
    ServerUnderTest first(Kind::kBazaarEngine, AofArgs(dir.path()));
    RespClient c(first.port());
    c.Command({"SET", "stale", "from-the-first-run"});
    c.Command({"SHUTDOWN", "NOSAVE"});
    first.process().Wait(std::chrono::seconds(10));
  }
  {
    ServerUnderTest second(Kind::kBazaarEngine, {"--dir", dir.path(), "--save", ""});
    RespClient c(second.port());
    EXPECT_EQ(c.Command({"DBSIZE"}), ":0\r\n");
    EXPECT_EQ(c.Command({"CONFIG", "SET", "appendonly", "yes"}), "+OK\r\n");
    c.Command({"SET", "fresh", "v"});
    c.Command({"SHUTDOWN", "NOSAVE"});
    second.process().Wait(std::chrono::seconds(10));
  }
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir.path() + "/appendonlydir")) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 3u) << "one base, one incr, the manifest: the first run's files are gone";
  ServerUnderTest third(Kind::kBazaarEngine, AofArgs(dir.path()));
  RespClient c(third.port());
  EXPECT_EQ(c.Command({"GET", "fresh"}), "$1\r\nv\r\n");
  EXPECT_EQ(c.Command({"EXISTS", "stale"}), ":0\r\n");
}

// GEOADD is logged as the ZADD of its scores (its own option words kept), searches with STORE
// as given, and searches that change nothing not at all: the same bytes as real Redis's AOF.
// The AOF a fresh server of `kind` writes for `commands`.
std::string LoggedBy(Kind kind, const std::vector<std::vector<std::string>>& commands) {
  TempDir dir;
  ServerUnderTest server(kind, AofArgs(dir.path()));
  RespClient c(server.port());
  for (const auto& argv : commands) c.Command(argv);
  std::ifstream in(IncrFile(dir.path()), std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(AofTest, GeoCommandsLogWhatRealRedisLogs) {
  const std::vector<std::vector<std::string>> commands = {
      {"GEOADD", "g", "CH", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669",
       "Catania"},
      {"GEOADD", "g", "nx", "13.361389", "38.115556", "Palermo"},
      {"GEOADD", "g", "xx", "ch", "13.361389", "38.215556", "Palermo"},
      {"GEOADD", "g", "NX", "1", "2", "x", "3", "4", "y", "5", "6", "Palermo"},
      {"GEOADD", "g", "1", "100", "bad"},
      {"GEORADIUS", "g", "15", "37", "200", "km"},
      {"GEORADIUS", "g", "15", "37", "200", "km", "store", "dst"},
      {"GEORADIUS", "g", "15", "37", "200", "km", "STOREDIST", "dst2", "COUNT", "1"},
      {"GEOSEARCHSTORE", "d3", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "300", "km",
       "STOREDIST"},
      {"GEORADIUS", "nokey", "15", "37", "200", "km", "STORE", "dst"},
      {"GEORADIUS", "nokey", "15", "37", "200", "km", "STORE", "dst"},
      {"GEORADIUS", "g", "15", "37", "1", "km", "STORE", "dst2"},
      {"GEORADIUSBYMEMBER", "g", "Palermo", "10", "km", "STORE", "dst5"},
      {"MULTI"},
      {"GEOADD", "m", "1", "1", "a"},
      {"GEORADIUS_RO", "m", "1", "1", "1", "km"},
      {"GEOSEARCHSTORE", "m2", "m", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"},
      {"EXEC"},
  };
  const std::string logged[2] = {LoggedBy(Kind::kRealRedis, commands),
                                 LoggedBy(Kind::kBazaarEngine, commands)};
  EXPECT_THAT(logged[0],
              HasSubstr("$4\r\nzadd\r\n$1\r\ng\r\n$2\r\nCH\r\n$16\r\n3479099956230698"));
  EXPECT_EQ(logged[1], logged[0]);
}

// LMPOP and ZMPOP are logged as the pops they were, with the count actually popped.
TEST(AofTest, MultiKeyPopsLogAsSingleKeyPops) {
  const std::vector<std::vector<std::string>> commands = {
      {"RPUSH", "l1", "a", "b", "c"},
      {"LMPOP", "2", "l0", "l1", "LEFT", "COUNT", "2"},
      {"LMPOP", "1", "l1", "RIGHT", "COUNT", "10"},
      {"LMPOP", "1", "l1", "RIGHT"},
      {"ZADD", "z", "1", "a", "2", "b", "3", "c"},
      {"ZMPOP", "2", "z0", "z", "MAX", "COUNT", "2"},
      {"ZMPOP", "1", "z", "MIN", "COUNT", "10"},
      {"ZMPOP", "1", "z", "MIN"},
  };
  const std::string logged[2] = {LoggedBy(Kind::kRealRedis, commands),
                                 LoggedBy(Kind::kBazaarEngine, commands)};
  EXPECT_THAT(logged[0], HasSubstr("ZPOPMAX"));
  EXPECT_EQ(logged[1], logged[0]);
}

// FLUSHALL, FLUSHDB and SWAPDB are logged even when they change nothing (Redis forces them).
TEST(AofTest, FlushesAndSwapsOfEmptyDatabasesAreLoggedAsRedisLogsThem) {
  const std::vector<std::vector<std::string>> commands = {
      {"FLUSHALL"},    {"FLUSHDB"},          {"SWAPDB", "0", "0"}, {"SWAPDB", "0", "1"},
      {"SELECT", "3"}, {"FLUSHDB", "ASYNC"}, {"FLUSHALL", "SYNC"}, {"FLUSHALL", "BOGUS"},
  };
  const std::string logged[2] = {LoggedBy(Kind::kRealRedis, commands),
                                 LoggedBy(Kind::kBazaarEngine, commands)};
  EXPECT_THAT(logged[0], HasSubstr("FLUSHALL"));
  EXPECT_EQ(logged[1], logged[0]);
}

// A key that expires as a command runs into it is logged as its own DEL, and the command only
// for what it changed itself: an LPOP or a BRPOP (served after a SWAPDB) that found only an
// expired key logs nothing more, a SCAN's lazy expiries are not wrapped in MULTI/EXEC.
TEST(AofTest, LazyExpiriesAreLoggedAsTheirOwnDels) {
  std::string logged[2];
  const Kind kinds[2] = {Kind::kRealRedis, Kind::kBazaarEngine};
  for (int i = 0; i < 2; ++i) {
    TempDir dir;
    ServerUnderTest server(kinds[i], AofArgs(dir.path()));
    RespClient c(server.port());
    RespClient blocked(server.port());
    c.Command({"DEBUG", "SET-ACTIVE-EXPIRE", "0"});
    const std::string at = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count() +
                                          100);
    for (const char* key : {"a", "b", "s1"}) {
      c.Command({"RPUSH", key, "x"});
      c.Command({"PEXPIREAT", key, at});
    }
    c.Command({"RPUSH", "c", "y"});
    c.Command({"SELECT", "1"});
    c.Command({"RPUSH", "k", "x"});
    c.Command({"PEXPIREAT", "k", at});
    blocked.Command({"SELECT", "9"});
    blocked.SendRaw(EncodeCommand({"BRPOP", "k", "2"}));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    c.Command({"SELECT", "0"});
    c.Command({"LPOP", "a"});
    c.Command({"RPOPLPUSH", "b", "c"});
    c.Command({"SCAN", "0", "COUNT", "100"});
    c.Command({"SWAPDB", "1", "9"});
    blocked.ReadReply(std::chrono::seconds(5));
    std::ifstream in(IncrFile(dir.path()), std::ios::binary);
    logged[i] = std::string(std::istreambuf_iterator<char>(in), {});
    size_t p = 0;
    while ((p = logged[i].find(at, p)) != std::string::npos)
      logged[i].replace(p, at.size(), "<at>");
  }
  EXPECT_THAT(logged[0], HasSubstr("$3\r\nDEL\r\n$2\r\ns1\r\n"));
  EXPECT_EQ(logged[1], logged[0]);
}

// Scripts log their effects: several writes as one MULTI/EXEC (a SELECT inside included), one
// write alone, nothing for a read-only script; FUNCTION LOAD as typed, FCALL by its effects.
TEST(AofTest, ScriptsAndFunctionsLogWhatRealRedisLogs) {
  const std::vector<std::vector<std::string>> commands = {
      {"EVAL",
       "redis.call('set','a','1'); redis.call('incr','a'); redis.call('select', 2); "
       "redis.call('set','b','x'); return redis.call('get','a')",
       "0"},
      {"EVAL", "return redis.call('set', KEYS[1], ARGV[1])", "1", "c", "1"},
      {"EVAL", "return redis.call('get', 'c')", "0"},
      {"EVAL", "redis.call('set', 'd', 1); return redis.call('nosuch')", "0"},
      {"FUNCTION", "LOAD",
       "#!lua name=l\nredis.register_function('f', function(k, a) return redis.call('set', "
       "k[1], a[1]) end)"},
      {"FCALL", "f", "1", "fk", "fv"},
      {"FUNCTION", "DELETE", "l"},
  };
  const std::string logged[2] = {LoggedBy(Kind::kRealRedis, commands),
                                 LoggedBy(Kind::kBazaarEngine, commands)};
  EXPECT_THAT(logged[0], HasSubstr("$5\r\nMULTI\r\n"));
  EXPECT_EQ(logged[1], logged[0]);
}

}  // namespace
}  // namespace bazaar::testing
