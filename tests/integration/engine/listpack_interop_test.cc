// Small sorted sets and hashes are Redis's listpack byte for byte across real processes: an RDB we write
// passes real redis-check-rdb, loads into real redis-server, and DUMP of each small set answers
// the same bytes on both (OBJECT ENCODING listpack on both); the same from Redis's RDB to ours.
// (Hashes are packed differently in memory and encoded as a listpack when written.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "harness/process.h"
#include "harness/resp_client.h"

namespace bazaar::testing {
namespace {

using Kind = ServerUnderTest::Kind;
using ::testing::HasSubstr;

const std::vector<std::string> kKeys = {"z-ints", "z-text",  "z-mixed", "z-long",
                                        "z-edited", "h-small", "h-edited"};

void FillSmallZSets(int port) {
  RespClient c(port);
  c.Command({"ZADD", "z-ints", "1", "1", "2", "-4096", "3", "8388607", "-7", "9223372036854775807"});
  c.Command({"ZADD", "z-text", "0.1", "alpha", "-0", "beta", "1e300", "gamma", "inf", "delta",
             "-inf", "eps"});
  c.Command({"ZADD", "z-mixed", "4503599627370497", "a", "123456789.125", "b", "-2.5", "c"});
  c.Command({"ZADD", "z-long", "5", std::string(63, 'x'), "6", std::string(64, 'y')});
  for (int i = 0; i < 40; ++i) {
    c.Command({"ZADD", "z-edited", std::to_string(i % 7) + ".5", "m" + std::to_string(i)});
  }
  c.Command({"ZREM", "z-edited", "m3", "m17"});
  c.Command({"ZINCRBY", "z-edited", "100", "m5"});
  c.Command({"HSET", "h-small", "f", "v", "1", "-4096", "n", "9223372036854775807", "e", ""});
  for (int i = 0; i < 30; ++i) {
    c.Command({"HSET", "h-edited", "f" + std::to_string(i), std::to_string(i * 1000)});
  }
  c.Command({"HDEL", "h-edited", "f3", "f17"});
  c.Command({"HSET", "h-edited", "f5", "changed"});
}

std::vector<std::string> Dumps(int port) {
  RespClient c(port);
  std::vector<std::string> out;
  for (const std::string& k : kKeys) {
    out.push_back(c.Command({"OBJECT", "ENCODING", k}));
    out.push_back(c.Command({"DUMP", k}));
  }
  return out;
}

TEST(ListpackInteropTest, OurSmallZSetsLoadIntoRealRedisWithTheSameBytes) {
  ServerUnderTest engine(Kind::kBazaarEngine);
  FillSmallZSets(engine.port());
  const std::vector<std::string> ours = Dumps(engine.port());
  ASSERT_EQ(ours[0], "$8\r\nlistpack\r\n");
  ASSERT_EQ(RespClient(engine.port()).Command({"SAVE"}), "+OK\r\n");
  const std::string dump = engine.dir() + "/dump.rdb";
  auto check = RunCommand("redis-check-rdb " + dump);
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_THAT(check.output, HasSubstr("RDB looks OK!"));

  TempDir redis_dir;
  std::filesystem::copy_file(dump, redis_dir.path() + "/dump.rdb");
  ServerUnderTest redis(Kind::kRealRedis, {"--dir", redis_dir.path(), "--dbfilename", "dump.rdb"});
  EXPECT_EQ(Dumps(redis.port()), ours);

  // Filled the same way, real Redis answers the same bytes too.
  ServerUnderTest fresh(Kind::kRealRedis);
  FillSmallZSets(fresh.port());
  EXPECT_EQ(Dumps(fresh.port()), ours);
}

TEST(ListpackInteropTest, RedisSmallZSetsLoadIntoOursKeptByteForByte) {
  ServerUnderTest redis(Kind::kRealRedis);
  FillSmallZSets(redis.port());
  const std::vector<std::string> theirs = Dumps(redis.port());
  ASSERT_EQ(RespClient(redis.port()).Command({"SAVE"}), "+OK\r\n");
  TempDir dir;
  std::filesystem::copy_file(redis.dir() + "/dump.rdb", dir.path() + "/dump.rdb");
  ServerUnderTest engine(Kind::kBazaarEngine, {"--dir", dir.path()});
  EXPECT_EQ(Dumps(engine.port()), theirs);
  // And written back out, still the same bytes after a restart.
  ASSERT_EQ(RespClient(engine.port()).Command({"DEBUG", "RELOAD"}).substr(0, 3), "+OK");
  EXPECT_EQ(Dumps(engine.port()), theirs);
}

}  // namespace
}  // namespace bazaar::testing
