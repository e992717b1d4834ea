// The market's store connection as an ACL user (issue 20): a store whose default user has a
// password and whose `market` user may touch only the realm's keys, with the command categories
// a market uses and nothing dangerous. The market works through it in every contention mode,
// against real Redis and bazaar-engine alike (the same user line means the same on both), and
// that user, tried with real redis-cli, cannot read a key outside the prefix or run FLUSHALL.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "harness/process.h"
#include "market_fixture.h"

namespace bazaar::market::testing {
namespace {

namespace v1 = bazaar::market::v1;
using bazaar::testing::ServerUnderTest;

constexpr char kPrefix[] = "{realm1}:";
// The user line, as redis.conf or --user takes it; docker-compose's engines use the same rules.
const std::vector<std::string> kMarketUser = {"market",
                                              "on",
                                              ">market-pw",
                                              "~{realm1}:*",
                                              "&*",
                                              "-@all",
                                              "+@read",
                                              "+@write",
                                              "+@transaction",
                                              "+@scripting",
                                              "+@connection",
                                              "+@fast",
                                              "-@dangerous",
                                              "-function|flush",
                                              "-function|delete",
                                              "-function|restore",
                                              "-script|flush"};

using Param = StoreAndMode;

class StoreAclTest : public ::testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    std::vector<std::string> args = {"--requirepass", "admin-pw", "--user"};
    args.insert(args.end(), kMarketUser.begin(), kMarketUser.end());
    store_ = std::make_unique<ServerUnderTest>(GetParam().store, args);
    market_ = std::make_unique<MarketProcess>(
        store_->port(), std::vector<std::string>{
                            "--mode=" + GetParam().mode, std::string("--key_prefix=") + kPrefix,
                            "--store_user=market", "--store_password=market-pw"});
    market_stub_ = market_->NewStub();
    admin_stub_ = v1::MarketAdmin::NewStub(market_->NewChannel());
  }
  // redis-cli as the market's store user; what it printed.
  std::string CliAsMarket(const std::string& command) {
    return bazaar::testing::RunCommand("timeout 20 " + bazaar::testing::RedisCliBinary() + " -p " +
                                       std::to_string(store_->port()) +
                                       " --user market --pass market-pw --no-auth-warning " +
                                       command)
        .output;
  }
  std::unique_ptr<ServerUnderTest> store_;
  std::unique_ptr<MarketProcess> market_;
  std::unique_ptr<v1::Market::Stub> market_stub_;
  std::unique_ptr<v1::MarketAdmin::Stub> admin_stub_;
};

TEST_P(StoreAclTest, TheMarketTradesAsItsStoreUserWhoCannotReachBeyondThePrefix) {
  for (const char* user : {"seller", "buyer"}) {
    v1::CreateUserRequest req;
    req.set_user_id(user);
    req.set_funds(100);
    v1::CreateUserResponse resp;
    auto ctx = Ctx();
    grpc::Status s = admin_stub_->CreateUser(ctx.get(), req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message() << " " << Reason(*ctx) << "\n" << market_->Log();
  }
  v1::GrantItemRequest grant;
  grant.set_user_id("seller");
  grant.set_item_id("sword");
  v1::GrantItemResponse granted;
  auto grant_ctx = Ctx();
  ASSERT_TRUE(admin_stub_->GrantItem(grant_ctx.get(), grant, &granted).ok()) << market_->Log();
  v1::ListItemRequest list;
  list.set_seller_id("seller");
  list.set_item_id("sword");
  list.set_price(40);
  v1::ListItemResponse listed;
  auto list_ctx = Ctx();
  ASSERT_TRUE(market_stub_->ListItem(list_ctx.get(), list, &listed).ok()) << market_->Log();
  v1::PurchaseItemRequest buy;
  buy.set_buyer_id("buyer");
  buy.set_seller_id("seller");
  buy.set_item_id("sword");
  buy.set_expected_price(40);
  v1::PurchaseItemResponse bought;
  auto buy_ctx = Ctx();
  grpc::Status s = market_stub_->PurchaseItem(buy_ctx.get(), buy, &bought);
  ASSERT_TRUE(s.ok()) << s.error_message() << " " << Reason(*buy_ctx) << "\n" << market_->Log();
  v1::GetUserRequest get;
  get.set_user_id("buyer");
  v1::GetUserResponse buyer;
  auto get_ctx = Ctx();
  ASSERT_TRUE(market_stub_->GetUser(get_ctx.get(), get, &buyer).ok());
  EXPECT_EQ(buyer.user().funds(), 60);
  EXPECT_THAT(market_->Log(), ::testing::Not(::testing::HasSubstr("NOPERM")));

  // The same user by hand: the realm's keys yes, anything else no.
  EXPECT_THAT(CliAsMarket("EXISTS '{realm1}:nothing'"), ::testing::HasSubstr("0"));
  EXPECT_THAT(CliAsMarket("GET other-realm-key"), ::testing::HasSubstr("NOPERM"));
  EXPECT_THAT(CliAsMarket("SET '{realm2}:user:x' 1"), ::testing::HasSubstr("NOPERM"));
  EXPECT_THAT(CliAsMarket("FLUSHALL"), ::testing::HasSubstr("NOPERM"));
  EXPECT_THAT(CliAsMarket("CONFIG SET requirepass x"), ::testing::HasSubstr("NOPERM"));
  EXPECT_THAT(CliAsMarket("ACL LIST"), ::testing::HasSubstr("NOPERM"));
  // What every realm shares (the function libraries, the script cache) it cannot empty.
  EXPECT_THAT(CliAsMarket("FUNCTION FLUSH"), ::testing::HasSubstr("NOPERM"));
  EXPECT_THAT(CliAsMarket("SCRIPT FLUSH"), ::testing::HasSubstr("NOPERM"));
  // And the store still holds what the market wrote (FLUSHALL did nothing).
  const std::string dbsize =
      bazaar::testing::RunCommand("timeout 20 " + bazaar::testing::RedisCliBinary() + " -p " +
                                  std::to_string(store_->port()) +
                                  " -a admin-pw --no-auth-warning DBSIZE")
          .output;
  EXPECT_GT(std::atoi(dbsize.c_str()), 0) << dbsize;
}

INSTANTIATE_TEST_SUITE_P(Modes, StoreAclTest, ::testing::ValuesIn(StoresAndModes()),
                         StoreAndModeName);

}  // namespace
}  // namespace bazaar::market::testing
