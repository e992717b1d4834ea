// The economy's operations (wallets, stacks, stack listings, the reaper's expiry) against the
// FakeStore: each decide step's successes and refusals, fees and the sink, partial fills,
// expiry races through the fake's before-EXEC hook, what book mode adds to the watch set, and
// the event log replaying to the store.
#include <gtest/gtest.h>

#include "fake_store.h"
#include "market/errors.h"
#include "market/events.h"
#include "market/market_ops.h"

namespace bazaar::market {
namespace {

using testing::FakeRetryEnv;
using testing::FakeStore;

class EconomyTest : public ::testing::TestWithParam<ContentionMode> {
 protected:
  EconomyTest() : ops_(&store_, &env_, Options()) {
    EXPECT_TRUE(ops_.CreateUser("seller", "S", 0, {}, &trace_).ok());
    EXPECT_TRUE(ops_.CreateUser("buyer", "B", 1000, {}, &trace_).ok());
  }
  MarketOptions Options() {
    MarketOptions o;
    o.mode = GetParam();
    o.retry.max_attempts = 5;
    o.retry.max_time = absl::Seconds(10);
    o.economy.currencies = {"gold", "gems"};
    o.economy.fee_bps = 500;  // 5%
    o.economy.fee_min = 1;
    o.economy.max_listings_per_seller = 3;
    return o;
  }
  int64_t Field(const std::string& key, const std::string& field) {
    RespReply r = store_.Run({"HGET", key, field});
    return r.is_nil() ? 0 : std::stoll(r.str);
  }
  absl::StatusOr<StackResult> Grant(const std::string& user, const std::string& type, int64_t q) {
    return MarketOps::Await<StackResult>(
        [&](auto done) { ops_.GrantStack(user, type, q, {}, &trace_, done); });
  }
  absl::StatusOr<StackResult> Revoke(const std::string& user, const std::string& type, int64_t q) {
    return MarketOps::Await<StackResult>(
        [&](auto done) { ops_.RevokeStack(user, type, q, {}, &trace_, done); });
  }
  absl::StatusOr<WalletResult> Credit(const std::string& user, const std::string& cur,
                                      int64_t amount, const CallOptions& call = {}) {
    return MarketOps::Await<WalletResult>(
        [&](auto done) { ops_.Credit(user, cur, amount, "quest", call, &trace_, done); });
  }
  absl::StatusOr<WalletResult> Debit(const std::string& user, const std::string& cur,
                                     int64_t amount) {
    return MarketOps::Await<WalletResult>(
        [&](auto done) { ops_.Debit(user, cur, amount, "shop", {}, &trace_, done); });
  }
  absl::StatusOr<ListingResult> List(const std::string& seller, const std::string& type, int64_t q,
                                     int64_t price, const std::string& cur = "",
                                     absl::Duration d = absl::ZeroDuration()) {
    StackListingRequest req{seller, type, q, price, cur, d};
    return MarketOps::Await<ListingResult>(
        [&](auto done) { ops_.ListStack(req, {}, &trace_, done); });
  }
  // An instance listing of the economy: `item` under the kind `kind`.
  absl::StatusOr<ListingResult> ListInstance(const std::string& seller, const std::string& item,
                                             const std::string& kind, int64_t price,
                                             const std::string& cur = "", int64_t q = 0) {
    StackListingRequest req{seller, kind, q, price, cur, absl::ZeroDuration(), item};
    return MarketOps::Await<ListingResult>(
        [&](auto done) { ops_.ListStack(req, {}, &trace_, done); });
  }
  bool Holds(const std::string& user, const std::string& item) {
    return store_.Run({"SISMEMBER", "inventory:" + user, item}).integer == 1;
  }
  absl::StatusOr<PurchaseResult> Buy(const std::string& buyer, const std::string& id, int64_t q,
                                     int64_t max, CallTrace* trace = nullptr) {
    return MarketOps::Await<PurchaseResult>([&](auto done) {
      ops_.PurchaseStack(buyer, id, q, max, {}, trace ? trace : &trace_, done);
    });
  }
  absl::StatusOr<ListingResult> Cancel(const std::string& seller, const std::string& id) {
    return MarketOps::Await<ListingResult>(
        [&](auto done) { ops_.CancelStackListing(seller, id, {}, &trace_, done); });
  }
  absl::StatusOr<ListingResult> Expire(const std::string& id) {
    return MarketOps::Await<ListingResult>(
        [&](auto done) { ops_.ExpireListing(id, {}, &trace_, done); });
  }
  // Replays events: and checks it against the store's wallets, stacks and lots.
  void ExpectLogMatchesStore() {
    ReplayState state;
    for (const auto& e : store_.Run({"XRANGE", "events:", "-", "+"}).elements) {
      std::vector<std::string> fv;
      for (const auto& f : e.elements[1].elements) fv.push_back(f.str);
      absl::Status s = ApplyEvent(fv, &state);
      ASSERT_TRUE(s.ok()) << s;
    }
    EXPECT_EQ(state.default_currency, "gold");
    for (const std::string user : {"seller", "seller2", "buyer", "rival"}) {
      EXPECT_EQ(state.funds[user], Field("users:" + user, "funds")) << user;
      EXPECT_EQ(state.wallets[user]["gems"], Field("users:" + user, "funds:gems")) << user;
      for (const auto& [type, q] : state.stacks[user]) {
        EXPECT_EQ(q, Field("stacks:" + user, type)) << user << " " << type;
      }
      std::set<std::string> held;
      for (const auto& e : store_.Run({"SMEMBERS", "inventory:" + user}).elements) {
        held.insert(e.str);
      }
      EXPECT_EQ(held, state.inventory[user]) << user;
    }
    for (const auto& [id, lot] : state.lots)
      EXPECT_EQ(lot.quantity, Field("lot:" + id, "quantity"));
    EXPECT_EQ(state.sink["gold"], Field("sink:", "gold"));
    EXPECT_EQ(state.sink["gems"], Field("sink:", "gems"));
  }

