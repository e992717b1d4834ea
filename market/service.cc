#include "market/service.h"

#include <algorithm>
#include <chrono>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "market/errors.h"
#include "market/log.h"
#include "market/ops_util.h"

namespace bazaar::market {
namespace {

// What is kept back from a caller's deadline for our reply to reach it (see Call): a tenth of
// the time left, at least 5 ms (scheduling on a loaded machine) and at most 100 ms.
absl::Duration ReplyMargin(absl::Duration left) {
  return std::clamp(left / 10, absl::Milliseconds(5), absl::Milliseconds(100));
}

// `default_currency` is what instance listings (which store none) are priced in.
void FillListing(const Listing& l, const std::string& default_currency, v1::Listing* out) {
  out->set_item_id(l.item_id);
  out->set_seller_id(l.seller_id);
  out->set_price(l.price);
  out->set_listing_id(l.listing_id);
  out->set_item_type(l.item_type);
  out->set_quantity(l.quantity);
  out->set_currency(l.currency.empty() ? default_currency : l.currency);
  out->set_created_ms(l.created_ms);
  out->set_expires_ms(l.expires_ms);
}

// A request names an instance (item_id) or a stack (item_type, or listing_id), not both.
absl::Status OneOf(const char* a_name, const std::string& a, const char* b_name,
                   const std::string& b) {
  if (!a.empty() && !b.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument, reason::kInvalidArgument,
                     absl::StrCat("give ", a_name, " or ", b_name, ", not both"));
  }
  return absl::OkStatus();
}

void FillInfo(const CallInfo& info, v1::CallInfo* out) {
  out->set_attempts(info.attempts);
  out->set_replayed(info.replayed);
  out->set_event_id(info.event_id);
}

}  // namespace

void FillEvent(const MarketEvent& e, v1::Event* out) {
  out->set_id(e.id);
  out->set_type(e.type);
  out->set_request_id(e.request_id);
  for (const auto& [k, v] : e.fields) (*out->mutable_fields())[k] = v;
}

namespace {

// One RPC in progress: admission, deadline and request id in, stats and status out. Lives until
// the call is finished (it holds the trace the operation fills); Finish may run on any thread.
class Call : public std::enable_shared_from_this<Call> {
 public:
  Call(const CallEntry& entry, grpc::CallbackServerContext* ctx, const char* method,
       const std::string& request_id = "")
      : gate_(entry.gate),
        entered_(gate_->Enter()),
        ctx_(ctx),
        reactor_(ctx->DefaultReactor()),
        stats_(entry.stats),
        limiter_(entry.limiter),
        method_(method),
        start_(absl::Now()) {
    auto deadline = ctx->deadline();
    if (deadline < std::chrono::system_clock::now() + std::chrono::hours(24 * 365)) {
      // Our deadline is taken from grpc-timeout when the request arrives, so it is a little
      // later than the caller's; the margin lets our DEADLINE_EXCEEDED (with its reason) reach
      // the caller before its own fires.
      const absl::Time caller_deadline = absl::FromChrono(deadline);
      options_.deadline = caller_deadline - ReplyMargin(caller_deadline - absl::Now());
    }
    options_.request_id = request_id;
  }
  ~Call() {
    if (entered_) gate_->Leave();
  }
  // Starts a call. While the market shuts down, or when the caller's key may not make it
  // (`access`, market/auth.h), it is refused and finished at once, and Run runs nothing.
  static std::shared_ptr<Call> Start(const CallEntry& entry, grpc::CallbackServerContext* ctx,
                                     const char* method, const Access& access,
                                     const std::string& request_id = "") {
    auto call = std::make_shared<Call>(entry, ctx, method, request_id);
    absl::Status refusal = !call->entered_
                               ? MakeError(absl::StatusCode::kUnavailable, reason::kShuttingDown,
                                           "the market is shutting down; retry on another instance")
                               : entry.auth->Check(*ctx, access, &call->key_name_);
    if (!refusal.ok()) call->Finish(refusal);
    call->admitted_ = refusal.ok();
    if (access.kind == Access::kPlayer) call->options_.player = access.actor;
    return call;
  }
  // Marks the call an operator's force-cancel, by the caller's key ("admin" without keys).
  void MarkForced() { options_.forced_by = key_name_.empty() ? "admin" : key_name_; }
  // Runs the call's operation, which must finish the call, once the rate limits let it
  // (market/rate_limit.h): a call over a limit is finished with RATE_LIMITED instead. Nothing
  // runs for a call refused at the start.
  void Run(std::function<void()> operation) {
    if (!admitted_) return;
    if (!limiter_->enabled()) return operation();
    limiter_->Admit(options_.player, key_name_, options_.deadline,
                    [self = shared_from_this(), operation = std::move(operation)](absl::Status s) {
                      if (!s.ok()) return self->Finish(s);
                      operation();
                    });
  }
  grpc::ServerUnaryReactor* reactor() const { return reactor_; }
  const CallOptions& options() const { return options_; }
  CallTrace* trace() { return &trace_; }

