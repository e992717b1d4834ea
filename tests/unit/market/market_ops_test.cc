// MarketOps against the FakeStore: purchase logic, forced conflicts, exhausted attempts,
// deadlines, idempotent replay, and what each contention mode watches.
#include "market/market_ops.h"

#include <gtest/gtest.h>

#include "fake_store.h"
#include "market/errors.h"
#include "market/events.h"

namespace bazaar::market {
namespace {

using testing::FakeRetryEnv;
using testing::FakeStore;

class MarketOpsTest : public ::testing::TestWithParam<ContentionMode> {
 protected:
  MarketOpsTest() : ops_(&store_, &env_, Options()) {
    EXPECT_TRUE(ops_.CreateUser("seller", "S", 0, {}, &trace_).ok());
    EXPECT_TRUE(ops_.CreateUser("buyer", "B", 100, {}, &trace_).ok());
    EXPECT_TRUE(ops_.GrantItem("seller", "sword", {}, &trace_).ok());
    EXPECT_TRUE(ops_.ListItem("seller", "sword", 30, {}, &trace_).ok());
  }
  MarketOptions Options() {
    MarketOptions o;
    o.mode = GetParam();
    o.retry.max_attempts = 5;
    o.retry.max_time = absl::Seconds(10);
    return o;
  }
  int64_t Funds(const std::string& user) {
    auto r = store_.Run({"HGET", "users:" + user, "funds"});
    return std::stoll(r.str);
  }
  CallOptions WithId(const std::string& id) {
    CallOptions c;
    c.request_id = id;
    return c;
  }

  FakeStore store_;
  FakeRetryEnv env_;
  MarketOps ops_;
  CallTrace trace_;
};

TEST_P(MarketOpsTest, PurchaseMovesFundsAndItem) {
  CallTrace trace;
  auto r = ops_.PurchaseItem("buyer", "seller", "sword", 30, {}, &trace);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->buyer_funds, 70);
  EXPECT_EQ(r->info.attempts, 1);
  EXPECT_EQ(Funds("buyer"), 70);
  EXPECT_EQ(Funds("seller"), 30);
  EXPECT_EQ(store_.Run({"SISMEMBER", "inventory:buyer", "sword"}).integer, 1);
  EXPECT_TRUE(store_.Run({"ZSCORE", "market:", "sword.seller"}).is_nil());
  EXPECT_TRUE(store_.Run({"GET", "listing:sword.seller"}).is_nil());
}

// The events the store's log holds, replayed; fails the test on a contradiction.
market::ReplayState Replay(FakeStore& store, const std::string& key, size_t* entries) {
  market::ReplayState state;
  RespReply log = store.Run({"XRANGE", key, "-", "+"});
  *entries = log.elements.size();
  for (const auto& e : log.elements) {
    std::vector<std::string> fields;
    for (const auto& f : e.elements[1].elements) fields.push_back(f.str);
    absl::Status s = market::ApplyEvent(fields, &state);
    EXPECT_TRUE(s.ok()) << s;
  }
  return state;
}

TEST_P(MarketOpsTest, EveryChangeIsLoggedAndTheLogReplaysToTheStore) {
  CallTrace trace;
  ASSERT_TRUE(ops_.PurchaseItem("buyer", "seller", "sword", 30, WithId("p1"), &trace).ok());
  // Replayed by request id: no second event.
  ASSERT_TRUE(ops_.PurchaseItem("buyer", "seller", "sword", 30, WithId("p1"), &trace).ok());
  ASSERT_TRUE(ops_.GrantItem("seller", "shield", {}, &trace).ok());
  ASSERT_TRUE(ops_.ListItem("seller", "shield", 5, {}, &trace).ok());
  ASSERT_TRUE(ops_.CancelListing("seller", "shield", {}, &trace).ok());
  // A refused call logs nothing.
  EXPECT_FALSE(ops_.PurchaseItem("buyer", "seller", "shield", 5, {}, &trace).ok());
  size_t entries = 0;
  market::ReplayState state = Replay(store_, "events:", &entries);
  EXPECT_EQ(entries, 8u);  // 2 users, 2 grants, 2 listings, 1 sale, 1 cancel
  EXPECT_EQ(state.funds["buyer"], Funds("buyer"));
  EXPECT_EQ(state.funds["seller"], Funds("seller"));
  EXPECT_EQ(state.inventory["buyer"], (std::set<std::string>{"sword"}));
  EXPECT_EQ(state.inventory["seller"], (std::set<std::string>{"shield"}));
  EXPECT_TRUE(state.listings.empty());
  RespReply sale = store_.Run({"XRANGE", "events:", "-", "+"}).elements[4];
  EXPECT_EQ(sale.elements[1].elements[1].str, "sold");
  EXPECT_EQ(sale.elements[1].elements[3].str, "p1");  // the request id
  // The buyer's history: created, then the sale.
  EXPECT_EQ(store_.Run({"XRANGE", "history:buyer", "-", "+"}).elements.size(), 2u);
}

TEST(EventReplayTest, ContradictionsAreNamed) {
  market::ReplayState state;
  EXPECT_TRUE(market::ApplyEvent({"type", "user_created", "user", "a", "funds", "10"}, &state).ok());
  absl::Status s = market::ApplyEvent({"type", "listed", "seller", "a", "item", "x", "price", "3"},
                                      &state);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("not in a's inventory"), std::string::npos) << s;
  s = market::ApplyEvent({"type", "user_created", "user", "a", "funds", "1"}, &state);
  EXPECT_NE(s.message().find("created twice"), std::string::npos) << s;
}

