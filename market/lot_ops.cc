// MarketOps: stack listings ("lots"): a quantity of an item type for sale at a unit price in one
// currency, with an expiry; bought in part or whole at the buyer's price or better, the
// market's fee going to the sink.
#include <cstdio>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "market/market_ops.h"
#include "market/ops_util.h"
#include "market/validation.h"

namespace bazaar::market {

using internal::Corrupt;
using internal::FirstError;
using internal::IsOne;
using internal::ParseAmountReply;

namespace {

std::string NewListingId() {
  thread_local absl::BitGen gen;
  char buf[20];
  std::snprintf(buf, sizeof buf, "L%016llx",
                static_cast<unsigned long long>(absl::Uniform<uint64_t>(gen)));
  return buf;
}

absl::Status NoLot(const std::string& listing_id) {
  return MakeError(absl::StatusCode::kNotFound, reason::kListingNotFound,
                   "no listing " + listing_id, {{"listing_id", listing_id}});
}

std::vector<std::string> LotValues(const Listing& l) {
  return {l.listing_id,
          l.seller_id,
          l.item_type,
          std::to_string(l.quantity),
          std::to_string(l.price),
          l.currency,
          std::to_string(l.created_ms),
          std::to_string(l.expires_ms)};
}

// A record holds LotValues, then what the call adds, then the instance's id for an instance
// listing (at `item_at`; records written before instances were listable end earlier).
absl::StatusOr<Listing> LotFromValues(const std::vector<std::string>& v, size_t item_at = 8) {
  Listing l;
  if (v.size() > item_at) l.item_id = v[item_at];
  if (v.size() < 8 || !ParseAmount(v[3], &l.quantity) || !ParseAmount(v[4], &l.price) ||
      !ParseAmount(v[6], &l.created_ms) || !ParseAmount(v[7], &l.expires_ms)) {
    return Corrupt("bad listing in request record");
  }
  l.listing_id = v[0];
  l.seller_id = v[1];
  l.item_type = v[2];
  l.currency = v[5];
  return l;
}

Done<TxnOutcome> LotOutcome(Done<ListingResult> done) {
  return [done = std::move(done)](absl::StatusOr<TxnOutcome> out) {
    if (!out.ok()) return done(out.status());
    auto lot = LotFromValues(out->values);
    if (!lot.ok()) return done(lot.status());
    done(ListingResult{*lot, out->info});
  };
}

// The event fields naming a lot (an instance listing's last: its item).
std::vector<std::pair<std::string, std::string>> LotFields(const Listing& l) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"listing_id", l.listing_id},       {"seller", l.seller_id},
      {"item_type", l.item_type},         {"quantity", std::to_string(l.quantity)},
      {"price", std::to_string(l.price)}, {"currency", l.currency}};
  if (!l.item_id.empty()) fields.push_back({"item", l.item_id});
  return fields;
}

}  // namespace

// A lot from HGETALL lot:<id>; NOT_FOUND when the hash is gone.
absl::StatusOr<Listing> internal::LotFromHash(const std::string& listing_id, const RespReply& r) {
  if (!r.is_array()) return Corrupt("HGETALL reply " + r.DebugString());
  if (r.elements.empty()) return NoLot(listing_id);
  Listing l;
  l.listing_id = listing_id;
  int found = 0;
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    const std::string& f = r.elements[i].str;
    const std::string& v = r.elements[i + 1].str;
    bool ok = true;
    if (f == "seller")
      l.seller_id = v;
    else if (f == "type")
      l.item_type = v;
    else if (f == "currency")
      l.currency = v;
    else if (f == "item") {
      l.item_id = v;
      continue;  // instance listings only
    } else if (f == "quantity")
      ok = ParseAmount(v, &l.quantity);
    else if (f == "price")
      ok = ParseAmount(v, &l.price);
    else if (f == "created")
      ok = ParseAmount(v, &l.created_ms);
    else if (f == "expires")
      ok = ParseAmount(v, &l.expires_ms);
    else
      continue;
    if (!ok) return Corrupt("listing " + listing_id + " field " + f + " is not an integer");
    ++found;
  }
  if (found != 7) return Corrupt("listing " + listing_id + " lacks fields");
  return l;
}

