// GrpcBackend: MarketBackend over client::MarketClient.
#include "client/market_client.h"
#include "load/backend.h"

namespace bazaar::load {
namespace {

class GrpcBackend : public MarketBackend {
 public:
  GrpcBackend(client::MarketClientOptions client_options, const BackendOptions& options)
      : several_(client_options.address.find(',') != std::string::npos),
        client_(std::move(client_options)),
        options_(options) {}

  std::string kind() const override { return "grpc"; }

  std::string Mode() override {
    auto stats = client_.Stats();
    return stats.ok() ? stats->mode : "?";
  }

  void CreateUser(const std::string& id, int64_t funds, StatusDone done) override {
    client_.CreateUserAsync(id, id, funds, Settings(), StatusOf<client::UserOutcome>(done));
  }
  void GrantItem(const std::string& user, const std::string& item, StatusDone done) override {
    client_.GrantItemAsync(user, item, Settings(), StatusOf<client::OpInfo>(done));
  }
  void ListItem(const std::string& seller, const std::string& item, int64_t price,
                StatusDone done) override {
    client_.ListItemAsync(seller, item, price, Settings(),
                          StatusOf<client::ListingOutcome>(done));
  }
  void Purchase(const std::string& buyer, const std::string& seller, const std::string& item,
                int64_t price, StatusDone done) override {
    client_.PurchaseItemAsync(buyer, seller, item, price, Settings(),
                              StatusOf<client::PurchaseOutcome>(done));
  }
  void GrantStack(const std::string& user, const std::string& type, int64_t quantity,
                  StatusDone done) override {
    client_.GrantStackAsync(user, type, quantity, Settings(), StatusOf<client::StackOutcome>(done));
  }
  void Credit(const std::string& user, const std::string& currency, int64_t amount,
              StatusDone done) override {
    client_.CreditAsync(user, currency, amount, "bazaar-load", Settings(),
                        StatusOf<client::WalletOutcome>(done));
  }
  void ListStack(const client::StackListingSpec& spec, StatusDone done) override {
    client_.ListStackAsync(spec, Settings(), StatusOf<client::ListingOutcome>(done));
  }
  void PurchaseStack(const std::string& buyer, const std::string& listing_id, int64_t quantity,
                     int64_t max_unit_price, FeeDone done) override {
    client_.PurchaseStackAsync(buyer, listing_id, quantity, max_unit_price, Settings(),
                               [done = std::move(done)](absl::StatusOr<client::PurchaseOutcome> r) {
                                 if (!r.ok()) return done(r.status());
                                 done(r->fee);
                               });
  }
  void BuyQuantity(const std::string& buyer, const std::string& type, const std::string& currency,
                   int64_t quantity, int64_t max_unit_price, FeeDone done) override {
    client_.BuyQuantityAsync(buyer, type, currency, quantity, max_unit_price, Settings(),
                             [done = std::move(done)](absl::StatusOr<client::BuyOutcome> r) {
                               if (!r.ok()) return done(r.status());
                               done(r->fee);
                             });
  }
  void BrowseStacks(const std::string& type, const std::string& currency, bool instances,
                    int page_size, BrowseDone done) override {
    client::StackBrowseRequest req;
    req.item_type = type;
    req.instances = instances;
    req.currency = currency;
    req.page_size = page_size;
    client_.BrowseStacksAsync(req, Settings(),
                              [done = std::move(done)](absl::StatusOr<client::BrowseResult> r) {
                                if (!r.ok()) return done(r.status());
                                done(std::move(r->listings));
                              });
  }
  absl::StatusOr<std::map<std::string, int64_t>> WatchConflicts() override {
    // Each market counts its own; with several, one Stats call reaches one of them.
    if (several_) return absl::UnavailableError("several markets: each keeps its own Stats");
    auto stats = client_.Stats();
    if (!stats.ok()) return stats.status();
    std::map<std::string, int64_t> out;
    for (const auto& m : stats->methods) {
      for (const auto& [cause, n] : m.aborts) {
        if (cause == "watch_conflict") out[m.method] = n;
      }
    }
    return out;
  }
  void Browse(int page_size, const std::string& seller, BrowseDone done) override {
    client::BrowseRequest req;
    req.page_size = page_size;
    req.seller_id = seller;
    client_.BrowseAsync(req, Settings(),
                        [done = std::move(done)](absl::StatusOr<client::BrowseResult> r) {
                          if (!r.ok()) return done(r.status());
                          done(std::move(r->listings));
                        });
  }

 private:
  template <typename T>
  static client::Callback<T> StatusOf(StatusDone& done) {
    return [done = std::move(done)](absl::StatusOr<T> r) { done(r.status()); };
  }
  client::CallSettings Settings() const {
    client::CallSettings s;
    s.timeout = options_.timeout;
    return s;
  }

  const bool several_;
  client::MarketClient client_;
  BackendOptions options_;
};

}  // namespace

std::unique_ptr<MarketBackend> NewGrpcBackend(client::MarketClientOptions client,
                                              const BackendOptions& options) {
  client.timeout = options.timeout;
  return std::make_unique<GrpcBackend>(std::move(client), options);
}

}  // namespace bazaar::load
