// MarketServiceImpl: the gRPC face of MarketOps, on gRPC's callback API: a handler starts the
// operation and returns; the operation's last store reply, on the store's loop thread, finishes
// the call. No thread waits for a call. It converts messages, passes the client's deadline and
// request_id down, maps absl statuses to gRPC statuses (same codes; the reason also goes out as
// trailing metadata "bazaar-reason"), and records every call in Stats.
#ifndef BAZAAR_MARKET_SERVICE_H_
#define BAZAAR_MARKET_SERVICE_H_

#include <functional>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "market/auth.h"
#include "market/event_hub.h"
#include "market/market_ops.h"
#include "market/rate_limit.h"
#include "market/stats.h"
#include "market/v1/market.grpc.pb.h"
#include "resp/async_pool.h"

namespace bazaar::market {

// Counts the calls in progress and, once draining starts (SIGTERM), refuses new ones, so that a
// shutdown waits for exactly the calls it must let finish. Thread-safe.
class CallGate {
 public:
  // False once draining started: the call must not run.
  bool Enter();
  void Leave();
  // Refuses new calls, then waits until none is in progress or `grace` has passed; true when
  // none is left.
  bool Drain(absl::Duration grace);

 private:
  absl::Mutex mu_;
  int in_flight_ = 0;
  bool draining_ = false;
};

// What every call passes on its way in: the shutdown gate, the stats, the key check, the rate
// limits.
struct CallEntry {
  CallGate* gate;
  market::Stats* stats;
  const Authenticator* auth;
  const RateLimiter* limiter;
};

// Extra figures for the Stats RPC that live outside the service.
struct StoreStatus {
  bool up = false;
  int64_t reconnects = 0;
  client::PoolGauges pool;  // the store connections (metrics only)
};

class MarketServiceImpl final : public bazaar::market::v1::Market::CallbackService {
 public:
  // Pointers must outlive the service. `auth` checks each call's API key (market/auth.h),
  // `limiter` its rate limits (market/rate_limit.h).
  MarketServiceImpl(MarketOps* ops, market::Stats* stats, std::function<StoreStatus()> store_status,
                    const Authenticator* auth, const RateLimiter* limiter);

  using Context = grpc::CallbackServerContext;
  using Reactor = grpc::ServerUnaryReactor;
  Reactor* CreateUser(Context* ctx, const v1::CreateUserRequest* req,
                      v1::CreateUserResponse* resp) override;
  Reactor* GetUser(Context* ctx, const v1::GetUserRequest* req,
                   v1::GetUserResponse* resp) override;
  Reactor* GrantItem(Context* ctx, const v1::GrantItemRequest* req,
                     v1::GrantItemResponse* resp) override;
  Reactor* RevokeItem(Context* ctx, const v1::RevokeItemRequest* req,
                      v1::RevokeItemResponse* resp) override;
  Reactor* Credit(Context* ctx, const v1::WalletRequest* req, v1::WalletResponse* resp) override {
    return ChangeWallet(/*credit=*/true, ctx, req, resp);
  }
  Reactor* Debit(Context* ctx, const v1::WalletRequest* req, v1::WalletResponse* resp) override {
    return ChangeWallet(/*credit=*/false, ctx, req, resp);
  }
  Reactor* ListItem(Context* ctx, const v1::ListItemRequest* req,
                    v1::ListItemResponse* resp) override;
  Reactor* CancelListing(Context* ctx, const v1::CancelListingRequest* req,
                         v1::CancelListingResponse* resp) override {
    return Cancel(/*forced=*/false, ctx, req, resp);
  }
  Reactor* PurchaseItem(Context* ctx, const v1::PurchaseItemRequest* req,
                        v1::PurchaseItemResponse* resp) override;
  Reactor* BuyQuantity(Context* ctx, const v1::BuyQuantityRequest* req,
                       v1::BuyQuantityResponse* resp) override;
  Reactor* GetListing(Context* ctx, const v1::GetListingRequest* req,
                      v1::GetListingResponse* resp) override;
  Reactor* BrowseMarket(Context* ctx, const v1::BrowseMarketRequest* req,
                        v1::BrowseMarketResponse* resp) override;
  Reactor* BrowseStackListings(Context* ctx, const v1::BrowseStackListingsRequest* req,
                               v1::BrowseStackListingsResponse* resp) override;
  Reactor* GetHistory(Context* ctx, const v1::GetHistoryRequest* req,
                      v1::GetHistoryResponse* resp) override;
  Reactor* Stats(Context* ctx, const v1::StatsRequest* req, v1::StatsResponse* resp) override;
  // MarketAdmin's own calls (market/admin_service.h serves them).
  Reactor* FreezeUser(Context* ctx, const v1::FreezeUserRequest* req, v1::FreezeUserResponse* resp);
  Reactor* ForceCancelListing(Context* ctx, const v1::CancelListingRequest* req,
                              v1::CancelListingResponse* resp) {
    return Cancel(/*forced=*/true, ctx, req, resp);
  }
  // market/watch.cc: served by the EventHub (nullptr: refused with UNAVAILABLE).
  grpc::ServerWriteReactor<v1::Event>* WatchEvents(Context* ctx,
                                                   const v1::WatchEventsRequest* req) override;

  // Before the server starts. `hub` must outlive the service; `queue_limit` bounds each
  // watcher's queue.
  void SetEventHub(EventHub* hub, size_t queue_limit) {
    hub_ = hub;
    watch_queue_limit_ = queue_limit;
  }

  // SIGTERM: refuse new calls (UNAVAILABLE/SHUTTING_DOWN) and wait up to `grace` for the ones
  // in progress; true when none is left.
  bool Drain(absl::Duration grace) { return gate_.Drain(grace); }

 private:
  Reactor* Cancel(bool forced, Context* ctx, const v1::CancelListingRequest* req,
                  v1::CancelListingResponse* resp);
  Reactor* ChangeWallet(bool credit, Context* ctx, const v1::WalletRequest* req,
                        v1::WalletResponse* resp);
  const std::string& default_currency() const { return ops_->options().economy.default_currency(); }
  CallEntry entry() { return {&gate_, stats_, auth_, limiter_}; }

  CallGate gate_;
  MarketOps* ops_;
  market::Stats* stats_;
  std::function<StoreStatus()> store_status_;
  const Authenticator* auth_;
  const RateLimiter* limiter_;
  EventHub* hub_ = nullptr;
  size_t watch_queue_limit_ = 1000;
  absl::Time started_ = absl::Now();
};

void FillEvent(const MarketEvent& e, v1::Event* out);

// absl::Status -> grpc::Status (the codes are the same numbers), with a google.rpc.Status in the
// details holding one google.rpc.ErrorInfo: the reason, domain "bazaar.market", and the
// status's ErrorFields as metadata.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_SERVICE_H_