  FakeStore store_;
  FakeRetryEnv env_;
  MarketOps ops_;
  CallTrace trace_;
};

TEST_P(EconomyTest, CreditAndDebitKeepALedgerPerCurrency) {
  auto r = Credit("buyer", "gems", 40);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->balance, 40);
  EXPECT_FALSE(r->info.event_id.empty());
  ASSERT_TRUE(Credit("buyer", "", 5).ok());  // the default currency is funds
  EXPECT_EQ(Field("users:buyer", "funds"), 1005);
  auto d = Debit("buyer", "gems", 15);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->balance, 25);
  EXPECT_EQ(Field("users:buyer", "credited:gems"), 40);
  EXPECT_EQ(Field("users:buyer", "debited:gems"), 15);
  // Never below zero, never past 10^15, only configured currencies, only known users.
  EXPECT_EQ(ReasonOf(Debit("buyer", "gems", 26).status()), reason::kInsufficientFunds);
  EXPECT_EQ(ReasonOf(Credit("buyer", "gems", kMaxAmount).status()), reason::kFundsLimit);
  EXPECT_EQ(Credit("buyer", "silver", 1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Credit("buyer", "gems", 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(Credit("nobody", "gems", 1).status()), reason::kUserNotFound);
  EXPECT_EQ(Field("users:buyer", "funds:gems"), 25);
  // A retried credit with its request id is replayed, not applied twice.
  CallOptions once;
  once.request_id = "reward-1";
  ASSERT_TRUE(Credit("buyer", "gems", 10, once).ok());
  auto again = Credit("buyer", "gems", 10, once);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->info.replayed);
  EXPECT_EQ(again->balance, 35);
  EXPECT_EQ(Field("users:buyer", "funds:gems"), 35);
  ExpectLogMatchesStore();
}

TEST_P(EconomyTest, StacksGrantAndRevokeByQuantity) {
  auto g = Grant("seller", "potion", 10);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->quantity, 10);
  EXPECT_EQ(Grant("seller", "potion", 5)->quantity, 15);
  EXPECT_EQ(ReasonOf(Revoke("seller", "potion", 16).status()), reason::kInsufficientQuantity);
  EXPECT_EQ(Revoke("seller", "potion", 15)->quantity, 0);
  // A stack at zero is no field at all, and the granted counter nets out.
  EXPECT_TRUE(store_.Run({"HGET", "stacks:seller", "potion"}).is_nil());
  EXPECT_EQ(Field("granted:seller", "potion"), 0);
  EXPECT_EQ(ReasonOf(Grant("seller", "ore", kMaxAmount).status()), "");
  EXPECT_EQ(ReasonOf(Grant("seller", "ore", 1).status()), reason::kStackLimit);
  EXPECT_EQ(ReasonOf(Grant("nobody", "ore", 1).status()), reason::kUserNotFound);
  EXPECT_EQ(Grant("seller", "ore", -1).status().code(), absl::StatusCode::kInvalidArgument);
  auto user = MarketOps::Await<User>([&](auto done) { ops_.GetUser("seller", {}, &trace_, done); });
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->stacks, (std::map<std::string, int64_t>{{"ore", kMaxAmount}}));
  EXPECT_EQ(user->wallet, (std::map<std::string, int64_t>{{"gems", 0}, {"gold", 0}}));
  ExpectLogMatchesStore();
}

