// DirectBackend: MarketBackend running market::MarketOps in this process over a RESP pool (no
// gRPC service in between).
#include "load/backend.h"
#include "market/market_ops.h"
#include "market/redis_store.h"
#include "resp/pool.h"

namespace bazaar::load {
namespace {

class DirectBackend : public MarketBackend {
 public:
  DirectBackend(client::PoolOptions pool_options, market::MarketOptions market,
                const BackendOptions& options)
      : pool_(std::move(pool_options)),
        store_(&pool_),
        ops_(&store_, &env_, std::move(market)),
        options_(options) {}

  std::string kind() const override { return "direct"; }
  std::string Mode() override { return market::ContentionModeName(ops_.options().mode); }

  OpResult CreateUser(const std::string& id, int64_t funds) override {
    market::CallTrace trace;
    auto r = ops_.CreateUser(id, id, funds, Call(), &trace);
    return {r.status(), r.ok() ? r->info.attempts : 0};
  }
  OpResult GrantItem(const std::string& user, const std::string& item) override {
    market::CallTrace trace;
    auto r = ops_.GrantItem(user, item, Call(), &trace);
    return {r.status(), r.ok() ? r->attempts : 0};
  }
  OpResult ListItem(const std::string& seller, const std::string& item, int64_t price) override {
    market::CallTrace trace;
    auto r = ops_.ListItem(seller, item, price, Call(), &trace);
    return {r.status(), r.ok() ? r->info.attempts : 0};
  }
  OpResult Purchase(const std::string& buyer, const std::string& seller, const std::string& item,
                    int64_t price) override {
    market::CallTrace trace;
    auto r = ops_.PurchaseItem(buyer, seller, item, price, Call(), &trace);
    return {r.status(), r.ok() ? r->info.attempts : 0};
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
  market::CallOptions Call() const {
    market::CallOptions c;
    c.deadline = absl::Now() + options_.timeout;
    c.request_id = client::NewRequestId();
    return c;
  }

  client::ConnectionPool pool_;
  market::RedisStore store_;
  market::RealRetryEnv env_;
  market::MarketOps ops_;
  BackendOptions options_;
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
