// DirectBackend: MarketBackend running market::MarketOps in this process over the market's own
// store (an AsyncPool on one loop thread, as in bazaar-market), with no gRPC service in between.
// Every callback runs on that loop's thread, so the simulated players run there too.
#include <memory>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "load/backend.h"
#include "market/market_ops.h"
#include "market/reaper.h"
#include "market/redis_store.h"
#include "resp/async_loop.h"
#include "resp/async_pool.h"

namespace bazaar::load {
namespace {

class DirectBackend : public MarketBackend {
 public:
  DirectBackend(client::PoolOptions pool_options, market::MarketOptions market,
                const BackendOptions& options, absl::Duration reap_interval)
      : pool_(std::make_unique<client::AsyncPool>(&loop_, std::move(pool_options))),
        store_(pool_.get()),
        ops_(&store_, &store_, std::move(market)),
        options_(options),
        reaper_(&ops_, reap_interval) {
    // Expired stack listings go back to their sellers, as bazaar-market's reaper does.
    if (reap_interval > absl::ZeroDuration()) reaper_.Start();
  }
  ~DirectBackend() override {
    reaper_.Stop();
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

  void CreateUser(const std::string& id, int64_t funds, StatusDone done) override {
    auto trace = std::make_shared<market::CallTrace>();
    ops_.CreateUser(id, id, funds, Call(), trace.get(), Finish<market::UserResult>("CreateUser", trace, done));
  }
  void GrantItem(const std::string& user, const std::string& item, StatusDone done) override {
    auto trace = std::make_shared<market::CallTrace>();
    ops_.GrantItem(user, item, Call(), trace.get(), Finish<market::CallInfo>("GrantItem", trace, done));
  }
  void ListItem(const std::string& seller, const std::string& item, int64_t price,
                StatusDone done) override {
    auto trace = std::make_shared<market::CallTrace>();
    ops_.ListItem(seller, item, price, Call(seller), trace.get(),
                  Finish<market::ListingResult>("ListItem", trace, done));
  }
  void Purchase(const std::string& buyer, const std::string& seller, const std::string& item,
                int64_t price, StatusDone done) override {
    auto trace = std::make_shared<market::CallTrace>();
    ops_.PurchaseItem(buyer, seller, item, price, Call(buyer), trace.get(),
                      Finish<market::PurchaseResult>("PurchaseItem", trace, done));
  }
  void GrantStack(const std::string& user, const std::string& type, int64_t quantity,
                  StatusDone done) override {
    auto trace = std::make_shared<market::CallTrace>();
    ops_.GrantStack(user, type, quantity, Call(), trace.get(),
                    Finish<market::StackResult>("GrantItem", trace, done));
  }
  void Credit(const std::string& user, const std::string& currency, int64_t amount,
              StatusDone done) override {
    auto trace = std::make_shared<market::CallTrace>();
    ops_.Credit(user, currency, amount, "bazaar-load", Call(), trace.get(),
                Finish<market::WalletResult>("Credit", trace, done));
  }
  void ListStack(const client::StackListingSpec& spec, StatusDone done) override {
    auto trace = std::make_shared<market::CallTrace>();
    market::StackListingRequest req{spec.seller_id, spec.item_type,
                                    spec.quantity,  spec.unit_price,
                                    spec.currency,  absl::Seconds(spec.duration_seconds),
                                    spec.item_id};
    ops_.ListStack(req, Call(spec.seller_id), trace.get(),
                   Finish<market::ListingResult>("ListItem", trace, done));
  }
  void PurchaseStack(const std::string& buyer, const std::string& listing_id, int64_t quantity,
                     int64_t max_unit_price, FeeDone done) override {
    auto trace = std::make_shared<market::CallTrace>();
    ops_.PurchaseStack(
        buyer, listing_id, quantity, max_unit_price, Call(buyer), trace.get(),
        FinishWithFee<market::PurchaseResult>("PurchaseItem", trace, std::move(done)));
  }
  void BuyQuantity(const std::string& buyer, const std::string& type, const std::string& currency,
                   int64_t quantity, int64_t max_unit_price, FeeDone done) override {
    auto trace = std::make_shared<market::CallTrace>();
    ops_.BuyQuantity(buyer, type, currency, quantity, max_unit_price, Call(buyer), trace.get(),
                     FinishWithFee<market::BuyResult>("BuyQuantity", trace, std::move(done)));
  }
  void BrowseStacks(const std::string& type, const std::string& currency, bool instances,
                    int page_size, BrowseDone done) override {
    auto trace = std::make_shared<market::CallTrace>();
    market::LotQuery q;
    q.item_type = type;
    q.instances = instances;
    q.currency = currency;
    q.page_size = page_size;
    ops_.BrowseLots(q, Call(), trace.get(),
                    [trace, done = std::move(done)](absl::StatusOr<market::BrowsePage> r) {
                      if (!r.ok()) return done(r.status());
                      std::vector<client::MarketListing> out;
                      for (const auto& l : r->listings) {
                        out.push_back({l.item_id, l.seller_id, l.price, l.listing_id, l.item_type,
                                       l.quantity, l.currency, l.created_ms, l.expires_ms});
                      }
                      done(std::move(out));
                    });
  }
  absl::StatusOr<std::map<std::string, int64_t>> WatchConflicts() override {
    absl::MutexLock lock(&mu_);
    return conflicts_;
  }
  void Browse(int page_size, const std::string& seller, BrowseDone done) override {
    auto trace = std::make_shared<market::CallTrace>();
    market::BrowseQuery q;
    q.page_size = page_size;
    q.seller_id = seller;
    ops_.BrowseMarket(q, Call(), trace.get(),
                      [trace, done = std::move(done)](
                          absl::StatusOr<market::BrowsePage> r) {
                        if (!r.ok()) return done(r.status());
                        std::vector<client::MarketListing> out;
                        out.reserve(r->listings.size());
                        for (const auto& l : r->listings) {
                          out.push_back({l.item_id, l.seller_id, l.price});
                        }
                        done(std::move(out));
                      });
  }

 private:
  // The callback of a mutating call: counts its conflicts as the market's Stats would, keeps
  // `trace` alive for the call until then, and hands on the status.
  template <typename T>
  market::Done<T> Finish(const char* method, std::shared_ptr<market::CallTrace> trace,
                         StatusDone& done) {
    return [this, method, trace, done = std::move(done)](absl::StatusOr<T> r) {
      CountConflicts(method, *trace);
      done(r.status());
    };
  }
  // As Finish, for a purchase of stack units: hands on its fee.
  template <typename T>
  market::Done<T> FinishWithFee(const char* method, std::shared_ptr<market::CallTrace> trace,
                                FeeDone done) {
    return [this, method, trace, done = std::move(done)](absl::StatusOr<T> r) {
      CountConflicts(method, *trace);
      if (!r.ok()) return done(r.status());
      done(r->fee);
    };
  }
  void CountConflicts(const char* method, const market::CallTrace& trace) {
    absl::MutexLock lock(&mu_);
    conflicts_[method] += trace.watch_conflicts;
  }
  // `player`: the acting player of a player action, as the service sets it (their frozen flag
  // is checked in the transaction, so --direct does the same work as a market).
  market::CallOptions Call(const std::string& player = "") const {
    market::CallOptions c;
    c.deadline = absl::Now() + options_.timeout;
    c.request_id = client::NewRequestId();
    c.player = player;
    return c;
  }

  client::AsyncLoop loop_;
  std::unique_ptr<client::AsyncPool> pool_;
  market::RedisStore store_;
  market::MarketOps ops_;
  BackendOptions options_;
  absl::Mutex mu_;
  std::map<std::string, int64_t> conflicts_;  // by method, as the market's Stats counts them
  market::Reaper reaper_;                     // last: stopped first, while ops_ is alive
};

}  // namespace

absl::StatusOr<std::unique_ptr<MarketBackend>> NewDirectBackend(const DirectOptions& direct,
                                                                const BackendOptions& options) {
  auto address = client::ParseAddress(direct.store);
  if (!address.ok()) return address.status();
  client::PoolOptions pool;
  pool.connection = *address;
  pool.connection.password = direct.store_password;
  pool.size = direct.pool_size;
  market::MarketOptions market;
  if (!market::ParseContentionMode(direct.mode, &market.mode)) {
    return absl::InvalidArgumentError("--mode must be fine, book or script, not " + direct.mode);
  }
  market.key_prefix = direct.key_prefix;
  market.retry.max_attempts = direct.max_attempts;
  market.retry.max_time = direct.max_retry_time;
  market.economy = direct.economy;
  return std::unique_ptr<MarketBackend>(
      new DirectBackend(std::move(pool), std::move(market), options, direct.reap_interval));
}

}  // namespace bazaar::load