  // Records the call and sends its status (the response was filled before, when OK).
  void Finish(const absl::Status& status) {
    stats_->Record(method_, status, trace_, absl::Now() - start_);
    if (!status.ok()) {
      ctx_->AddTrailingMetadata("bazaar-reason", ReasonOf(status));
      if (status.code() == absl::StatusCode::kInternal) {
        BAZAAR_LOG(ERROR) << method_ << ": " << status.message();
      } else {
        BAZAAR_LOG(DEBUG) << method_ << ": " << status.message();
      }
    }
    reactor_->Finish(ToGrpcStatus(status));
  }

 private:
  CallGate* gate_;
  bool entered_;  // counted by the gate
  bool admitted_ = false;
  grpc::CallbackServerContext* ctx_;
  grpc::ServerUnaryReactor* reactor_;
  market::Stats* stats_;
  const RateLimiter* limiter_;
  std::string key_name_;  // the caller's API key (its rate bucket)
  const char* method_;
  absl::Time start_;
  CallOptions options_;
  CallTrace trace_;
};

// Finishes a call whose response holds the listing and the call info (ListItem, CancelListing).
template <typename Response>
Done<ListingResult> ListingReply(std::shared_ptr<Call> call, std::string default_currency,
                                 Response* resp) {
  return [call = std::move(call), default_currency, resp](absl::StatusOr<ListingResult> r) {
    if (r.ok()) {
      FillListing(r->listing, default_currency, resp->mutable_listing());
      FillInfo(r->info, resp->mutable_info());
    }
    call->Finish(r.status());
  };
}

// Finishes a stack grant or revoke: the quantity held afterwards and the call info.
template <typename Response>
Done<StackResult> StackReply(std::shared_ptr<Call> call, Response* resp) {
  return [call = std::move(call), resp](absl::StatusOr<StackResult> r) {
    if (r.ok()) {
      resp->set_quantity(r->quantity);
      FillInfo(r->info, resp->mutable_info());
    }
    call->Finish(r.status());
  };
}

// Finishes a call whose response is a page of listings (BrowseMarket, BrowseStackListings).
template <typename Response>
Done<BrowsePage> PageReply(std::shared_ptr<Call> call, std::string default_currency,
                           Response* resp) {
  return [call = std::move(call), default_currency, resp](absl::StatusOr<BrowsePage> r) {
    if (r.ok()) {
      for (const auto& l : r->listings) FillListing(l, default_currency, resp->add_listings());
      resp->set_next_cursor(r->next_cursor);
      if constexpr (std::is_same_v<Response, v1::BrowseStackListingsResponse>) {
        resp->set_total(r->total);
      }
    }
    call->Finish(r.status());
  };
}

void FillCounts(const std::map<std::string, int64_t>& counts,
                google::protobuf::RepeatedPtrField<v1::CountByName>* out) {
  for (const auto& [name, n] : counts) {
    auto* c = out->Add();
    c->set_name(name);
    c->set_count(n);
  }
}

}  // namespace

bool CallGate::Enter() {
  absl::MutexLock lock(&mu_);
  if (draining_) return false;
  ++in_flight_;
  return true;
}

