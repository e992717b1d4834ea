// ConnectionPool: a bounded set of RespConnections shared by the threads of one process (the
// market sizes it to its server threads).
//
// - Connections are created lazily, up to `size`; Acquire blocks while all are in use.
// - A lease whose connection broke (I/O error, timeout) is closed on release, never reused: its
//   MULTI/WATCH state is unknown. A broken lease also closes the idle connections, which are
//   likely dead too after a store restart.
// - Reconnects back off exponentially (base..max) after a failed connect. While backing off,
//   Acquire fails fast with UNAVAILABLE instead of hammering a store that is down.
// Thread-safe.
#ifndef BAZAAR_CLIENT_RESP_POOL_H_
#define BAZAAR_CLIENT_RESP_POOL_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "resp/connection.h"

namespace bazaar::client {

struct PoolOptions {
  ConnectionOptions connection;
  int size = 8;
  std::chrono::milliseconds reconnect_backoff_base{50};
  std::chrono::milliseconds reconnect_backoff_max{2000};
};

class ConnectionPool;

// A connection lent by the pool; returns it (or closes it, if broken) when destroyed.
class PooledConnection {
 public:
  PooledConnection(ConnectionPool* pool, std::unique_ptr<RespConnection> conn)
      : pool_(pool), conn_(std::move(conn)) {}
  PooledConnection(PooledConnection&&) = default;
  PooledConnection& operator=(PooledConnection&&) = delete;
  ~PooledConnection();

  RespConnection* operator->() { return conn_.get(); }
  RespConnection& operator*() { return *conn_; }
  // Closes the connection instead of returning it (e.g. a transaction was left half-way).
  void Discard() { discard_ = true; }

 private:
  ConnectionPool* pool_;
  std::unique_ptr<RespConnection> conn_;
  bool discard_ = false;
};

class ConnectionPool {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ConnectionPool(PoolOptions options);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Lends a connection, waiting until `deadline` when all are busy (DEADLINE_EXCEEDED), or
  // failing with UNAVAILABLE when the store cannot be reached or a reconnect is backing off.
  absl::StatusOr<PooledConnection> Acquire(Clock::time_point deadline);

  // Tells the pool the store answered (e.g. a health probe): ends any reconnect backoff.
  void NoteStoreUp();

  int size() const { return options_.size; }
  // Connections opened after the first failure (a measure of store restarts / drops).
  int64_t reconnects() const;
  // False from a failed connect or broken connection until the next successful connect.
  bool store_up() const;

 private:
  friend class PooledConnection;
  void Release(std::unique_ptr<RespConnection> conn, bool discard);

  const PoolOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<RespConnection>> idle_;
  int open_ = 0;  // idle + lent + being connected
  Clock::time_point next_connect_ = Clock::time_point::min();
  std::chrono::milliseconds backoff_{0};
  bool had_failure_ = false;
  bool store_up_ = true;
  int64_t reconnects_ = 0;
};

}  // namespace bazaar::client

#endif  // BAZAAR_CLIENT_RESP_POOL_H_
