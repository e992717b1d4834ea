// MIGRATE with real processes: bazaar-engine moves every type of key into real redis-server
// with its TTL, and answers every case (NOKEY, BUSYKEY, REPLACE, COPY, KEYS, AUTH and AUTH2,
// refused SELECT, bad arguments, an unreachable target) with the bytes real Redis answers when
// it is the source, each source migrating into its own real Redis target. What the source logs
// is one DEL of the keys that left, as Redis logs it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "dataset.h"
#include "harness/process.h"
#include "harness/resp_client.h"

namespace bazaar::testing {
namespace {

using Kind = ServerUnderTest::Kind;
using ::testing::HasSubstr;
using Argv = std::vector<std::string>;

TEST(MigrateTest, EveryTypeMovesIntoRealRedisWithItsTtl) {
  ServerUnderTest engine(Kind::kBazaarEngine);
  ServerUnderTest redis(Kind::kRealRedis);
  Populate(engine.port());
  const auto expected = Dataset(engine.port());
  ASSERT_GT(expected.size(), 10u);
  RespClient source(engine.port());
  for (int db = 0; db < 16; ++db) {
    source.Command({"SELECT", std::to_string(db)});
    std::vector<std::string> keys = Elements(source.Command({"KEYS", "*"}));
    if (keys.empty()) continue;
    Argv migrate = {"MIGRATE", "127.0.0.1", std::to_string(redis.port()), "", std::to_string(db),
                    "5000",    "KEYS"};
    migrate.insert(migrate.end(), keys.begin(), keys.end());
    EXPECT_EQ(source.Command(migrate), "+OK\r\n") << "db " << db;
  }
  EXPECT_EQ(Dataset(redis.port()), expected);
  EXPECT_TRUE(Dataset(engine.port()).empty());
}

// Runs `steps` on a source of `kind` migrating into its own real Redis target; returns every
// reply, then the source's AOF. "{target}" in a step is the target's port, "{auth}" that of a
// second target with requirepass pw, "{closed}" a port nobody listens on; a step starting with
// "target:" runs on the first target.
std::vector<std::string> RunOn(Kind kind, const std::vector<Argv>& steps) {
  TempDir dir;
  ServerUnderTest source(kind, {"--dir", dir.path(), "--appendonly", "yes", "--save", ""});
  ServerUnderTest target(Kind::kRealRedis);
  ServerUnderTest auth(Kind::kRealRedis, {"--requirepass", "pw"});
  RespClient s(source.port());
  RespClient t(target.port());
  // Free when asked, so nobody listens there.
  const std::string closed = std::to_string(FreeLoopbackPort());
  std::vector<std::string> replies;
  for (Argv argv : steps) {
    RespClient* on = &s;
    if (argv[0] == "target:") {
      on = &t;
      argv.erase(argv.begin());
    }
    for (std::string& a : argv) {
      if (a == "{target}") a = std::to_string(target.port());
      if (a == "{auth}") a = std::to_string(auth.port());
      if (a == "{closed}") a = closed;
    }
    replies.push_back(on->Command(argv));
  }
  std::string incr;
  for (const auto& e : std::filesystem::directory_iterator(dir.path() + "/appendonlydir")) {
    if (e.path().string().find(".incr.aof") != std::string::npos) {
      std::ifstream in(e.path(), std::ios::binary);
      incr = std::string(std::istreambuf_iterator<char>(in), {});
    }
  }
  replies.push_back(incr);
  return replies;
}

TEST(MigrateTest, EveryCaseAnswersAndLogsWhatRealRedisDoes) {
  const std::vector<Argv> steps = {
      {"SET", "k", "v"},
      {"MIGRATE", "127.0.0.1", "{target}", "k", "0", "1000"},
      {"EXISTS", "k"},
      {"target:", "GET", "k"},
      {"MIGRATE", "127.0.0.1", "{target}", "k", "0", "1000"},  // gone: NOKEY
      {"SET", "k", "v2"},
      {"MIGRATE", "127.0.0.1", "{target}", "k", "0", "1000"},  // BUSYKEY, k stays
      {"EXISTS", "k"},
      {"MIGRATE", "127.0.0.1", "{target}", "k", "0", "1000", "REPLACE"},
      {"target:", "GET", "k"},
      {"SET", "k", "v3"},
      {"MIGRATE", "127.0.0.1", "{target}", "k", "0", "1000", "COPY", "REPLACE"},
      {"EXISTS", "k"},
      {"MSET", "a", "1", "b", "2", "c", "3"},
      {"target:", "SELECT", "3"},
      {"target:", "SET", "b", "taken"},
      {"target:", "SELECT", "0"},
      {"MIGRATE", "127.0.0.1", "{target}", "", "3", "1000", "KEYS", "a", "nosuch", "b", "c"},
      {"target:", "SELECT", "3"},
      {"target:", "MGET", "a", "b", "c"},
      {"target:", "SELECT", "0"},
      {"EXISTS", "a", "b", "c"},
      {"MIGRATE", "127.0.0.1", "{target}", "b", "0", "1000", "KEYS", "b"},
      {"MIGRATE", "127.0.0.1", "{target}", "", "0", "1000", "KEYS", "nosuch1", "nosuch2"},
      {"MIGRATE", "127.0.0.1", "{target}", "b", "0", "abc"},
      {"MIGRATE", "127.0.0.1", "{target}", "b", "x", "1000"},
      {"MIGRATE", "127.0.0.1", "{target}", "b", "0", "1000", "BOGUS"},
      {"MIGRATE", "127.0.0.1", "{target}", "b", "0", "1000", "AUTH"},
      {"MIGRATE", "127.0.0.1", "{target}", "b", "0", "1000", "AUTH2", "user"},
      {"MIGRATE", "127.0.0.1", "{target}", "b", "16", "1000"},  // SELECT refused
      {"MIGRATE", "127.0.0.1", "{closed}", "b", "0", "1000"},
      {"MIGRATE", "127.0.0.1", "{target}", "b", "0", "0", "COPY"},  // 0: Redis's default timeout
      {"MIGRATE", "127.0.0.1", "{auth}", "b", "0", "1000", "REPLACE"},
      {"MIGRATE", "127.0.0.1", "{auth}", "b", "0", "1000", "REPLACE", "AUTH", "wrong"},
      {"MIGRATE", "127.0.0.1", "{auth}", "b", "0", "1000", "REPLACE", "AUTH", "pw"},
      {"SET", "d", "4"},
      {"MIGRATE", "127.0.0.1", "{auth}", "d", "0", "1000", "AUTH2", "default", "pw"},
      {"EXISTS", "b", "d"},
  };
  const auto theirs = RunOn(Kind::kRealRedis, steps);
  const auto ours = RunOn(Kind::kBazaarEngine, steps);
  ASSERT_EQ(ours.size(), theirs.size());
  for (size_t i = 0; i + 1 < steps.size() + 1; ++i) {
    std::string step;
    for (const auto& a : i < steps.size() ? steps[i] : Argv{"<the source's AOF>"}) step += a + " ";
    EXPECT_EQ(ours[i], theirs[i]) << "step " << i << ": " << step;
  }
  EXPECT_THAT(theirs.back(), HasSubstr("$3\r\nDEL\r\n"));
}

// The source keeps its connection to a target, as Redis does: a second MIGRATE there opens no
// new one (and selects no database again), INFO counts it, and when the target drops it the next
// MIGRATE reconnects by itself. Engine and real Redis as the source behave alike.
TEST(MigrateTest, TheConnectionToATargetIsKeptAndReopenedWhenTheTargetDropsIt) {
  for (Kind kind : {Kind::kBazaarEngine, Kind::kRealRedis}) {
    ServerUnderTest source(kind);
    ServerUnderTest target(Kind::kRealRedis);
    RespClient s(source.port());
    RespClient t(target.port());
    const std::string name = source.name();
    auto received = [&] {
      std::string info = t.Command({"INFO", "stats"});
      size_t at = info.find("total_connections_received:");
      return std::stoll(info.substr(at + 27));
    };
    auto cached = [&] {
      std::string info = s.Command({"INFO", "stats"});
      size_t at = info.find("migrate_cached_sockets:");
      return std::stoll(info.substr(at + 23));
    };
    for (const char* k : {"k1", "k2", "k3"}) s.Command({"SET", k, "v"});
    const Argv migrate = {"MIGRATE", "127.0.0.1", std::to_string(target.port()), "", "3", "5000"};
    auto move = [&](const std::string& key) {
      Argv a = migrate;
      a[3] = key;
      return s.Command(a);
    };
    EXPECT_EQ(cached(), 0) << name;
    EXPECT_EQ(move("k1"), "+OK\r\n") << name;
    EXPECT_EQ(cached(), 1) << name;
    const int64_t after_first = received();
    EXPECT_EQ(move("k2"), "+OK\r\n") << name;
    EXPECT_EQ(received(), after_first) << name << ": the second MIGRATE reused the connection";
    EXPECT_EQ(t.Command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"}), ":1\r\n") << name;
    EXPECT_EQ(move("k3"), "+OK\r\n") << name << ": a dropped connection is opened again";
    EXPECT_EQ(received(), after_first + 1) << name;
    t.Command({"SELECT", "3"});
    EXPECT_EQ(t.Command({"DBSIZE"}), ":3\r\n") << name;
  }
}

}  // namespace
}  // namespace bazaar::testing
