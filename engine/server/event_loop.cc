#include "engine/server/event_loop.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>

#include "engine/core/clock.h"

namespace bazaar::engine::server {

EventLoop::EventLoop() : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {}

EventLoop::~EventLoop() { close(epoll_fd_); }

bool EventLoop::Add(int fd, uint32_t events, FdHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

bool EventLoop::Modify(int fd, uint32_t events, FdHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) == 0;
}

void EventLoop::Remove(int fd) { epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr); }

void EventLoop::Run() {
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  int64_t next_tick = core::MonotonicUs() + tick_period_ms_ * 1000LL;
  while (!stop_) {
    if (before_sleep_) before_sleep_();
    if (stop_) break;
    int64_t now = core::MonotonicUs();
    int timeout_ms = next_tick > now ? static_cast<int>((next_tick - now + 999) / 1000) : 0;
    if (wait_limit_) {
      int limit = wait_limit_();
      if (limit >= 0 && limit < timeout_ms) timeout_ms = limit;
    }
    int n = epoll_wait(epoll_fd_, events, kMaxEvents, timeout_ms);
    if (n < 0 && errno != EINTR) break;
    if (after_wait_) after_wait_();
    for (int i = 0; i < n && !stop_; ++i) {
      static_cast<FdHandler*>(events[i].data.ptr)->OnEvent(events[i].events);
    }
    now = core::MonotonicUs();
    if (now >= next_tick && tick_) {
      tick_();
      next_tick = now + tick_period_ms_ * 1000LL;
    }
  }
}

void EventLoop::RunOnce() {
  constexpr int kMaxEvents = 64;
  epoll_event events[kMaxEvents];
  const int n = epoll_wait(epoll_fd_, events, kMaxEvents, 0);
  for (int i = 0; i < n; ++i) {
    static_cast<FdHandler*>(events[i].data.ptr)->OnEvent(events[i].events);
  }
}

}  // namespace bazaar::engine::server
