#include "market/health.h"

#include "market/log.h"

namespace bazaar::market {

StoreHealthMonitor::StoreHealthMonitor(client::ConnectionOptions options,
                                       client::AsyncPool* pool, absl::Duration interval,
                                       std::function<void(bool)> on_change)
    : options_(std::move(options)),
      pool_(pool),
      interval_(interval),
      on_change_(std::move(on_change)) {}

StoreHealthMonitor::~StoreHealthMonitor() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void StoreHealthMonitor::Start() {
  bool up = Probe();
  up_.store(up);
  on_change_(up);
  thread_ = std::thread([this] { Loop(); });
}

bool StoreHealthMonitor::Probe() {
  if (conn_ == nullptr || conn_->broken() || moved_.exchange(false)) {
    conn_.reset();
    if (address_source_) {
      if (auto a = address_source_(); a.ok()) options_ = *a;
    }
    auto c = client::RespConnection::Connect(options_);
    if (!c.ok()) return false;
    conn_ = std::move(*c);
  }
  auto r = conn_->Command({"PING"});
  if (!r.ok()) return false;
  // A loading or otherwise refusing store answers with an error: not serving yet.
  return !r->is_error();
}

void StoreHealthMonitor::Loop() {
  while (!stop_.WaitForNotificationWithTimeout(interval_)) {
    bool up = Probe();
    if (up) pool_->NoteStoreUp();
    if (up != up_.load()) {
      up_.store(up);
      BAZAAR_LOG(WARNING) << "store " << options_.host << ":" << options_.port
                          << (up ? " answers again: SERVING" : " does not answer: NOT_SERVING");
      on_change_(up);
    }
  }
}

}  // namespace bazaar::market
