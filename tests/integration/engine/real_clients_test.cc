// Real Redis clients against bazaar-engine: redis-cli (one-shot commands, a transaction piped on
// stdin, --raw and --no-raw output), redis-benchmark, python3-redis's Pub/Sub, python3-redis
// running a concurrent WATCH/MULTI/EXEC retry loop, and its scripts and locks. Where output
// format matters, the same client run against a real redis-server is the expected output.
//
// BAZAAR_DIFF_SELFTEST=1 runs these tests against redis-server instead of bazaar-engine.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "harness/process.h"
#include "harness/resp_client.h"

namespace bazaar::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

bool SelfTest() {
  const char* v = std::getenv("BAZAAR_DIFF_SELFTEST");
  return v != nullptr && *v != '\0' && std::string(v) != "0";
}

std::unique_ptr<ServerUnderTest> StartEngine(std::vector<std::string> args = {}) {
  return std::make_unique<ServerUnderTest>(
      SelfTest() ? ServerUnderTest::Kind::kRealRedis : ServerUnderTest::Kind::kBazaarEngine,
      std::move(args));
}

std::string Cli(int port, const std::string& args) {
  return RunCommand("timeout 20 " + RedisCliBinary() + " -p " + std::to_string(port) + " " + args)
      .output;
}

// Runs the same redis-cli invocations against real Redis and the engine; outputs must match.
class RedisCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = std::make_unique<ServerUnderTest>(ServerUnderTest::Kind::kRealRedis);
    engine_ = StartEngine();
  }
  void ExpectSameOutput(const std::string& args) {
    std::string want = Cli(redis_->port(), args);
    std::string got = Cli(engine_->port(), args);
    EXPECT_EQ(got, want) << "redis-cli " << args;
  }
  std::unique_ptr<ServerUnderTest> redis_;
  std::unique_ptr<ServerUnderTest> engine_;
};

TEST_F(RedisCliTest, OneShotCommandsPrintLikeRedis) {
  EXPECT_EQ(Cli(engine_->port(), "PING"), "PONG\n");
  EXPECT_EQ(Cli(engine_->port(), "SET greeting hello"), "OK\n");
  EXPECT_EQ(Cli(engine_->port(), "GET greeting"), "hello\n");
  EXPECT_EQ(Cli(engine_->port(), "DEL greeting"), "1\n");
  for (const char* args : {
           "--no-raw PING", "--no-raw SET k 'hello world'", "--no-raw GET k",
           "--no-raw GET missing", "--no-raw INCR n", "--no-raw INCRBYFLOAT f 1.5",
           "--no-raw MSET a 1 b 2", "--no-raw MGET a missing b", "--no-raw INCR k",
           "--no-raw NOSUCHCOMMAND x", "--no-raw EXISTS a b missing", "--no-raw TTL a",
           "--no-raw EXPIRE a 100", "--no-raw TYPE a", "--no-raw KEYS missing*",
           "--no-raw ECHO 'line1\\nline2'", "--no-raw GETRANGE k 0 4", "--no-raw DEL a b",
           "--no-raw SELECT 20", "--no-raw DBSIZE", "--no-raw -n 3 SET in3 v",
           "--no-raw -n 3 GET in3", "--no-raw FLUSHALL", "--no-raw DBSIZE"}) {
    ExpectSameOutput(args);
  }
}

TEST_F(RedisCliTest, RawOutputMatchesRedis) {
  for (const char* args :
       {"--raw SET multi \"$(printf 'a\\nb')\"", "--raw GET multi", "--raw GET missing", "--raw INCR n",
        "--raw MSET x 1 y 2", "--raw MGET x missing y", "--raw INCR multi", "--raw TTL x",
        "--raw ECHO ''", "--raw NOSUCH"}) {
    ExpectSameOutput(args);
  }
  EXPECT_EQ(Cli(engine_->port(), "--raw GET multi"), "a\nb\n");
  EXPECT_EQ(Cli(engine_->port(), "--raw MGET x missing y"), "1\n\n2\n");
}

TEST_F(RedisCliTest, TransactionPipedOnStdinRunsAtomically) {
  const std::string script =
      "printf 'SET counter 10\\nMULTI\\nINCR counter\\nINCRBY counter 5\\nGET counter\\n"
      "EXEC\\nGET counter\\n' | ";
  auto run = [&](int port) {
    return RunCommand(script + "timeout 20 " + RedisCliBinary() + " -p " + std::to_string(port))
        .output;
  };
  std::string got = run(engine_->port());
  EXPECT_EQ(got, "OK\nOK\nQUEUED\nQUEUED\nQUEUED\n11\n16\n16\n16\n");
  EXPECT_EQ(got, run(redis_->port()));
}