TEST_P(EconomyTest, PartialFillsPayTheSellerMinusTheFee) {
  ASSERT_TRUE(Grant("seller", "potion", 10).ok());
  auto l = List("seller", "potion", 10, 7);
  ASSERT_TRUE(l.ok()) << l.status();
  const std::string id = l->listing.listing_id;
  EXPECT_EQ(l->listing.currency, "gold");
  EXPECT_EQ(l->listing.created_ms, store_.now_ms);
  EXPECT_EQ(l->listing.expires_ms, store_.now_ms + 24 * 3600 * 1000);
  EXPECT_TRUE(store_.Run({"HGET", "stacks:seller", "potion"}).is_nil());
  EXPECT_EQ(store_.Run({"ZSCORE", "lots:gold:potion", id + ".seller"}).str, "7");

  // 4 of 10 at 7: total 28, fee max(1, 28 * 5%) = 1.
  auto p = Buy("buyer", id, 4, 8);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->quantity, 4);
  EXPECT_EQ(p->total_price, 28);
  EXPECT_EQ(p->fee, 1);
  EXPECT_EQ(p->buyer_funds, 972);
  EXPECT_EQ(p->listing.quantity, 6);
  EXPECT_EQ(Field("users:seller", "funds"), 27);
  EXPECT_EQ(Field("sink:", "gold"), 1);
  EXPECT_EQ(Field("stacks:buyer", "potion"), 4);
  EXPECT_EQ(Field("lot:" + id, "quantity"), 6);

  EXPECT_EQ(ReasonOf(Buy("buyer", id, 7, 7).status()), reason::kInsufficientQuantity);
  EXPECT_EQ(ReasonOf(Buy("buyer", id, 1, 6).status()), reason::kPriceChanged);
  EXPECT_EQ(ReasonOf(Buy("seller", id, 1, 7).status()), reason::kOwnListing);
  EXPECT_EQ(ReasonOf(Buy("buyer", "Lnothing", 1, 7).status()), reason::kListingNotFound);
  EXPECT_EQ(ReasonOf(Buy("nobody", id, 1, 7).status()), reason::kUserNotFound);

  // The rest: 6 at 7 = 42, fee 2 (5% rounded down); the listing and its indexes go.
  p = Buy("buyer", id, 6, 7);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->fee, 2);
  EXPECT_EQ(p->listing.quantity, 0);
  EXPECT_EQ(store_.Run({"EXISTS", "lot:" + id}).integer, 0);
  EXPECT_EQ(store_.Run({"ZCARD", "lots:gold:potion"}).integer, 0);
  EXPECT_EQ(store_.Run({"ZCARD", "lots_of:seller"}).integer, 0);
  EXPECT_EQ(store_.Run({"ZCARD", "lot_expiry:"}).integer, 0);
  // Conservation of gold: wallets + sink == what was ever put in.
  EXPECT_EQ(Field("users:buyer", "funds") + Field("users:seller", "funds") + Field("sink:", "gold"),
            1000);
  ExpectLogMatchesStore();
}

TEST_P(EconomyTest, ARetriedPurchaseOfTheLastUnitsReplaysItsSuccess) {
  ASSERT_TRUE(Grant("seller", "potion", 3).ok());
  const std::string id = List("seller", "potion", 3, 5)->listing.listing_id;
  CallOptions once;
  once.request_id = "buy-all";
  auto buy = [&] {
    return MarketOps::Await<PurchaseResult>(
        [&](auto done) { ops_.PurchaseStack("buyer", id, 3, 5, once, &trace_, done); });
  };
  auto first = buy();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(store_.Run({"EXISTS", "lot:" + id}).integer, 0);  // sold out: the listing is gone
  auto again = buy();
  ASSERT_TRUE(again.ok()) << again.status();  // not LISTING_NOT_FOUND
  EXPECT_TRUE(again->info.replayed);
  EXPECT_EQ(again->total_price, 15);
  EXPECT_EQ(Field("stacks:buyer", "potion"), 3);
  ExpectLogMatchesStore();
}

