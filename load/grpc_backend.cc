// GrpcBackend: MarketBackend over client::MarketClient.
#include "client/market_client.h"
#include "load/backend.h"

namespace bazaar::load {
namespace {

class GrpcBackend : public MarketBackend {
 public:
  GrpcBackend(client::MarketClientOptions client_options, const BackendOptions& options)
      : client_(std::move(client_options)), options_(options) {}

  std::string kind() const override { return "grpc"; }

  std::string Mode() override {
    auto stats = client_.Stats();
    return stats.ok() ? stats->mode : "?";
  }

  absl::Status CreateUser(const std::string& id, int64_t funds) override {
    auto r = client_.CreateUser(id, id, funds, Settings());
    return r.status();
  }
  absl::Status GrantItem(const std::string& user, const std::string& item) override {
    auto r = client_.GrantItem(user, item, Settings());
    return r.status();
  }
  absl::Status ListItem(const std::string& seller, const std::string& item, int64_t price) override {
    auto r = client_.ListItem(seller, item, price, Settings());
    return r.status();
  }
  absl::Status Purchase(const std::string& buyer, const std::string& seller, const std::string& item,
                    int64_t price) override {
    auto r = client_.PurchaseItem(buyer, seller, item, price, Settings());
    return r.status();
  }
  absl::StatusOr<std::map<std::string, int64_t>> WatchConflicts() override {
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
  absl::StatusOr<std::vector<client::MarketListing>> Browse(int page_size,
                                                            const std::string& seller) override {
    client::BrowseRequest req;
    req.page_size = page_size;
    req.seller_id = seller;
    auto r = client_.Browse(req, Settings());
    if (!r.ok()) return r.status();
    return std::move(r->listings);
  }

 private:
  client::CallSettings Settings() const {
    client::CallSettings s;
    s.timeout = options_.timeout;
    return s;
  }

  client::MarketClient client_;
  BackendOptions options_;
};

}  // namespace

std::unique_ptr<MarketBackend> NewGrpcBackend(const std::string& address,
                                              const BackendOptions& options, int channels) {
  client::MarketClientOptions o;
  o.address = address;
  o.timeout = options.timeout;
  o.channels = channels;
  return std::make_unique<GrpcBackend>(std::move(o), options);
}

}  // namespace bazaar::load
