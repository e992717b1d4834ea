// AsyncLoop: one thread running an epoll loop, for RESP connections that never block a caller:
// sockets with handlers, one-shot timers, and tasks posted from any thread (woken through an
// eventfd). Everything but Post, in_loop and the destructor must be called on the loop's
// thread, i.e. from a handler, a timer or a posted task.
#ifndef BAZAAR_CLIENT_RESP_ASYNC_LOOP_H_
#define BAZAAR_CLIENT_RESP_ASYNC_LOOP_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace bazaar::client {

class AsyncLoop {
 public:
  // Told of the events (an epoll mask) on a watched socket.
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void OnEvents(uint32_t events) = 0;
  };
  using TimerId = uint64_t;

  // Starts the thread.
  AsyncLoop();
  // Runs the tasks already posted, then stops and joins the thread; timers not yet due are
  // dropped. Must not be called on the loop's thread.
  ~AsyncLoop();
  AsyncLoop(const AsyncLoop&) = delete;
  AsyncLoop& operator=(const AsyncLoop&) = delete;

  // Any thread: runs `task` on the loop's thread soon.
  void Post(std::function<void()> task);
  bool in_loop() const { return std::this_thread::get_id() == thread_.get_id(); }

  // The handler is not owned and must stay valid until Unwatch. Watch adds or changes.
  void Watch(int fd, uint32_t events, Handler* handler);
  void Unwatch(int fd);
  // Runs `fn` once, `delay` from now (never inside this call); Cancel before it ran drops it.
  TimerId After(absl::Duration delay, std::function<void()> fn);
  void Cancel(TimerId id);

 private:
  void Run();
  void RunPosted();
  // Runs due timers; returns the epoll timeout to the next one (-1: none).
  int RunTimers();

  int epoll_fd_;
  int wake_fd_;
  std::mutex mu_;
  std::vector<std::function<void()>> posted_;  // guarded by mu_
  bool stop_ = false;                          // guarded by mu_
  std::map<std::pair<int64_t, TimerId>, std::function<void()>> timers_;  // (due µs, id)
  std::map<TimerId, int64_t> timer_due_;
  TimerId next_timer_ = 1;
  std::thread thread_;
};

}  // namespace bazaar::client

#endif  // BAZAAR_CLIENT_RESP_ASYNC_LOOP_H_
