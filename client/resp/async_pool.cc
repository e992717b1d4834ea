#include "resp/async_pool.h"

#include <algorithm>

namespace bazaar::client {
namespace {

absl::Duration ToDuration(std::chrono::milliseconds ms) { return absl::Milliseconds(ms.count()); }

}  // namespace

AsyncLease::~AsyncLease() {
  if (conn_ != nullptr) pool_->Release(conn_, discard_);
}

AsyncPool::AsyncPool(AsyncLoop* loop, PoolOptions options)
    : loop_(loop), options_(std::move(options)), last_address_(options_.connection) {}

AsyncPool::~AsyncPool() {
  *alive_ = false;
  for (AsyncConnection* conn : idle_) conn->Close();
  for (AsyncConnection* conn : connecting_list_) conn->Close();
  for (Waiter& w : waiters_) loop_->Cancel(w.timer);
  if (retry_timer_ != 0) loop_->Cancel(retry_timer_);
}

void AsyncPool::Acquire(absl::Time deadline, AcquireDone done) {
  const uint64_t id = next_waiter_++;
  const AsyncLoop::TimerId timer =
      loop_->After(std::max(deadline - absl::Now(), absl::ZeroDuration()), [this, id] {
        auto it = std::find_if(waiters_.begin(), waiters_.end(),
                               [id](const Waiter& w) { return w.id == id; });
        if (it == waiters_.end()) return;
        Waiter w = std::move(*it);
        waiters_.erase(it);
        PublishGauges();
        w.done(absl::DeadlineExceededError("no store connection free before the deadline"));
      });
  waiters_.push_back(Waiter{id, std::move(done), timer});
  // Answers come from the loop, never from inside Acquire.
  loop_->Post([this, alive = alive_] {
    if (*alive) Dispatch();
  });
}

void AsyncPool::FailUnserved(const absl::Status& status) {
  while (static_cast<int>(waiters_.size()) > connecting_) {
    Waiter w = std::move(waiters_.back());
    waiters_.pop_back();
    loop_->Cancel(w.timer);
    w.done(status);
  }
}

PoolGauges AsyncPool::gauges() const {
  return {options_.size, gauge_open_.load(), gauge_idle_.load(), gauge_connecting_.load(),
          gauge_waiting_.load()};
}

void AsyncPool::PublishGauges() {
  gauge_open_ = open_;
  gauge_idle_ = static_cast<int>(idle_.size());
  gauge_connecting_ = connecting_;
  gauge_waiting_ = static_cast<int>(waiters_.size());
}

void AsyncPool::Dispatch() {
  DispatchWaiters();
  PublishGauges();
}

void AsyncPool::DispatchWaiters() {
  while (!waiters_.empty()) {
    if (!idle_.empty()) {
      AsyncConnection* conn = idle_.back();
      idle_.pop_back();
      Waiter w = std::move(waiters_.front());
      waiters_.pop_front();
      loop_->Cancel(w.timer);
      w.done(AsyncLease(this, conn));
      continue;
    }
    // Waiters that no connection being opened will serve.
    if (static_cast<int>(waiters_.size()) <= connecting_ || open_ >= options_.size) return;
    if (absl::Now() >= next_connect_) {
      StartConnection();
      continue;
    }
    if (open_ == 0) {
      // Nothing open and a reconnect is backing off: the store is down.
      FailUnserved(absl::UnavailableError("store unreachable (reconnect backing off)"));
      return;
    }
    // Others are open: wait for a release, or for the backoff to end.
    if (retry_timer_ == 0) {
      retry_timer_ = loop_->After(next_connect_ - absl::Now(), [this] {
        retry_timer_ = 0;
        Dispatch();
      });
    }
    return;
  }
}

void AsyncPool::StartConnection() {
  ++open_;
  ++connecting_;
  // The callback never runs inside Connect, so the slot is filled before it is read.
  auto slot = std::make_shared<AsyncConnection*>(nullptr);
  if (options_.address) {
    auto address = options_.address();
    if (address.ok()) last_address_ = *address;
  }
  *slot = AsyncConnection::Connect(
      loop_, options_.address ? last_address_ : options_.connection, [this, alive = alive_, slot](absl::Status status) {
        if (!*alive) return;
        AsyncConnection* conn = *slot;
        connecting_list_.erase(conn);
        --connecting_;
        if (!status.ok()) {
          Close(conn);
          ConnectFailed(status);
        } else if (generation_of_[conn] != generation_) {
          Close(conn);  // reached the old primary; Dispatch opens one to the new
        } else {
          if (had_failure_) ++reconnects_;
          store_up_ = true;
          backoff_ = absl::ZeroDuration();
          next_connect_ = absl::InfinitePast();
          idle_.push_back(conn);
        }
        Dispatch();
      });
  connecting_list_.insert(*slot);
  generation_of_[*slot] = generation_;
}

void AsyncPool::Close(AsyncConnection* conn) {
  --open_;
  generation_of_.erase(conn);
  conn->Close();
}

void AsyncPool::CloseIdle() {
  for (AsyncConnection* c : idle_) Close(c);
  idle_.clear();
}

void AsyncPool::ConnectFailed(const absl::Status& status) {
  if (options_.address_in_doubt) options_.address_in_doubt();
  store_up_ = false;
  had_failure_ = true;
  backoff_ = backoff_ == absl::ZeroDuration()
                 ? ToDuration(options_.reconnect_backoff_base)
                 : std::min(backoff_ * 2, ToDuration(options_.reconnect_backoff_max));
  next_connect_ = absl::Now() + backoff_;
  // With no connection left there is nothing to wait for: fail fast.
  if (open_ == 0) FailUnserved(status);
}

void AsyncPool::Release(AsyncConnection* conn, bool discard) {
  if (generation_of_[conn] != generation_) {
    Close(conn);  // opened to the old primary
  } else if (discard || conn->broken() || conn->pending() > 0) {
    if (options_.address_in_doubt) options_.address_in_doubt();
    const bool broken = conn->broken();
    Close(conn);
    if (broken) {
      // The store probably went away: idle connections are likely dead as well.
      CloseIdle();
      had_failure_ = true;
    }
  } else {
    idle_.push_back(conn);
  }
  Dispatch();
}

void AsyncPool::NoteStoreUp() {
  loop_->Post([this, alive = alive_] {
    if (!*alive) return;
    backoff_ = absl::ZeroDuration();
    next_connect_ = absl::InfinitePast();
    Dispatch();
  });
}

void AsyncPool::AddressChanged() {
  loop_->Post([this, alive = alive_] {
    if (!*alive) return;
    ++generation_;
    CloseIdle();
    // The new primary is up (it was just promoted): no reason to wait out a backoff.
    backoff_ = absl::ZeroDuration();
    next_connect_ = absl::InfinitePast();
    Dispatch();
  });
}

}  // namespace bazaar::client