void MarketOps::AddSale(const Listing& lot, const LotSale& sale, const std::string& request_id,
                        TxnPlan* plan) const {
  const int64_t total = lot.price * sale.quantity;
  plan->writes.push_back({"HINCRBY", keys_.User(lot.seller_id),
                          options_.economy.WalletField(lot.currency),
                          std::to_string(total - sale.fee)});
  if (sale.quantity == sale.left) {
    for (Argv& w : LotWrites(lot, /*add=*/false)) plan->writes.push_back(std::move(w));
  } else {
    plan->writes.push_back(
        {"HINCRBY", keys_.Lot(lot.listing_id), "quantity", std::to_string(-sale.quantity)});
  }
  auto fields = LotFields(lot);
  fields[3] = {"quantity", std::to_string(sale.quantity)};
  fields.insert(fields.end(), {{"buyer", sale.buyer_id},
                               {"left", std::to_string(sale.left - sale.quantity)},
                               {"total", std::to_string(total)},
                               {"fee", std::to_string(sale.fee)},
                               {"buyer_funds", std::to_string(sale.buyer_funds)},
                               {"seller_funds", std::to_string(sale.seller_funds)}});
  AddEvent(plan, {"sold", request_id, std::move(fields), {sale.buyer_id, lot.seller_id}});
}

std::vector<Argv> MarketOps::LotWrites(const Listing& lot, bool add) const {
  const std::string& id = lot.listing_id;
  const std::string member = KeySchema::LotMember(id, lot.seller_id);
  const bool instance = !lot.item_id.empty();
  const std::string by_price = keys_.Lots(lot.currency, lot.item_type, instance);
  const std::string newest = keys_.LotsNewest(lot.currency, lot.item_type, instance);
  const std::string ending = keys_.LotsEnding(lot.currency, lot.item_type, instance);
  std::vector<Argv> writes;
  if (!add) {
    writes = {{"DEL", keys_.Lot(id)},
              {"ZREM", by_price, member},
              {"ZREM", newest, member},
              {"ZREM", ending, member},
              {"ZREM", keys_.LotsOf(lot.seller_id), id},
              {"ZREM", keys_.LotExpiry(), id}};
    if (instance) writes.push_back({"HDEL", keys_.InstanceLots(lot.seller_id), lot.item_id});
    return writes;
  }
  const std::string created = std::to_string(lot.created_ms);
  const std::string expires = std::to_string(lot.expires_ms);
  Argv hash = {"HSET",     keys_.Lot(id),
               "seller",   lot.seller_id,
               "type",     lot.item_type,
               "quantity", std::to_string(lot.quantity),
               "price",    std::to_string(lot.price),
               "currency", lot.currency,
               "created",  created,
               "expires",  expires};
  if (instance) hash.insert(hash.end(), {"item", lot.item_id});
  writes = {std::move(hash),
            {"ZADD", by_price, std::to_string(lot.price), member},
            {"ZADD", newest, created, member},
            {"ZADD", ending, expires, member},
            {"ZADD", keys_.LotsOf(lot.seller_id), created, id},
            {"ZADD", keys_.LotExpiry(), expires, id}};
  if (instance) writes.push_back({"HSET", keys_.InstanceLots(lot.seller_id), lot.item_id, id});
  return writes;
}

