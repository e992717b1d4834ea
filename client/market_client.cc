#include "client/market_client.h"

#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <type_traits>

#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "market/v1/market.grpc.pb.h"

namespace bazaar::client {

namespace v1 = bazaar::market::v1;

namespace {

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}() ^
                                   std::hash<std::thread::id>()(std::this_thread::get_id())};
  return rng;
}

constexpr char kErrorInfoUrl[] = "type.googleapis.com/google.rpc.ErrorInfo";

// The status, with the ErrorInfo from its details (if any) as a payload under its type URL.
absl::Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  absl::Status out(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
  google::rpc::Status details;
  if (!s.error_details().empty() && details.ParseFromString(s.error_details())) {
    for (const auto& any : details.details()) {
      if (any.type_url() == kErrorInfoUrl) out.SetPayload(kErrorInfoUrl, absl::Cord(any.value()));
    }
  }
  return out;
}

MarketListing FromProto(const v1::Listing& l) {
  return {l.item_id(),  l.seller_id(), l.price(),      l.listing_id(), l.item_type(),
          l.quantity(), l.currency(),  l.created_ms(), l.expires_ms()};
}

// A page of BrowseMarket or BrowseStackListings.
template <typename Response>
BrowseResult PageOf(const Response& resp) {
  BrowseResult out;
  out.listings.reserve(resp.listings_size());
  for (const auto& l : resp.listings()) out.listings.push_back(FromProto(l));
  out.next_cursor = resp.next_cursor();
  if constexpr (std::is_same_v<Response, v1::BrowseStackListingsResponse>) out.total = resp.total();
  return out;
}

void FillInfo(const v1::CallInfo& from, OpInfo* info) {
  info->attempts = from.attempts();
  info->replayed = from.replayed();
  info->event_id = from.event_id();
}

}  // namespace

std::string NewRequestId() {
  auto& rng = Rng();
  return absl::StrFormat("%016x%016x", rng(), rng());
}