TEST_P(EconomyTest, StoreFaultsAreRetriedOrResolvedByRequestId) {
  ASSERT_TRUE(Grant("seller", "ore", 20).ok());
  const std::string id = List("seller", "ore", 10, 4)->listing.listing_id;
  // An I/O error before EXEC (the probe's pipeline here) is retried on a fresh session.
  store_.fail_pipelines = 1;
  CallTrace trace;
  auto p = Buy("buyer", id, 2, 4, &trace);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(trace.store_errors, 1);
  // Forced watch conflicts are retried; the purchase applies once.
  store_.force_conflicts = 2;
  CallTrace conflicts;
  auto q = MarketOps::Await<BuyResult>(
      [&](auto done) { ops_.BuyQuantity("buyer", "ore", "", 3, 4, {}, &conflicts, done); });
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(conflicts.watch_conflicts, 2);
  EXPECT_EQ(Field("lot:" + id, "quantity"), 5);
  // A connection lost during EXEC: OUTCOME_UNKNOWN, and the same request id tells what happened.
  CallOptions once;
  once.request_id = "credit-9";
  store_.fail_execs_after_apply = 1;
  auto c = Credit("buyer", "gems", 9, once);
  EXPECT_EQ(ReasonOf(c.status()), reason::kOutcomeUnknown);
  auto again = Credit("buyer", "gems", 9, once);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->info.replayed);
  EXPECT_EQ(Field("users:buyer", "funds:gems"), 9);
  // Unreachable: nothing is tried.
  store_.unreachable = true;
  EXPECT_EQ(Grant("seller", "ore", 1).status().code(), absl::StatusCode::kUnavailable);
  store_.unreachable = false;
  ExpectLogMatchesStore();
}

TEST_P(EconomyTest, ListingsArePricedInOneCurrencyAndCapped) {
  ASSERT_TRUE(Grant("seller", "ore", 100).ok());
  ASSERT_TRUE(Credit("buyer", "gems", 50).ok());
  auto l = List("seller", "ore", 10, 3, "gems");
  ASSERT_TRUE(l.ok()) << l.status();
  auto p = Buy("buyer", l->listing.listing_id, 10, 3);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->buyer_funds, 20);
  EXPECT_EQ(Field("users:buyer", "funds"), 1000);  // gold untouched
  EXPECT_EQ(Field("users:seller", "funds:gems"), 29);
  EXPECT_EQ(Field("sink:", "gems"), 1);
  EXPECT_EQ(
      ReasonOf(
          Buy("buyer", List("seller", "ore", 10, 3, "gems")->listing.listing_id, 10, 3).status()),
      reason::kInsufficientFunds);
  ASSERT_TRUE(List("seller", "ore", 1, 3).ok());
  ASSERT_TRUE(List("seller", "ore", 1, 3).ok());
  // Three open listings is this test's cap.
  auto capped = List("seller", "ore", 1, 3);
  EXPECT_EQ(capped.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(capped.status()), reason::kListingLimit);
  EXPECT_EQ(ReasonOf(List("seller", "ore", 1000, 3).status()), reason::kInsufficientQuantity);
  EXPECT_EQ(List("seller", "ore", 1, 3, "silver").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(List("seller", "ore", 1, 3, "", absl::Hours(24 * 31)).status().code(),
            absl::StatusCode::kInvalidArgument);
  ExpectLogMatchesStore();
}

TEST_P(EconomyTest, CancelReturnsWhatIsLeft) {
  ASSERT_TRUE(Grant("seller", "potion", 10).ok());
  const std::string id = List("seller", "potion", 8, 5)->listing.listing_id;
  ASSERT_TRUE(Buy("buyer", id, 3, 5).ok());
  EXPECT_EQ(ReasonOf(Cancel("buyer", id).status()), reason::kListingNotFound);  // not theirs
  auto c = Cancel("seller", id);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->listing.quantity, 5);
  EXPECT_EQ(Field("stacks:seller", "potion"), 7);
  EXPECT_EQ(ReasonOf(Cancel("seller", id).status()), reason::kListingNotFound);
  ExpectLogMatchesStore();
}

TEST_P(EconomyTest, ExpiredListingsCannotBeBoughtAndTheReaperReturnsThem) {
  ASSERT_TRUE(Grant("seller", "potion", 10).ok());
  const std::string id = List("seller", "potion", 10, 5, "", absl::Seconds(60))->listing.listing_id;
  EXPECT_EQ(ReasonOf(Expire(id).status()), reason::kNotExpired);
  auto due = MarketOps::Await<std::vector<std::string>>(
      [&](auto done) { ops_.DueListings(10, {}, &trace_, done); });
  ASSERT_TRUE(due.ok());
  EXPECT_TRUE(due->empty());
  store_.now_ms += 60'000;
  EXPECT_EQ(ReasonOf(Buy("buyer", id, 1, 5).status()), reason::kListingExpired);
  due = MarketOps::Await<std::vector<std::string>>(
      [&](auto done) { ops_.DueListings(10, {}, &trace_, done); });
  EXPECT_EQ(*due, std::vector<std::string>{id});
  auto e = Expire(id);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(Field("stacks:seller", "potion"), 10);
  // A second reaper finds nothing left.
  EXPECT_EQ(ReasonOf(Expire(id).status()), reason::kListingNotFound);
  ExpectLogMatchesStore();
}