void MarketOps::ListStack(const StackListingRequest& req, const CallOptions& call, CallTrace* trace,
                          Done<ListingResult> done) {
  const EconomyOptions& e = options_.economy;
  std::string currency;
  const bool instance = !req.item_id.empty();
  if (absl::Status s = FirstError(
          {ValidateUserId("seller_id", req.seller_id), ValidateItemId("item_type", req.item_type),
           instance ? ValidateItemId("item_id", req.item_id)
                    : ValidateQuantity("quantity", req.quantity),
           ValidateAmount("price", req.unit_price), ResolveCurrency(req.currency, &currency),
           ValidateRequestId(call.request_id)});
      !s.ok()) {
    return done(s);
  }
  if (instance && req.quantity != 0 && req.quantity != 1) {
    return done(
        MakeError(absl::StatusCode::kInvalidArgument, reason::kInvalidArgument,
                  absl::StrCat("an instance is listed whole: quantity must be 1 (or 0), got ",
                               req.quantity)));
  }
  const absl::Duration duration =
      req.duration == absl::ZeroDuration() ? e.listing_duration : req.duration;
  if (duration < absl::Seconds(1) || duration > e.max_listing_duration) {
    return done(MakeError(
        absl::StatusCode::kInvalidArgument, reason::kInvalidArgument,
        absl::StrCat("duration must be 1s..", absl::FormatDuration(e.max_listing_duration),
                     ", got ", absl::FormatDuration(duration))));
  }
  const int64_t duration_ms = absl::ToInt64Milliseconds(duration);
  const std::string seller = req.seller_id, type = req.item_type, item = req.item_id;
  const int64_t quantity = instance ? 1 : req.quantity, price = req.unit_price;
  // What the listing takes from: the seller's stacks, or the inventory holding the instance.
  const std::string source = instance ? keys_.Inventory(seller) : keys_.Stacks(seller);
  const std::string lots_of = keys_.LotsOf(seller);
  const std::string listing_id = NewListingId();
  const int cap = e.max_listings_per_seller;
  TxnSpec spec;
  spec.fingerprint =
      EncodeFields({"ListStack", seller, type, std::to_string(quantity), std::to_string(price),
                    currency, std::to_string(duration_ms), item});
  spec.watch = {source, lots_of};
  spec.reads = {{"EXISTS", keys_.User(seller)},
                instance ? Argv{"SISMEMBER", source, item} : Argv{"HGET", source, type},
                {"ZCARD", lots_of},
                {"TIME"},
                {"EXISTS", keys_.Lot(listing_id)}};
  spec.decide = [this, seller, type, item, instance, quantity, price, currency, duration_ms, source,
                 lots_of, listing_id, cap, request_id = call.request_id](
                    const std::vector<RespReply>& r) -> absl::StatusOr<TxnPlan> {
    TxnPlan plan;
    if (!IsOne(r[0])) {
      plan.failure =
          MakeError(absl::StatusCode::kNotFound, reason::kUserNotFound, "no user " + seller);
      return plan;
    }
    int64_t held = instance && IsOne(r[1]) ? 1 : 0, now_ms;
    if (absl::Status s =
            FirstError({instance ? absl::OkStatus()
                                 : internal::ParseAmountOrZero(r[1], "stack of " + type, &held),
                        internal::ParseTimeReply(r[3], &now_ms)});
        !s.ok()) {
      return s;
    }
    if (IsOne(r[4])) return Corrupt("listing id " + listing_id + " is taken");
    if (instance && held == 0) {
      plan.failure = MakeError(absl::StatusCode::kFailedPrecondition, reason::kItemNotInInventory,
                               absl::StrCat("item ", item, " is not in ", seller, "'s inventory"),
                               {{"item_id", item}});
      return plan;
    }
    if (held < quantity) {
      plan.failure = MakeError(
          absl::StatusCode::kFailedPrecondition, reason::kInsufficientQuantity,
          absl::StrCat("seller ", seller, " holds ", held, " ", type, ", listing ", quantity),
          {{"available", std::to_string(held)}, {"requested", std::to_string(quantity)}});
      return plan;
    }
    if (r[2].integer >= cap) {
      plan.failure = MakeError(
          absl::StatusCode::kResourceExhausted, reason::kListingLimit,
          absl::StrCat("seller ", seller, " has ", r[2].integer,
                       " open listings, the most allowed"),
          {{"open_listings", std::to_string(r[2].integer)}, {"maximum", std::to_string(cap)}});
      return plan;
    }
    Listing lot;
    lot.listing_id = listing_id;
    lot.item_id = item;
    lot.seller_id = seller;
    lot.item_type = type;
    lot.quantity = quantity;
    lot.price = price;
    lot.currency = currency;
    lot.created_ms = now_ms;
    lot.expires_ms = now_ms + duration_ms;
    if (instance) {
      plan.writes = {{"SREM", source, item}};
    } else if (held == quantity) {
      plan.writes = {{"HDEL", source, type}};
    } else {
      plan.writes = {{"HINCRBY", source, type, std::to_string(-quantity)}};
    }
    for (Argv& w : LotWrites(lot, /*add=*/true)) plan.writes.push_back(std::move(w));
    auto fields = LotFields(lot);
    fields.push_back({"expires", std::to_string(lot.expires_ms)});
    AddEvent(&plan, {"listed", request_id, std::move(fields), {seller}});
    plan.values = LotValues(lot);
    if (instance) plan.values.push_back(item);
    return plan;
  };
  runner_.Run(std::move(spec), call, trace, LotOutcome(std::move(done)));
}

