// client-output-buffer-limit for normal clients, against bazaar-engine and real redis-server
// alike: a client that pipelines big replies and never reads is closed once its unsent output
// passes the hard limit, or stays past the soft limit too long; the server and its other
// clients go on, and a client within the limits is never closed.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "harness/process.h"
#include "harness/resp_client.h"

namespace bazaar::testing {
namespace {

using Kind = ServerUnderTest::Kind;

class OutputLimitsTest : public ::testing::TestWithParam<Kind> {};

std::string Gets(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += "*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n";
  return out;
}

TEST_P(OutputLimitsTest, ANonReadingClientPastTheHardLimitIsClosed) {
  ServerUnderTest server(GetParam(), {"--save", ""});
  RespClient admin(server.port());
  ASSERT_EQ(admin.Command({"CONFIG", "SET", "client-output-buffer-limit", "normal 4mb 0 0"}),
            "+OK\r\n");
  admin.Command({"SET", "big", std::string(1 << 20, 'x')});
  RespClient greedy(server.port());
  greedy.SendRaw(Gets(64));  // 64 MB of replies, far past what the sockets can hold
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_TRUE(greedy.WaitClosed()) << server.name();
  EXPECT_EQ(admin.Command({"PING"}), "+PONG\r\n");
  EXPECT_EQ(admin.Command({"STRLEN", "big"}), ":1048576\r\n");
}

TEST_P(OutputLimitsTest, ASlowReaderPastTheSoftLimitForTooLongIsClosed) {
  ServerUnderTest server(GetParam(), {"--save", ""});
  RespClient admin(server.port());
  ASSERT_EQ(admin.Command({"CONFIG", "SET", "client-output-buffer-limit", "normal 0 4mb 1"}),
            "+OK\r\n");
  admin.Command({"SET", "big", std::string(1 << 20, 'x')});
  RespClient slow(server.port());
  slow.SendRaw(Gets(32));
  // Past the soft limit but not yet for a second: still open.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  slow.SendRaw(Gets(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(admin.Command({"CLIENT", "LIST"}).find("cmd=get") != std::string::npos, true)
      << server.name() << ": closed before the soft limit's seconds";
  // More output once the soft second is over (Redis counts whole seconds: over means two clock
  // seconds later at most): closed.
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  slow.SendRaw(Gets(1));
  // Give the server time to run that GET while the output is still full: WaitClosed reads (and
  // so drains) the output, and a server that ran the GET only after the drain would rightly keep
  // a client that is no longer over the limit.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_TRUE(slow.WaitClosed()) << server.name();
}

TEST_P(OutputLimitsTest, AReadingClientWithinTheLimitIsNeverClosed) {
  ServerUnderTest server(GetParam(), {"--save", ""});
  RespClient admin(server.port());
  ASSERT_EQ(admin.Command({"CONFIG", "SET", "client-output-buffer-limit", "normal 4mb 0 0"}),
            "+OK\r\n");
  admin.Command({"SET", "big", std::string(1 << 20, 'x')});
  RespClient reader(server.port());
  for (int i = 0; i < 50; ++i) {
    std::string reply = reader.Command({"GET", "big"});
    ASSERT_EQ(reply.size(), (1u << 20) + 12) << server.name() << " at GET " << i;
  }
  EXPECT_FALSE(reader.closed());
}

INSTANTIATE_TEST_SUITE_P(Servers, OutputLimitsTest,
                         ::testing::Values(Kind::kBazaarEngine, Kind::kRealRedis),
                         [](const auto& info) {
                           return info.param == Kind::kBazaarEngine ? "bazaar_engine" : "redis";
                         });

}  // namespace
}  // namespace bazaar::testing