TEST_P(MarketOpsTest, ForcedConflictsAreRetriedAndReported) {
  store_.force_conflicts = 3;
  CallTrace trace;
  auto r = ops_.PurchaseItem("buyer", "seller", "sword", 30, {}, &trace);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->info.attempts, 4);
  EXPECT_EQ(trace.watch_conflicts, 3);
  EXPECT_EQ(Funds("buyer"), 70);  // applied exactly once
}

TEST_P(MarketOpsTest, ExhaustedAttemptsAreAbortedAndChangeNothing) {
  store_.force_conflicts = 1000;
  CallTrace trace;
  auto r = ops_.PurchaseItem("buyer", "seller", "sword", 30, {}, &trace);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(trace.attempts, 5);
  EXPECT_EQ(Funds("buyer"), 100);
  EXPECT_EQ(store_.Run({"ZSCORE", "market:", "sword.seller"}).str, "30");
}

TEST_P(MarketOpsTest, ClientDeadlineIsHonouredInsideTheRetryLoop) {
  store_.force_conflicts = 1000;
  env_.uniform = 1.0;
  CallOptions call;
  call.deadline = env_.Now() + absl::Microseconds(1200);
  CallTrace trace;
  auto r = ops_.PurchaseItem("buyer", "seller", "sword", 30, call, &trace);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LE(env_.Now(), call.deadline);
  EXPECT_EQ(Funds("buyer"), 100);
}

TEST_P(MarketOpsTest, IdempotentReplayReturnsTheFirstOutcomeAndChangesNothing) {
  CallTrace t1, t2;
  store_.force_conflicts = 1;
  auto first = ops_.PurchaseItem("buyer", "seller", "sword", 30, WithId("req-1"), &t1);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->info.replayed);
  auto again = ops_.PurchaseItem("buyer", "seller", "sword", 30, WithId("req-1"), &t2);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->info.replayed);
  EXPECT_EQ(again->info.attempts, 2);  // the first call's figure
  EXPECT_FALSE(first->info.event_id.empty());
  EXPECT_EQ(again->info.event_id, first->info.event_id);  // the original event, not a new one
  EXPECT_EQ(again->buyer_funds, 70);
  EXPECT_EQ(Funds("buyer"), 70);
  EXPECT_EQ(Funds("seller"), 30);
}