void MarketOps::CancelStackListing(const std::string& seller_id, const std::string& listing_id,
                                   const CallOptions& call, CallTrace* trace,
                                   Done<ListingResult> done) {
  if (absl::Status s = FirstError({ValidateUserId("seller_id", seller_id),
                                   ValidateItemId("listing_id", listing_id),
                                   ValidateRequestId(call.request_id)});
      !s.ok()) {
    return done(s);
  }
  ReturnLot(seller_id, listing_id, /*expiry=*/false, call, trace, std::move(done));
}

void MarketOps::ExpireListing(const std::string& listing_id, const CallOptions& call,
                              CallTrace* trace, Done<ListingResult> done) {
  if (absl::Status s = ValidateItemId("listing_id", listing_id); !s.ok()) return done(s);
  ReturnLot("", listing_id, /*expiry=*/true, call, trace, std::move(done));
}

void MarketOps::ReturnLot(const std::string& seller_id, const std::string& listing_id, bool expiry,
                          const CallOptions& call, CallTrace* trace, Done<ListingResult> done) {
  const std::string lot_key = keys_.Lot(listing_id);
  TxnSpec spec;
  const char* method = expiry                   ? "ExpireListing"
                       : call.forced_by.empty() ? "CancelStackListing"
                                                : "ForceCancelStackListing";
  spec.fingerprint = EncodeFields({method, seller_id, listing_id});
  // Only the lot is watched: its seller..expires never change, and what goes back to the
  // seller's stack cannot overflow (see market_ops.h), so the stack need not be read.
  spec.watch = {lot_key};
  spec.reads = {{"HGETALL", lot_key}, {"TIME"}};
  spec.decide = [this, seller_id, listing_id, expiry, lot_key, request_id = call.request_id,
                 forced_by =
                     call.forced_by](const std::vector<RespReply>& r) -> absl::StatusOr<TxnPlan> {
    TxnPlan plan;
    auto lot = internal::LotFromHash(listing_id, r[0]);
    if (!lot.ok() && lot.status().code() != absl::StatusCode::kNotFound) return lot.status();
    if (!lot.ok() || (!expiry && lot->seller_id != seller_id)) {
      plan.failure = expiry ? NoLot(listing_id)
                            : MakeError(absl::StatusCode::kNotFound, reason::kListingNotFound,
                                        "no listing " + listing_id + " by " + seller_id);
      return plan;
    }
    int64_t now_ms;
    if (absl::Status s = internal::ParseTimeReply(r[1], &now_ms); !s.ok()) return s;
    if (expiry && now_ms < lot->expires_ms) {
      plan.failure = MakeError(absl::StatusCode::kFailedPrecondition, reason::kNotExpired,
                               absl::StrCat("listing ", listing_id, " expires at ", lot->expires_ms,
                                            ", the store's clock is at ", now_ms));
      return plan;
    }
    plan.writes = LotWrites(*lot, /*add=*/false);
    // An instance goes back to the inventory: nothing gave the seller that id meanwhile, since
    // grants and purchases refuse an id the user has listed (instance_lots:<seller>).
    if (lot->item_id.empty()) {
      plan.writes.push_back(
          {"HINCRBY", keys_.Stacks(lot->seller_id), lot->item_type, std::to_string(lot->quantity)});
    } else {
      plan.writes.push_back({"SADD", keys_.Inventory(lot->seller_id), lot->item_id});
    }
    auto fields = LotFields(*lot);
    if (!forced_by.empty()) fields.emplace_back("forced_by", forced_by);
    AddEvent(&plan,
             {expiry ? "expired" : "cancelled", request_id, std::move(fields), {lot->seller_id}});
    plan.values = LotValues(*lot);
    if (!lot->item_id.empty()) plan.values.push_back(lot->item_id);
    return plan;
  };
  runner_.Run(std::move(spec), call, trace, LotOutcome(std::move(done)));
}