TEST_P(EconomyTest, AReaperRacingABuyerNeverLetsBothWin) {
  ASSERT_TRUE(Grant("seller", "potion", 10).ok());
  const std::string id = List("seller", "potion", 10, 5, "", absl::Seconds(60))->listing.listing_id;
  // Right before the purchase's EXEC, the listing expires and another process reaps it.
  store_.before_exec = [&](int) {
    store_.before_exec = nullptr;
    store_.now_ms += 60'000;
    ASSERT_TRUE(Expire(id).ok());
  };
  CallTrace trace;
  auto p = Buy("buyer", id, 10, 5, &trace);
  EXPECT_EQ(trace.watch_conflicts, 1);
  EXPECT_EQ(ReasonOf(p.status()), reason::kListingNotFound);
  EXPECT_EQ(Field("stacks:seller", "potion"), 10);
  EXPECT_EQ(Field("stacks:buyer", "potion"), 0);
  EXPECT_EQ(Field("users:buyer", "funds"), 1000);
  ExpectLogMatchesStore();
}

TEST_P(EconomyTest, AnInstanceListsWithItsOwnIdCurrencyAndFee) {
  ASSERT_TRUE(ops_.GrantItem("seller", "sword-1", {}, &trace_).ok());
  ASSERT_TRUE(Credit("buyer", "gems", 500).ok());
  auto l = ListInstance("seller", "sword-1", "sword", 200, "gems");
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->listing.item_id, "sword-1");
  EXPECT_EQ(l->listing.item_type, "sword");
  EXPECT_EQ(l->listing.quantity, 1);
  EXPECT_EQ(l->listing.currency, "gems");
  EXPECT_FALSE(l->listing.listing_id.empty());
  EXPECT_GT(l->listing.expires_ms, l->listing.created_ms);
  EXPECT_FALSE(Holds("seller", "sword-1"));
  // Indexed apart from stacks: BuyQuantity of the kind never sees it.
  EXPECT_EQ(store_.Run({"ZCARD", "ilots:gems:sword"}).integer, 1);
  EXPECT_EQ(store_.Run({"EXISTS", "lots:gems:sword"}).integer, 0);
  auto q = MarketOps::Await<BuyResult>(
      [&](auto done) { ops_.BuyQuantity("buyer", "sword", "gems", 1, 1000, {}, &trace_, done); });
  EXPECT_EQ(ReasonOf(q.status()), reason::kInsufficientQuantity);
  // A listed instance is still the seller's: no second grant of that id.
  EXPECT_EQ(ReasonOf(ops_.GrantItem("seller", "sword-1", {}, &trace_).status()),
            reason::kItemAlreadyOwned);
  const std::string id = l->listing.listing_id;
  EXPECT_EQ(ReasonOf(Buy("buyer", id, 1, 199).status()), reason::kPriceChanged);
  EXPECT_EQ(ReasonOf(Buy("buyer", id, 2, 200).status()), reason::kInsufficientQuantity);
  auto p = Buy("buyer", id, 1, 200);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->listing.item_id, "sword-1");
  EXPECT_EQ(p->listing.quantity, 0);
  EXPECT_EQ(p->total_price, 200);
  EXPECT_EQ(p->fee, 10);
  EXPECT_EQ(p->buyer_funds, 300);
  EXPECT_TRUE(Holds("buyer", "sword-1"));
  EXPECT_EQ(Field("users:seller", "funds:gems"), 190);
  EXPECT_EQ(Field("sink:", "gems"), 10);
  EXPECT_EQ(store_.Run({"EXISTS", "lot:" + id}).integer, 0);
  EXPECT_EQ(store_.Run({"EXISTS", "ilots:gems:sword"}).integer, 0);
  EXPECT_EQ(store_.Run({"HLEN", "instance_lots:seller"}).integer, 0);
  EXPECT_EQ(ReasonOf(Buy("buyer", id, 1, 200).status()), reason::kListingNotFound);
  ExpectLogMatchesStore();
}

TEST_P(EconomyTest, AnInstanceListingIsRefusedWhatTheSellerDoesNotHold) {
  EXPECT_EQ(ReasonOf(ListInstance("seller", "sword-1", "sword", 5).status()),
            reason::kItemNotInInventory);
  ASSERT_TRUE(ops_.GrantItem("seller", "sword-1", {}, &trace_).ok());
  EXPECT_EQ(ReasonOf(ListInstance("seller", "sword-1", "sword", 5, "", 2).status()),
            reason::kInvalidArgument);
  ASSERT_TRUE(ListInstance("seller", "sword-1", "sword", 5).ok());
  EXPECT_EQ(ReasonOf(ListInstance("seller", "sword-1", "sword", 5).status()),
            reason::kItemNotInInventory);
  // Nor as a v1 listing: it is no longer in the inventory (script mode's FCALL: see below).
  if (GetParam() != ContentionMode::kScript) {
    EXPECT_EQ(ReasonOf(ops_.ListItem("seller", "sword-1", 5, {}, &trace_).status()),
              reason::kItemNotInInventory);
  }
}