TEST_P(MarketOpsTest, RequestIdReusedWithOtherParametersIsInvalidArgument) {
  CallTrace t;
  ASSERT_TRUE(ops_.PurchaseItem("buyer", "seller", "sword", 30, WithId("req-2"), &t).ok());
  auto r = ops_.PurchaseItem("buyer", "seller", "sword", 31, WithId("req-2"), &t);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(r.status()), "REQUEST_ID_REUSED");
  auto other = ops_.GrantItem("buyer", "shield", WithId("req-2"), &t);
  EXPECT_EQ(ReasonOf(other.status()), "REQUEST_ID_REUSED");
}

TEST_P(MarketOpsTest, DefiniteFailureIsRecordedAndReplayed) {
  CallTrace t;
  auto r = ops_.PurchaseItem("buyer", "seller", "sword", 30, WithId("req-3"), &t);
  ASSERT_TRUE(r.ok());
  // A second listing the buyer cannot afford: first outcome INSUFFICIENT_FUNDS ...
  ASSERT_TRUE(ops_.GrantItem("seller", "crown", {}, &t).ok());
  ASSERT_TRUE(ops_.ListItem("seller", "crown", 500, {}, &t).ok());
  auto poor = ops_.PurchaseItem("buyer", "seller", "crown", 500, WithId("req-4"), &t);
  EXPECT_EQ(ReasonOf(poor.status()), "INSUFFICIENT_FUNDS");
  // ... and still that after the buyer got richer: the retry replays the first outcome.
  store_.Run({"HINCRBY", "users:buyer", "funds", "1000"});
  auto replay = ops_.PurchaseItem("buyer", "seller", "crown", 500, WithId("req-4"), &t);
  EXPECT_EQ(ReasonOf(replay.status()), "INSUFFICIENT_FUNDS");
  EXPECT_EQ(store_.Run({"ZSCORE", "market:", "crown.seller"}).str, "500");
}

TEST_P(MarketOpsTest, IoErrorBeforeExecIsRetriedOnAFreshSession) {
  store_.fail_pipelines = 1;
  CallTrace trace;
  auto r = ops_.PurchaseItem("buyer", "seller", "sword", 30, {}, &trace);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(trace.store_errors, 1);
  EXPECT_EQ(r->info.attempts, 2);
}

TEST_P(MarketOpsTest, IoErrorDuringExecIsOutcomeUnknownAndResolvedByRequestId) {
  store_.fail_execs_after_apply = 1;
  CallTrace t;
  auto r = ops_.PurchaseItem("buyer", "seller", "sword", 30, WithId("req-5"), &t);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(r.status()), "OUTCOME_UNKNOWN");
  auto again = ops_.PurchaseItem("buyer", "seller", "sword", 30, WithId("req-5"), &t);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->info.replayed);
  EXPECT_EQ(Funds("buyer"), 70);
}

TEST_P(MarketOpsTest, UnreachableStoreIsUnavailable) {
  store_.unreachable = true;
  CallTrace t;
  auto r = ops_.PurchaseItem("buyer", "seller", "sword", 30, {}, &t);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
}

