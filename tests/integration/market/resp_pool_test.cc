// client/resp: the asynchronous connection and pool against a real store process. The test
// thread drives the pool on its loop and waits for each answer (PoolDriver).
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "absl/synchronization/notification.h"
#include "market_fixture.h"
#include "resp/async_loop.h"
#include "resp/async_pool.h"

namespace bazaar::market::testing {
namespace {

using client::AsyncLease;
using client::AsyncPool;
using client::PoolOptions;
using Lease = std::shared_ptr<AsyncLease>;
using Argv = client::AsyncConnection::Argv;

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

absl::Time Soon() { return absl::Now() + absl::Seconds(2); }

// The pool on its own loop, with blocking calls for the test thread.
class PoolDriver {
 public:
  explicit PoolDriver(PoolOptions options)
      : pool_(std::make_unique<AsyncPool>(&loop_, std::move(options))) {}
  ~PoolDriver() {
    OnLoop([&] { pool_.reset(); });
  }

  absl::StatusOr<Lease> Acquire(absl::Time deadline) {
    absl::StatusOr<Lease> out = absl::UnknownError("unset");
    absl::Notification done;
    loop_.Post([&] {
      pool_->Acquire(deadline, [&](absl::StatusOr<AsyncLease> lease) {
        if (lease.ok()) {
          out = std::make_shared<AsyncLease>(std::move(*lease));
        } else {
          out = lease.status();
        }
        done.Notify();
      });
    });
    done.WaitForNotification();
    return out;
  }
  client::AsyncConnection::Replies Send(const Lease& lease, std::vector<Argv> commands) {
    client::AsyncConnection::Replies out = absl::UnknownError("unset");
    absl::Notification done;
    loop_.Post([&] {
      (*lease)->Send(std::move(commands), [&](client::AsyncConnection::Replies r) {
        out = std::move(r);
        done.Notify();
      });
    });
    done.WaitForNotification();
    return out;
  }
  bool Broken(const Lease& lease) {
    bool broken = false;
    OnLoop([&] { broken = (*lease)->broken(); });
    return broken;
  }
  // Gives the connection back (on the loop, where leases live).
  void Release(Lease& lease) {
    OnLoop([&] { lease.reset(); });
  }
  AsyncPool& pool() { return *pool_; }

 private:
  void OnLoop(const std::function<void()>& fn) {
    absl::Notification done;
    loop_.Post([&] {
      fn();
      done.Notify();
    });
    done.WaitForNotification();
  }