TEST_P(EconomyTest, ABuyerWhoHoldsTheSameIdIsRefusedWhereverTheyHoldIt) {
  if (GetParam() == ContentionMode::kScript) {
    GTEST_SKIP() << "script mode runs v1 trades as FCALLs, which the fake store cannot; "
                    "EconomyRpcTest covers them on real stores";
  }
  ASSERT_TRUE(ops_.GrantItem("seller", "ring", {}, &trace_).ok());
  ASSERT_TRUE(ops_.GrantItem("buyer", "ring", {}, &trace_).ok());
  const std::string id = ListInstance("seller", "ring", "ring", 10)->listing.listing_id;
  EXPECT_EQ(ReasonOf(Buy("buyer", id, 1, 10).status()), reason::kBuyerOwnsItem);  // inventory
  ASSERT_TRUE(ops_.ListItem("buyer", "ring", 7, {}, &trace_).ok());
  EXPECT_EQ(ReasonOf(Buy("buyer", id, 1, 10).status()), reason::kBuyerOwnsItem);  // v1 listing
  ASSERT_TRUE(ops_.CancelListing("buyer", "ring", {}, &trace_).ok());
  const std::string own = ListInstance("buyer", "ring", "ring", 9)->listing.listing_id;
  EXPECT_EQ(ReasonOf(Buy("buyer", id, 1, 10).status()), reason::kBuyerOwnsItem);  // economy
  // And the v1 purchase checks the economy's listings too.
  ASSERT_TRUE(ops_.CreateUser("seller2", "S2", 0, {}, &trace_).ok());
  ASSERT_TRUE(ops_.GrantItem("seller2", "ring", {}, &trace_).ok());
  ASSERT_TRUE(ops_.ListItem("seller2", "ring", 3, {}, &trace_).ok());
  EXPECT_EQ(ReasonOf(ops_.PurchaseItem("buyer", "seller2", "ring", 3, {}, &trace_).status()),
            reason::kBuyerOwnsItem);
  ASSERT_TRUE(Cancel("buyer", own).ok());
  EXPECT_TRUE(Holds("buyer", "ring"));
  EXPECT_EQ(Field("users:buyer", "funds"), 1000);
  ExpectLogMatchesStore();
}

TEST_P(EconomyTest, PurchasesOfInstancesWatchTheBuyersInventory) {
  if (GetParam() == ContentionMode::kScript) {
    GTEST_SKIP() << "script mode runs v1 trades as FCALLs, which the fake store cannot; "
                    "EconomyRpcTest covers them on real stores";
  }
  // The buyer-owns check reads the inventory and the buyer's listings one after the other; a
  // move between them (a listing, a cancel) writes the inventory, which both purchases watch.
  // Here the buyer lists another item right before each purchase's EXEC: one retry each.
  ASSERT_TRUE(ops_.GrantItem("seller", "ring", {}, &trace_).ok());
  ASSERT_TRUE(ops_.GrantItem("seller", "cape", {}, &trace_).ok());
  ASSERT_TRUE(ops_.GrantItem("buyer", "gem", {}, &trace_).ok());
  ASSERT_TRUE(ops_.GrantItem("buyer", "pearl", {}, &trace_).ok());
  const std::string id = ListInstance("seller", "ring", "ring", 10)->listing.listing_id;
  ASSERT_TRUE(ops_.ListItem("seller", "cape", 4, {}, &trace_).ok());
  store_.before_exec = [&](int) {
    store_.before_exec = nullptr;
    ASSERT_TRUE(ops_.ListItem("buyer", "gem", 7, {}, &trace_).ok());
  };
  CallTrace trace;
  ASSERT_TRUE(Buy("buyer", id, 1, 10, &trace).ok());
  EXPECT_EQ(trace.watch_conflicts, 1);
  store_.before_exec = [&](int) {
    store_.before_exec = nullptr;
    ASSERT_TRUE(ListInstance("buyer", "pearl", "pearl", 7).ok());
  };
  CallTrace v1_trace;
  ASSERT_TRUE(ops_.PurchaseItem("buyer", "seller", "cape", 4, {}, &v1_trace).ok());
  EXPECT_EQ(v1_trace.watch_conflicts, 1);
  EXPECT_TRUE(Holds("buyer", "ring"));
  EXPECT_TRUE(Holds("buyer", "cape"));
  ExpectLogMatchesStore();
}

