// Rate limits (issue 20): a player's and an API key's token buckets live in the store, so two
// market processes on one store share them; a call over a limit is RESOURCE_EXHAUSTED /
// RATE_LIMITED with retry_after_ms in its ErrorInfo and does nothing. On both store kinds: the
// buckets are a script the store runs.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <thread>

#include "absl/strings/numbers.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "market/auth.h"
#include "market_fixture.h"

namespace bazaar::market::testing {
namespace {

namespace v1 = bazaar::market::v1;

// How a call went: its code, reason and ErrorInfo fields.
struct Outcome {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string reason;
  std::map<std::string, std::string> fields;
};

Outcome OutcomeOf(const grpc::Status& s, const grpc::ClientContext& ctx) {
  Outcome o{s.error_code(), s.ok() ? "" : Reason(ctx), {}};
  google::rpc::Status details;
  google::rpc::ErrorInfo info;
  if (!s.ok() && details.ParseFromString(s.error_details()) && details.details_size() == 1 &&
      details.details(0).UnpackTo(&info)) {
    o.fields.insert(info.metadata().begin(), info.metadata().end());
  }
  return o;
}

int64_t RetryAfterMs(const Outcome& o) {
  int64_t ms = -1;
  auto it = o.fields.find("retry_after_ms");
  if (it == o.fields.end() || !absl::SimpleAtoi(it->second, &ms)) return -1;
  return ms;
}

class RateLimitTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    store_ = std::make_unique<StoreProcess>(GetParam(), /*persistent=*/false);
  }
  // Runs `rpc` on `stub`, with `key` ("" none) and acting user ("" none).
  template <typename Request, typename Response>
  Outcome Run(v1::Market::Stub* stub,
              grpc::Status (v1::Market::Stub::*method)(grpc::ClientContext*, const Request&,
                                                       Response*),
              const Request& req, const std::string& key = "", const std::string& user = "") {
    auto ctx = Ctx();
    if (!key.empty()) ctx->AddMetadata("authorization", "Bearer " + key);
    if (!user.empty()) ctx->AddMetadata("bazaar-user", user);
    Response resp;
    grpc::Status s = (stub->*method)(ctx.get(), req, &resp);
    return OutcomeOf(s, *ctx);
  }

  std::unique_ptr<StoreProcess> store_;
};