  client::AsyncLoop loop_;
  std::unique_ptr<AsyncPool> pool_;
};

class RespPoolTest : public ::testing::TestWithParam<StoreKind> {};

TEST_P(RespPoolTest, ReusesHealthyConnectionsAndRoundTripsPipelines) {
  StoreProcess store(GetParam(), false);
  PoolDriver driver(Options(store.port(), 2));
  auto c = driver.Acquire(Soon());
  ASSERT_TRUE(c.ok()) << c.status();
  auto r = driver.Send(*c, {{"SET", "k", std::string("a\0b", 3)}, {"GET", "k"}, {"CLIENT", "ID"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[1].str, std::string("a\0b", 3));
  const int64_t first_id = (*r)[2].integer;
  driver.Release(*c);
  auto again = driver.Acquire(Soon());
  ASSERT_TRUE(again.ok());
  auto id = driver.Send(*again, {{"CLIENT", "ID"}, {"NOSUCHCOMMAND"}});
  ASSERT_TRUE(id.ok());
  EXPECT_EQ((*id)[0].integer, first_id);
  EXPECT_TRUE((*id)[1].is_error());  // an error reply is not broken
  EXPECT_FALSE(driver.Broken(*again));
  driver.Release(*again);
}

TEST_P(RespPoolTest, BrokenConnectionIsClosedNotReused) {
  StoreProcess store(GetParam(), false);
  PoolDriver driver(Options(store.port(), 2));
  auto c = driver.Acquire(Soon());
  ASSERT_TRUE(c.ok());
  const int64_t id = (*driver.Send(*c, {{"CLIENT", "ID"}}))[0].integer;
  auto admin = driver.Acquire(Soon());
  ASSERT_TRUE(admin.ok());
  ASSERT_TRUE(driver.Send(*admin, {{"CLIENT", "KILL", "ID", std::to_string(id)}}).ok());
  driver.Release(*admin);
  EXPECT_FALSE(driver.Send(*c, {{"PING"}}).ok());
  EXPECT_TRUE(driver.Broken(*c));
  driver.Release(*c);
  auto fresh = driver.Acquire(Soon());
  ASSERT_TRUE(fresh.ok());
  auto r = driver.Send(*fresh, {{"CLIENT", "ID"}});
  ASSERT_TRUE(r.ok());
  EXPECT_NE((*r)[0].integer, id);
  driver.Release(*fresh);
}

TEST_P(RespPoolTest, AcquireWaitsForAFreeConnectionUntilTheDeadline) {
  StoreProcess store(GetParam(), false);
  PoolDriver driver(Options(store.port(), 1));
  auto held = driver.Acquire(Soon());
  ASSERT_TRUE(held.ok());
  const absl::Time start = absl::Now();
  auto none = driver.Acquire(absl::Now() + absl::Milliseconds(100));
  EXPECT_EQ(none.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(100));
  driver.Release(*held);
}

TEST_P(RespPoolTest, AWaiterGetsTheConnectionReleasedBeforeItsDeadline) {
  StoreProcess store(GetParam(), false);
  PoolDriver driver(Options(store.port(), 1));
  auto held = driver.Acquire(Soon());
  ASSERT_TRUE(held.ok());
  std::thread releaser([&] {
    absl::SleepFor(absl::Milliseconds(50));
    driver.Release(*held);
  });
  auto next = driver.Acquire(Soon());
  releaser.join();
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_TRUE(driver.Send(*next, {{"PING"}}).ok());
  driver.Release(*next);
}

TEST_P(RespPoolTest, StoreDownFailsFastThenReconnects) {
  StoreProcess store(GetParam(), false);
  PoolDriver driver(Options(store.port(), 2));
  {
    auto c = driver.Acquire(Soon());
    ASSERT_TRUE(c.ok());
    driver.Release(*c);
  }
  store.Stop();
  {
    auto c = driver.Acquire(Soon());  // the idle connection is dead: the call fails, it is closed
    if (c.ok()) {
      EXPECT_FALSE(driver.Send(*c, {{"PING"}}).ok());
      driver.Release(*c);
    }
  }
  auto down = driver.Acquire(Soon());
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable);
  const absl::Time start = absl::Now();
  auto backing_off = driver.Acquire(Soon());
  EXPECT_EQ(backing_off.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(20));  // no connect attempt
  EXPECT_FALSE(driver.pool().store_up());
  store.Start();
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  bool back = false;
  while (!back && absl::Now() < deadline) {
    auto c = driver.Acquire(Soon());
    if (c.ok()) {
      back = driver.Send(*c, {{"PING"}}).ok();
      driver.Release(*c);
    }
    if (!back) absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_TRUE(back);
  EXPECT_TRUE(driver.pool().store_up());
  EXPECT_GE(driver.pool().reconnects(), 1);
}

TEST_P(RespPoolTest, AStoreThatNeverAnswersTimesTheBatchOut) {
  StoreProcess store(GetParam(), false);
  PoolDriver driver(Options(store.port(), 1));
  auto c = driver.Acquire(Soon());
  ASSERT_TRUE(c.ok());
  const absl::Time start = absl::Now();
  // BLPOP on an empty list with no timeout holds the reply past the 500 ms command timeout.
  auto r = driver.Send(*c, {{"BLPOP", "nothing-here", "0"}});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(450));
  EXPECT_TRUE(driver.Broken(*c));
  driver.Release(*c);
}

// The port of the store a lease is connected to.
std::string PortOf(PoolDriver& driver, const Lease& lease) {
  auto r = driver.Send(lease, {{"CONFIG", "GET", "port"}});
  if (!r.ok() || (*r)[0].elements.size() != 2) return "?";
  return (*r)[0].elements[1].str;
}

TEST_P(RespPoolTest, AfterAnAddressChangeNoConnectionToTheOldPrimaryIsReused) {
  StoreProcess old_primary(GetParam(), false), new_primary(GetParam(), false);
  std::atomic<int> target{old_primary.port()};
  PoolOptions options = Options(old_primary.port(), 2);
  options.address = [&, base = options.connection]() -> absl::StatusOr<client::ConnectionOptions> {
    client::ConnectionOptions o = base;
    o.port = target.load();
    return o;
  };
  PoolDriver driver(options);
  auto lent = driver.Acquire(Soon());
  auto idle = driver.Acquire(Soon());
  ASSERT_TRUE(lent.ok() && idle.ok());
  EXPECT_EQ(PortOf(driver, *lent), std::to_string(old_primary.port()));
  driver.Release(*idle);

  target = new_primary.port();
  driver.pool().AddressChanged();
  // Both the idle connection and the one lent during the change are gone, although neither
  // failed: every lease from now on is on the new primary.
  driver.Release(*lent);
  for (int i = 0; i < 2; ++i) {
    auto a = driver.Acquire(Soon());
    auto b = driver.Acquire(Soon());
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(PortOf(driver, *a), std::to_string(new_primary.port()));
    EXPECT_EQ(PortOf(driver, *b), std::to_string(new_primary.port()));
    driver.Release(*a);
    driver.Release(*b);
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, RespPoolTest, ::testing::ValuesIn(StoreKinds()),
                         [](const auto& info) { return StoreKindName(info.param); });

}  // namespace
}  // namespace bazaar::market::testing