TEST_P(EconomyTest, AnExpiredInstanceListingGoesBackToTheInventory) {
  ASSERT_TRUE(ops_.GrantItem("seller", "sword-1", {}, &trace_).ok());
  StackListingRequest req{"seller", "sword", 0, 5, "", absl::Seconds(60), "sword-1"};
  auto l =
      MarketOps::Await<ListingResult>([&](auto done) { ops_.ListStack(req, {}, &trace_, done); });
  ASSERT_TRUE(l.ok()) << l.status();
  store_.now_ms += 60'000;
  EXPECT_EQ(ReasonOf(Buy("buyer", l->listing.listing_id, 1, 5).status()), reason::kListingExpired);
  auto e = Expire(l->listing.listing_id);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->listing.item_id, "sword-1");
  EXPECT_TRUE(Holds("seller", "sword-1"));
  EXPECT_EQ(store_.Run({"HLEN", "instance_lots:seller"}).integer, 0);
  EXPECT_EQ(ReasonOf(Expire(l->listing.listing_id).status()), reason::kListingNotFound);
  ExpectLogMatchesStore();
}

TEST_P(EconomyTest, BookModeWatchesTheWholeMarketOfTheType) {
  ASSERT_TRUE(Grant("seller", "potion", 10).ok());
  const std::string id = List("seller", "potion", 5, 5)->listing.listing_id;
  // Another listing of the same type commits during the purchase.
  store_.before_exec = [&](int) {
    store_.before_exec = nullptr;
    ASSERT_TRUE(List("seller", "potion", 5, 9).ok());
  };
  CallTrace trace;
  ASSERT_TRUE(Buy("buyer", id, 5, 5, &trace).ok());
  EXPECT_EQ(trace.watch_conflicts, GetParam() == ContentionMode::kBook ? 1 : 0);
  ExpectLogMatchesStore();
}

TEST_P(EconomyTest, BuyQuantityFillsFromTheCheapestAcrossSellers) {
  ASSERT_TRUE(ops_.CreateUser("seller2", "S2", 0, {}, &trace_).ok());
  ASSERT_TRUE(Grant("seller", "ore", 100).ok());
  ASSERT_TRUE(Grant("seller2", "ore", 100).ok());
  ASSERT_TRUE(Grant("buyer", "ore", 5).ok());
  const std::string a = List("seller", "ore", 3, 10)->listing.listing_id;  // cheapest
  const std::string b = List("seller2", "ore", 5, 11)->listing.listing_id;
  ASSERT_TRUE(List("seller", "ore", 50, 12).ok());
  ASSERT_TRUE(List("buyer", "ore", 5, 1).ok());  // the buyer's own: passed over
  const std::string expired =
      List("seller2", "ore", 9, 2, "", absl::Seconds(10))->listing.listing_id;
  store_.now_ms += 10'000;  // expired, not yet reaped: passed over
  auto buy = [&](int64_t q, int64_t max, CallTrace* trace) {
    return MarketOps::Await<BuyResult>(
        [&](auto done) { ops_.BuyQuantity("buyer", "ore", "", q, max, {}, trace, done); });
  };
  CallTrace trace;
  auto r = buy(6, 11, &trace);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->fills.size(), 2u);
  EXPECT_EQ(r->fills[0].listing_id, a);
  EXPECT_EQ(r->fills[0].quantity, 3);
  EXPECT_EQ(r->fills[1].listing_id, b);
  EXPECT_EQ(r->fills[1].quantity, 3);
  EXPECT_EQ(r->total_price, 3 * 10 + 3 * 11);
  EXPECT_EQ(r->fee, 1 + 1);  // 5% of 30 and of 33, rounded down
  EXPECT_EQ(r->buyer_funds, 1000 - 63);
  EXPECT_EQ(trace.attempts, 1);
  EXPECT_EQ(Field("users:seller", "funds"), 29);
  EXPECT_EQ(Field("users:seller2", "funds"), 32);
  EXPECT_EQ(store_.Run({"EXISTS", "lot:" + a}).integer, 0);  // sold out, indexes cleared
  EXPECT_EQ(Field("lot:" + b, "quantity"), 2);
  EXPECT_EQ(Field("stacks:buyer", "ore"), 6);
  EXPECT_EQ(Field("lot:" + expired, "quantity"), 9);

  // Too little at that price: a second attempt, watching the whole market of the type (which
  // book mode watches from the start), confirms the shortage, and nothing moves.
  CallTrace short_trace;
  auto s = buy(3, 11, &short_trace);
  EXPECT_EQ(ReasonOf(s.status()), reason::kInsufficientQuantity);
  EXPECT_EQ(short_trace.attempts, GetParam() == ContentionMode::kBook ? 1 : 2);
  EXPECT_EQ(ErrorFieldsOf(s.status())[0], (std::pair<std::string, std::string>{"available", "2"}));
  EXPECT_EQ(Field("lot:" + b, "quantity"), 2);
  EXPECT_EQ(ReasonOf(buy(1, 5, &short_trace).status()), reason::kInsufficientQuantity);
  ExpectLogMatchesStore();
}

