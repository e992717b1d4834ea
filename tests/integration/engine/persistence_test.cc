// RDB snapshots with real processes: our dump passes real redis-check-rdb and loads into real
// redis-server with identical data; a dump written by real Redis 7.0 (compact encodings
// included) loads into ours; BGSAVE, SHUTDOWN SAVE, SIGTERM, save points, bad files and MISCONF.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
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

#include "harness/process.h"
#include "harness/resp_client.h"

namespace bazaar::testing {
namespace {

using Kind = ServerUnderTest::Kind;
using ::testing::HasSubstr;

// Elements of a flat RESP2 array of bulk strings or integers.
std::vector<std::string> Elements(const std::string& raw) {
  std::vector<std::string> out;
  size_t pos = raw.find("\r\n");
  if (raw.empty() || raw[0] != '*' || pos == std::string::npos) return out;
  pos += 2;
  while (pos < raw.size()) {
    size_t eol = raw.find("\r\n", pos);
    if (raw[pos] == '$') {
      long len = std::stol(raw.substr(pos + 1, eol - pos - 1));
      out.push_back(raw.substr(eol + 2, len));
      pos = eol + 2 + len + 2;
    } else {
      out.push_back(raw.substr(pos + 1, eol - pos - 1));
      pos = eol + 2;
    }
  }
  return out;
}

std::string Bulk(const std::string& raw) {
  size_t eol = raw.find("\r\n");
  return raw.substr(eol + 2, raw.size() - eol - 4);
}

// Every key of every database with its type, contents (order-free where Redis's is) and whether
// it has a TTL: what "identical data" means between two servers.
std::map<std::string, std::string> Dataset(int port) {
  RespClient c(port);
  std::map<std::string, std::string> out;
  for (int db = 0; db < 16; ++db) {
    c.Command({"SELECT", std::to_string(db)});
    for (const std::string& key : Elements(c.Command({"KEYS", "*"}))) {
      std::string type = c.Command({"TYPE", key});
      std::vector<std::string> items;
      if (type == "+string\r\n") {
        items = {Bulk(c.Command({"GET", key}))};
      } else if (type == "+list\r\n") {
        items = Elements(c.Command({"LRANGE", key, "0", "-1"}));
      } else if (type == "+set\r\n") {
        items = Elements(c.Command({"SMEMBERS", key}));
        std::sort(items.begin(), items.end());
      } else if (type == "+zset\r\n") {
        items = Elements(c.Command({"ZRANGE", key, "0", "-1", "WITHSCORES"}));
      } else if (type == "+hash\r\n") {
        auto flat = Elements(c.Command({"HGETALL", key}));
        std::vector<std::string> pairs;
        for (size_t i = 0; i + 1 < flat.size(); i += 2) pairs.push_back(flat[i] + "=" + flat[i + 1]);
        std::sort(pairs.begin(), pairs.end());
        items = pairs;
      }
      std::string value = type;
      for (const auto& i : items) value += "|" + i;
      value += c.Command({"PTTL", key}) == ":-1\r\n" ? " (no ttl)" : " (ttl)";
      out[std::to_string(db) + ":" + key] = value;
    }
  }
  return out;
}

// Small and large containers of every type (so Redis uses listpack/intset and its big
// encodings), expiry, several databases, binary and integer-looking strings.
void Populate(int port) {
  RespClient c(port);
  c.Command({"SET", "plain", "hello"});
  c.Command({"SET", "number", "12345"});
  c.Command({"SET", "negative", "-70000"});
  c.Command({"SET", "binary", std::string("a\0b\r\n\xff", 6)});
  c.Command({"SET", "long", std::string(1000, 'x') + "tail"});
  c.Command({"SET", "ttl", "v", "EX", "1000"});
  c.Command({"RPUSH", "small-list", "a", "1", "-2", "300000", "bee"});
  for (int i = 0; i < 300; ++i) c.Command({"RPUSH", "big-list", "element-" + std::to_string(i)});
  c.Command({"SADD", "int-set", "1", "2", "-3", "100000", "9999999999"});
  c.Command({"SADD", "str-set", "a", "b", "c"});
  for (int i = 0; i < 600; ++i) c.Command({"SADD", "big-set", std::to_string(i * 7)});
  c.Command({"ZADD", "small-z", "1", "a", "2.5", "b", "-inf", "c", "1e20", "d"});
  for (int i = 0; i < 200; ++i) {
    c.Command({"ZADD", "big-z", std::to_string(i) + ".25", "member-" + std::to_string(i)});
  }
  c.Command({"HSET", "small-h", "f1", "v1", "f2", "2", "f3", std::string(30, 'z')});
  for (int i = 0; i < 200; ++i) {
    c.Command({"HSET", "big-h", "field-" + std::to_string(i), "value-" + std::to_string(i)});
  }
  c.Command({"SELECT", "3"});
  c.Command({"SET", "in-db3", "three"});
  c.Command({"HSET", "h3", "x", "y"});
  c.Command({"PEXPIRE", "h3", "5000000"});
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool WaitFor(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

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

TEST(RdbTest, FailedBackgroundSaveTurnsWritesIntoMisconfUntilASaveSucceeds) {
  ServerUnderTest engine(Kind::kBazaarEngine, {"--save", "3600", "1"});
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