TEST_P(RateLimitTest, APlayerOverTheLimitIsRefusedOnEveryMarketAndTheRefusedCallDoesNothing) {
  // A token every 2 s, three at once; two markets share the buckets through the store.
  const std::vector<std::string> flags = {"--player_rate_limit=0.5", "--player_rate_burst=3"};
  MarketProcess first(store_->port(), flags), second(store_->port(), flags);
  auto a = first.NewStub(), b = second.NewStub();
  for (const char* user : {"ann", "bob"}) {
    v1::CreateUserRequest create;
    create.set_user_id(user);
    create.set_funds(100);
    ASSERT_EQ(Run(a.get(), &v1::Market::Stub::CreateUser, create).code, grpc::StatusCode::OK);
  }
  v1::GrantItemRequest grant;
  grant.set_user_id("ann");
  grant.set_item_id("sword");
  ASSERT_EQ(Run(a.get(), &v1::Market::Stub::GrantItem, grant).code, grpc::StatusCode::OK);

  // Three player actions, on both markets, use the burst (they fail for their own reasons).
  v1::PurchaseItemRequest missing;
  missing.set_buyer_id("ann");
  missing.set_seller_id("bob");
  missing.set_item_id("nothing");
  missing.set_expected_price(1);
  for (v1::Market::Stub* stub : {a.get(), b.get(), a.get()}) {
    EXPECT_EQ(Run(stub, &v1::Market::Stub::PurchaseItem, missing).reason, "LISTING_NOT_FOUND");
  }
  v1::ListItemRequest list;
  list.set_seller_id("ann");
  list.set_item_id("sword");
  list.set_price(10);
  Outcome refused = Run(b.get(), &v1::Market::Stub::ListItem, list);
  EXPECT_EQ(refused.code, grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(refused.reason, "RATE_LIMITED");
  EXPECT_EQ(refused.fields["limit"], "player");
  EXPECT_EQ(refused.fields["burst"], "3");
  const int64_t wait_ms = RetryAfterMs(refused);
  EXPECT_GT(wait_ms, 0);
  EXPECT_LE(wait_ms, 2000);
  // Nothing was listed; reads are not a player's calls, and bob has his own bucket.
  v1::GetListingRequest get;
  get.set_seller_id("ann");
  get.set_item_id("sword");
  EXPECT_EQ(Run(a.get(), &v1::Market::Stub::GetListing, get).reason, "LISTING_NOT_FOUND");
  v1::PurchaseItemRequest bobs = missing;
  bobs.set_buyer_id("bob");
  bobs.set_seller_id("ann");
  EXPECT_EQ(Run(a.get(), &v1::Market::Stub::PurchaseItem, bobs).reason, "LISTING_NOT_FOUND");

  // After the wait it says, one call goes through, and the next is refused again.
  std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms + 50));
  EXPECT_EQ(Run(a.get(), &v1::Market::Stub::ListItem, list).code, grpc::StatusCode::OK);
  EXPECT_EQ(Run(b.get(), &v1::Market::Stub::PurchaseItem, missing).reason, "RATE_LIMITED");
  EXPECT_EQ(CheckInvariants(store_->port()), "");
}

TEST_P(RateLimitTest, AKeyOverItsLimitIsRefusedWhateverItCalls) {
  bazaar::testing::TempDir dir;
  const std::string keys = dir.path() + "/keys";
  std::ofstream(keys) << "game-eu game sha256:" << HashApiKey("game-key") << "\n"
                      << "ops admin sha256:" << HashApiKey("admin-key") << "\n";
  MarketProcess market(store_->port(),
                       {"--api_keys=" + keys, "--key_rate_limit=0.5", "--key_rate_burst=2"});
  auto stub = market.NewStub();
  v1::CreateUserRequest create;
  create.set_user_id("ann");
  ASSERT_EQ(Run(stub.get(), &v1::Market::Stub::CreateUser, create, "admin-key").code,
            grpc::StatusCode::OK);
  v1::GetUserRequest read;
  read.set_user_id("ann");
  v1::CancelListingRequest cancel;
  cancel.set_seller_id("ann");
  cancel.set_item_id("nothing");
  EXPECT_EQ(Run(stub.get(), &v1::Market::Stub::GetUser, read, "game-key").code,
            grpc::StatusCode::OK);
  EXPECT_EQ(Run(stub.get(), &v1::Market::Stub::CancelListing, cancel, "game-key", "ann").reason,
            "LISTING_NOT_FOUND");
  Outcome refused = Run(stub.get(), &v1::Market::Stub::GetUser, read, "game-key");
  EXPECT_EQ(refused.reason, "RATE_LIMITED");
  EXPECT_EQ(refused.fields["limit"], "key");
  EXPECT_GT(RetryAfterMs(refused), 0);
  // The admin key has a bucket of its own (its second call of two).
  EXPECT_EQ(Run(stub.get(), &v1::Market::Stub::GetUser, read, "admin-key").code,
            grpc::StatusCode::OK);
  // A call refused for its key never reaches the limits.
  EXPECT_EQ(Run(stub.get(), &v1::Market::Stub::GetUser, read, "unknown-key").reason,
            "UNAUTHENTICATED");
}

INSTANTIATE_TEST_SUITE_P(Stores, RateLimitTest, ::testing::ValuesIn(StoreKinds()),
                         [](const auto& info) { return StoreKindName(info.param); });

}  // namespace
}  // namespace bazaar::market::testing