void MarketOps::PurchaseStack(const std::string& buyer_id, const std::string& listing_id,
                              int64_t quantity, int64_t max_unit_price, const CallOptions& call,
                              CallTrace* trace, Done<PurchaseResult> done) {
  if (absl::Status s = FirstError(
          {ValidateUserId("buyer_id", buyer_id), ValidateItemId("listing_id", listing_id),
           ValidateQuantity("quantity", quantity), ValidateAmount("max_unit_price", max_unit_price),
           ValidateRequestId(call.request_id)});
      !s.ok()) {
    return done(s);
  }
  const std::string lot_key = keys_.Lot(listing_id);
  TxnSpec spec;
  spec.fingerprint = EncodeFields({"PurchaseStack", buyer_id, listing_id, std::to_string(quantity),
                                   std::to_string(max_unit_price)});
  // Each attempt first reads the lot's unchanging fields (which keys the transaction touches),
  // unwatched; a lot gone by the time the transaction reads it is NOT_FOUND there. Refusals found
  // by the probe are decided after the request-id record was looked up, so a retry of a call
  // that bought the last units replays its success.
  spec.probe = {{"HGETALL", lot_key}};
  spec.prepare = [=, this](const Replies& probe) -> absl::StatusOr<TxnSpec> {
    auto lot = internal::LotFromHash(listing_id, probe[0]);
    absl::Status refusal;
    if (!lot.ok()) {
      if (lot.status().code() != absl::StatusCode::kNotFound) return lot.status();
      refusal = lot.status();
    } else if (lot->seller_id == buyer_id) {
      refusal = MakeError(absl::StatusCode::kFailedPrecondition, reason::kOwnListing,
                          "a user cannot buy their own listing");
    }
    if (refusal.ok()) return LotPurchase(buyer_id, *lot, quantity, max_unit_price, call.request_id);
    TxnSpec refuse;
    refuse.watch = {lot_key};
    refuse.decide = [refusal](const std::vector<RespReply>&) -> absl::StatusOr<TxnPlan> {
      TxnPlan plan;
      plan.failure = refusal;
      return plan;
    };
    return refuse;
  };
  runner_.Run(std::move(spec), call, trace,
              [done = std::move(done)](absl::StatusOr<TxnOutcome> out) {
                if (!out.ok()) return done(out.status());
                auto lot = LotFromValues(out->values, /*item_at=*/12);
                if (!lot.ok()) return done(lot.status());
                PurchaseResult result;
                result.listing = *lot;
                const auto& v = out->values;
                if (v.size() < 12 || !ParseAmount(v[8], &result.buyer_funds) ||
                    !ParseAmount(v[9], &result.quantity) ||
                    !ParseAmount(v[10], &result.total_price) || !ParseAmount(v[11], &result.fee)) {
                  return done(Corrupt("bad purchase in request record"));
                }
                result.info = out->info;
                done(std::move(result));
              });
}

