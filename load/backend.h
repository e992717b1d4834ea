// MarketBackend: the operations a simulated player needs, over gRPC (GrpcBackend, through
// client::MarketClient and bazaar-market) or straight over RESP (DirectBackend: the market's own
// list/purchase logic, market::MarketOps, run in this process), so the same workload can measure
// the service's overhead apart from the store's behaviour. Thread-safe; asynchronous, so that
// simulated players are state machines, not threads.
#ifndef BAZAAR_LOAD_BACKEND_H_
#define BAZAAR_LOAD_BACKEND_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "client/market_client.h"
#include "market/types.h"

namespace bazaar::load {

using StatusDone = std::function<void(absl::Status)>;
using BrowseDone = std::function<void(absl::StatusOr<std::vector<client::MarketListing>>)>;
// A purchase of stack units: its fee when it succeeded.
using FeeDone = std::function<void(absl::StatusOr<int64_t>)>;

class MarketBackend {
 public:
  virtual ~MarketBackend() = default;
  // "grpc" or "direct".
  virtual std::string kind() const = 0;
  // The contention mode in use ("fine" or "book"), for the report.
  virtual std::string Mode() = 0;
  // The calls are asynchronous: each returns at once and runs `done` exactly once later, on a
  // thread of the backend (gRPC's, or the store loop's), where the caller may start its next
  // call. Await() is the blocking form, for setup.
  virtual void CreateUser(const std::string& id, int64_t funds, StatusDone done) = 0;
  virtual void GrantItem(const std::string& user, const std::string& item, StatusDone done) = 0;
  virtual void ListItem(const std::string& seller, const std::string& item, int64_t price,
                        StatusDone done) = 0;
  virtual void Purchase(const std::string& buyer, const std::string& seller,
                        const std::string& item, int64_t price, StatusDone done) = 0;
  // The cheapest `page_size` listings (of `seller` only, when not empty).
  virtual void Browse(int page_size, const std::string& seller, BrowseDone done) = 0;
  // The economy (the economy scenario): stacks, a credit, stack listings, purchases by listing
  // or by quantity, a market's cheapest listings. `currency` empty: the market's default.
  virtual void GrantStack(const std::string& user, const std::string& type, int64_t quantity,
                          StatusDone done) = 0;
  virtual void Credit(const std::string& user, const std::string& currency, int64_t amount,
                      StatusDone done) = 0;
  virtual void ListStack(const client::StackListingSpec& spec, StatusDone done) = 0;
  virtual void PurchaseStack(const std::string& buyer, const std::string& listing_id,
                             int64_t quantity, int64_t max_unit_price, FeeDone done) = 0;
  virtual void BuyQuantity(const std::string& buyer, const std::string& type,
                           const std::string& currency, int64_t quantity, int64_t max_unit_price,
                           FeeDone done) = 0;
  // `instances`: the kind's instance listings of the economy instead of its stack listings.
  virtual void BrowseStacks(const std::string& type, const std::string& currency, bool instances,
                            int page_size, BrowseDone done) = 0;
  // Transaction attempts the market aborted on a watch conflict so far, by method name
  // ("PurchaseItem", "ListItem", "GrantItem", "CreateUser"): every aborted EXEC, whether the
  // call then succeeded or failed. Over gRPC these are the market's own Stats (all its callers).
  virtual absl::StatusOr<std::map<std::string, int64_t>> WatchConflicts() = 0;
};

// Waits for one asynchronous call: `start(done)` starts it. Never call it on a backend thread.
template <typename Start>
absl::Status Await(Start start) {
  absl::Notification finished;
  absl::Status out;
  start([&](absl::Status s) {
    out = std::move(s);
    finished.Notify();
  });
  finished.WaitForNotification();
  return out;
}

// Every mutating call carries a fresh request_id (the client's contract), in both backends.
struct BackendOptions {
  absl::Duration timeout = absl::Seconds(10);  // per call
};

// Over bazaar-market at `client.address` (with its channels, TLS and key); the timeout is
// `options.timeout`.
std::unique_ptr<MarketBackend> NewGrpcBackend(client::MarketClientOptions client,
                                              const BackendOptions& options);

struct DirectOptions {
  std::string store = "127.0.0.1:6379";
  std::string store_password;  // AUTH (empty: none)
  std::string mode = "fine";
  market::EconomyOptions economy;  // as bazaar-market's --currencies, --fee_bps, --fee_min
  absl::Duration reap_interval = absl::Seconds(1);  // the expiry reaper, as bazaar-market's
  std::string key_prefix;
  int pool_size = 16;
  int max_attempts = 100;
  absl::Duration max_retry_time = absl::Seconds(5);
};

// Straight over RESP with the market's logic; INVALID_ARGUMENT for a bad mode or address.
absl::StatusOr<std::unique_ptr<MarketBackend>> NewDirectBackend(const DirectOptions& direct,
                                                                const BackendOptions& options);

}  // namespace bazaar::load

#endif  // BAZAAR_LOAD_BACKEND_H_