TEST_P(MarketOpsTest, PreconditionsAndNotFound) {
  CallTrace t;
  EXPECT_EQ(ReasonOf(ops_.PurchaseItem("buyer", "seller", "sword", 29, {}, &t).status()),
            "PRICE_CHANGED");
  EXPECT_EQ(ReasonOf(ops_.PurchaseItem("seller", "seller", "sword", 30, {}, &t).status()),
            "OWN_LISTING");
  EXPECT_EQ(ReasonOf(ops_.PurchaseItem("nobody", "seller", "sword", 30, {}, &t).status()),
            "USER_NOT_FOUND");
  EXPECT_EQ(ReasonOf(ops_.PurchaseItem("buyer", "seller", "axe", 30, {}, &t).status()),
            "LISTING_NOT_FOUND");
  ASSERT_TRUE(ops_.GrantItem("buyer", "sword", {}, &t).ok());
  EXPECT_EQ(ReasonOf(ops_.PurchaseItem("buyer", "seller", "sword", 30, {}, &t).status()),
            "BUYER_OWNS_ITEM");
  EXPECT_EQ(ReasonOf(ops_.ListItem("seller", "sword", 5, {}, &t).status()),
            "ITEM_NOT_IN_INVENTORY");
  EXPECT_EQ(ReasonOf(ops_.GrantItem("seller", "sword", {}, &t).status()), "ITEM_ALREADY_OWNED");
  EXPECT_EQ(ReasonOf(ops_.CreateUser("buyer", "x", 1, {}, &t).status()), "USER_EXISTS");
  EXPECT_EQ(ops_.ListItem("seller", "sword", -1, {}, &t).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ops_.CreateUser("a.b", "x", 1, {}, &t).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(MarketOpsTest, ABuyerWhoWinsFirstLeavesTheOtherNotFound) {
  // Another buyer's purchase lands between our reads and our EXEC.
  ASSERT_TRUE(ops_.CreateUser("rival", "R", 100, {}, &trace_).ok());
  bool fired = false;
  store_.before_exec = [&](int) {
    if (fired) return;
    fired = true;
    CallTrace t;
    ASSERT_TRUE(ops_.PurchaseItem("rival", "seller", "sword", 30, {}, &t).ok());
  };
  CallTrace trace;
  auto r = ops_.PurchaseItem("buyer", "seller", "sword", 30, {}, &trace);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(trace.watch_conflicts, 1);
  EXPECT_EQ(Funds("buyer"), 100);
  EXPECT_EQ(Funds("rival"), 70);
  EXPECT_EQ(Funds("seller"), 30);
}

TEST_P(MarketOpsTest, UnrelatedListingAbortsAPurchaseOnlyInBookMode) {
  ASSERT_TRUE(ops_.GrantItem("seller", "bow", {}, &trace_).ok());
  bool fired = false;
  store_.before_exec = [&](int) {
    if (fired) return;
    fired = true;
    CallTrace t;
    ASSERT_TRUE(ops_.ListItem("seller", "bow", 10, {}, &t).ok());
  };
  CallTrace trace;
  auto r = ops_.PurchaseItem("buyer", "seller", "sword", 30, {}, &trace);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(trace.watch_conflicts, GetParam() == ContentionMode::kBook ? 1 : 0);
}

TEST_P(MarketOpsTest, ASaleChangingTheUsersFundsDoesNotAbortAGrant) {
  bool fired = false;
  store_.before_exec = [&](int) {
    if (fired) return;
    fired = true;
    CallTrace t;
    ASSERT_TRUE(ops_.PurchaseItem("buyer", "seller", "sword", 30, {}, &t).ok());
  };
  CallTrace trace;
  ASSERT_TRUE(ops_.GrantItem("seller", "bow", {}, &trace).ok());
  EXPECT_EQ(trace.watch_conflicts, 0);
  EXPECT_EQ(Funds("seller"), 30);
  EXPECT_EQ(store_.Run({"HGET", "users:seller", "items_granted"}).str, "2");
}

TEST_P(MarketOpsTest, CancelReturnsTheItemToTheSeller) {
  CallTrace t;
  auto r = ops_.CancelListing("seller", "sword", {}, &t);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->listing.price, 30);
  EXPECT_EQ(store_.Run({"SISMEMBER", "inventory:seller", "sword"}).integer, 1);
  EXPECT_EQ(ReasonOf(ops_.CancelListing("seller", "sword", {}, &t).status()),
            "LISTING_NOT_FOUND");
}

TEST_P(MarketOpsTest, GetUserShowsFundsAndSortedInventory) {
  CallTrace t;
  ASSERT_TRUE(ops_.GrantItem("buyer", "zeta", {}, &t).ok());
  ASSERT_TRUE(ops_.GrantItem("buyer", "alpha", {}, &t).ok());
  auto u = ops_.GetUser("buyer", {}, &t);
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->funds, 100);
  EXPECT_EQ(u->inventory, (std::vector<std::string>{"alpha", "zeta"}));
  EXPECT_EQ(ops_.GetUser("ghost", {}, &t).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(MarketOpsTest, ASaleThatWouldTakeTheSellerPastTheMaximumIsRefusedAndChangesNothing) {
  ASSERT_TRUE(ops_.CreateUser("rich", "R", kMaxAmount - 29, {}, &trace_).ok());
  ASSERT_TRUE(ops_.GrantItem("rich", "crown", {}, &trace_).ok());
  ASSERT_TRUE(ops_.ListItem("rich", "crown", 30, {}, &trace_).ok());
  CallTrace trace;
  auto r = ops_.PurchaseItem("buyer", "rich", "crown", 30, WithId("r1"), &trace);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(r.status()), reason::kFundsLimit);
  EXPECT_EQ(Funds("buyer"), 100);
  EXPECT_EQ(Funds("rich"), kMaxAmount - 29);
  EXPECT_EQ(store_.Run({"ZSCORE", "market:", "crown.rich"}).str, "30");
  EXPECT_EQ(store_.Run({"SISMEMBER", "inventory:buyer", "crown"}).integer, 0);
  // One less and it fits exactly.
  ASSERT_TRUE(ops_.CancelListing("rich", "crown", {}, &trace_).ok());
  ASSERT_TRUE(ops_.ListItem("rich", "crown", 29, {}, &trace_).ok());
  ASSERT_TRUE(ops_.PurchaseItem("buyer", "rich", "crown", 29, {}, &trace).ok());
  EXPECT_EQ(Funds("rich"), kMaxAmount);
}

TEST_P(MarketOpsTest, AConcurrentSaleToTheSameSellerAbortsThePurchase) {
  // The seller's funds are read under WATCH, so the bound is never decided on a stale value.
  ASSERT_TRUE(ops_.GrantItem("seller", "shield", {}, &trace_).ok());
  ASSERT_TRUE(ops_.ListItem("seller", "shield", 5, {}, &trace_).ok());
  bool paid = false;
  store_.before_exec = [&](int) {
    if (!paid) store_.Run({"HINCRBY", "users:seller", "funds", "1"});  // another buyer's sale
    paid = true;
  };
  CallTrace trace;
  ASSERT_TRUE(ops_.PurchaseItem("buyer", "seller", "sword", 30, {}, &trace).ok());
  EXPECT_EQ(trace.watch_conflicts, 1);
  EXPECT_EQ(Funds("seller"), 31);
}

TEST_P(MarketOpsTest, AFailedCommandInsideExecIsCorruptDataAndNeverRecordedAsSuccess) {
  store_.fail_in_exec = "HINCRBY";  // the seller's credit fails, the rest applies
  CallTrace trace;
  auto r = ops_.PurchaseItem("buyer", "seller", "sword", 30, WithId("p1"), &trace);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ReasonOf(r.status()), reason::kCorruptData);
  EXPECT_NE(r.status().message().find("(HINCRBY users:seller (error) ERR increment"),
            std::string::npos)
      << r.status();
  EXPECT_NE(r.status().message().find("applied: HINCRBY users:buyer, SADD inventory:buyer"),
            std::string::npos)
      << r.status();
  EXPECT_EQ(trace.attempts, 1);  // not retried: it did apply
  // A retry with the same request id learns the same failure, not a replayed success.
  auto again = ops_.PurchaseItem("buyer", "seller", "sword", 30, WithId("p1"), &trace);
  EXPECT_EQ(again.status(), r.status());
}

INSTANTIATE_TEST_SUITE_P(Modes, MarketOpsTest,
                         ::testing::Values(ContentionMode::kFine, ContentionMode::kBook),
                         [](const auto& info) {
                           return std::string(ContentionModeName(info.param));
                         });

}  // namespace
}  // namespace bazaar::market
