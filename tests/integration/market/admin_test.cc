// The operators' service, MarketAdmin (issue 20): freezing a user refuses their own actions in
// every contention mode (the WATCH modes check inside the transaction, script mode inside the
// function), a force-cancel works for a frozen seller, the events say who was frozen and why,
// and only admin keys may call it.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <fstream>

#include "market/auth.h"
#include "market_fixture.h"

namespace bazaar::market::testing {
namespace {

namespace v1 = bazaar::market::v1;

using Param = StoreAndMode;

class AdminTest : public ::testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    store_ = std::make_unique<StoreProcess>(GetParam().store, /*persistent=*/false);
    market_ = std::make_unique<MarketProcess>(
        store_->port(), std::vector<std::string>{"--mode=" + GetParam().mode});
    market_stub_ = market_->NewStub();
    admin_stub_ = v1::MarketAdmin::NewStub(market_->NewChannel());
  }
  // Runs a call of either service; "" when it succeeded, else its reason.
  template <typename Stub, typename Request, typename Response>
  std::string Call(Stub* stub,
                   grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                   const Request& req, Response* resp = nullptr) {
    Response ignored;
    auto ctx = Ctx();
    grpc::Status s = (stub->*method)(ctx.get(), req, resp ? resp : &ignored);
    return s.ok() ? "" : Reason(*ctx);
  }
  std::string Freeze(const std::string& user, bool frozen, const std::string& why,
                     const std::string& request_id = "", v1::FreezeUserResponse* resp = nullptr) {
    v1::FreezeUserRequest req;
    req.set_user_id(user);
    req.set_frozen(frozen);
    req.set_reason(why);
    req.set_request_id(request_id);
    return Call(admin_stub_.get(), &v1::MarketAdmin::Stub::FreezeUser, req, resp);
  }
  v1::User User(const std::string& id) {
    v1::GetUserRequest req;
    req.set_user_id(id);
    v1::GetUserResponse resp;
    EXPECT_EQ(Call(market_stub_.get(), &v1::Market::Stub::GetUser, req, &resp), "");
    return resp.user();
  }
  std::string List(const std::string& seller, const std::string& item) {
    v1::ListItemRequest req;
    req.set_seller_id(seller);
    req.set_item_id(item);
    req.set_price(10);
    return Call(market_stub_.get(), &v1::Market::Stub::ListItem, req);
  }
  std::string Buy(const std::string& buyer, const std::string& seller, const std::string& item) {
    v1::PurchaseItemRequest req;
    req.set_buyer_id(buyer);
    req.set_seller_id(seller);
    req.set_item_id(item);
    req.set_expected_price(10);
    return Call(market_stub_.get(), &v1::Market::Stub::PurchaseItem, req);
  }

  std::unique_ptr<StoreProcess> store_;
  std::unique_ptr<MarketProcess> market_;
  std::unique_ptr<v1::Market::Stub> market_stub_;
  std::unique_ptr<v1::MarketAdmin::Stub> admin_stub_;
};