void CallGate::Leave() {
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

bool CallGate::Drain(absl::Duration grace) {
  absl::MutexLock lock(&mu_);
  draining_ = true;
  auto none_left = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_flight_ == 0; };
  return mu_.AwaitWithTimeout(absl::Condition(&none_left), grace);
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  google::rpc::ErrorInfo info;
  info.set_reason(ReasonOf(status));
  info.set_domain("bazaar.market");
  for (const auto& [k, v] : ErrorFieldsOf(status)) (*info.mutable_metadata())[k] = v;
  google::rpc::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(std::string(status.message()));
  details.add_details()->PackFrom(info);
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()),
                      details.SerializeAsString());
}

MarketServiceImpl::MarketServiceImpl(MarketOps* ops, market::Stats* stats,
                                     std::function<StoreStatus()> store_status,
                                     const Authenticator* auth, const RateLimiter* limiter)
    : ops_(ops),
      stats_(stats),
      store_status_(std::move(store_status)),
      auth_(auth),
      limiter_(limiter) {}

using Reactor = grpc::ServerUnaryReactor;

Reactor* MarketServiceImpl::CreateUser(Context* ctx, const v1::CreateUserRequest* req,
                                       v1::CreateUserResponse* resp) {
  auto call = Call::Start(entry(), ctx, "CreateUser", Access{Access::kAdmin}, req->request_id());
  call->Run([=] {
    ops_->CreateUser(req->user_id(), req->name(), req->funds(), call->options(), call->trace(),
                     [call, currency = default_currency(), resp](absl::StatusOr<UserResult> r) {
                       if (r.ok()) {
                         resp->mutable_user()->set_user_id(r->user.id);
                         resp->mutable_user()->set_name(r->user.name);
                         resp->mutable_user()->set_funds(r->user.funds);
                         (*resp->mutable_user()->mutable_wallet())[currency] = r->user.funds;
                         FillInfo(r->info, resp->mutable_info());
                       }
                       call->Finish(r.status());
                     });
  });
  return call->reactor();
}

Reactor* MarketServiceImpl::GetUser(Context* ctx, const v1::GetUserRequest* req,
                                    v1::GetUserResponse* resp) {
  auto call = Call::Start(entry(), ctx, "GetUser", Access{Access::kRead});
  call->Run([=] {
    ops_->GetUser(req->user_id(), call->options(), call->trace(),
                  [call, resp](absl::StatusOr<User> r) {
                    if (r.ok()) {
                      auto* u = resp->mutable_user();
                      u->set_user_id(r->id);
                      u->set_name(r->name);
                      u->set_funds(r->funds);
                      for (const auto& item : r->inventory) u->add_inventory(item);
                      for (const auto& [c, b] : r->wallet) (*u->mutable_wallet())[c] = b;
                      for (const auto& [t, q] : r->stacks) (*u->mutable_stacks())[t] = q;
                      u->set_frozen(r->frozen);
                    }
                    call->Finish(r.status());
                  });
  });
  return call->reactor();
}

Reactor* MarketServiceImpl::GrantItem(Context* ctx, const v1::GrantItemRequest* req,
                                      v1::GrantItemResponse* resp) {
  auto call = Call::Start(entry(), ctx, "GrantItem", Access{Access::kAdmin}, req->request_id());
  call->Run([=] {
    if (!req->item_type().empty() || req->quantity() != 0) {
      if (absl::Status s = OneOf("item_id", req->item_id(), "item_type", req->item_type());
          !s.ok()) {
        call->Finish(s);
        return;
      }
      ops_->GrantStack(req->user_id(), req->item_type(), req->quantity(), call->options(),
                       call->trace(), StackReply(call, resp));
      return;
    }
    ops_->GrantItem(req->user_id(), req->item_id(), call->options(), call->trace(),
                    [call, resp](absl::StatusOr<CallInfo> r) {
                      if (r.ok()) FillInfo(*r, resp->mutable_info());
                      call->Finish(r.status());
                    });
  });
  return call->reactor();
}

