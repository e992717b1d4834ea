// Reaper: returns expired stack listings to their sellers. One per bazaar-market process, on
// its own thread: every `interval` it asks the store for up to 64 listings whose expiry the
// store's clock has passed and runs MarketOps::ExpireListing on each, one after another. Every
// process may run one against the same store: ExpireListing is a transaction on the listing,
// so of two reapers (or a reaper and a buyer) only one wins, and the loser sees NOT_FOUND.
//
// Thread: Start and Stop from one thread (main); the loop runs on the reaper's own thread.
#ifndef BAZAAR_MARKET_REAPER_H_
#define BAZAAR_MARKET_REAPER_H_

#include <atomic>
#include <cstdint>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "market/market_ops.h"

namespace bazaar::market {

class Reaper {
 public:
  // `ops` must outlive the reaper.
  Reaper(MarketOps* ops, absl::Duration interval) : ops_(ops), interval_(interval) {}
  ~Reaper() { Stop(); }

  void Start();
  // Finishes the round in progress and joins the thread.
  void Stop();

  // Listings this process returned; rounds that failed (store errors), for logs and tests.
  int64_t expired() const { return expired_.load(); }
  int64_t failed_rounds() const { return failed_rounds_.load(); }

  // One round, on the caller's thread: true when every due listing it saw was handled.
  bool RunOnce();

 private:
  MarketOps* ops_;
  absl::Duration interval_;
  absl::Notification stop_;
  std::thread thread_;
  std::atomic<int64_t> expired_{0};
  std::atomic<int64_t> failed_rounds_{0};
};

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_REAPER_H_
