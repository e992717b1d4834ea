// client/resp: the hiredis connection and pool against a real store process.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "market_fixture.h"
#include "resp/pool.h"

namespace bazaar::market::testing {
namespace {

using client::ConnectionPool;
using client::PoolOptions;
using Clock = std::chrono::steady_clock;

PoolOptions Options(int port, int size) {
  PoolOptions o;
  o.connection.port = port;
  o.connection.connect_timeout = std::chrono::milliseconds(200);
  o.connection.command_timeout = std::chrono::milliseconds(500);
  o.size = size;
  o.reconnect_backoff_base = std::chrono::milliseconds(50);
  o.reconnect_backoff_max = std::chrono::milliseconds(200);
  return o;
}

Clock::time_point Soon() { return Clock::now() + std::chrono::seconds(2); }

class RespPoolTest : public ::testing::TestWithParam<StoreKind> {};

TEST_P(RespPoolTest, ReusesHealthyConnectionsAndRoundTripsPipelines) {
  StoreProcess store(GetParam(), false);
  ConnectionPool pool(Options(store.port(), 2));
  std::string first_id;
  {
    auto c = pool.Acquire(Soon());
    ASSERT_TRUE(c.ok()) << c.status();
    auto r = (*c)->Pipeline({{"SET", "k", std::string("a\0b", 3)}, {"GET", "k"}, {"CLIENT", "ID"}});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)[1].str, std::string("a\0b", 3));
    first_id = std::to_string((*r)[2].integer);
  }
  auto c = pool.Acquire(Soon());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(std::to_string((*c)->Command({"CLIENT", "ID"})->integer), first_id);
  EXPECT_TRUE((*c)->Command({"NOSUCHCOMMAND"})->is_error());  // an error reply is not broken
  EXPECT_FALSE((*c)->broken());
}

TEST_P(RespPoolTest, BrokenConnectionIsClosedNotReused) {
  StoreProcess store(GetParam(), false);
  ConnectionPool pool(Options(store.port(), 2));
  int64_t id;
  {
    auto c = pool.Acquire(Soon());
    ASSERT_TRUE(c.ok());
    id = (*c)->Command({"CLIENT", "ID"})->integer;
    auto admin = pool.Acquire(Soon());
    ASSERT_TRUE(admin.ok());
    (*admin)->Command({"CLIENT", "KILL", "ID", std::to_string(id)});
    EXPECT_FALSE((*c)->Command({"PING"}).ok());
    EXPECT_TRUE((*c)->broken());
  }
  auto c = pool.Acquire(Soon());
  ASSERT_TRUE(c.ok());
  auto r = (*c)->Command({"CLIENT", "ID"});
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->integer, id);
}

TEST_P(RespPoolTest, AcquireWaitsForAFreeConnectionUntilTheDeadline) {
  StoreProcess store(GetParam(), false);
  ConnectionPool pool(Options(store.port(), 1));
  auto held = pool.Acquire(Soon());
  ASSERT_TRUE(held.ok());
  auto start = Clock::now();
  auto none = pool.Acquire(Clock::now() + std::chrono::milliseconds(100));
  EXPECT_EQ(none.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(100));
}

TEST_P(RespPoolTest, StoreDownFailsFastThenReconnects) {
  StoreProcess store(GetParam(), false);
  ConnectionPool pool(Options(store.port(), 2));
  ASSERT_TRUE(pool.Acquire(Soon()).ok());
  store.Stop();
  {
    auto c = pool.Acquire(Soon());  // the idle connection is dead: the call fails, it is closed
    if (c.ok()) EXPECT_FALSE((*c)->Command({"PING"}).ok());
  }
  auto down = pool.Acquire(Soon());
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable);
  auto start = Clock::now();
  auto backing_off = pool.Acquire(Soon());
  EXPECT_EQ(backing_off.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(20));  // no connect attempt
  EXPECT_FALSE(pool.store_up());
  store.Start();
  auto deadline = Clock::now() + std::chrono::seconds(5);
  bool back = false;
  while (!back && Clock::now() < deadline) {
    auto c = pool.Acquire(Soon());
    back = c.ok() && (*c)->Command({"PING"}).ok();
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(back);
  EXPECT_TRUE(pool.store_up());
  EXPECT_GE(pool.reconnects(), 1);
}

INSTANTIATE_TEST_SUITE_P(Stores, RespPoolTest, ::testing::ValuesIn(StoreKinds()),
                         [](const auto& info) { return StoreKindName(info.param); });

}  // namespace
}  // namespace bazaar::market::testing
