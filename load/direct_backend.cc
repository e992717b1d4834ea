// DirectBackend: MarketBackend running market::MarketOps in this process over the market's own
// store (an AsyncPool on one loop thread, as in bazaar-market), with no gRPC service in between.
// The simulated players' threads wait for each call's result.
#include <memory>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "load/backend.h"
#include "market/market_ops.h"
#include "market/redis_store.h"
#include "resp/async_loop.h"
#include "resp/async_pool.h"

namespace bazaar::load {
namespace {

class DirectBackend : public MarketBackend {
 public:
  DirectBackend(client::PoolOptions pool_options, market::MarketOptions market,
                const BackendOptions& options)
      : pool_(std::make_unique<client::AsyncPool>(&loop_, std::move(pool_options))),
        store_(pool_.get()),
        ops_(&store_, &store_, std::move(market)),
        options_(options) {}
  ~DirectBackend() override {
    // The pool belongs to the loop's thread.
    absl::Notification closed;
    loop_.Post([&] {
      pool_.reset();
      closed.Notify();
    });
    closed.WaitForNotification();
  }

  std::string kind() const override { return "direct"; }
  std::string Mode() override { return market::ContentionModeName(ops_.options().mode); }

  absl::Status CreateUser(const std::string& id, int64_t funds) override {
    market::CallTrace trace;
    auto r = ops_.CreateUser(id, id, funds, Call(), &trace);
    Count("CreateUser", trace);
    return r.status();
  }
  absl::Status GrantItem(const std::string& user, const std::string& item) override {
    market::CallTrace trace;
    auto r = ops_.GrantItem(user, item, Call(), &trace);
    Count("GrantItem", trace);
    return r.status();
  }
  absl::Status ListItem(const std::string& seller, const std::string& item, int64_t price) override {
    market::CallTrace trace;
    auto r = ops_.ListItem(seller, item, price, Call(), &trace);
    Count("ListItem", trace);
    return r.status();
  }
  absl::Status Purchase(const std::string& buyer, const std::string& seller, const std::string& item,
                    int64_t price) override {
    market::CallTrace trace;
    auto r = ops_.PurchaseItem(buyer, seller, item, price, Call(), &trace);
    Count("PurchaseItem", trace);
    return r.status();
  }
  absl::StatusOr<std::map<std::string, int64_t>> WatchConflicts() override {
    absl::MutexLock lock(&mu_);
    return conflicts_;
  }
  absl::StatusOr<std::vector<client::MarketListing>> Browse(int page_size,
                                                            const std::string& seller) override {
    market::CallTrace trace;
    market::BrowseQuery q;
    q.page_size = page_size;
    q.seller_id = seller;
    auto r = ops_.BrowseMarket(q, Call(), &trace);
    if (!r.ok()) return r.status();
    std::vector<client::MarketListing> out;
    out.reserve(r->listings.size());
    for (const auto& l : r->listings) out.push_back({l.item_id, l.seller_id, l.price});
    return out;
  }

 private:
  void Count(const char* method, const market::CallTrace& trace) {
    absl::MutexLock lock(&mu_);
    conflicts_[method] += trace.watch_conflicts;
  }
  market::CallOptions Call() const {
    market::CallOptions c;
    c.deadline = absl::Now() + options_.timeout;
    c.request_id = client::NewRequestId();
    return c;
  }

  client::AsyncLoop loop_;
  std::unique_ptr<client::AsyncPool> pool_;
  market::RedisStore store_;
  market::MarketOps ops_;
  BackendOptions options_;
  absl::Mutex mu_;
  std::map<std::string, int64_t> conflicts_;  // by method, as the market's Stats counts them
};

}  // namespace

absl::StatusOr<std::unique_ptr<MarketBackend>> NewDirectBackend(const DirectOptions& direct,
                                                                const BackendOptions& options) {
  auto address = client::ParseAddress(direct.store);
  if (!address.ok()) return address.status();
  client::PoolOptions pool;
  pool.connection = *address;
  pool.size = direct.pool_size;
  market::MarketOptions market;
  if (!market::ParseContentionMode(direct.mode, &market.mode)) {
    return absl::InvalidArgumentError("--mode must be fine or book, not " + direct.mode);
  }
  market.key_prefix = direct.key_prefix;
  market.retry.max_attempts = direct.max_attempts;
  market.retry.max_time = direct.max_retry_time;
  return std::unique_ptr<MarketBackend>(
      new DirectBackend(std::move(pool), std::move(market), options));
}

}  // namespace bazaar::load
