#include "client/market_client.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include "absl/strings/str_format.h"
#include "market/v1/market.grpc.pb.h"

namespace bazaar::client {

namespace v1 = bazaar::market::v1;

namespace {

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}() ^
                                   std::hash<std::thread::id>()(std::this_thread::get_id())};
  return rng;
}

absl::Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

MarketListing FromProto(const v1::Listing& l) { return {l.item_id(), l.seller_id(), l.price()}; }

void FillInfo(const v1::CallInfo& from, OpInfo* info) {
  info->attempts = from.attempts();
  info->replayed = from.replayed();
}

}  // namespace

std::string NewRequestId() {
  auto& rng = Rng();
  return absl::StrFormat("%016x%016x", rng(), rng());
}

std::string Reason(const absl::Status& status) {
  if (status.ok()) return "";
  absl::string_view msg = status.message();
  size_t colon = msg.find(": ");
  if (colon != absl::string_view::npos && colon > 0) {
    bool reason = std::all_of(msg.begin(), msg.begin() + colon, [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
    if (reason) return std::string(msg.substr(0, colon));
  }
  return absl::StatusCodeToString(status.code());
}

class MarketClient::Impl {
 public:
  explicit Impl(const MarketClientOptions& options) : options_(options) {
    int n = std::max(1, options.channels);
    for (int i = 0; i < n; ++i) {
      grpc::ChannelArguments args;
      // Separate subchannels, so that several channels are really several connections.
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      channels_.push_back(
          grpc::CreateCustomChannel(options.address, grpc::InsecureChannelCredentials(), args));
      stubs_.push_back(v1::Market::NewStub(channels_.back()));
    }
  }

  absl::Status WaitForReady(absl::Duration timeout) {
    auto deadline = std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout);
    for (auto& ch : channels_) {
      if (!ch->WaitForConnected(deadline)) {
        return absl::UnavailableError("UNAVAILABLE: cannot connect to " + options_.address);
      }
    }
    return absl::OkStatus();
  }

  // One logical operation: up to 1 + max_retries RPCs, all within one deadline. `send(stub,
  // ctx)` performs one RPC.
  template <typename Send>
  absl::Status Call(const CallSettings& call, bool mutating, int* rpcs, Send send) {
    absl::Duration timeout = call.timeout > absl::ZeroDuration() ? call.timeout : options_.timeout;
    const auto deadline = std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout);
    absl::Status status;
    for (int attempt = 0;; ++attempt) {
      grpc::ClientContext ctx;
      ctx.set_deadline(deadline);
      v1::Market::Stub* stub = stubs_[next_.fetch_add(1, std::memory_order_relaxed) %
                                      stubs_.size()].get();
      status = FromGrpc(send(stub, &ctx));
      if (rpcs != nullptr) *rpcs = attempt + 1;
      if (status.ok() || attempt >= options_.max_retries || !Retriable(status, mutating)) {
        return status;
      }
      absl::Duration cap = std::min(options_.backoff_max, options_.backoff_base * (1 << std::min(attempt, 16)));
      std::uniform_real_distribution<double> u(0, 1);
      const absl::Duration left = absl::FromChrono(deadline - std::chrono::system_clock::now());
      const absl::Duration pause = cap * u(Rng());
      // No time for another attempt: the deadline is the answer, as gRPC would give it.
      if (pause >= left) {
        return absl::DeadlineExceededError("Deadline Exceeded (last attempt: " +
                                           std::string(status.message()) + ")");
      }
      absl::SleepFor(pause);
    }
  }

 private:
  bool Retriable(const absl::Status& s, bool mutating) const {
    if (s.code() == absl::StatusCode::kUnavailable) return true;
    return s.code() == absl::StatusCode::kAborted && options_.retry_aborted;
  }

  const MarketClientOptions& options_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<v1::Market::Stub>> stubs_;
  std::atomic<uint64_t> next_{0};
};

MarketClient::MarketClient(MarketClientOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>(options_)) {}
MarketClient::~MarketClient() = default;

absl::Status MarketClient::WaitForReady(absl::Duration timeout) {
  return impl_->WaitForReady(timeout);
}

namespace {
std::string IdFor(const CallSettings& call) {
  return call.request_id.empty() ? NewRequestId() : call.request_id;
}
}  // namespace

absl::StatusOr<UserOutcome> MarketClient::CreateUser(const std::string& user_id,
                                                     const std::string& name, int64_t funds,
                                                     const CallSettings& call) {
  v1::CreateUserRequest req;
  req.set_user_id(user_id);
  req.set_name(name);
  req.set_funds(funds);
  req.set_request_id(IdFor(call));
  v1::CreateUserResponse resp;
  UserOutcome out;
  absl::Status s = impl_->Call(call, true, &out.info.rpcs, [&](auto* stub, auto* ctx) {
    return stub->CreateUser(ctx, req, &resp);
  });
  if (!s.ok()) return s;
  out.user = {resp.user().user_id(), resp.user().name(), resp.user().funds(), {}};
  FillInfo(resp.info(), &out.info);
  out.info.request_id = req.request_id();
  return out;
}

absl::StatusOr<MarketUser> MarketClient::GetUser(const std::string& user_id,
                                                 const CallSettings& call) {
  v1::GetUserRequest req;
  req.set_user_id(user_id);
  v1::GetUserResponse resp;
  absl::Status s = impl_->Call(call, false, nullptr, [&](auto* stub, auto* ctx) {
    return stub->GetUser(ctx, req, &resp);
  });
  if (!s.ok()) return s;
  const v1::User& u = resp.user();
  return MarketUser{u.user_id(), u.name(), u.funds(), {u.inventory().begin(), u.inventory().end()}};
}