Reactor* MarketServiceImpl::RevokeItem(Context* ctx, const v1::RevokeItemRequest* req,
                                       v1::RevokeItemResponse* resp) {
  auto call = Call::Start(entry(), ctx, "RevokeItem", Access{Access::kAdmin}, req->request_id());
  call->Run([=] {
    ops_->RevokeStack(req->user_id(), req->item_type(), req->quantity(), call->options(),
                      call->trace(), StackReply(call, resp));
  });
  return call->reactor();
}

Reactor* MarketServiceImpl::ChangeWallet(bool credit, Context* ctx, const v1::WalletRequest* req,
                                         v1::WalletResponse* resp) {
  auto call = Call::Start(entry(), ctx, credit ? "Credit" : "Debit", Access{Access::kAdmin},
                          req->request_id());
  call->Run([=] {
    Done<WalletResult> done = [call, resp](absl::StatusOr<WalletResult> r) {
      if (r.ok()) {
        resp->set_balance(r->balance);
        FillInfo(r->info, resp->mutable_info());
      }
      call->Finish(r.status());
    };
    if (credit) {
      ops_->Credit(req->user_id(), req->currency(), req->amount(), req->memo(), call->options(),
                   call->trace(), std::move(done));
    } else {
      ops_->Debit(req->user_id(), req->currency(), req->amount(), req->memo(), call->options(),
                  call->trace(), std::move(done));
    }
  });
  return call->reactor();
}

Reactor* MarketServiceImpl::ListItem(Context* ctx, const v1::ListItemRequest* req,
                                     v1::ListItemResponse* resp) {
  auto call = Call::Start(entry(), ctx, "ListItem", Access{Access::kPlayer, req->seller_id()},
                          req->request_id());
  call->Run([=] {
    if (!req->item_type().empty()) {
      // With item_id too: that instance, listed as the economy lists (see market.proto).
      StackListingRequest stack;
      stack.seller_id = req->seller_id();
      stack.item_type = req->item_type();
      stack.item_id = req->item_id();
      stack.quantity = req->quantity();
      stack.unit_price = req->price();
      stack.currency = req->currency();
      stack.duration = absl::Seconds(req->duration_seconds());
      if (req->duration_seconds() < 0) stack.duration = absl::Seconds(-1);  // refused as invalid
      ops_->ListStack(stack, call->options(), call->trace(),
                      ListingReply(call, default_currency(), resp));
      return;
    }
    if (!req->currency().empty() || req->duration_seconds() != 0 || req->quantity() != 0) {
      call->Finish(MakeError(absl::StatusCode::kInvalidArgument, reason::kInvalidArgument,
                             "currency, duration_seconds and quantity need item_type (an economy "
                             "listing); an instance alone is listed as in v1"));
      return;
    }
    ops_->ListItem(req->seller_id(), req->item_id(), req->price(), call->options(), call->trace(),
                   ListingReply(call, default_currency(), resp));
  });
  return call->reactor();
}

Reactor* MarketServiceImpl::Cancel(bool forced, Context* ctx, const v1::CancelListingRequest* req,
                                   v1::CancelListingResponse* resp) {
  // A player's cancel is refused while they are frozen; an operator's is not (no player).
  auto call =
      Call::Start(entry(), ctx, forced ? "ForceCancelListing" : "CancelListing",
                  forced ? Access{Access::kAdmin} : Access{Access::kPlayer, req->seller_id()},
                  req->request_id());
  if (forced) call->MarkForced();
  call->Run([=] {
    if (!req->listing_id().empty()) {
      if (absl::Status s = OneOf("item_id", req->item_id(), "listing_id", req->listing_id());
          !s.ok()) {
        call->Finish(s);
        return;
      }
      ops_->CancelStackListing(req->seller_id(), req->listing_id(), call->options(), call->trace(),
                               ListingReply(call, default_currency(), resp));
      return;
    }
    ops_->CancelListing(req->seller_id(), req->item_id(), call->options(), call->trace(),
                        ListingReply(call, default_currency(), resp));
  });
  return call->reactor();
}

