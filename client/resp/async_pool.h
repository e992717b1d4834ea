// AsyncPool: a bounded set of AsyncConnections on one AsyncLoop, lent one at a time to whoever
// runs a transaction (WATCH state belongs to a connection, so a lease is exclusive); the market
// sizes it to the transactions it runs at once. Nobody waits in a thread:
// - Connections open lazily, up to `size`; Acquire waits (FIFO, until its deadline) while all
//   are lent.
// - A lease whose connection broke is closed on release, never reused; a broken lease also
//   closes the idle connections, which are likely dead too after a store restart.
// - With an address provider (Sentinel), each new connection asks it where the primary is, and
//   a failed connect or a broken or discarded lease tells it the answer is in doubt. When the
//   primary is known to have moved (AddressChanged), connections opened before are not reused.
// - Reconnects back off exponentially after a failed connect; while backing off, an Acquire that
//   would need a new connection fails at once with UNAVAILABLE.
// Acquire, leases and callbacks: loop thread only. NoteStoreUp, AddressChanged, reconnects,
// store_up: any thread.
#ifndef BAZAAR_CLIENT_RESP_ASYNC_POOL_H_
#define BAZAAR_CLIENT_RESP_ASYNC_POOL_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "resp/async_connection.h"
#include "resp/async_loop.h"
#include "resp/connection.h"

namespace bazaar::client {

struct PoolOptions {
  ConnectionOptions connection;
  int size = 8;
  std::chrono::milliseconds reconnect_backoff_base{50};
  std::chrono::milliseconds reconnect_backoff_max{2000};
  // Where to connect, asked before each new connection (e.g. SentinelResolver::Resolve); unset:
  // `connection` always. On an error the last address it gave is used (and fails, backing off).
  std::function<absl::StatusOr<ConnectionOptions>()> address;
  // Told when the address is in doubt: a connect failed, or a lease broke or was discarded.
  std::function<void()> address_in_doubt;
};

class AsyncPool;

// A lent connection; returns it (or closes it, if broken or discarded) when destroyed.
class AsyncLease {
 public:
  AsyncLease(AsyncPool* pool, AsyncConnection* conn) : pool_(pool), conn_(conn) {}
  AsyncLease(AsyncLease&& other) noexcept
      : pool_(other.pool_), conn_(other.conn_), discard_(other.discard_) {
    other.conn_ = nullptr;
  }
  AsyncLease& operator=(AsyncLease&&) = delete;
  ~AsyncLease();

  AsyncConnection* operator->() { return conn_; }
  // Closes the connection instead of returning it (its transaction state is in doubt).
  void Discard() { discard_ = true; }

 private:
  AsyncPool* pool_;
  AsyncConnection* conn_;
  bool discard_ = false;
};

// The pool's connections and waiting calls, as of its last change (for metrics).
struct PoolGauges {
  int size = 0;  // the most connections it opens
  int open = 0;  // idle + lent + connecting
  int idle = 0;
  int connecting = 0;  // being opened
  int waiting = 0;     // calls waiting for a connection
  int lent() const { return open - idle - connecting; }
};

class AsyncPool {
 public:
  using AcquireDone = std::function<void(absl::StatusOr<AsyncLease>)>;

  // `loop` must outlive the pool; destroy the pool on the loop's thread or after it stopped.
  AsyncPool(AsyncLoop* loop, PoolOptions options);
  ~AsyncPool();
  AsyncPool(const AsyncPool&) = delete;
  AsyncPool& operator=(const AsyncPool&) = delete;

  // `done` gets a lease, DEADLINE_EXCEEDED when none became free before `deadline`, or
  // UNAVAILABLE when the store cannot be reached. Never called inside Acquire.
  void Acquire(absl::Time deadline, AcquireDone done);
  // Any thread: the store answered (a health probe), so any reconnect backoff ends.
  void NoteStoreUp();
  // Any thread: the primary moved (a sentinel announced it). Idle connections close now, lent
  // and connecting ones when they come back; new ones ask the address provider again.
  void AddressChanged();

  AsyncLoop* loop() const { return loop_; }
  int64_t reconnects() const { return reconnects_.load(); }
  bool store_up() const { return store_up_.load(); }
  // Any thread.
  PoolGauges gauges() const;

 private:
  friend class AsyncLease;
  struct Waiter {
    uint64_t id;
    AcquireDone done;
    AsyncLoop::TimerId timer;
  };
  void Release(AsyncConnection* conn, bool discard);
  // Closes an open connection for good (it leaves open_ and the generation map).
  void Close(AsyncConnection* conn);
  void CloseIdle();
  // Lends idle connections to waiters, opens new ones for the rest while there is room.
  void Dispatch();
  // Dispatch's work; Dispatch then publishes the gauges.
  void DispatchWaiters();
  void PublishGauges();
  void StartConnection();
  void ConnectFailed(const absl::Status& status);
  // Fails the waiters that no connection being opened will serve (the newest first).
  void FailUnserved(const absl::Status& status);

  AsyncLoop* loop_;
  const PoolOptions options_;
  ConnectionOptions last_address_;  // what options_.address last gave
  std::vector<AsyncConnection*> idle_;
  std::set<AsyncConnection*> connecting_list_;
  // Which AddressChanged each open connection was opened after: older ones are not reused.
  std::map<AsyncConnection*, uint64_t> generation_of_;
  uint64_t generation_ = 0;
  AsyncLoop::TimerId retry_timer_ = 0;  // the next Dispatch once a backoff ends
  std::deque<Waiter> waiters_;
  uint64_t next_waiter_ = 1;
  int open_ = 0;        // idle + lent + connecting
  int connecting_ = 0;  // opened, not yet ready
  absl::Time next_connect_ = absl::InfinitePast();
  absl::Duration backoff_ = absl::ZeroDuration();
  bool had_failure_ = false;
  std::atomic<bool> store_up_{true};
  std::atomic<int64_t> reconnects_{0};
  std::atomic<int> gauge_open_{0}, gauge_idle_{0}, gauge_connecting_{0}, gauge_waiting_{0};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace bazaar::client

#endif  // BAZAAR_CLIENT_RESP_ASYNC_POOL_H_
