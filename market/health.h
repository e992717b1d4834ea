// StoreHealthMonitor: a thread that PINGs the store every interval over its own connection and
// reports the result as the gRPC health status ("" and "bazaar.market.v1.Market": SERVING when
// the store answers, NOT_SERVING otherwise). When the store answers again it ends the pool's
// reconnect backoff so calls recover at once.
#ifndef BAZAAR_MARKET_HEALTH_H_
#define BAZAAR_MARKET_HEALTH_H_

#include <atomic>
#include <functional>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "resp/connection.h"
#include "resp/async_pool.h"

namespace bazaar::market {

class StoreHealthMonitor {
 public:
  // `on_change(up)` is called from the monitor thread on every transition (and once at start).
  StoreHealthMonitor(client::ConnectionOptions options, client::AsyncPool* pool,
                     absl::Duration interval, std::function<void(bool)> on_change);
  ~StoreHealthMonitor();  // stops the thread
  // Sentinel mode: where to probe, asked before each reconnect (call before Start).
  void SetAddressSource(std::function<absl::StatusOr<client::ConnectionOptions>()> source) {
    address_source_ = std::move(source);
  }
  void Start();
  bool up() const { return up_.load(); }
  // Any thread: the primary moved; the next probe reconnects to the address source's answer.
  void AddressChanged() { moved_.store(true); }

 private:
  void Loop();
  bool Probe();

  client::ConnectionOptions options_;
  std::function<absl::StatusOr<client::ConnectionOptions>()> address_source_;
  client::AsyncPool* pool_;
  absl::Duration interval_;
  std::function<void(bool)> on_change_;
  std::unique_ptr<client::RespConnection> conn_;
  std::atomic<bool> up_{false};
  std::atomic<bool> moved_{false};
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_HEALTH_H_
