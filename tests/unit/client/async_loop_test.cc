// client/resp/async_loop: tasks posted from other threads, timers in due order, cancellation.
#include "resp/async_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"

namespace bazaar::client {
namespace {

TEST(AsyncLoopTest, RunsTasksPostedFromManyThreadsOnItsOwnThread) {
  AsyncLoop loop;
  std::atomic<int> ran{0};
  std::atomic<bool> all_on_loop{true};
  std::vector<std::thread> posters;
  for (int t = 0; t < 4; ++t) {
    posters.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        loop.Post([&] {
          if (!loop.in_loop()) all_on_loop = false;
          ++ran;
        });
      }
    });
  }
  for (auto& p : posters) p.join();
  absl::Notification done;
  loop.Post([&] { done.Notify(); });
  done.WaitForNotification();
  EXPECT_EQ(ran.load(), 4000);
  EXPECT_TRUE(all_on_loop.load());
  EXPECT_FALSE(loop.in_loop());
}

TEST(AsyncLoopTest, TimersFireInDueOrderAndCancelledOnesNever) {
  AsyncLoop loop;
  std::vector<int> order;
  absl::Notification done;
  loop.Post([&] {
    loop.After(absl::Milliseconds(30), [&] {
      order.push_back(3);
      done.Notify();
    });
    loop.After(absl::Milliseconds(10), [&] { order.push_back(1); });
    const AsyncLoop::TimerId cancelled = loop.After(absl::Milliseconds(20), [&] {
      order.push_back(99);
    });
    loop.After(absl::Milliseconds(20), [&] { order.push_back(2); });
    loop.Cancel(cancelled);
    loop.After(absl::InfiniteDuration(), [&] { order.push_back(100); });  // never due
  });
  const absl::Time start = absl::Now();
  done.WaitForNotification();
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(30));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(AsyncLoopTest, ATimerNeverRunsInsideTheCallThatSetsIt) {
  AsyncLoop loop;
  bool inside = true;
  bool ran_inside = false;
  absl::Notification done;
  loop.Post([&] {
    loop.After(absl::ZeroDuration(), [&] {
      ran_inside = inside;
      done.Notify();
    });
    inside = false;
  });
  done.WaitForNotification();
  EXPECT_FALSE(ran_inside);
}

TEST(AsyncLoopTest, DestructionRunsTasksAlreadyPosted) {
  std::atomic<int> ran{0};
  {
    AsyncLoop loop;
    for (int i = 0; i < 100; ++i) loop.Post([&] { ++ran; });
  }
  EXPECT_EQ(ran.load(), 100);
}

}  // namespace
}  // namespace bazaar::client