TEST_F(RedisCliTest, WatchedTransactionAbortPrintsNil) {
  // redis-cli -x style: one connection runs WATCH, a second (another redis-cli) touches the key.
  const std::string cli = "timeout 20 " + RedisCliBinary() + " -p ";
  auto run = [&](int port) {
    std::string p = std::to_string(port);
    return RunCommand("( printf 'SET w 1\\nWATCH w\\n'; sleep 0.3; printf 'MULTI\\nINCR w\\nEXEC\\n'"
                      " ) | " + cli + p + " --no-raw & sleep 0.15; " + cli + p +
                      " SET w 5 >/dev/null; wait")
        .output;
  };
  std::string got = run(engine_->port());
  EXPECT_EQ(got, "OK\nOK\nOK\nQUEUED\n(nil)\n");
  EXPECT_EQ(got, run(redis_->port()));
}

TEST(RedisBenchmarkTest, PingSetGetIncrMsetReportWithoutErrors) {
  auto engine = StartEngine();
  CommandResult r = RunCommand("timeout 60 " + RedisBenchmarkBinary() + " -p " +
                               std::to_string(engine->port()) +
                               " -t ping,set,get,incr,mset -n 2000 -q");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* test : {"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)"}) {
    std::regex line(std::string("(^|\\r|\\n)") + std::regex_replace(test, std::regex("[()]"), "\\$&") +
                    ": [0-9.]+ requests per second");
    EXPECT_TRUE(std::regex_search(r.output, line)) << "no result for " << test << " in:\n"
                                                   << r.output;
  }
  EXPECT_THAT(r.output, Not(HasSubstr("ERR")));
  EXPECT_THAT(r.output, Not(HasSubstr("rror")));
  EXPECT_THAT(r.output, Not(HasSubstr("WARN")));
  // The engine is still alive and consistent afterwards.
  RespClient c(engine->port());
  EXPECT_EQ(c.Command({"PING"}), "+PONG\r\n");
  EXPECT_EQ(c.Command({"GET", "key:__rand_int__"}), "$3\r\nVXK\r\n");
}

// The names of the tests a quiet redis-benchmark run reported ("SET: 1234.5 requests per second").
std::vector<std::string> ReportedTests(const std::string& output) {
  std::vector<std::string> names;
  std::regex line("([A-Z_]+[A-Za-z0-9_ ()]*): [0-9.]+ requests per second");
  for (std::sregex_iterator it(output.begin(), output.end(), line), end; it != end; ++it) {
    names.push_back((*it)[1]);
  }
  return names;
}

TEST(RedisBenchmarkTest, WholeDefaultSuiteRunsWithoutErrorsAsOnRedis) {
  auto engine = StartEngine();
  ServerUnderTest redis(ServerUnderTest::Kind::kRealRedis);
  auto run = [](int port) {
    return RunCommand("timeout 120 " + RedisBenchmarkBinary() + " -p " + std::to_string(port) +
                      " -n 2000 -q");
  };
  CommandResult ours = run(engine->port()), theirs = run(redis.port());
  EXPECT_EQ(ours.exit_code, 0) << ours.output;
  const auto expected = ReportedTests(theirs.output);
  ASSERT_GE(expected.size(), 20u) << theirs.output;  // the whole 7.0 default suite
  EXPECT_EQ(ReportedTests(ours.output), expected) << ours.output;
  EXPECT_THAT(ours.output, Not(HasSubstr("ERR")));
  EXPECT_THAT(ours.output, Not(HasSubstr("rror")));
  EXPECT_THAT(ours.output, Not(HasSubstr("WARN")));
  EXPECT_EQ(RespClient(engine->port()).Command({"PING"}), "+PONG\r\n");
}