TxnSpec MarketOps::LotPurchase(const std::string& buyer_id, const Listing& lot, int64_t quantity,
                               int64_t max_unit_price, const std::string& request_id) const {
  const std::string lot_key = keys_.Lot(lot.listing_id);
  const std::string buyer_key = keys_.User(buyer_id);
  const std::string seller_key = keys_.User(lot.seller_id);
  const bool instance = !lot.item_id.empty();
  // Where the purchase goes: the buyer's stacks, or the inventory for an instance. That key is
  // watched: every way an instance moves between a user's inventory and their listings writes
  // the inventory, so the buyer-owns check below reads a consistent pair.
  const std::string buyer_holds = instance ? keys_.Inventory(buyer_id) : keys_.Stacks(buyer_id);
  const std::string field = options_.economy.WalletField(lot.currency);
  const std::string market_key = keys_.Lots(lot.currency, lot.item_type, instance);
  TxnSpec spec;
  spec.watch = {lot_key, buyer_key, seller_key, buyer_holds};
  if (options_.mode == ContentionMode::kBook) spec.watch.push_back(market_key);
  spec.reads = {{"HGET", lot_key, "quantity"},
                {"HMGET", buyer_key, "funds", field},
                {"HGET", seller_key, field},
                instance ? Argv{"SISMEMBER", buyer_holds, lot.item_id}
                         : Argv{"HGET", buyer_holds, lot.item_type},
                {"HGET", keys_.Sink(), lot.currency},
                {"TIME"}};
  if (instance) {
    spec.reads.push_back({"EXISTS", keys_.Listing(lot.item_id, buyer_id)});
    spec.reads.push_back({"HEXISTS", keys_.InstanceLots(buyer_id), lot.item_id});
  }
  spec.decide = [this, buyer_id, lot, instance, quantity, max_unit_price, lot_key, buyer_key,
                 seller_key, buyer_holds, field, market_key,
                 request_id](const std::vector<RespReply>& r) -> absl::StatusOr<TxnPlan> {
    TxnPlan plan;
    const auto& buyer = r[1].elements;
    if (buyer.size() != 2) return Corrupt("HMGET reply");
    if (buyer[0].is_nil()) {
      plan.failure =
          MakeError(absl::StatusCode::kNotFound, reason::kUserNotFound, "no user " + buyer_id);
      return plan;
    }
    if (r[0].is_nil()) {
      plan.failure = NoLot(lot.listing_id);
      return plan;
    }
    int64_t left, funds, seller_funds, held = 0, sink, now_ms;
    const auto optional = internal::ParseAmountOrZero;
    if (absl::Status s = FirstError(
            {ParseAmountReply(r[0], "listing quantity", &left),
             optional(buyer[1], "buyer " + lot.currency, &funds),
             optional(r[2], "seller " + lot.currency, &seller_funds),
             instance ? absl::OkStatus() : optional(r[3], "stack of " + lot.item_type, &held),
             optional(r[4], "sink " + lot.currency, &sink),
             internal::ParseTimeReply(r[5], &now_ms)});
        !s.ok()) {
      return s;
    }
    const auto fail = [&plan](absl::StatusCode code, const char* why, std::string text,
                              const ErrorFields& fields) {
      plan.failure = MakeError(code, why, text, fields);
      return plan;
    };
    const auto n = [](int64_t v) { return std::to_string(v); };
    using absl::StatusCode;
    if (now_ms >= lot.expires_ms) {
      return fail(StatusCode::kFailedPrecondition, reason::kListingExpired,
                  absl::StrCat("listing ", lot.listing_id, " expired at ", lot.expires_ms),
                  {{"listing_id", lot.listing_id}, {"expires_ms", n(lot.expires_ms)}});
    }
    if (lot.price > max_unit_price) {
      return fail(
          StatusCode::kFailedPrecondition, reason::kPriceChanged,
          absl::StrCat("unit price is ", lot.price, ", at most ", max_unit_price, " was offered"),
          {{"unit_price", n(lot.price)}, {"max_unit_price", n(max_unit_price)}});
    }
    if (quantity > left) {
      return fail(
          StatusCode::kFailedPrecondition, reason::kInsufficientQuantity,
          absl::StrCat("listing ", lot.listing_id, " has ", left, " left, asked for ", quantity),
          {{"available", n(left)}, {"requested", n(quantity)}});
    }
    if (instance && (IsOne(r[3]) || IsOne(r[6]) || IsOne(r[7]))) {
      return fail(StatusCode::kFailedPrecondition, reason::kBuyerOwnsItem,
                  absl::StrCat("buyer ", buyer_id, " already holds an item ", lot.item_id),
                  {{"item_id", lot.item_id}});
    }
    if (lot.price > 0 && quantity > kMaxAmount / lot.price) {
      return fail(StatusCode::kFailedPrecondition, reason::kFundsLimit,
                  absl::StrCat("the total would pass the maximum of ", kMaxAmount),
                  {{"maximum", n(kMaxAmount)}});
    }
    const int64_t total = lot.price * quantity;
    const int64_t fee = options_.economy.FeeOf(total);
    if (funds < total) {
      return fail(
          StatusCode::kFailedPrecondition, reason::kInsufficientFunds,
          absl::StrCat("buyer ", buyer_id, " has ", funds, " ", lot.currency, ", total is ", total),
          {{"balance", n(funds)}, {"needed", n(total)}, {"currency", lot.currency}});
    }
    if (sink > internal::kSinkFull) {
      return fail(StatusCode::kFailedPrecondition, reason::kFundsLimit,
                  absl::StrCat("the fee sink of ", lot.currency, " is full"),
                  {{"balance", n(sink)}, {"maximum", n(internal::kSinkFull)}});
    }
    if (seller_funds > kMaxAmount - (total - fee)) {
      return fail(StatusCode::kFailedPrecondition, reason::kFundsLimit,
                  absl::StrCat("seller ", lot.seller_id, " has ", seller_funds,
                               "; the sale would take them past the maximum of ", kMaxAmount),
                  {{"balance", n(seller_funds)}, {"maximum", n(kMaxAmount)}});
    }
    if (held > kMaxAmount - quantity) {
      return fail(StatusCode::kFailedPrecondition, reason::kStackLimit,
                  absl::StrCat("buyer ", buyer_id, " holds ", held, " ", lot.item_type,
                               "; the purchase would pass the maximum of ", kMaxAmount),
                  {{"held", n(held)}, {"maximum", n(kMaxAmount)}});
    }
    // Every write below is proven safe by the watched reads: the wallets stay within
    // 0..kMaxAmount, the buyer's stack too, the lot's quantity stays >= 1 or the lot goes.
    plan.writes = {{"HINCRBY", buyer_key, field, std::to_string(-total)},
                   instance
                       ? Argv{"SADD", buyer_holds, lot.item_id}
                       : Argv{"HINCRBY", buyer_holds, lot.item_type, std::to_string(quantity)}};
    if (fee > 0)
      plan.writes.push_back({"HINCRBY", keys_.Sink(), lot.currency, std::to_string(fee)});
    AddSale(lot, {buyer_id, quantity, left, fee, funds - total, seller_funds + total - fee},
            request_id, &plan);
    Listing after = lot;
    after.quantity = left - quantity;
    plan.values = LotValues(after);
    plan.values.insert(plan.values.end(), {std::to_string(funds - total), std::to_string(quantity),
                                           std::to_string(total), std::to_string(fee)});
    if (instance) plan.values.push_back(lot.item_id);
    return plan;
  };
  return spec;
}