Reactor* MarketServiceImpl::FreezeUser(Context* ctx, const v1::FreezeUserRequest* req,
                                       v1::FreezeUserResponse* resp) {
  auto call = Call::Start(entry(), ctx, "FreezeUser", Access{Access::kAdmin}, req->request_id());
  call->Run([=] {
    ops_->FreezeUser(req->user_id(), req->frozen(), req->reason(), call->options(), call->trace(),
                     [call, resp](absl::StatusOr<CallInfo> r) {
                       if (r.ok()) FillInfo(*r, resp->mutable_info());
                       call->Finish(r.status());
                     });
  });
  return call->reactor();
}

Reactor* MarketServiceImpl::PurchaseItem(Context* ctx, const v1::PurchaseItemRequest* req,
                                         v1::PurchaseItemResponse* resp) {
  auto call = Call::Start(entry(), ctx, "PurchaseItem", Access{Access::kPlayer, req->buyer_id()},
                          req->request_id());
  call->Run([=] {
    Done<PurchaseResult> done = [call, currency = default_currency(),
                                 resp](absl::StatusOr<PurchaseResult> r) {
      if (r.ok()) {
        FillListing(r->listing, currency, resp->mutable_listing());
        resp->set_buyer_funds(r->buyer_funds);
        resp->set_quantity(r->quantity);
        resp->set_total_price(r->total_price);
        resp->set_fee(r->fee);
        FillInfo(r->info, resp->mutable_info());
      }
      call->Finish(r.status());
    };
    if (!req->listing_id().empty()) {
      if (absl::Status s = internal::FirstError(
              {OneOf("item_id", req->item_id(), "listing_id", req->listing_id()),
               OneOf("seller_id", req->seller_id(), "listing_id", req->listing_id())});
          !s.ok()) {
        call->Finish(s);
        return;
      }
      ops_->PurchaseStack(req->buyer_id(), req->listing_id(), req->quantity(),
                          req->max_unit_price(), call->options(), call->trace(), std::move(done));
      return;
    }
    ops_->PurchaseItem(req->buyer_id(), req->seller_id(), req->item_id(), req->expected_price(),
                       call->options(), call->trace(), std::move(done));
  });
  return call->reactor();
}

Reactor* MarketServiceImpl::BuyQuantity(Context* ctx, const v1::BuyQuantityRequest* req,
                                        v1::BuyQuantityResponse* resp) {
  auto call = Call::Start(entry(), ctx, "BuyQuantity", Access{Access::kPlayer, req->buyer_id()},
                          req->request_id());
  call->Run([=] {
    ops_->BuyQuantity(req->buyer_id(), req->item_type(), req->currency(), req->quantity(),
                      req->max_unit_price(), call->options(), call->trace(),
                      [call, resp](absl::StatusOr<BuyResult> r) {
                        if (r.ok()) {
                          for (const Fill& f : r->fills) {
                            auto* out = resp->add_fills();
                            out->set_listing_id(f.listing_id);
                            out->set_seller_id(f.seller_id);
                            out->set_quantity(f.quantity);
                            out->set_unit_price(f.unit_price);
                            out->set_fee(f.fee);
                          }
                          resp->set_quantity(r->quantity);
                          resp->set_total_price(r->total_price);
                          resp->set_fee(r->fee);
                          resp->set_buyer_funds(r->buyer_funds);
                          FillInfo(r->info, resp->mutable_info());
                        }
                        call->Finish(r.status());
                      });
  });
  return call->reactor();
}

Reactor* MarketServiceImpl::GetListing(Context* ctx, const v1::GetListingRequest* req,
                                       v1::GetListingResponse* resp) {
  auto call = Call::Start(entry(), ctx, "GetListing", Access{Access::kRead});
  call->Run([=] {
    Done<Listing> done = [call, currency = default_currency(), resp](absl::StatusOr<Listing> r) {
      if (r.ok()) FillListing(*r, currency, resp->mutable_listing());
      call->Finish(r.status());
    };
    if (!req->listing_id().empty()) {
      ops_->GetStackListing(req->listing_id(), call->options(), call->trace(), std::move(done));
      return;
    }
    ops_->GetListing(req->seller_id(), req->item_id(), call->options(), call->trace(),
                     std::move(done));
  });
  return call->reactor();
}