// CLIENT UNBLOCK of a client really parked in BLPOP, with TIMEOUT and with ERROR: the same bytes
// as Redis.
TEST(ClientUnblockTest, UnblocksABlockedClientAsRedisDoes) {
  auto engine = StartEngine();
  ServerUnderTest redis(ServerUnderTest::Kind::kRealRedis);
  auto run = [](int port) {
    std::vector<std::string> replies;
    RespClient blocked(port), admin(port);
    for (const char* how : {"TIMEOUT", "ERROR"}) {
      std::string id = blocked.Command({"CLIENT", "ID"});
      id = id.substr(1, id.find('\r') - 1);
      blocked.SendRaw(EncodeCommand({"BLPOP", "nothing", "0"}));
      // The unblock finds the client only once it is parked: retry until it is.
      std::string unblocked;
      for (int i = 0; i < 100 && unblocked != ":1\r\n"; ++i) {
        unblocked = admin.Command({"CLIENT", "UNBLOCK", id, how});
        if (unblocked != ":1\r\n") std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      replies.push_back(unblocked);
      replies.push_back(blocked.ReadReply().value_or("(none)"));
      replies.push_back(admin.Command({"CLIENT", "UNBLOCK", id}));  // no longer blocked
    }
    return replies;
  };
  auto ours = run(engine->port());
  EXPECT_EQ(ours, run(redis.port()));
  EXPECT_EQ(ours[1], "*-1\r\n");
  EXPECT_EQ(ours[4], "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
}

// MONITOR seen from a second real redis-cli: the lines other redis-cli runs produce (a select,
// quoting, a transaction, redacted AUTH, hidden admin commands) match Redis's, with timestamps
// and client ports masked.
TEST(MonitorTest, SecondRedisCliSeesWhatRedisShows) {
  auto engine = StartEngine();
  ServerUnderTest redis(ServerUnderTest::Kind::kRealRedis);
  auto run = [](int port) {
    const std::string cli = RedisCliBinary() + " -p " + std::to_string(port);
    std::string script = "(timeout 3 " + cli + " monitor) & sleep 0.7; " + cli +
                         " -n 3 set k 'a\"b c' >/dev/null; " +
                         "printf 'MULTI\\nINCR n\\nEXEC\\n' | " + cli + " >/dev/null; " + cli +
                         " auth secret >/dev/null 2>&1; " + cli +
                         " config get maxmemory >/dev/null; " + cli + " get k >/dev/null; " + cli +
                         " eval \"redis.call('set', KEYS[1], 'x')\" 1 s >/dev/null; " + cli +
                         " evalsha 0000000000000000000000000000000000000000 0 >/dev/null; " + cli +
                         " migrate 127.0.0.1 1 nokey 0 100 AUTH2 user secret >/dev/null; " + "wait";
    std::string out = RunCommand(script).output;
    out = std::regex_replace(out, std::regex(R"(\d+\.\d{6} \[(\d+) lua\])"), "<time> [$1 lua]");
    return std::regex_replace(out, std::regex(R"(\d+\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\])"),
                              "<time> [$1 <client>]");
  };
  std::string ours = run(engine->port());
  EXPECT_EQ(ours, run(redis.port()));
  EXPECT_THAT(ours, HasSubstr("<time> [3 <client>] \"set\" \"k\" \"a\\\"b c\""));
  EXPECT_THAT(ours, HasSubstr("\"auth\" \"(redacted)\""));
  EXPECT_THAT(ours, Not(HasSubstr("config")));
  // A script is shown as it starts, then each command it runs, as the client "lua"; a script
  // that never ran (an unknown sha) is shown too.
  EXPECT_THAT(ours, HasSubstr("\"eval\" \"redis.call('set', KEYS[1], 'x')\" \"1\" \"s\"\n"
                              "<time> [0 lua] \"set\" \"s\" \"x\""));
  EXPECT_THAT(ours, HasSubstr("\"evalsha\" \"0000000000000000000000000000000000000000\" \"0\""));
  EXPECT_THAT(ours, HasSubstr("\"migrate\" \"127.0.0.1\" \"1\" \"nokey\" \"0\" \"100\" "
                              "\"AUTH2\" \"(redacted)\" \"(redacted)\""));
}

TEST(RedisBenchmarkTest, PipelinedSuiteReportsEveryTest) {
  auto engine = StartEngine();
  CommandResult r = RunCommand("timeout 60 " + RedisBenchmarkBinary() + " -p " +
                               std::to_string(engine->port()) +
                               " -t set,get,incr -n 5000 -P 16 -c 20 -q");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* test : {"SET", "GET", "INCR"}) {
    EXPECT_THAT(r.output, HasSubstr(std::string(test) + ": ")) << r.output;
  }
  // With -P 16, redis-benchmark rounds the request count up to whole pipelines.
  RespClient c(engine->port());
  std::string reply = c.Command({"GET", "counter:__rand_int__"});
  ASSERT_THAT(reply, ::testing::StartsWith("$"));
  long counter = std::strtol(reply.substr(reply.find('\n') + 1).c_str(), nullptr, 10);
  EXPECT_GE(counter, 5000) << reply;
  EXPECT_LT(counter, 5000 + 16 * 20) << reply;
}

TEST(PythonRedisTest, ConcurrentWatchRetryLoopCountsExactly) {
  auto engine = StartEngine();
  CommandResult r = RunCommand("timeout 90 /usr/bin/python3 " WATCH_COUNTER_PY " --port " +
                               std::to_string(engine->port()) +
                               " --workers 4 --increments 250 --key counter");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("final=1000 expected=1000"));
  RespClient c(engine->port());
  EXPECT_EQ(c.Command({"GET", "counter"}), "$4\r\n1000\r\n");
}

TEST(PythonRedisTest, PubSubDeliversEveryMessageInOrder) {
  auto engine = StartEngine();
  CommandResult r = RunCommand("timeout 60 /usr/bin/python3 " PUBSUB_CHAT_PY " --port " +
                               std::to_string(engine->port()) + " --messages 500");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("received=500 expected=500 counts_ok=True"));
}

// register_script (plain and pipelined EVALSHA), lock() (its Lua release and extend), and a
// slow script that a second client sees as -BUSY and ends with SCRIPT KILL.
TEST(PythonRedisTest, ScriptsLocksAndScriptKillWorkAsOnRedis) {
  auto engine = StartEngine();
  CommandResult r = RunCommand("timeout 100 /usr/bin/python3 " SCRIPTED_CLIENTS_PY " --port " +
                               std::to_string(engine->port()) + " --workers 4 --rounds 100");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("scripted=800 expected=800 locked=400 expected_locked=400"));
}

}  // namespace
}  // namespace bazaar::testing
