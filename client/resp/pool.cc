#include "resp/pool.h"

#include <algorithm>

namespace bazaar::client {

PooledConnection::~PooledConnection() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Release(std::move(conn_), discard_);
}

ConnectionPool::ConnectionPool(PoolOptions options) : options_(std::move(options)) {}

absl::StatusOr<PooledConnection> ConnectionPool::Acquire(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (!idle_.empty()) {
      std::unique_ptr<RespConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      return PooledConnection(this, std::move(conn));
    }
    const Clock::time_point now = Clock::now();
    if (open_ < options_.size && now >= next_connect_) {
      // Open a new connection outside the lock.
      ++open_;
      lock.unlock();
      auto conn = RespConnection::Connect(options_.connection);
      lock.lock();
      if (conn.ok()) {
        if (had_failure_) ++reconnects_;
        store_up_ = true;
        backoff_ = std::chrono::milliseconds(0);
        next_connect_ = Clock::time_point::min();
        return PooledConnection(this, std::move(*conn));
      }
      --open_;
      store_up_ = false;
      had_failure_ = true;
      backoff_ = backoff_.count() == 0 ? options_.reconnect_backoff_base
                                       : std::min(backoff_ * 2, options_.reconnect_backoff_max);
      next_connect_ = Clock::now() + backoff_;
      cv_.notify_one();
      // With no connection left there is nothing to wait for: fail fast.
      if (open_ == 0) return conn.status();
      continue;  // others are open: wait for one of them
    }
    if (open_ == 0) {
      // Nothing open and a reconnect is backing off: the store is down.
      return absl::UnavailableError("store unreachable (reconnect backing off)");
    }
    Clock::time_point wake = deadline;
    if (open_ < options_.size && next_connect_ < wake) wake = next_connect_;
    if (cv_.wait_until(lock, wake) == std::cv_status::timeout && Clock::now() >= deadline &&
        idle_.empty()) {
      return absl::DeadlineExceededError("no store connection free before the deadline");
    }
  }
}

void ConnectionPool::Release(std::unique_ptr<RespConnection> conn, bool discard) {
  std::lock_guard<std::mutex> lock(mu_);
  if (discard || conn->broken()) {
    --open_;
    if (conn->broken()) {
      // The store probably went away: idle connections are likely dead as well.
      open_ -= static_cast<int>(idle_.size());
      idle_.clear();
      had_failure_ = true;
    }
  } else {
    idle_.push_back(std::move(conn));
  }
  cv_.notify_one();
}

void ConnectionPool::NoteStoreUp() {
  std::lock_guard<std::mutex> lock(mu_);
  backoff_ = std::chrono::milliseconds(0);
  next_connect_ = Clock::time_point::min();
}

int64_t ConnectionPool::reconnects() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reconnects_;
}

bool ConnectionPool::store_up() const {
  std::lock_guard<std::mutex> lock(mu_);
  return store_up_;
}

}  // namespace bazaar::client
