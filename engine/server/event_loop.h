// A minimal epoll event loop: file descriptors with handlers, a periodic tick, a hook that runs
// before each wait (where the server flushes replies: one write per connection per turn) and
// one that runs when a wait returns (where the server advances its clock).
// Single-threaded; every call must come from the loop's thread.
#ifndef BAZAAR_ENGINE_SERVER_EVENT_LOOP_H_
#define BAZAAR_ENGINE_SERVER_EVENT_LOOP_H_

#include <cstdint>
#include <functional>

namespace bazaar::engine::server {

class FdHandler {
 public:
  virtual ~FdHandler() = default;
  // `events` is an epoll event mask (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP).
  virtual void OnEvent(uint32_t events) = 0;
};

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // The handler is not owned and must stay valid until Remove(fd).
  bool Add(int fd, uint32_t events, FdHandler* handler);
  bool Modify(int fd, uint32_t events, FdHandler* handler);
  void Remove(int fd);

  void set_before_sleep(std::function<void()> fn) { before_sleep_ = std::move(fn); }
  // Runs when each wait returns, before the turn's handlers and tick.
  void set_after_wait(std::function<void()> fn) { after_wait_ = std::move(fn); }
  // `tick` runs every `period_ms` (changeable with set_tick_period).
  void set_tick(std::function<void()> fn, int period_ms) {
    tick_ = std::move(fn);
    tick_period_ms_ = period_ms;
  }
  void set_tick_period(int period_ms) { tick_period_ms_ = period_ms; }
  // Asked before each wait for the longest wait in ms (-1: no limit beyond the tick).
  void set_wait_limit(std::function<int()> fn) { wait_limit_ = std::move(fn); }

  // Runs until Stop().
  void Run();
  // Handles the events ready now, without waiting and without the hooks or the tick (a slow
  // script lets other clients in this way). Handlers must tolerate being re-entered.
  void RunOnce();
  void Stop() { stop_ = true; }

 private:
  int epoll_fd_;
  bool stop_ = false;
  std::function<void()> before_sleep_;
  std::function<void()> after_wait_;
  std::function<void()> tick_;
  std::function<int()> wait_limit_;
  int tick_period_ms_ = 100;
};

}  // namespace bazaar::engine::server

#endif  // BAZAAR_ENGINE_SERVER_EVENT_LOOP_H_
