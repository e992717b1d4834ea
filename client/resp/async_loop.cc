#include "resp/async_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdint>

#include "absl/time/clock.h"

namespace bazaar::client {
namespace {

int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

}  // namespace

AsyncLoop::AsyncLoop()
    : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)), wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the wake-up eventfd
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  thread_ = std::thread([this] { Run(); });
}

AsyncLoop::~AsyncLoop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof(one));
  thread_.join();
  close(wake_fd_);
  close(epoll_fd_);
}

void AsyncLoop::Post(std::function<void()> task) {
  bool first;
  {
    std::lock_guard<std::mutex> lock(mu_);
    first = posted_.empty();
    posted_.push_back(std::move(task));
  }
  // One wake-up per batch: the loop takes every posted task at once. A task posted from the loop
  // itself needs none: the loop looks at the queue again before it waits.
  if (first && !in_loop()) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof(one));
  }
}

void AsyncLoop::Watch(int fd, uint32_t events, Handler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0 && errno == ENOENT) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  }
}

void AsyncLoop::Unwatch(int fd) { epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr); }

AsyncLoop::TimerId AsyncLoop::After(absl::Duration delay, std::function<void()> fn) {
  const TimerId id = next_timer_++;
  // An infinite (or absurd) delay is a timer that never comes due in practice.
  const int64_t due =
      NowMicros() + absl::ToInt64Microseconds(std::min(delay, absl::Hours(24 * 365)));
  timers_.emplace(std::make_pair(due, id), std::move(fn));
  timer_due_[id] = due;
  return id;
}

void AsyncLoop::Cancel(TimerId id) {
  auto it = timer_due_.find(id);
  if (it == timer_due_.end()) return;
  timers_.erase({it->second, id});
  timer_due_.erase(it);
}

void AsyncLoop::RunPosted() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(posted_);
  }
  for (auto& task : batch) task();
}

int AsyncLoop::RunTimers() {
  const int64_t now = NowMicros();
  while (!timers_.empty() && timers_.begin()->first.first <= now) {
    auto node = timers_.extract(timers_.begin());
    timer_due_.erase(node.key().second);
    node.mapped()();
  }
  if (timers_.empty()) return -1;
  const int64_t wait_us = timers_.begin()->first.first - NowMicros();
  return wait_us <= 0 ? 0 : static_cast<int>((wait_us + 999) / 1000);
}

void AsyncLoop::Run() {
  constexpr int kMaxEvents = 64;
  epoll_event events[kMaxEvents];
  for (;;) {
    RunPosted();
    const int timeout_ms = RunTimers();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_ && posted_.empty()) return;
      if (!posted_.empty()) continue;  // a timer or task posted more work
    }
    const int n = epoll_wait(epoll_fd_, events, kMaxEvents, timeout_ms);
    for (int i = 0; i < n; ++i) {
      if (events[i].data.ptr == nullptr) {
        uint64_t count;
        [[maybe_unused]] ssize_t r = read(wake_fd_, &count, sizeof(count));
        continue;
      }
      static_cast<Handler*>(events[i].data.ptr)->OnEvents(events[i].events);
    }
  }
}

}  // namespace bazaar::client