absl::StatusOr<OpInfo> MarketClient::GrantItem(const std::string& user_id,
                                               const std::string& item_id,
                                               const CallSettings& call) {
  v1::GrantItemRequest req;
  req.set_user_id(user_id);
  req.set_item_id(item_id);
  req.set_request_id(IdFor(call));
  v1::GrantItemResponse resp;
  OpInfo info;
  absl::Status s = impl_->Call(call, true, &info.rpcs, [&](auto* stub, auto* ctx) {
    return stub->GrantItem(ctx, req, &resp);
  });
  if (!s.ok()) return s;
  FillInfo(resp.info(), &info);
  info.request_id = req.request_id();
  return info;
}

absl::StatusOr<ListingOutcome> MarketClient::ListItem(const std::string& seller_id,
                                                      const std::string& item_id, int64_t price,
                                                      const CallSettings& call) {
  v1::ListItemRequest req;
  req.set_seller_id(seller_id);
  req.set_item_id(item_id);
  req.set_price(price);
  req.set_request_id(IdFor(call));
  v1::ListItemResponse resp;
  ListingOutcome out;
  absl::Status s = impl_->Call(call, true, &out.info.rpcs, [&](auto* stub, auto* ctx) {
    return stub->ListItem(ctx, req, &resp);
  });
  if (!s.ok()) return s;
  out.listing = FromProto(resp.listing());
  FillInfo(resp.info(), &out.info);
  out.info.request_id = req.request_id();
  return out;
}

absl::StatusOr<ListingOutcome> MarketClient::CancelListing(const std::string& seller_id,
                                                           const std::string& item_id,
                                                           const CallSettings& call) {
  v1::CancelListingRequest req;
  req.set_seller_id(seller_id);
  req.set_item_id(item_id);
  req.set_request_id(IdFor(call));
  v1::CancelListingResponse resp;
  ListingOutcome out;
  absl::Status s = impl_->Call(call, true, &out.info.rpcs, [&](auto* stub, auto* ctx) {
    return stub->CancelListing(ctx, req, &resp);
  });
  if (!s.ok()) return s;
  out.listing = FromProto(resp.listing());
  FillInfo(resp.info(), &out.info);
  out.info.request_id = req.request_id();
  return out;
}

absl::StatusOr<PurchaseOutcome> MarketClient::PurchaseItem(const std::string& buyer_id,
                                                           const std::string& seller_id,
                                                           const std::string& item_id,
                                                           int64_t expected_price,
                                                           const CallSettings& call) {
  v1::PurchaseItemRequest req;
  req.set_buyer_id(buyer_id);
  req.set_seller_id(seller_id);
  req.set_item_id(item_id);
  req.set_expected_price(expected_price);
  req.set_request_id(IdFor(call));
  v1::PurchaseItemResponse resp;
  PurchaseOutcome out;
  absl::Status s = impl_->Call(call, true, &out.info.rpcs, [&](auto* stub, auto* ctx) {
    return stub->PurchaseItem(ctx, req, &resp);
  });
  if (!s.ok()) return s;
  out.listing = FromProto(resp.listing());
  out.buyer_funds = resp.buyer_funds();
  FillInfo(resp.info(), &out.info);
  out.info.request_id = req.request_id();
  return out;
}

absl::StatusOr<MarketListing> MarketClient::GetListing(const std::string& seller_id,
                                                       const std::string& item_id,
                                                       const CallSettings& call) {
  v1::GetListingRequest req;
  req.set_seller_id(seller_id);
  req.set_item_id(item_id);
  v1::GetListingResponse resp;
  absl::Status s = impl_->Call(call, false, nullptr, [&](auto* stub, auto* ctx) {
    return stub->GetListing(ctx, req, &resp);
  });
  if (!s.ok()) return s;
  return FromProto(resp.listing());
}

absl::StatusOr<BrowseResult> MarketClient::Browse(const BrowseRequest& request,
                                                  const CallSettings& call) {
  v1::BrowseMarketRequest req;
  req.set_page_size(request.page_size);
  req.set_cursor(request.cursor);
  req.set_seller_id(request.seller_id);
  req.set_item_id(request.item_id);
  v1::BrowseMarketResponse resp;
  absl::Status s = impl_->Call(call, false, nullptr, [&](auto* stub, auto* ctx) {
    return stub->BrowseMarket(ctx, req, &resp);
  });
  if (!s.ok()) return s;
  BrowseResult out;
  for (const auto& l : resp.listings()) out.listings.push_back(FromProto(l));
  out.next_cursor = resp.next_cursor();
  return out;
}

absl::StatusOr<MarketStats> MarketClient::Stats(const CallSettings& call) {
  v1::StatsRequest req;
  v1::StatsResponse resp;
  absl::Status s = impl_->Call(call, false, nullptr, [&](auto* stub, auto* ctx) {
    return stub->Stats(ctx, req, &resp);
  });
  if (!s.ok()) return s;
  MarketStats out;
  out.mode = resp.mode();
  out.uptime_seconds = resp.uptime_seconds();
  out.store_up = resp.store_up();
  out.store_reconnects = resp.store_reconnects();
  for (const auto& m : resp.methods()) {
    MethodStatsView v;
    v.method = m.method();
    v.calls = m.calls();
    v.ok = m.ok();
    v.attempts = m.attempts();
    for (const auto& e : m.errors()) v.errors.emplace_back(e.name(), e.count());
    for (const auto& a : m.aborts()) v.aborts.emplace_back(a.name(), a.count());
    v.avg_ms = m.latency_avg_ms();
    v.p50_ms = m.latency_p50_ms();
    v.p90_ms = m.latency_p90_ms();
    v.p99_ms = m.latency_p99_ms();
    v.max_ms = m.latency_max_ms();
    out.methods.push_back(std::move(v));
  }
  return out;
}

}  // namespace bazaar::client
