// MarketAdminImpl: the operators' service (bazaar.market.v1.MarketAdmin), apart from the players'
// Market. Every call is served by the MarketServiceImpl it wraps, through the same admission,
// API key check (admin keys only), rate limits and stats; the calls Market also has are the
// same handlers, so both names behave alike.
//
// Thread: gRPC's, as MarketServiceImpl.
#ifndef BAZAAR_MARKET_ADMIN_SERVICE_H_
#define BAZAAR_MARKET_ADMIN_SERVICE_H_

#include "market/service.h"

namespace bazaar::market {

class MarketAdminImpl final : public bazaar::market::v1::MarketAdmin::CallbackService {
 public:
  // `market` must outlive this service.
  explicit MarketAdminImpl(MarketServiceImpl* market) : market_(market) {}

  using Context = grpc::CallbackServerContext;
  using Reactor = grpc::ServerUnaryReactor;
  Reactor* CreateUser(Context* ctx, const v1::CreateUserRequest* req,
                      v1::CreateUserResponse* resp) override {
    return market_->CreateUser(ctx, req, resp);
  }
  Reactor* GrantItem(Context* ctx, const v1::GrantItemRequest* req,
                     v1::GrantItemResponse* resp) override {
    return market_->GrantItem(ctx, req, resp);
  }
  Reactor* RevokeItem(Context* ctx, const v1::RevokeItemRequest* req,
                      v1::RevokeItemResponse* resp) override {
    return market_->RevokeItem(ctx, req, resp);
  }
  Reactor* Credit(Context* ctx, const v1::WalletRequest* req, v1::WalletResponse* resp) override {
    return market_->Credit(ctx, req, resp);
  }
  Reactor* Debit(Context* ctx, const v1::WalletRequest* req, v1::WalletResponse* resp) override {
    return market_->Debit(ctx, req, resp);
  }
  Reactor* FreezeUser(Context* ctx, const v1::FreezeUserRequest* req,
                      v1::FreezeUserResponse* resp) override {
    return market_->FreezeUser(ctx, req, resp);
  }
  Reactor* ForceCancelListing(Context* ctx, const v1::CancelListingRequest* req,
                              v1::CancelListingResponse* resp) override {
    return market_->ForceCancelListing(ctx, req, resp);
  }
  Reactor* Stats(Context* ctx, const v1::StatsRequest* req, v1::StatsResponse* resp) override {
    return market_->Stats(ctx, req, resp);
  }

 private:
  MarketServiceImpl* market_;
};

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_ADMIN_SERVICE_H_