Reactor* MarketServiceImpl::BrowseMarket(Context* ctx, const v1::BrowseMarketRequest* req,
                                         v1::BrowseMarketResponse* resp) {
  auto call = Call::Start(entry(), ctx, "BrowseMarket", Access{Access::kRead});
  call->Run([=] {
    BrowseQuery q;
    q.page_size = req->page_size();
    q.cursor = req->cursor();
    q.seller_id = req->seller_id();
    q.item_id = req->item_id();
    ops_->BrowseMarket(q, call->options(), call->trace(),
                       PageReply(call, default_currency(), resp));
  });
  return call->reactor();
}

Reactor* MarketServiceImpl::BrowseStackListings(Context* ctx,
                                                const v1::BrowseStackListingsRequest* req,
                                                v1::BrowseStackListingsResponse* resp) {
  auto call = Call::Start(entry(), ctx, "BrowseStackListings", Access{Access::kRead});
  call->Run([=] {
    LotQuery q;
    q.item_type = req->item_type();
    q.instances = req->instances();
    q.currency = req->currency();
    q.seller_id = req->seller_id();
    q.sort = req->sort() == v1::BrowseStackListingsRequest::NEWEST        ? LotSort::kNewest
             : req->sort() == v1::BrowseStackListingsRequest::ENDING_SOON ? LotSort::kEndingSoon
                                                                          : LotSort::kPrice;
    q.min_price = req->min_price();
    q.max_price = req->max_price();
    q.page_size = req->page_size();
    q.cursor = req->cursor();
    ops_->BrowseLots(q, call->options(), call->trace(), PageReply(call, default_currency(), resp));
  });
  return call->reactor();
}

Reactor* MarketServiceImpl::GetHistory(Context* ctx, const v1::GetHistoryRequest* req,
                                       v1::GetHistoryResponse* resp) {
  auto call = Call::Start(entry(), ctx, "GetHistory", Access{Access::kRead});
  call->Run([=] {
    ops_->GetHistory(req->user_id(), req->page_size(), req->cursor(), call->options(),
                     call->trace(), [call, resp](absl::StatusOr<HistoryPage> r) {
                       if (r.ok()) {
                         for (const MarketEvent& e : r->events) FillEvent(e, resp->add_events());
                         resp->set_next_cursor(r->next_cursor);
                       }
                       call->Finish(r.status());
                     });
  });
  return call->reactor();
}

Reactor* MarketServiceImpl::Stats(Context* ctx, const v1::StatsRequest*,
                                  v1::StatsResponse* resp) {
  if (absl::Status s = auth_->Check(*ctx, Access{Access::kAdmin}); !s.ok()) {
    ctx->AddTrailingMetadata("bazaar-reason", ReasonOf(s));
    Reactor* reactor = ctx->DefaultReactor();
    reactor->Finish(ToGrpcStatus(s));
    return reactor;
  }
  resp->set_mode(ContentionModeName(ops_->options().mode));
  resp->set_uptime_seconds(absl::ToDoubleSeconds(absl::Now() - started_));
  StoreStatus store = store_status_();
  resp->set_store_up(store.up);
  resp->set_store_reconnects(store.reconnects);
  for (const MethodSnapshot& s : stats_->Snapshot()) {
    auto* m = resp->add_methods();
    m->set_method(s.method);
    m->set_calls(s.calls);
    m->set_ok(s.ok);
    FillCounts(s.errors, m->mutable_errors());
    m->set_attempts(s.attempts);
    FillCounts(s.aborts, m->mutable_aborts());
    m->set_latency_avg_ms(s.avg_ms);
    m->set_latency_p50_ms(s.p50_ms);
    m->set_latency_p90_ms(s.p90_ms);
    m->set_latency_p99_ms(s.p99_ms);
    m->set_latency_max_ms(s.max_ms);
  }
  Reactor* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace bazaar::market
