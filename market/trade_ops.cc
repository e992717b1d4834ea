// MarketOps: list, cancel, purchase and single-listing lookup.
#include "absl/strings/str_cat.h"
#include "market/market_ops.h"
#include "market/ops_util.h"
#include "market/validation.h"

namespace bazaar::market {

using internal::FirstError;
using internal::IsOne;
using internal::ParseAmountReply;

namespace {

std::vector<std::string> ListingValues(const Listing& l) {
  return {l.item_id, l.seller_id, std::to_string(l.price)};
}

absl::StatusOr<Listing> ListingFromValues(const std::vector<std::string>& v) {
  Listing l;
  if (v.size() < 3 || !ParseAmount(v[2], &l.price)) {
    return internal::Corrupt("bad listing in request record");
  }
  l.item_id = v[0];
  l.seller_id = v[1];
  return l;
}

absl::Status NoListing(const std::string& item_id, const std::string& seller_id) {
  return MakeError(absl::StatusCode::kNotFound, reason::kListingNotFound,
                   absl::StrCat("no listing of item ", item_id, " by ", seller_id),
                   {{"item_id", item_id}, {"seller_id", seller_id}});
}

// Maps a Run's outcome holding a listing to a ListingResult.
Done<TxnOutcome> ListingOutcome(Done<ListingResult> done) {
  return [done = std::move(done)](absl::StatusOr<TxnOutcome> out) {
    if (!out.ok()) return done(out.status());
    auto listing = ListingFromValues(out->values);
    if (!listing.ok()) return done(listing.status());
    done(ListingResult{*listing, out->info});
  };
}

}  // namespace

void MarketOps::ListItem(const std::string& seller_id, const std::string& item_id, int64_t price,
                         const CallOptions& call, CallTrace* trace, Done<ListingResult> done) {
  if (absl::Status s = FirstError({ValidateUserId("seller_id", seller_id),
                                   ValidateItemId("item_id", item_id),
                                   ValidateAmount("price", price),
                                   ValidateRequestId(call.request_id)});
      !s.ok()) {
    return done(s);
  }
  const std::string inv_key = keys_.Inventory(seller_id);
  const std::string member = KeySchema::Member(item_id, seller_id);
  const std::string p = std::to_string(price);
  if (options_.mode == ContentionMode::kScript) {
    ScriptCall sc{"bazaar_v2_list_item",
                  EncodeFields({"ListItem", seller_id, item_id, p}),
                  {keys_.User(seller_id), inv_key, keys_.Market(),
                   keys_.Listing(item_id, seller_id), keys_.History(seller_id)},
                  {seller_id, item_id, p}};
    return scripts_.Run(std::move(sc), call, trace, ListingOutcome(std::move(done)));
  }
  TxnSpec spec;
  spec.fingerprint = EncodeFields({"ListItem", seller_id, item_id, p});
  // The book's list_item: WATCH the seller's inventory, check the item is there.
  spec.watch = {inv_key};
  spec.reads = {{"EXISTS", keys_.User(seller_id)}, {"SISMEMBER", inv_key, item_id}};
  spec.decide = [this, seller_id, item_id, price, inv_key, member, p,
                 request_id = call.request_id](const std::vector<RespReply>& r)
      -> absl::StatusOr<TxnPlan> {
    TxnPlan plan;
    if (!IsOne(r[0])) {
      plan.failure = MakeError(absl::StatusCode::kNotFound, reason::kUserNotFound,
                               "no user " + seller_id);
    } else if (!IsOne(r[1])) {
      plan.failure = MakeError(absl::StatusCode::kFailedPrecondition,
                               reason::kItemNotInInventory,
                               absl::StrCat("item ", item_id, " is not in ", seller_id,
                                            "'s inventory"));
    } else {
      plan.writes = {{"ZADD", keys_.Market(), p, member},
                     {"SET", keys_.Listing(item_id, seller_id), p},
                     {"SREM", inv_key, item_id}};
      AddEvent(&plan, {"listed", request_id,
                       {{"seller", seller_id}, {"item", item_id}, {"price", p}}, {seller_id}});
      plan.values = ListingValues({item_id, seller_id, price});
    }
    return plan;
  };
  runner_.Run(std::move(spec), call, trace, ListingOutcome(std::move(done)));
}

void MarketOps::CancelListing(const std::string& seller_id, const std::string& item_id,
                              const CallOptions& call, CallTrace* trace,
                              Done<ListingResult> done) {
  if (absl::Status s = FirstError({ValidateUserId("seller_id", seller_id),
                                   ValidateItemId("item_id", item_id),
                                   ValidateRequestId(call.request_id)});
      !s.ok()) {
    return done(s);
  }
  const std::string member = KeySchema::Member(item_id, seller_id);
  const std::string listing_key = keys_.Listing(item_id, seller_id);
  const bool book = options_.mode == ContentionMode::kBook;
  // An operator's cancel runs as a transaction in every mode: it is rare, and its event says who.
  const bool forced = !call.forced_by.empty();
  if (options_.mode == ContentionMode::kScript && !forced) {
    ScriptCall sc{
        "bazaar_v2_cancel_listing",
        EncodeFields({"CancelListing", seller_id, item_id}),
        {keys_.Market(), listing_key, keys_.Inventory(seller_id), keys_.History(seller_id)},
        {seller_id, item_id}};
    return scripts_.Run(std::move(sc), call, trace, ListingOutcome(std::move(done)));
  }
  TxnSpec spec;
  spec.fingerprint =
      EncodeFields({forced ? "ForceCancelListing" : "CancelListing", seller_id, item_id});
  spec.watch = {book ? keys_.Market() : listing_key};
  spec.reads = {book ? Argv{"ZSCORE", keys_.Market(), member} : Argv{"GET", listing_key}};
  spec.decide = [this, seller_id, item_id, member, listing_key, request_id = call.request_id,
                 forced_by =
                     call.forced_by](const std::vector<RespReply>& r) -> absl::StatusOr<TxnPlan> {
    TxnPlan plan;
    if (r[0].is_nil()) {
      plan.failure = NoListing(item_id, seller_id);
      return plan;
    }
    int64_t price;
    if (absl::Status s = ParseAmountReply(r[0], "listing price", &price); !s.ok()) return s;
    plan.writes = {{"ZREM", keys_.Market(), member},
                   {"DEL", listing_key},
                   {"SADD", keys_.Inventory(seller_id), item_id}};
    Event cancelled{"cancelled",
                    request_id,
                    {{"seller", seller_id}, {"item", item_id}, {"price", std::to_string(price)}},
                    {seller_id}};
    if (!forced_by.empty()) cancelled.fields.emplace_back("forced_by", forced_by);
    AddEvent(&plan, std::move(cancelled));
    plan.values = ListingValues({item_id, seller_id, price});
    return plan;
  };
  runner_.Run(std::move(spec), call, trace, ListingOutcome(std::move(done)));
}

void MarketOps::PurchaseItem(const std::string& buyer_id, const std::string& seller_id,
                             const std::string& item_id, int64_t expected_price,
                             const CallOptions& call, CallTrace* trace,
                             Done<PurchaseResult> done) {
  if (absl::Status s = FirstError({ValidateUserId("buyer_id", buyer_id),
                                   ValidateUserId("seller_id", seller_id),
                                   ValidateItemId("item_id", item_id),
                                   ValidateAmount("expected_price", expected_price),
                                   ValidateRequestId(call.request_id)});
      !s.ok()) {
    return done(s);
  }
  if (buyer_id == seller_id) {
    return done(MakeError(absl::StatusCode::kFailedPrecondition, reason::kOwnListing,
                          "a user cannot buy their own listing"));
  }
  const std::string member = KeySchema::Member(item_id, seller_id);
  const std::string listing_key = keys_.Listing(item_id, seller_id);
  const std::string buyer_key = keys_.User(buyer_id);
  const std::string seller_key = keys_.User(seller_id);
  const std::string buyer_inv = keys_.Inventory(buyer_id);
  const bool book = options_.mode == ContentionMode::kBook;
  TxnSpec spec;
  spec.fingerprint = EncodeFields(
      {"PurchaseItem", buyer_id, seller_id, item_id, std::to_string(expected_price)});
  // The seller's funds are watched too (the book does not): the sale may only add what keeps
  // them within kMaxAmount, so the HINCRBY inside EXEC can never overflow and half-apply.
  // The buyer's inventory is watched too: the buyer may hold the same item id in the inventory
  // or in a listing of their own (v1 or economy), and every move between those writes the
  // inventory, so the three reads of that check agree with each other.
  if (book) {
    // The book's purchase_item: WATCH market: and the buyer.
    spec.watch = {keys_.Market(), buyer_key, seller_key, buyer_inv};
    spec.reads = {{"ZSCORE", keys_.Market(), member},
                  {"HGET", buyer_key, "funds"},
                  {"SISMEMBER", buyer_inv, item_id},
                  {"ZSCORE", keys_.Market(), KeySchema::Member(item_id, buyer_id)},
                  {"HGET", seller_key, "funds"},
                  {"HEXISTS", keys_.InstanceLots(buyer_id), item_id}};
  } else {
    // Fine: WATCH only this listing and the two users; other listings never abort this purchase.
    spec.watch = {listing_key, buyer_key, seller_key, buyer_inv};
    spec.reads = {{"GET", listing_key},
                  {"HGET", buyer_key, "funds"},
                  {"SISMEMBER", buyer_inv, item_id},
                  {"EXISTS", keys_.Listing(item_id, buyer_id)},
                  {"HGET", seller_key, "funds"},
                  {"HEXISTS", keys_.InstanceLots(buyer_id), item_id}};
  }
  spec.decide = [this, buyer_id, seller_id, item_id, expected_price, member, listing_key,
                 buyer_key, buyer_inv, book, request_id = call.request_id](
                    const std::vector<RespReply>& r) -> absl::StatusOr<TxnPlan> {
    TxnPlan plan;
    if (r[1].is_nil()) {
      plan.failure = MakeError(absl::StatusCode::kNotFound, reason::kUserNotFound,
                               "no user " + buyer_id);
      return plan;
    }
    if (r[0].is_nil()) {
      plan.failure = NoListing(item_id, seller_id);
      return plan;
    }
    if (r[4].is_nil()) return internal::Corrupt("listing " + member + " of a missing seller");
    int64_t price, funds, seller_funds;
    if (absl::Status s = ParseAmountReply(r[0], "listing price", &price); !s.ok()) return s;
    if (absl::Status s = ParseAmountReply(r[1], "funds", &funds); !s.ok()) return s;
    if (absl::Status s = ParseAmountReply(r[4], "seller funds", &seller_funds); !s.ok()) {
      return s;
    }
    bool buyer_listed = book ? !r[3].is_nil() : IsOne(r[3]);
    if (price != expected_price) {
      plan.failure = MakeError(
          absl::StatusCode::kFailedPrecondition, reason::kPriceChanged,
          absl::StrCat("price is ", price, ", expected ", expected_price),
          {{"price", std::to_string(price)}, {"expected_price", std::to_string(expected_price)}});
    } else if (IsOne(r[2]) || buyer_listed || IsOne(r[5])) {
      plan.failure = MakeError(absl::StatusCode::kFailedPrecondition, reason::kBuyerOwnsItem,
                               absl::StrCat("buyer ", buyer_id, " already holds an item ",
                                            item_id));
    } else if (funds < price) {
      plan.failure =
          MakeError(absl::StatusCode::kFailedPrecondition, reason::kInsufficientFunds,
                    absl::StrCat("buyer ", buyer_id, " has ", funds, ", price is ", price),
                    {{"balance", std::to_string(funds)},
                     {"needed", std::to_string(price)},
                     {"currency", options_.economy.default_currency()}});
    } else if (seller_funds > kMaxAmount - price) {
      plan.failure = MakeError(absl::StatusCode::kFailedPrecondition, reason::kFundsLimit,
                               absl::StrCat("seller ", seller_id, " has ", seller_funds,
                                            "; the sale would take them past the maximum of ",
                                            kMaxAmount));
    } else {
      // The watched reads prove every write below safe: both HINCRBYs stay within
      // 0..kMaxAmount on integer fields of hashes, SADD goes to the set read above, DEL cannot
      // fail. Only the ZREM's key (market:, unread in fine mode) is trusted to the schema; the
      // runner reports any failure inside EXEC as CORRUPT_DATA.
      const std::string p = std::to_string(price);
      plan.writes = {{"HINCRBY", keys_.User(seller_id), "funds", p},
                     {"HINCRBY", buyer_key, "funds", std::to_string(-price)},
                     {"SADD", buyer_inv, item_id},
                     {"ZREM", keys_.Market(), member},
                     {"DEL", listing_key}};
      AddEvent(&plan, {"sold",
                       request_id,
                       {{"buyer", buyer_id},
                        {"seller", seller_id},
                        {"item", item_id},
                        {"price", p},
                        {"buyer_funds", std::to_string(funds - price)},
                        {"seller_funds", std::to_string(seller_funds + price)}},
                       {buyer_id, seller_id}});
      plan.values = ListingValues({item_id, seller_id, price});
      plan.values.push_back(std::to_string(funds - price));
    }
    return plan;
  };
  Done<TxnOutcome> finish = [done = std::move(done)](absl::StatusOr<TxnOutcome> out) {
                if (!out.ok()) return done(out.status());
                auto listing = ListingFromValues(out->values);
                if (!listing.ok()) return done(listing.status());
                PurchaseResult result;
                result.listing = *listing;
                if (out->values.size() < 4 ||
                    !ParseAmount(out->values[3], &result.buyer_funds)) {
                  return done(internal::Corrupt("bad purchase in request record"));
                }
                result.info = out->info;
                done(std::move(result));
              };
  if (options_.mode == ContentionMode::kScript) {
    ScriptCall sc{"bazaar_v2_purchase_item",
                  spec.fingerprint,
                  {buyer_key, seller_key, buyer_inv, keys_.Market(), listing_key,
                   keys_.Listing(item_id, buyer_id), keys_.History(buyer_id),
                   keys_.History(seller_id), keys_.InstanceLots(buyer_id)},
                  {buyer_id, seller_id, item_id, std::to_string(expected_price),
                   options_.economy.default_currency()}};
    return scripts_.Run(std::move(sc), call, trace, std::move(finish));
  }
  runner_.Run(std::move(spec), call, trace, std::move(finish));
}

void MarketOps::GetListing(const std::string& seller_id, const std::string& item_id,
                           const CallOptions& call, CallTrace* trace, Done<Listing> done) {
  if (absl::Status s = FirstError(
          {ValidateUserId("seller_id", seller_id), ValidateItemId("item_id", item_id)});
      !s.ok()) {
    return done(s);
  }
  runner_.Read({{"ZSCORE", keys_.Market(), KeySchema::Member(item_id, seller_id)}}, call, trace,
               [seller_id, item_id, done = std::move(done)](absl::StatusOr<Replies> r) {
                 if (!r.ok()) return done(r.status());
                 if ((*r)[0].is_nil()) return done(NoListing(item_id, seller_id));
                 Listing l{item_id, seller_id, 0};
                 if (absl::Status s = ParseAmountReply((*r)[0], "listing price", &l.price);
                     !s.ok()) {
                   return done(s);
                 }
                 done(std::move(l));
               });
}

}  // namespace bazaar::market