std::map<std::string, std::string> ErrorMetadata(const absl::Status& status) {
  auto payload = status.GetPayload(kErrorInfoUrl);
  google::rpc::ErrorInfo info;
  if (!payload || !info.ParseFromString(std::string(*payload))) return {};
  return {info.metadata().begin(), info.metadata().end()};
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

// The gRPC target of `address`: a list of addresses becomes gRPC's ipv4:/ipv6: list (which
// needs IP literals); one address stays as it is (a DNS name resolves to all its addresses).
std::string GrpcTarget(const std::string& address) {
  if (address.find(',') == std::string::npos) return address;
  return (address.find('[') != std::string::npos ? "ipv6:" : "ipv4:") + address;
}

absl::StatusOr<std::string> ReadPemFile(const std::string& path) {
  std::ifstream f(path);
  if (!f) return absl::InvalidArgumentError("cannot read " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The channel credentials the options ask for: plaintext, or TLS with its files read now.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(
    const MarketClientOptions& o) {
  if (!o.tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  for (auto [path, out] : {std::pair{&o.tls_ca_file, &ssl.pem_root_certs},
                           std::pair{&o.tls_cert_file, &ssl.pem_cert_chain},
                           std::pair{&o.tls_key_file, &ssl.pem_private_key}}) {
    if (path->empty()) continue;
    auto pem = ReadPemFile(*path);
    if (!pem.ok()) return pem.status();
    *out = std::move(*pem);
  }
  return grpc::SslCredentials(ssl);
}

class MarketClient::Impl {
 public:
  explicit Impl(const MarketClientOptions& options) : options_(options) {
    auto credentials = ChannelCredentialsFor(options);
    // A file that cannot be read leaves a channel that fails every call with the reason.
    if (!credentials.ok()) {
      setup_error_ = credentials.status();
      credentials = grpc::InsecureChannelCredentials();
    }
    int n = std::max(1, options.channels);
    for (int i = 0; i < n; ++i) {
      grpc::ChannelArguments args;
      // Separate subchannels, so that several channels are really several connections.
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      // Every market the target names gets calls (gRPC's default, pick_first, uses one).
      args.SetLoadBalancingPolicyName("round_robin");
      if (!options.tls_server_name.empty()) {
        args.SetSslTargetNameOverride(options.tls_server_name);
      }
      channels_.push_back(
          grpc::CreateCustomChannel(GrpcTarget(options.address), *credentials, args));
      stubs_.push_back(v1::Market::NewStub(channels_.back()));
      admin_stubs_.push_back(v1::MarketAdmin::NewStub(channels_.back()));
    }
  }

  // The key and the acting user, on every RPC's context.
  void Decorate(grpc::ClientContext* ctx, const std::string& acting_user) const {
    if (!options_.api_key.empty()) ctx->AddMetadata("authorization", "Bearer " + options_.api_key);
    const std::string& user = acting_user.empty() ? options_.acting_user : acting_user;
    if (!user.empty()) ctx->AddMetadata("bazaar-user", user);
  }
  const absl::Status& setup_error() const { return setup_error_; }

  absl::Status WaitForReady(absl::Duration timeout) {
    auto deadline = std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout);
    for (auto& ch : channels_) {
      if (!ch->WaitForConnected(deadline)) {
        return absl::UnavailableError("UNAVAILABLE: cannot connect to " + options_.address);
      }
    }
    return absl::OkStatus();
  }

  // WatchEvents (a streaming call of the blocking stub) needs a stub and counts its resumes.
  v1::Market::Stub* WatchStub() { return NextStub<v1::Market::Stub>(); }
  std::atomic<int64_t> watch_resumes{0};

  // Sends one RPC of the callback stub of a service (Market, or MarketAdmin).
  template <typename Req, typename Resp, typename Stub = v1::Market::Stub>
  using Send = void (*)(Stub*, grpc::ClientContext*, const Req*, Resp*,
                        std::function<void(grpc::Status)>);
  // Keeps a parameter out of template deduction (a lambda converts to the Send it names).
  template <typename T>
  struct Given {
    using type = T;
  };
  // Gets the last RPC's status, its response and how many RPCs were sent.
  template <typename Resp>
  using Finish = std::function<void(absl::Status, Resp*, int rpcs)>;

  // One logical operation: up to 1 + max_retries RPCs, all within one deadline.
  template <typename Req, typename Resp, typename Stub = v1::Market::Stub>
  void Call(const CallSettings& call, bool mutating, Req req,
            typename Given<Send<Req, Resp, Stub>>::type send, Finish<Resp> finish) {
    absl::Duration timeout = call.timeout > absl::ZeroDuration() ? call.timeout : options_.timeout;
    auto op = std::make_shared<Operation<Req, Resp, Stub>>();
    op->impl = this;
    op->mutating = mutating;
    op->deadline = std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout);
    op->req = std::move(req);
    op->send = send;
    op->finish = std::move(finish);
    op->acting_user = call.acting_user;
    if (!setup_error_.ok()) return op->finish(setup_error_, &op->resp, 0);
    Operation<Req, Resp, Stub>::Attempt(std::move(op));
  }

 private:
  // The state of one logical operation, kept alive by the callback gRPC holds (the RPC's or the
  // backoff alarm's), never by both: each callback moves its reference out when it runs.
  template <typename Req, typename Resp, typename Stub>
  struct Operation {
    Impl* impl;
    bool mutating;
    std::chrono::system_clock::time_point deadline;
    Req req;
    Resp resp;
    Send<Req, Resp, Stub> send;
    Finish<Resp> finish;
    std::string acting_user;
    int rpcs = 0;
    std::unique_ptr<grpc::ClientContext> ctx;  // one per RPC
    std::unique_ptr<grpc::Alarm> backoff;

    static void Attempt(std::shared_ptr<Operation> self) {
      Operation* op = self.get();
      op->ctx = std::make_unique<grpc::ClientContext>();
      op->ctx->set_deadline(op->deadline);
      op->impl->Decorate(op->ctx.get(), op->acting_user);
      op->resp.Clear();
      ++op->rpcs;
      op->send(op->impl->NextStub<Stub>(), op->ctx.get(), &op->req, &op->resp,
               [self = std::move(self)](grpc::Status s) mutable {
                 OnReply(std::move(self), FromGrpc(s));
               });
    }

    static void OnReply(std::shared_ptr<Operation> self, absl::Status status) {
      Operation* op = self.get();
      // No gRPC object of this operation may outlive the callback: a blocking caller may destroy
      // the client (and with it gRPC's last user) as soon as `finish` has run.
      op->ctx.reset();
      op->backoff.reset();
      const int attempt = op->rpcs - 1;
      if (status.ok() || attempt >= op->impl->options_.max_retries ||
          !op->impl->Retriable(status, op->mutating)) {
        op->finish(std::move(status), &op->resp, op->rpcs);
        return;
      }
      const MarketClientOptions& o = op->impl->options_;
      absl::Duration cap = std::min(o.backoff_max, o.backoff_base * (1 << std::min(attempt, 16)));
      std::uniform_real_distribution<double> u(0, 1);
      const auto now = std::chrono::system_clock::now();
      const absl::Duration left = absl::FromChrono(op->deadline - now);
      const absl::Duration pause = cap * u(Rng());
      // No time for another attempt: the deadline is the answer, as gRPC would give it.
      if (pause >= left) {
        op->finish(absl::DeadlineExceededError("Deadline Exceeded (last attempt: " +
                                               std::string(status.message()) + ")"),
                   &op->resp, op->rpcs);
        return;
      }
      op->backoff = std::make_unique<grpc::Alarm>();
      op->backoff->Set(now + absl::ToChronoMicroseconds(pause),
                       [self = std::move(self)](bool) mutable { Attempt(std::move(self)); });
    }
  };

  template <typename Stub>
  Stub* NextStub() {
    const size_t i = next_.fetch_add(1, std::memory_order_relaxed) % stubs_.size();
    if constexpr (std::is_same_v<Stub, v1::MarketAdmin::Stub>) {
      return admin_stubs_[i].get();
    } else {
      return stubs_[i].get();
    }
  }

  bool Retriable(const absl::Status& s, bool mutating) const {
    if (s.code() == absl::StatusCode::kUnavailable) return true;
    return s.code() == absl::StatusCode::kAborted && options_.retry_aborted;
  }

  const MarketClientOptions& options_;
  absl::Status setup_error_;  // the TLS files could not be read: every call fails with it
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<v1::Market::Stub>> stubs_;
  std::vector<std::unique_ptr<v1::MarketAdmin::Stub>> admin_stubs_;  // one per channel too
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

// The blocking form of an asynchronous call: `start(callback)` starts it.
template <typename T, typename Start>
absl::StatusOr<T> Await(Start start) {
  absl::Notification done;
  absl::StatusOr<T> out = absl::UnknownError("no reply");
  start([&](absl::StatusOr<T> r) {
    out = std::move(r);
    done.Notify();
  });
  done.WaitForNotification();
  return out;
}

}  // namespace

// Each call: the asynchronous form builds the request, sends it with Impl::Call and turns the
// response into the result; the blocking form awaits it.

void MarketClient::CreateUserAsync(const std::string& user_id, const std::string& name,
                                   int64_t funds, const CallSettings& call,
                                   Callback<UserOutcome> done) {
  v1::CreateUserRequest req;
  req.set_user_id(user_id);
  req.set_name(name);
  req.set_funds(funds);
  req.set_request_id(IdFor(call));
  std::string id = req.request_id();
  impl_->Call<v1::CreateUserRequest, v1::CreateUserResponse>(
      call, true, std::move(req),
      [](auto* stub, auto* ctx, auto* rq, auto* rs, auto cb) {
        stub->async()->CreateUser(ctx, rq, rs, std::move(cb));
      },
      [done = std::move(done), id = std::move(id)](absl::Status s, v1::CreateUserResponse* resp,
                                                   int rpcs) {
        if (!s.ok()) return done(std::move(s));
        UserOutcome out;
        out.user = {resp->user().user_id(), resp->user().name(), resp->user().funds(), {}};
        FillInfo(resp->info(), &out.info);
        out.info.rpcs = rpcs;
        out.info.request_id = id;
        done(std::move(out));
      });
}

absl::StatusOr<UserOutcome> MarketClient::CreateUser(const std::string& user_id,
                                                     const std::string& name, int64_t funds,
                                                     const CallSettings& call) {
  return Await<UserOutcome>(
      [&](Callback<UserOutcome> cb) { CreateUserAsync(user_id, name, funds, call, std::move(cb)); });
}

void MarketClient::GetUserAsync(const std::string& user_id, const CallSettings& call,
                                Callback<MarketUser> done) {
  v1::GetUserRequest req;
  req.set_user_id(user_id);
  impl_->Call<v1::GetUserRequest, v1::GetUserResponse>(
      call, false, std::move(req),
      [](auto* stub, auto* ctx, auto* rq, auto* rs, auto cb) {
        stub->async()->GetUser(ctx, rq, rs, std::move(cb));
      },
      [done = std::move(done)](absl::Status s, v1::GetUserResponse* resp, int) {
        if (!s.ok()) return done(std::move(s));
        const v1::User& u = resp->user();
        done(MarketUser{u.user_id(),
                        u.name(),
                        u.funds(),
                        {u.inventory().begin(), u.inventory().end()},
                        {u.wallet().begin(), u.wallet().end()},
                        {u.stacks().begin(), u.stacks().end()},
                        u.frozen()});
      });
}

absl::StatusOr<MarketUser> MarketClient::GetUser(const std::string& user_id,
                                                 const CallSettings& call) {
  return Await<MarketUser>(
      [&](Callback<MarketUser> cb) { GetUserAsync(user_id, call, std::move(cb)); });
}

namespace {
// The result of a call whose response is its call info alone (GrantItem, FreezeUser).
template <typename Resp>
void FinishOpInfo(const Callback<OpInfo>& done, const std::string& id, absl::Status s, Resp* resp,
                  int rpcs) {
  if (!s.ok()) return done(std::move(s));
  OpInfo info;
  FillInfo(resp->info(), &info);
  info.rpcs = rpcs;
  info.request_id = id;
  done(std::move(info));
}
}  // namespace

void MarketClient::GrantItemAsync(const std::string& user_id, const std::string& item_id,
                                  const CallSettings& call, Callback<OpInfo> done) {
  v1::GrantItemRequest req;
  req.set_user_id(user_id);
  req.set_item_id(item_id);
  req.set_request_id(IdFor(call));
  std::string id = req.request_id();
  impl_->Call<v1::GrantItemRequest, v1::GrantItemResponse>(
      call, true, std::move(req),
      [](auto* stub, auto* ctx, auto* rq, auto* rs, auto cb) {
        stub->async()->GrantItem(ctx, rq, rs, std::move(cb));
      },
      [done = std::move(done), id = std::move(id)](absl::Status s, v1::GrantItemResponse* resp,
                                                   int rpcs) {
        FinishOpInfo(done, id, std::move(s), resp, rpcs);
      });
}

absl::StatusOr<OpInfo> MarketClient::GrantItem(const std::string& user_id,
                                               const std::string& item_id,
                                               const CallSettings& call) {
  return Await<OpInfo>(
      [&](Callback<OpInfo> cb) { GrantItemAsync(user_id, item_id, call, std::move(cb)); });
}

namespace {
// The result of ListItem and CancelListing.
template <typename Resp>
void FinishListing(const Callback<ListingOutcome>& done, const std::string& id, absl::Status s,
                   Resp* resp, int rpcs) {
  if (!s.ok()) return done(std::move(s));
  ListingOutcome out;
  out.listing = FromProto(resp->listing());
  FillInfo(resp->info(), &out.info);
  out.info.rpcs = rpcs;
  out.info.request_id = id;
  done(std::move(out));
}
}  // namespace

void MarketClient::ListItemAsync(const std::string& seller_id, const std::string& item_id,
                                 int64_t price, const CallSettings& call,
                                 Callback<ListingOutcome> done) {
  v1::ListItemRequest req;
  req.set_seller_id(seller_id);
  req.set_item_id(item_id);
  req.set_price(price);
  req.set_request_id(IdFor(call));
  std::string id = req.request_id();
  impl_->Call<v1::ListItemRequest, v1::ListItemResponse>(
      call, true, std::move(req),
      [](auto* stub, auto* ctx, auto* rq, auto* rs, auto cb) {
        stub->async()->ListItem(ctx, rq, rs, std::move(cb));
      },
      [done = std::move(done), id = std::move(id)](absl::Status s, v1::ListItemResponse* resp,
                                                   int rpcs) {
        FinishListing(done, id, std::move(s), resp, rpcs);
      });
}

absl::StatusOr<ListingOutcome> MarketClient::ListItem(const std::string& seller_id,
                                                      const std::string& item_id, int64_t price,
                                                      const CallSettings& call) {
  return Await<ListingOutcome>([&](Callback<ListingOutcome> cb) {
    ListItemAsync(seller_id, item_id, price, call, std::move(cb));
  });
}

void MarketClient::CancelListingAsync(const std::string& seller_id, const std::string& item_id,
                                      const CallSettings& call, Callback<ListingOutcome> done) {
  v1::CancelListingRequest req;
  req.set_seller_id(seller_id);
  req.set_item_id(item_id);
  req.set_request_id(IdFor(call));
  std::string id = req.request_id();
  impl_->Call<v1::CancelListingRequest, v1::CancelListingResponse>(
      call, true, std::move(req),
      [](auto* stub, auto* ctx, auto* rq, auto* rs, auto cb) {
        stub->async()->CancelListing(ctx, rq, rs, std::move(cb));
      },
      [done = std::move(done), id = std::move(id)](
          absl::Status s, v1::CancelListingResponse* resp, int rpcs) {
        FinishListing(done, id, std::move(s), resp, rpcs);
      });
}

absl::StatusOr<ListingOutcome> MarketClient::CancelListing(const std::string& seller_id,
                                                           const std::string& item_id,
                                                           const CallSettings& call) {
  return Await<ListingOutcome>([&](Callback<ListingOutcome> cb) {
    CancelListingAsync(seller_id, item_id, call, std::move(cb));
  });
}

void MarketClient::PurchaseItemAsync(const std::string& buyer_id, const std::string& seller_id,
                                     const std::string& item_id, int64_t expected_price,
                                     const CallSettings& call, Callback<PurchaseOutcome> done) {
  v1::PurchaseItemRequest req;
  req.set_buyer_id(buyer_id);
  req.set_seller_id(seller_id);
  req.set_item_id(item_id);
  req.set_expected_price(expected_price);
  req.set_request_id(IdFor(call));
  std::string id = req.request_id();
  impl_->Call<v1::PurchaseItemRequest, v1::PurchaseItemResponse>(
      call, true, std::move(req),
      [](auto* stub, auto* ctx, auto* rq, auto* rs, auto cb) {
        stub->async()->PurchaseItem(ctx, rq, rs, std::move(cb));
      },
      [done = std::move(done), id = std::move(id)](
          absl::Status s, v1::PurchaseItemResponse* resp, int rpcs) {
        if (!s.ok()) return done(std::move(s));
        PurchaseOutcome out;
        out.listing = FromProto(resp->listing());
        out.buyer_funds = resp->buyer_funds();
        out.quantity = resp->quantity();
        out.total_price = resp->total_price();
        out.fee = resp->fee();
        FillInfo(resp->info(), &out.info);
        out.info.rpcs = rpcs;
        out.info.request_id = id;
        done(std::move(out));
      });
}

absl::StatusOr<PurchaseOutcome> MarketClient::PurchaseItem(const std::string& buyer_id,
                                                           const std::string& seller_id,
                                                           const std::string& item_id,
                                                           int64_t expected_price,
                                                           const CallSettings& call) {
  return Await<PurchaseOutcome>([&](Callback<PurchaseOutcome> cb) {
    PurchaseItemAsync(buyer_id, seller_id, item_id, expected_price, call, std::move(cb));
  });
}

void MarketClient::GetListingAsync(const std::string& seller_id, const std::string& item_id,
                                   const CallSettings& call, Callback<MarketListing> done) {
  v1::GetListingRequest req;
  req.set_seller_id(seller_id);
  req.set_item_id(item_id);
  impl_->Call<v1::GetListingRequest, v1::GetListingResponse>(
      call, false, std::move(req),
      [](auto* stub, auto* ctx, auto* rq, auto* rs, auto cb) {
        stub->async()->GetListing(ctx, rq, rs, std::move(cb));
      },
      [done = std::move(done)](absl::Status s, v1::GetListingResponse* resp, int) {
        if (!s.ok()) return done(std::move(s));
        done(FromProto(resp->listing()));
      });
}

absl::StatusOr<MarketListing> MarketClient::GetListing(const std::string& seller_id,
                                                       const std::string& item_id,
                                                       const CallSettings& call) {
  return Await<MarketListing>([&](Callback<MarketListing> cb) {
    GetListingAsync(seller_id, item_id, call, std::move(cb));
  });
}

void MarketClient::BrowseAsync(const BrowseRequest& request, const CallSettings& call,
                               Callback<BrowseResult> done) {
  v1::BrowseMarketRequest req;
  req.set_page_size(request.page_size);
  req.set_cursor(request.cursor);
  req.set_seller_id(request.seller_id);
  req.set_item_id(request.item_id);
  impl_->Call<v1::BrowseMarketRequest, v1::BrowseMarketResponse>(
      call, false, std::move(req),
      [](auto* stub, auto* ctx, auto* rq, auto* rs, auto cb) {
        stub->async()->BrowseMarket(ctx, rq, rs, std::move(cb));
      },
      [done = std::move(done)](absl::Status s, v1::BrowseMarketResponse* resp, int) {
        if (!s.ok()) return done(std::move(s));
        done(PageOf(*resp));
      });
}

absl::StatusOr<BrowseResult> MarketClient::Browse(const BrowseRequest& request,
                                                  const CallSettings& call) {
  return Await<BrowseResult>(
      [&](Callback<BrowseResult> cb) { BrowseAsync(request, call, std::move(cb)); });
}

void MarketClient::GetHistoryAsync(const HistoryRequest& request, const CallSettings& call,
                                   Callback<HistoryResult> done) {
  v1::GetHistoryRequest req;
  req.set_user_id(request.user_id);
  req.set_page_size(request.page_size);
  req.set_cursor(request.cursor);
  impl_->Call<v1::GetHistoryRequest, v1::GetHistoryResponse>(
      call, false, std::move(req),
      [](auto* stub, auto* ctx, auto* rq, auto* rs, auto cb) {
        stub->async()->GetHistory(ctx, rq, rs, std::move(cb));
      },
      [done = std::move(done)](absl::Status s, v1::GetHistoryResponse* resp, int) {
        if (!s.ok()) return done(std::move(s));
        HistoryResult out;
        for (const auto& e : resp->events()) {
          out.events.push_back(
              {e.id(), e.type(), e.request_id(), {e.fields().begin(), e.fields().end()}});
        }
        out.next_cursor = resp->next_cursor();
        done(std::move(out));
      });
}

absl::StatusOr<HistoryResult> MarketClient::GetHistory(const HistoryRequest& request,
                                                       const CallSettings& call) {
  return Await<HistoryResult>(
      [&](Callback<HistoryResult> cb) { GetHistoryAsync(request, call, std::move(cb)); });
}

namespace {
MarketStats FromProto(const v1::StatsResponse& resp) {
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
}  // namespace

void MarketClient::StatsAsync(const CallSettings& call, Callback<MarketStats> done) {
  impl_->Call<v1::StatsRequest, v1::StatsResponse>(
      call, false, v1::StatsRequest(),
      [](auto* stub, auto* ctx, auto* rq, auto* rs, auto cb) {
        stub->async()->Stats(ctx, rq, rs, std::move(cb));
      },
      [done = std::move(done)](absl::Status s, v1::StatsResponse* resp, int) {
        if (!s.ok()) return done(std::move(s));
        done(FromProto(*resp));
      });
}

absl::StatusOr<MarketStats> MarketClient::Stats(const CallSettings& call) {
  return Await<MarketStats>([&](Callback<MarketStats> cb) { StatsAsync(call, std::move(cb)); });
}

}  // namespace bazaar::client

namespace bazaar::client {

absl::StatusOr<std::string> MarketClient::WatchEvents(const std::string& from_id,
                                                      const WatchFilters& filters,
                                                      const EventHandler& on_event) {
  std::string last = from_id;
  int failures = 0;
  absl::Duration pause = options_.backoff_base;
  while (true) {
    v1::WatchEventsRequest req;
    req.set_from_id(last);
    for (const auto& t : filters.types) req.add_types(t);
    req.set_user_id(filters.user_id);
    grpc::ClientContext ctx;
    impl_->Decorate(&ctx, "");
    auto reader = impl_->WatchStub()->WatchEvents(&ctx, req);
    v1::Event e;
    bool delivered = false;
    while (reader->Read(&e)) {
      delivered = true;
      MarketEventView view{e.id(), e.type(), e.request_id(), {e.fields().begin(), e.fields().end()}};
      last = e.id();
      if (!on_event(view)) {
        ctx.TryCancel();
        reader->Finish();
        return last;
      }
    }
    grpc::Status s = reader->Finish();
    absl::Status status = FromGrpc(s);
    // The server's own resume point, when we had not delivered anything yet ("$" resolved).
    auto trailer = ctx.GetServerTrailingMetadata().find("bazaar-last-event-id");
    if (!delivered && last == "$" && trailer != ctx.GetServerTrailingMetadata().end()) {
      last = std::string(trailer->second.data(), trailer->second.size());
    }
    const bool resumable = status.code() == absl::StatusCode::kUnavailable ||
                           status.code() == absl::StatusCode::kResourceExhausted;
    if (status.ok() || !resumable) return status.ok() ? absl::StatusOr<std::string>(last) : status;
    if (delivered) {
      failures = 0;
      pause = options_.backoff_base;
    }
    if (++failures > options_.max_retries) return status;
    impl_->watch_resumes.fetch_add(1);
    absl::SleepFor(pause);
    pause = std::min(pause * 2, options_.backoff_max);
  }
}

int64_t MarketClient::watch_resumes() const { return impl_->watch_resumes.load(); }

}  // namespace bazaar::client

namespace bazaar::client {

// The economy's calls. Each asynchronous form fills its request and hands Mutate what to send
// and how to read the response; the blocking forms await them.

template <typename Out, typename Req, typename Resp, bool kAdmin, typename Send, typename Fill>
void MarketClient::Mutate(const CallSettings& call, Req req, Send send, Fill fill,
                          Callback<Out> done) {
  req.set_request_id(IdFor(call));
  std::string id = req.request_id();
  using Stub = std::conditional_t<kAdmin, v1::MarketAdmin::Stub, v1::Market::Stub>;
  impl_->Call<Req, Resp, Stub>(
      call, true, std::move(req), send,
      [done = std::move(done), id = std::move(id), fill](absl::Status s, Resp* resp, int rpcs) {
        if (!s.ok()) return done(std::move(s));
        Out out;
        fill(*resp, &out);
        FillInfo(resp->info(), &out.info);
        out.info.rpcs = rpcs;
        out.info.request_id = id;
        done(std::move(out));
      });
}

void MarketClient::StackAsync(bool grant, const std::string& user_id, const std::string& item_type,
                              int64_t quantity, const CallSettings& call,
                              Callback<StackOutcome> done) {
  if (grant) {
    v1::GrantItemRequest req;
    req.set_user_id(user_id);
    req.set_item_type(item_type);
    req.set_quantity(quantity);
    return Mutate<StackOutcome, v1::GrantItemRequest, v1::GrantItemResponse>(
        call, std::move(req),
        [](auto* stub, auto* ctx, auto* rq, auto* rs, auto cb) {
          stub->async()->GrantItem(ctx, rq, rs, std::move(cb));
        },
        [](const v1::GrantItemResponse& r, StackOutcome* out) { out->quantity = r.quantity(); },
        std::move(done));
  }
  v1::RevokeItemRequest req;
  req.set_user_id(user_id);
  req.set_item_type(item_type);
  req.set_quantity(quantity);
  Mutate<StackOutcome, v1::RevokeItemRequest, v1::RevokeItemResponse>(
      call, std::move(req),
      [](auto* stub, auto* ctx, auto* rq, auto* rs, auto cb) {
        stub->async()->RevokeItem(ctx, rq, rs, std::move(cb));
      },
      [](const v1::RevokeItemResponse& r, StackOutcome* out) { out->quantity = r.quantity(); },
      std::move(done));
}

void MarketClient::GrantStackAsync(const std::string& user_id, const std::string& item_type,
                                   int64_t quantity, const CallSettings& call,
                                   Callback<StackOutcome> done) {
  StackAsync(true, user_id, item_type, quantity, call, std::move(done));
}

absl::StatusOr<StackOutcome> MarketClient::GrantStack(const std::string& user_id,
                                                      const std::string& item_type,
                                                      int64_t quantity, const CallSettings& call) {
  return Await<StackOutcome>(
      [&](auto cb) { StackAsync(true, user_id, item_type, quantity, call, std::move(cb)); });
}

absl::StatusOr<StackOutcome> MarketClient::RevokeStack(const std::string& user_id,
                                                       const std::string& item_type,
                                                       int64_t quantity, const CallSettings& call) {
  return Await<StackOutcome>(
      [&](auto cb) { StackAsync(false, user_id, item_type, quantity, call, std::move(cb)); });
}

void MarketClient::WalletAsync(bool credit, const std::string& user_id, const std::string& currency,
                               int64_t amount, const std::string& memo, const CallSettings& call,
                               Callback<WalletOutcome> done) {
  v1::WalletRequest req;
  req.set_user_id(user_id);
  req.set_currency(currency);
  req.set_amount(amount);
  req.set_memo(memo);
  auto fill = [](const v1::WalletResponse& r, WalletOutcome* out) { out->balance = r.balance(); };
  if (credit) {
    return Mutate<WalletOutcome, v1::WalletRequest, v1::WalletResponse>(
        call, std::move(req),
        [](auto* stub, auto* ctx, auto* rq, auto* rs, auto cb) {
          stub->async()->Credit(ctx, rq, rs, std::move(cb));
        },
        fill, std::move(done));
  }
  Mutate<WalletOutcome, v1::WalletRequest, v1::WalletResponse>(
      call, std::move(req),
      [](auto* stub, auto* ctx, auto* rq, auto* rs, auto cb) {
        stub->async()->Debit(ctx, rq, rs, std::move(cb));
      },
      fill, std::move(done));
}

void MarketClient::CreditAsync(const std::string& user_id, const std::string& currency,
                               int64_t amount, const std::string& memo, const CallSettings& call,
                               Callback<WalletOutcome> done) {
  WalletAsync(true, user_id, currency, amount, memo, call, std::move(done));
}

absl::StatusOr<WalletOutcome> MarketClient::Credit(const std::string& user_id,
                                                   const std::string& currency, int64_t amount,
                                                   const std::string& memo,
                                                   const CallSettings& call) {
  return Await<WalletOutcome>(
      [&](auto cb) { WalletAsync(true, user_id, currency, amount, memo, call, std::move(cb)); });
}

absl::StatusOr<WalletOutcome> MarketClient::Debit(const std::string& user_id,
                                                  const std::string& currency, int64_t amount,
                                                  const std::string& memo,
                                                  const CallSettings& call) {
  return Await<WalletOutcome>(
      [&](auto cb) { WalletAsync(false, user_id, currency, amount, memo, call, std::move(cb)); });
}

void MarketClient::ListStackAsync(const StackListingSpec& spec, const CallSettings& call,
                                  Callback<ListingOutcome> done) {
  v1::ListItemRequest req;
  req.set_seller_id(spec.seller_id);
  req.set_item_type(spec.item_type);
  req.set_item_id(spec.item_id);
  req.set_quantity(spec.quantity);
  req.set_price(spec.unit_price);
  req.set_currency(spec.currency);
  req.set_duration_seconds(spec.duration_seconds);
  Mutate<ListingOutcome, v1::ListItemRequest, v1::ListItemResponse>(
      call, std::move(req),
      [](auto* stub, auto* ctx, auto* rq, auto* rs, auto cb) {
        stub->async()->ListItem(ctx, rq, rs, std::move(cb));
      },
      [](const v1::ListItemResponse& r, ListingOutcome* out) {
        out->listing = FromProto(r.listing());
      },
      std::move(done));
}

absl::StatusOr<ListingOutcome> MarketClient::ListStack(const StackListingSpec& spec,
                                                       const CallSettings& call) {
  return Await<ListingOutcome>([&](auto cb) { ListStackAsync(spec, call, std::move(cb)); });
}

absl::StatusOr<ListingOutcome> MarketClient::CancelStackListing(const std::string& seller_id,
                                                                const std::string& listing_id,
                                                                const CallSettings& call) {
  v1::CancelListingRequest req;
  req.set_seller_id(seller_id);
  req.set_listing_id(listing_id);
  return Await<ListingOutcome>([&](auto cb) {
    Mutate<ListingOutcome, v1::CancelListingRequest, v1::CancelListingResponse>(
        call, req,
        [](auto* stub, auto* ctx, auto* rq, auto* rs, auto cb) {
          stub->async()->CancelListing(ctx, rq, rs, std::move(cb));
        },
        [](const v1::CancelListingResponse& r, ListingOutcome* out) {
          out->listing = FromProto(r.listing());
        },
        std::move(cb));
  });
}

void MarketClient::PurchaseStackAsync(const std::string& buyer_id, const std::string& listing_id,
                                      int64_t quantity, int64_t max_unit_price,
                                      const CallSettings& call, Callback<PurchaseOutcome> done) {
  v1::PurchaseItemRequest req;
  req.set_buyer_id(buyer_id);
  req.set_listing_id(listing_id);
  req.set_quantity(quantity);
  req.set_max_unit_price(max_unit_price);
  Mutate<PurchaseOutcome, v1::PurchaseItemRequest, v1::PurchaseItemResponse>(
      call, std::move(req),
      [](auto* stub, auto* ctx, auto* rq, auto* rs, auto cb) {
        stub->async()->PurchaseItem(ctx, rq, rs, std::move(cb));
      },
      [](const v1::PurchaseItemResponse& r, PurchaseOutcome* out) {
        out->listing = FromProto(r.listing());
        out->buyer_funds = r.buyer_funds();
        out->quantity = r.quantity();
        out->total_price = r.total_price();
        out->fee = r.fee();
      },
      std::move(done));
}

absl::StatusOr<PurchaseOutcome> MarketClient::PurchaseStack(const std::string& buyer_id,
                                                            const std::string& listing_id,
                                                            int64_t quantity,
                                                            int64_t max_unit_price,
                                                            const CallSettings& call) {
  return Await<PurchaseOutcome>([&](auto cb) {
    PurchaseStackAsync(buyer_id, listing_id, quantity, max_unit_price, call, std::move(cb));
  });
}

void MarketClient::BuyQuantityAsync(const std::string& buyer_id, const std::string& item_type,
                                    const std::string& currency, int64_t quantity,
                                    int64_t max_unit_price, const CallSettings& call,
                                    Callback<BuyOutcome> done) {
  v1::BuyQuantityRequest req;
  req.set_buyer_id(buyer_id);
  req.set_item_type(item_type);
  req.set_currency(currency);
  req.set_quantity(quantity);
  req.set_max_unit_price(max_unit_price);
  Mutate<BuyOutcome, v1::BuyQuantityRequest, v1::BuyQuantityResponse>(
      call, std::move(req),
      [](auto* stub, auto* ctx, auto* rq, auto* rs, auto cb) {
        stub->async()->BuyQuantity(ctx, rq, rs, std::move(cb));
      },
      [](const v1::BuyQuantityResponse& r, BuyOutcome* out) {
        for (const auto& f : r.fills()) {
          out->fills.push_back(
              {f.listing_id(), f.seller_id(), f.quantity(), f.unit_price(), f.fee()});
        }
        out->quantity = r.quantity();
        out->total_price = r.total_price();
        out->fee = r.fee();
        out->buyer_funds = r.buyer_funds();
      },
      std::move(done));
}

absl::StatusOr<BuyOutcome> MarketClient::BuyQuantity(const std::string& buyer_id,
                                                     const std::string& item_type,
                                                     const std::string& currency, int64_t quantity,
                                                     int64_t max_unit_price,
                                                     const CallSettings& call) {
  return Await<BuyOutcome>([&](auto cb) {
    BuyQuantityAsync(buyer_id, item_type, currency, quantity, max_unit_price, call, std::move(cb));
  });
}

void MarketClient::BrowseStacksAsync(const StackBrowseRequest& request, const CallSettings& call,
                                     Callback<BrowseResult> done) {
  v1::BrowseStackListingsRequest req;
  req.set_item_type(request.item_type);
  req.set_instances(request.instances);
  req.set_currency(request.currency);
  req.set_seller_id(request.seller_id);
  if (request.sort == "newest") {
    req.set_sort(v1::BrowseStackListingsRequest::NEWEST);
  } else if (request.sort == "ending_soon") {
    req.set_sort(v1::BrowseStackListingsRequest::ENDING_SOON);
  } else if (request.sort != "price") {
    return done(
        absl::InvalidArgumentError("sort is price, newest or ending_soon: " + request.sort));
  }
  req.set_min_price(request.min_price);
  req.set_max_price(request.max_price);
  req.set_page_size(request.page_size);
  req.set_cursor(request.cursor);
  impl_->Call<v1::BrowseStackListingsRequest, v1::BrowseStackListingsResponse>(
      call, false, std::move(req),
      [](auto* stub, auto* ctx, auto* rq, auto* rs, auto cb) {
        stub->async()->BrowseStackListings(ctx, rq, rs, std::move(cb));
      },
      [done = std::move(done)](absl::Status s, v1::BrowseStackListingsResponse* resp, int) {
        if (!s.ok()) return done(std::move(s));
        done(PageOf(*resp));
      });
}

absl::StatusOr<BrowseResult> MarketClient::BrowseStacks(const StackBrowseRequest& request,
                                                        const CallSettings& call) {
  return Await<BrowseResult>([&](auto cb) { BrowseStacksAsync(request, call, std::move(cb)); });
}

absl::StatusOr<MarketListing> MarketClient::GetStackListing(const std::string& listing_id,
                                                            const CallSettings& call) {
  v1::GetListingRequest req;
  req.set_listing_id(listing_id);
  return Await<MarketListing>([&](auto cb) {
    impl_->Call<v1::GetListingRequest, v1::GetListingResponse>(
        call, false, req,
        [](auto* stub, auto* ctx, auto* rq, auto* rs, auto cb) {
          stub->async()->GetListing(ctx, rq, rs, std::move(cb));
        },
        [cb = std::move(cb)](absl::Status s, v1::GetListingResponse* resp, int) {
          if (!s.ok()) return cb(std::move(s));
          cb(FromProto(resp->listing()));
        });
  });
}

// MarketAdmin's own calls.

absl::StatusOr<OpInfo> MarketClient::FreezeUser(const std::string& user_id, bool frozen,
                                                const std::string& reason,
                                                const CallSettings& call) {
  v1::FreezeUserRequest req;
  req.set_user_id(user_id);
  req.set_frozen(frozen);
  req.set_reason(reason);
  req.set_request_id(IdFor(call));
  std::string id = req.request_id();
  return Await<OpInfo>([&](Callback<OpInfo> done) {
    impl_->Call<v1::FreezeUserRequest, v1::FreezeUserResponse, v1::MarketAdmin::Stub>(
        call, true, req,
        [](auto* stub, auto* ctx, auto* rq, auto* rs, auto cb) {
          stub->async()->FreezeUser(ctx, rq, rs, std::move(cb));
        },
        [done = std::move(done), id](absl::Status s, v1::FreezeUserResponse* resp, int rpcs) {
          FinishOpInfo(done, id, std::move(s), resp, rpcs);
        });
  });
}

absl::StatusOr<ListingOutcome> MarketClient::ForceCancelListing(const std::string& seller_id,
                                                                const std::string& item_id,
                                                                const std::string& listing_id,
                                                                const CallSettings& call) {
  v1::CancelListingRequest req;
  req.set_seller_id(seller_id);
  req.set_item_id(item_id);
  req.set_listing_id(listing_id);
  return Await<ListingOutcome>([&](Callback<ListingOutcome> done) {
    Mutate<ListingOutcome, v1::CancelListingRequest, v1::CancelListingResponse, /*kAdmin=*/true>(
        call, req,
        [](auto* stub, auto* ctx, auto* rq, auto* rs, auto cb) {
          stub->async()->ForceCancelListing(ctx, rq, rs, std::move(cb));
        },
        [](const v1::CancelListingResponse& r, ListingOutcome* out) {
          out->listing = FromProto(r.listing());
        },
        std::move(done));
  });
}

}  // namespace bazaar::client
