// RDB snapshots with real processes: our dump passes real redis-check-rdb and loads into real
// redis-server with identical data; a dump written by real Redis 7.0 (compact encodings
// included) loads into ours; function libraries (opcode 0xF5) go both ways; BGSAVE, SHUTDOWN SAVE, SIGTERM, save points, bad files and MISCONF.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "dataset.h"
#include "harness/process.h"
#include "harness/resp_client.h"

namespace bazaar::testing {
namespace {

using Kind = ServerUnderTest::Kind;
using ::testing::HasSubstr;

TEST(RdbTest, OurDumpPassesRedisCheckRdbAndLoadsIntoRealRedis) {
  ServerUnderTest engine(Kind::kBazaarEngine);
  Populate(engine.port());
  auto expected = Dataset(engine.port());
  ASSERT_EQ(RespClient(engine.port()).Command({"SAVE"}), "+OK\r\n");
  const std::string dump = engine.dir() + "/dump.rdb";
  auto check = RunCommand("redis-check-rdb " + dump);
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_THAT(check.output, HasSubstr("RDB looks OK!"));

  TempDir redis_dir;
  std::filesystem::copy_file(dump, redis_dir.path() + "/dump.rdb");
  ServerUnderTest redis(Kind::kRealRedis, {"--dir", redis_dir.path(), "--dbfilename", "dump.rdb"});
  EXPECT_EQ(Dataset(redis.port()), expected);
}

TEST(RdbTest, DumpWrittenByRealRedisLoadsIntoOurs) {
  ServerUnderTest redis(Kind::kRealRedis);
  Populate(redis.port());
  auto expected = Dataset(redis.port());
  ASSERT_EQ(RespClient(redis.port()).Command({"SAVE"}), "+OK\r\n");
  TempDir dir;
  std::filesystem::copy_file(redis.dir() + "/dump.rdb", dir.path() + "/dump.rdb");
  ServerUnderTest engine(Kind::kBazaarEngine, {"--dir", dir.path()});
  EXPECT_EQ(Dataset(engine.port()), expected);
  EXPECT_THAT(engine.process().ReadLog(), HasSubstr("DB loaded from disk"));
}

// A library long enough to be LZF-compressed in the file, and a short one.
std::vector<std::string> FunctionLibraries() {
  std::string big = "#!lua name=big\n";
  for (int i = 0; i < 30; ++i) {
    big += "redis.register_function('g" + std::to_string(i) + "', function() return " +
           std::to_string(i) + " end)\n";
  }
  return {big, "#!lua name=small\nredis.register_function('s1', function(k, a) return a[1] end)"};
}

TEST(RdbTest, FunctionLibrariesTravelInTheRdbBothWays) {
  for (Kind writer_kind : {Kind::kBazaarEngine, Kind::kRealRedis}) {
    const Kind reader_kind = writer_kind == Kind::kRealRedis ? Kind::kBazaarEngine : Kind::kRealRedis;
    SCOPED_TRACE(writer_kind == Kind::kRealRedis ? "redis-server writes" : "bazaar-engine writes");
    ServerUnderTest writer(writer_kind);
    RespClient w(writer.port());
    for (const std::string& code : FunctionLibraries()) {
      ASSERT_EQ(w.Command({"FUNCTION", "LOAD", code}).substr(0, 1), "$");
    }
    ASSERT_EQ(w.Command({"SET", "k", "v"}), "+OK\r\n");
    const std::string listed = w.Command({"FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "small"});
    ASSERT_EQ(w.Command({"SAVE"}), "+OK\r\n");
    auto check = RunCommand("redis-check-rdb " + writer.dir() + "/dump.rdb");
    EXPECT_EQ(check.exit_code, 0) << check.output;
    TempDir dir;
    std::filesystem::copy_file(writer.dir() + "/dump.rdb", dir.path() + "/dump.rdb");
    ServerUnderTest reader(reader_kind, {"--dir", dir.path(), "--dbfilename", "dump.rdb"});
    RespClient r(reader.port());
    EXPECT_EQ(r.Command({"FCALL", "g7", "0"}), ":7\r\n");
    EXPECT_EQ(r.Command({"FCALL", "s1", "0", "hi"}), "$2\r\nhi\r\n");
    EXPECT_EQ(r.Command({"FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "small"}), listed);
    // The big library's code came through whole (its functions list in each server's own order).
    EXPECT_NE(r.Command({"FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "big"})
                  .find(FunctionLibraries()[0]),
              std::string::npos);
    EXPECT_EQ(r.Command({"GET", "k"}), "$1\r\nv\r\n");
  }
}

TEST(RdbTest, CompressionOffStillRoundTrips) {
  ServerUnderTest engine(Kind::kBazaarEngine, {"--rdbcompression", "no"});
  Populate(engine.port());
  auto expected = Dataset(engine.port());
  ASSERT_EQ(RespClient(engine.port()).Command({"SAVE"}), "+OK\r\n");
  TempDir dir;
  std::filesystem::copy_file(engine.dir() + "/dump.rdb", dir.path() + "/dump.rdb");
  ServerUnderTest again(Kind::kBazaarEngine, {"--dir", dir.path()});
  EXPECT_EQ(Dataset(again.port()), expected);
}

TEST(RdbTest, BgsaveWritesWhileServingAndReportsInInfo) {
  ServerUnderTest engine(Kind::kBazaarEngine);
  Populate(engine.port());
  RespClient c(engine.port());
  EXPECT_EQ(c.Command({"BGSAVE"}), "+Background saving started\r\n");
  EXPECT_EQ(c.Command({"PING"}), "+PONG\r\n");
  ASSERT_TRUE(WaitFor([&] {
    return c.Command({"INFO", "persistence"}).find("rdb_bgsave_in_progress:0") != std::string::npos;
  }, std::chrono::seconds(10)));
  std::string info = c.Command({"INFO", "persistence"});
  EXPECT_THAT(info, HasSubstr("rdb_last_bgsave_status:ok"));
  EXPECT_THAT(info, HasSubstr("rdb_changes_since_last_save:0"));
  EXPECT_THAT(c.Command({"INFO", "stats"}), HasSubstr("latest_fork_usec:"));
  EXPECT_EQ(RunCommand("redis-check-rdb " + engine.dir() + "/dump.rdb").exit_code, 0);
}

TEST(RdbTest, ShutdownSaveAndSigtermWithSavePointsPersistAcrossRestart) {
  TempDir dir;
  {
    ServerUnderTest engine(Kind::kBazaarEngine, {"--dir", dir.path(), "--save", "3600", "1"});
    RespClient(engine.port()).Command({"SET", "survives", "sigterm"});
    EXPECT_EQ(engine.process().Stop(SIGTERM), 0);
  }
  {
    ServerUnderTest engine(Kind::kBazaarEngine, {"--dir", dir.path(), "--save", ""});
    RespClient c(engine.port());
    EXPECT_EQ(c.Command({"GET", "survives"}), "$7\r\nsigterm\r\n");
    c.Command({"SET", "also", "shutdown-save"});
    c.Command({"SHUTDOWN", "SAVE"});
    EXPECT_TRUE(c.WaitClosed());
    EXPECT_EQ(engine.process().Wait(std::chrono::seconds(10)), 0);
  }
  ServerUnderTest engine(Kind::kBazaarEngine, {"--dir", dir.path()});
  EXPECT_EQ(RespClient(engine.port()).Command({"GET", "also"}), "$13\r\nshutdown-save\r\n");
}

TEST(RdbTest, SavePointTriggersBackgroundSave) {
  ServerUnderTest engine(Kind::kBazaarEngine, {"--save", "1", "3"});
  RespClient c(engine.port());
  for (int i = 0; i < 3; ++i) c.Command({"SET", "k" + std::to_string(i), "v"});
  EXPECT_TRUE(WaitFor([&] { return std::filesystem::exists(engine.dir() + "/dump.rdb"); },
                      std::chrono::seconds(5)));
  EXPECT_EQ(c.Command({"CONFIG", "SET", "save", ""}), "+OK\r\n");
  EXPECT_EQ(c.Command({"CONFIG", "GET", "save"}), "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
}

TEST(RdbTest, CorruptChecksumRefusesToStart) {
  ServerUnderTest writer(Kind::kBazaarEngine);
  Populate(writer.port());
  RespClient(writer.port()).Command({"SAVE"});
  std::string image = ReadFile(writer.dir() + "/dump.rdb");
  image[image.size() / 2] ^= 0x5a;  // flip bits in the middle
  TempDir dir;
  std::ofstream(dir.path() + "/dump.rdb", std::ios::binary) << image;
  int port = FreeLoopbackPort();
  ChildProcess engine(EngineBinary(), {"--port", std::to_string(port), "--dir", dir.path()},
                      dir.path() + "/log");
  int status = engine.Wait(std::chrono::seconds(10));
  ASSERT_NE(status, -1) << "the engine kept running on a corrupt dump";
  EXPECT_NE(WEXITSTATUS(status), 0);
  EXPECT_THAT(engine.ReadLog(), HasSubstr("Fatal error loading the DB"));
}

TEST(RdbTest, WrongMagicAndVersionAreRefused) {
  for (const std::string& image : {std::string("NOTREDIS0010\xff"), std::string("REDIS0099\xff")}) {
    TempDir dir;
    std::ofstream(dir.path() + "/dump.rdb", std::ios::binary) << image;
    ChildProcess engine(EngineBinary(),
                        {"--port", std::to_string(FreeLoopbackPort()), "--dir", dir.path()},
                        dir.path() + "/log");
    EXPECT_NE(engine.Wait(std::chrono::seconds(10)), -1);
    std::string log = engine.ReadLog();
    EXPECT_TRUE(log.find("Wrong signature") != std::string::npos ||
                log.find("Can't handle RDB format version 99") != std::string::npos)
        << log;
  }
}

// The child writes a temp file and renames it only when done, so killing it mid-write must leave
// the previous dump.rdb untouched; the parent reaps it, reports the failure, removes the temp
// file and keeps serving. Real Redis goes through the same steps, as the reference.
void KillBgsaveChildAndCheck(ServerUnderTest& server) {
  RespClient c(server.port());
  c.Command({"SET", "old", "value"});
  ASSERT_EQ(c.Command({"SAVE"}), "+OK\r\n");
  const std::string dump = server.dir() + "/dump.rdb";
  const std::string old_image = ReadFile(dump);
  // Enough uncompressed data that the child is still writing when it is killed.
  const std::string bulk(100000, 'x');
  for (int i = 0; i < 400; ++i) c.Command({"SET", "big" + std::to_string(i), bulk});
  ASSERT_EQ(c.Command({"BGSAVE"}), "+Background saving started\r\n");
  const std::string pid = std::to_string(server.process().pid());
  const std::string children = "/proc/" + pid + "/task/" + pid + "/children";
  std::string child;
  ASSERT_TRUE(WaitFor([&] { return !(child = ReadFile(children)).empty(); },
                      std::chrono::seconds(2)));
  ASSERT_EQ(kill(std::stoi(child), SIGKILL), 0);
  ASSERT_TRUE(WaitFor([&] {
    return c.Command({"INFO", "persistence"}).find("rdb_bgsave_in_progress:0") != std::string::npos;
  }, std::chrono::seconds(10)));

  EXPECT_THAT(c.Command({"INFO", "persistence"}), HasSubstr("rdb_last_bgsave_status:err"));
  // Reads are served; writes (and PING, as in Redis) get MISCONF: stop-writes-on-bgsave-error.
  EXPECT_EQ(c.Command({"GET", "old"}), "$5\r\nvalue\r\n");
  EXPECT_EQ(c.Command({"DBSIZE"}), ":401\r\n");
  EXPECT_THAT(c.Command({"SET", "k", "v"}), HasSubstr("-MISCONF"));
  EXPECT_EQ(ReadFile(dump), old_image) << "the old dump was touched";
  for (const auto& e : std::filesystem::directory_iterator(server.dir())) {
    EXPECT_EQ(e.path().filename().string().rfind("temp-", 0), std::string::npos)
        << "left behind: " << e.path();
  }
  EXPECT_EQ(RunCommand("redis-check-rdb " + dump).exit_code, 0);
  TempDir dir;
  std::filesystem::copy_file(dump, dir.path() + "/dump.rdb");
  ServerUnderTest again(Kind::kBazaarEngine, {"--dir", dir.path()});
  RespClient reloaded(again.port());
  EXPECT_EQ(reloaded.Command({"DBSIZE"}), ":1\r\n");
  EXPECT_EQ(reloaded.Command({"GET", "old"}), "$5\r\nvalue\r\n");
}

TEST(RdbTest, KilledBgsaveChildLeavesTheOldDumpIntactAndTheServerServing) {
  for (Kind kind : {Kind::kRealRedis, Kind::kBazaarEngine}) {
    SCOPED_TRACE(kind == Kind::kRealRedis ? "redis-server" : "bazaar-engine");
    ServerUnderTest server(kind, {"--save", "3600", "1", "--rdbcompression", "no"});
    KillBgsaveChildAndCheck(server);
  }
}

TEST(RdbTest, FailedBackgroundSaveTurnsWritesIntoMisconfUntilASaveSucceeds) {
  // Moving dir at run time is a protected change: this operator allows it.
  ServerUnderTest engine(Kind::kBazaarEngine,
                         {"--save", "3600", "1", "--enable-protected-configs", "yes"});
  RespClient c(engine.port());
  std::string gone = engine.dir() + "/vanishing";
  std::filesystem::create_directory(gone);
  ASSERT_EQ(c.Command({"CONFIG", "SET", "dir", gone}), "+OK\r\n");
  std::filesystem::remove(gone);
  c.Command({"BGSAVE"});
  ASSERT_TRUE(WaitFor([&] {
    return c.Command({"INFO", "persistence"}).find("rdb_last_bgsave_status:err") !=
           std::string::npos;
  }, std::chrono::seconds(10)));
  EXPECT_THAT(c.Command({"SET", "k", "v"}), HasSubstr("-MISCONF Redis is configured to save"));
  EXPECT_EQ(c.Command({"GET", "k"}), "$-1\r\n") << "reads still work";
  ASSERT_EQ(c.Command({"CONFIG", "SET", "dir", engine.dir()}), "+OK\r\n");
  EXPECT_EQ(c.Command({"SAVE"}), "+OK\r\n");
  EXPECT_EQ(c.Command({"SET", "k", "v"}), "+OK\r\n");
}

}  // namespace
}  // namespace bazaar::testing