TEST_P(EconomyTest, BuyQuantityRefusesAStackPastTheMaximumWithItsFigures) {
  ASSERT_TRUE(ops_.CreateUser("seller2", "S2", 0, {}, &trace_).ok());
  ASSERT_TRUE(Grant("seller2", "ore", 10).ok());
  ASSERT_TRUE(List("seller2", "ore", 10, 1).ok());
  ASSERT_TRUE(Grant("buyer", "ore", kMaxAmount).ok());
  auto r = MarketOps::Await<BuyResult>(
      [&](auto done) { ops_.BuyQuantity("buyer", "ore", "", 1, 1, {}, &trace_, done); });
  EXPECT_EQ(ReasonOf(r.status()), reason::kStackLimit);
  const ErrorFields fields = ErrorFieldsOf(r.status());
  EXPECT_EQ(fields, (ErrorFields{{"held", std::to_string(kMaxAmount)},
                                 {"maximum", std::to_string(kMaxAmount)}}));
}

TEST_P(EconomyTest, BuyQuantityTakesFromAtMostSixteenListings) {
  ASSERT_TRUE(Grant("seller", "ore", 100).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(List("seller", "ore", 1, 1).ok());
  MarketOptions o = Options();
  o.economy.max_listings_per_seller = 100;
  MarketOps ops(&store_, &env_, o);
  for (int i = 0; i < 20; ++i) {
    StackListingRequest req{"seller", "ore", 1, 1, "", absl::ZeroDuration()};
    ASSERT_TRUE(MarketOps::Await<ListingResult>([&](auto done) {
                  ops.ListStack(req, {}, &trace_, done);
                }).ok());
  }
  auto buy = [&](int64_t q) {
    return MarketOps::Await<BuyResult>(
        [&](auto done) { ops.BuyQuantity("buyer", "ore", "gold", q, 1, {}, &trace_, done); });
  };
  auto r = buy(17);
  EXPECT_EQ(ReasonOf(r.status()), reason::kInsufficientQuantity);
  EXPECT_NE(r.status().message().find("in the cheapest 16 listings"), std::string::npos);
  auto ok = buy(16);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->fills.size(), 16u);
  ExpectLogMatchesStore();
}

TEST_P(EconomyTest, BuyQuantityRetriesWhenAListingItChoseSellsMeanwhile) {
  ASSERT_TRUE(ops_.CreateUser("rival", "R", 1000, {}, &trace_).ok());
  ASSERT_TRUE(Grant("seller", "ore", 10).ok());
  const std::string cheap = List("seller", "ore", 2, 5)->listing.listing_id;
  const std::string dear = List("seller", "ore", 8, 6)->listing.listing_id;
  // A rival buys the cheap listing out during the first attempt's EXEC.
  store_.before_exec = [&](int) {
    store_.before_exec = nullptr;
    ASSERT_TRUE(Buy("rival", cheap, 2, 5).ok());
  };
  CallTrace trace;
  auto r = MarketOps::Await<BuyResult>(
      [&](auto done) { ops_.BuyQuantity("buyer", "ore", "", 3, 6, {}, &trace, done); });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(trace.watch_conflicts, 1);
  ASSERT_EQ(r->fills.size(), 1u);
  EXPECT_EQ(r->fills[0].listing_id, dear);
  EXPECT_EQ(r->total_price, 18);
  EXPECT_EQ(Field("stacks:rival", "ore"), 2);
  EXPECT_EQ(Field("stacks:buyer", "ore"), 3);
  ExpectLogMatchesStore();
}

INSTANTIATE_TEST_SUITE_P(Modes, EconomyTest,
                         ::testing::Values(ContentionMode::kFine, ContentionMode::kBook,
                                           ContentionMode::kScript),
                         [](const auto& info) { return ContentionModeName(info.param); });

TEST(FeeTest, FeesRoundDownWithAMinimumAndNeverExceedTheTotal) {
  EconomyOptions e;
  EXPECT_EQ(e.FeeOf(1000), 0);
  e.fee_bps = 250;
  EXPECT_EQ(e.FeeOf(1000), 25);
  EXPECT_EQ(e.FeeOf(39), 0);
  e.fee_min = 3;
  EXPECT_EQ(e.FeeOf(39), 3);
  EXPECT_EQ(e.FeeOf(2), 2);
  e.fee_bps = 10000;
  EXPECT_EQ(e.FeeOf(kMaxAmount), kMaxAmount);  // 10^15 * 10^4 does not wrap
}

}  // namespace
}  // namespace bazaar::market