void MarketOps::GetStackListing(const std::string& listing_id, const CallOptions& call,
                                CallTrace* trace, Done<Listing> done) {
  if (absl::Status s = ValidateItemId("listing_id", listing_id); !s.ok()) return done(s);
  runner_.Read({{"HGETALL", keys_.Lot(listing_id)}}, call, trace,
               [listing_id, done = std::move(done)](absl::StatusOr<Replies> r) {
                 if (!r.ok()) return done(r.status());
                 done(internal::LotFromHash(listing_id, (*r)[0]));
               });
}

void MarketOps::DueListings(int limit, const CallOptions& call, CallTrace* trace,
                            Done<std::vector<std::string>> done) {
  runner_.Read(
      {{"TIME"}, {"ZRANGE", keys_.LotExpiry(), "0", std::to_string(limit - 1), "WITHSCORES"}}, call,
      trace, [done = std::move(done)](absl::StatusOr<Replies> r) {
        if (!r.ok()) return done(r.status());
        int64_t now_ms;
        if (absl::Status s = internal::ParseTimeReply((*r)[0], &now_ms); !s.ok()) return done(s);
        std::vector<std::string> due;
        const auto& v = (*r)[1].elements;
        for (size_t i = 0; i + 1 < v.size(); i += 2) {
          int64_t expires;
          if (!ParseAmount(v[i + 1].str, &expires) || expires > now_ms) break;
          due.push_back(v[i].str);
        }
        done(std::move(due));
      });
}

}  // namespace bazaar::market