TEST_P(AdminTest, AFrozenUsersOwnActionsAreRefusedUntilThawed) {
  for (const char* user : {"seller", "buyer"}) {
    v1::CreateUserRequest req;
    req.set_user_id(user);
    req.set_funds(100);
    ASSERT_EQ(Call(admin_stub_.get(), &v1::MarketAdmin::Stub::CreateUser, req), "");
  }
  for (const char* item : {"sword", "shield"}) {
    v1::GrantItemRequest grant;
    grant.set_user_id("seller");
    grant.set_item_id(item);
    ASSERT_EQ(Call(admin_stub_.get(), &v1::MarketAdmin::Stub::GrantItem, grant), "");
  }
  v1::GrantItemRequest ore;
  ore.set_user_id("seller");
  ore.set_item_type("ore");
  ore.set_quantity(5);
  ASSERT_EQ(Call(admin_stub_.get(), &v1::MarketAdmin::Stub::GrantItem, ore), "");
  ASSERT_EQ(List("seller", "sword"), "");

  // A frozen buyer buys nothing, by instance or by quantity; their funds stay.
  v1::FreezeUserResponse frozen;
  ASSERT_EQ(Freeze("buyer", true, "chargeback", "freeze-1", &frozen), "");
  EXPECT_FALSE(frozen.info().event_id().empty());
  EXPECT_TRUE(User("buyer").frozen());
  EXPECT_EQ(Buy("buyer", "seller", "sword"), "USER_FROZEN");
  v1::BuyQuantityRequest by_quantity;
  by_quantity.set_buyer_id("buyer");
  by_quantity.set_item_type("ore");
  by_quantity.set_quantity(1);
  by_quantity.set_max_unit_price(10);
  EXPECT_EQ(Call(market_stub_.get(), &v1::Market::Stub::BuyQuantity, by_quantity), "USER_FROZEN");
  EXPECT_EQ(User("buyer").funds(), 100);
  // The same request id replays the freeze; another user id is not found.
  v1::FreezeUserResponse again;
  ASSERT_EQ(Freeze("buyer", true, "chargeback", "freeze-1", &again), "");
  EXPECT_TRUE(again.info().replayed());
  EXPECT_EQ(Freeze("nobody", true, "x"), "USER_NOT_FOUND");

  // A frozen seller can neither list nor cancel; an operator force-cancels for them.
  ASSERT_EQ(Freeze("seller", true, "botting"), "");
  EXPECT_EQ(List("seller", "shield"), "USER_FROZEN");
  v1::CancelListingRequest cancel;
  cancel.set_seller_id("seller");
  cancel.set_item_id("sword");
  EXPECT_EQ(Call(market_stub_.get(), &v1::Market::Stub::CancelListing, cancel), "USER_FROZEN");
  v1::CancelListingResponse cancelled;
  ASSERT_EQ(Call(admin_stub_.get(), &v1::MarketAdmin::Stub::ForceCancelListing, cancel, &cancelled),
            "");
  EXPECT_EQ(cancelled.listing().item_id(), "sword");
  EXPECT_THAT(User("seller").inventory(), ::testing::ElementsAre("shield", "sword"));

  // Thawed, both trade again.
  ASSERT_EQ(Freeze("seller", false, "appeal"), "");
  ASSERT_EQ(Freeze("buyer", false, "refunded"), "");
  EXPECT_FALSE(User("buyer").frozen());
  ASSERT_EQ(List("seller", "sword"), "");
  EXPECT_EQ(Buy("buyer", "seller", "sword"), "");
  EXPECT_EQ(User("buyer").funds(), 90);

  // The buyer's history says when and why.
  v1::GetHistoryRequest history;
  history.set_user_id("buyer");
  v1::GetHistoryResponse events;
  ASSERT_EQ(Call(market_stub_.get(), &v1::Market::Stub::GetHistory, history, &events), "");
  std::vector<std::string> seen;
  for (const v1::Event& e : events.events()) {
    if (e.type() == "user_frozen" || e.type() == "user_thawed") {
      seen.push_back(e.type() + ":" + e.fields().at("reason"));
    }
  }
  EXPECT_THAT(seen, ::testing::ElementsAre("user_thawed:refunded", "user_frozen:chargeback"));
  // The seller's history says the operator cancelled (no key file here: "admin").
  history.set_user_id("seller");
  ASSERT_EQ(Call(market_stub_.get(), &v1::Market::Stub::GetHistory, history, &events), "");
  std::vector<std::string> cancels;
  for (const v1::Event& e : events.events()) {
    if (e.type() != "cancelled") continue;
    auto by = e.fields().find("forced_by");
    cancels.push_back(by == e.fields().end() ? "seller" : by->second);
  }
  EXPECT_THAT(cancels, ::testing::ElementsAre("admin"));
  EXPECT_EQ(CheckInvariants(store_->port()), "");
}

INSTANTIATE_TEST_SUITE_P(Modes, AdminTest, ::testing::ValuesIn(StoresAndModes()), StoreAndModeName);

TEST(AdminKeysTest, OnlyAnAdminKeyMayCallMarketAdmin) {
  bazaar::testing::TempDir dir;
  const std::string keys = dir.path() + "/keys";
  std::ofstream(keys) << "game-eu game sha256:" << HashApiKey("game-key") << "\n"
                      << "ops admin sha256:" << HashApiKey("admin-key") << "\n";
  StoreProcess store(StoreKind::kBazaarEngine, /*persistent=*/false);
  MarketProcess market(store.port(), {"--api_keys=" + keys});
  auto admin = v1::MarketAdmin::NewStub(market.NewChannel());
  auto freeze = [&](const std::string& key, const std::string& player) {
    v1::FreezeUserRequest req;
    req.set_user_id("ann");
    req.set_frozen(true);
    v1::FreezeUserResponse resp;
    auto ctx = Ctx();
    if (!key.empty()) ctx->AddMetadata("authorization", "Bearer " + key);
    if (!player.empty()) ctx->AddMetadata("bazaar-user", player);
    grpc::Status s = admin->FreezeUser(ctx.get(), req, &resp);
    return s.ok() ? "" : Reason(*ctx);
  };
  EXPECT_EQ(freeze("", ""), "UNAUTHENTICATED");
  EXPECT_EQ(freeze("game-key", "ann"), "PERMISSION_DENIED");
  EXPECT_EQ(freeze("admin-key", ""), "USER_NOT_FOUND");  // allowed; there is no ann
}

}  // namespace
}  // namespace bazaar::market::testing
