// MarketOps::BuyQuantity: a quantity of an item type from the cheapest stack listings of one
// currency, across sellers, in one transaction that takes all of it or nothing.
#include <map>

#include "absl/strings/str_cat.h"
#include "market/market_ops.h"
#include "market/ops_util.h"
#include "market/validation.h"

namespace bazaar::market {

using internal::Corrupt;
using internal::FirstError;
using internal::ParseAmountReply;

namespace {

// A listing the probe found: lots:<cur>:<type> member "<id>.<seller>" and its unit price.
struct Candidate {
  std::string listing_id, seller_id;
  int64_t price = 0;
};

absl::StatusOr<std::vector<Candidate>> ParseCandidates(const RespReply& r,
                                                       const std::string& buyer_id) {
  std::vector<Candidate> out;
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    const std::string& member = r.elements[i].str;
    const size_t dot = member.find('.');
    Candidate c;
    if (dot == std::string::npos || !ParseAmount(r.elements[i + 1].str, &c.price)) {
      return Corrupt("market member " + member);
    }
    c.listing_id = member.substr(0, dot);
    c.seller_id = member.substr(dot + 1);
    if (c.seller_id != buyer_id) out.push_back(std::move(c));  // never one's own listings
  }
  return out;
}

std::vector<std::string> BuyValues(const BuyResult& b) {
  std::vector<std::string> v = {std::to_string(b.quantity), std::to_string(b.total_price),
                                std::to_string(b.fee), std::to_string(b.buyer_funds)};
  for (const Fill& f : b.fills) {
    v.insert(v.end(), {f.listing_id, f.seller_id, std::to_string(f.quantity),
                       std::to_string(f.unit_price), std::to_string(f.fee)});
  }
  return v;
}

absl::StatusOr<BuyResult> BuyFromValues(const std::vector<std::string>& v) {
  BuyResult b;
  if (v.size() < 4 || (v.size() - 4) % 5 != 0 || !ParseAmount(v[0], &b.quantity) ||
      !ParseAmount(v[1], &b.total_price) || !ParseAmount(v[2], &b.fee) ||
      !ParseAmount(v[3], &b.buyer_funds)) {
    return Corrupt("bad purchase in request record");
  }
  for (size_t i = 4; i < v.size(); i += 5) {
    Fill f{v[i], v[i + 1]};
    if (!ParseAmount(v[i + 2], &f.quantity) || !ParseAmount(v[i + 3], &f.unit_price) ||
        !ParseAmount(v[i + 4], &f.fee)) {
      return Corrupt("bad fill in request record");
    }
    b.fills.push_back(std::move(f));
  }
  return b;
}

}  // namespace

void MarketOps::BuyQuantity(const std::string& buyer_id, const std::string& item_type,
                            const std::string& requested_currency, int64_t quantity,
                            int64_t max_unit_price, const CallOptions& call, CallTrace* trace,
                            Done<BuyResult> done) {
  std::string currency;
  if (absl::Status s = FirstError(
          {ValidateUserId("buyer_id", buyer_id), ValidateItemId("item_type", item_type),
           ResolveCurrency(requested_currency, &currency), ValidateQuantity("quantity", quantity),
           ValidateAmount("max_unit_price", max_unit_price), ValidateRequestId(call.request_id)});
      !s.ok()) {
    return done(s);
  }
  const std::string market_key = keys_.Lots(currency, item_type);
  const std::string buyer_key = keys_.User(buyer_id);
  const std::string buyer_stacks = keys_.Stacks(buyer_id);
  const std::string field = options_.economy.WalletField(currency);
  // Set once an attempt found too little for sale: from then on attempts also watch the whole
  // market of the type, so the failure is confirmed by an EXEC like every definite failure.
  auto confirm_shortage = std::make_shared<bool>(options_.mode == ContentionMode::kBook);
  TxnSpec spec;
  spec.fingerprint = EncodeFields({"BuyQuantity", buyer_id, item_type, currency,
                                   std::to_string(quantity), std::to_string(max_unit_price)});
  // The cheapest listings at the buyer's price or better; one more than may be used, to know
  // whether more exist beyond them.
  spec.probe = {{"ZRANGEBYSCORE", market_key, "-inf", std::to_string(max_unit_price), "WITHSCORES",
                 "LIMIT", "0", std::to_string(kMaxFills + 1)}};
  spec.prepare = [=, this](const Replies& probe) -> absl::StatusOr<TxnSpec> {
    auto found = ParseCandidates(probe[0], buyer_id);
    if (!found.ok()) return found.status();
    std::vector<Candidate> candidates = std::move(*found);
    const bool more_exist = candidates.size() > static_cast<size_t>(kMaxFills);
    if (more_exist) candidates.resize(kMaxFills);
    std::vector<std::string> sellers;
    for (const Candidate& c : candidates) {
      if (std::find(sellers.begin(), sellers.end(), c.seller_id) == sellers.end()) {
        sellers.push_back(c.seller_id);
      }
    }
    TxnSpec attempt;
    attempt.watch = {buyer_key, buyer_stacks};
    if (*confirm_shortage) attempt.watch.push_back(market_key);
    attempt.reads = {{"HMGET", buyer_key, "funds", field},
                     {"HGET", buyer_stacks, item_type},
                     {"HGET", keys_.Sink(), currency},
                     {"TIME"}};
    for (const Candidate& c : candidates) {
      attempt.watch.push_back(keys_.Lot(c.listing_id));
      attempt.reads.push_back({"HMGET", keys_.Lot(c.listing_id), "quantity", "expires"});
    }
    for (const std::string& s : sellers) {
      attempt.watch.push_back(keys_.User(s));
      attempt.reads.push_back({"HGET", keys_.User(s), field});
    }
    attempt.decide = [=, this](const std::vector<RespReply>& r) -> absl::StatusOr<TxnPlan> {
      TxnPlan plan;
      const auto& buyer = r[0].elements;
      if (buyer.size() != 2) return Corrupt("HMGET reply");
      if (buyer[0].is_nil()) {
        plan.failure =
            MakeError(absl::StatusCode::kNotFound, reason::kUserNotFound, "no user " + buyer_id);
        return plan;
      }
      const auto optional = internal::ParseAmountOrZero;
      int64_t funds, held, sink, now_ms = 0;
      if (absl::Status s = FirstError({optional(buyer[1], "buyer " + currency, &funds),
                                       optional(r[1], "stack of " + item_type, &held),
                                       optional(r[2], "sink " + currency, &sink),
                                       internal::ParseTimeReply(r[3], &now_ms)});
          !s.ok()) {
        return s;
      }
      // Fill from the cheapest; listings gone or expired since the probe are passed over.
      BuyResult result;
      std::vector<int64_t> lefts;  // what each fill's listing had before it
      int64_t available = 0;
      for (size_t i = 0; i < candidates.size(); ++i) {
        const auto& lot = r[4 + i].elements;
        if (lot.size() != 2 || lot[0].is_nil()) continue;
        int64_t left, expires;
        if (absl::Status s = FirstError({ParseAmountReply(lot[0], "listing quantity", &left),
                                         ParseAmountReply(lot[1], "listing expiry", &expires)});
            !s.ok()) {
          return s;
        }
        if (now_ms >= expires) continue;
        available += left;
        const int64_t want = quantity - result.quantity;
        if (want == 0) continue;
        Fill f{candidates[i].listing_id, candidates[i].seller_id, std::min(left, want),
               candidates[i].price};
        result.quantity += f.quantity;
        result.fills.push_back(std::move(f));
        lefts.push_back(left);
      }
      if (result.quantity < quantity) {
        if (!*confirm_shortage) {
          *confirm_shortage = true;
          plan.stale = true;  // again, watching the market of the type
          return plan;
        }
        plan.failure =
            MakeError(absl::StatusCode::kFailedPrecondition, reason::kInsufficientQuantity,
                      absl::StrCat(available, " ", item_type, " for sale at ", max_unit_price, " ",
                                   currency, " or less", more_exist ? " in the cheapest " : "",
                                   more_exist ? std::to_string(kMaxFills) + " listings" : "",
                                   ", asked for ", quantity),
                      {{"available", std::to_string(available)},
                       {"requested", std::to_string(quantity)},
                       {"max_listings", std::to_string(kMaxFills)}});
        return plan;
      }
      // Totals and bounds: prices are at most max_unit_price, so a total above kMaxAmount is
      // caught before it can overflow (each fill's price * quantity <= 10^15 * 10^15 fits in
      // 128 bits, checked one by one).
      std::map<std::string, int64_t> proceeds;
      for (Fill& f : result.fills) {
        if (f.unit_price > 0 && f.quantity > (kMaxAmount - result.total_price) / f.unit_price) {
          plan.failure = MakeError(absl::StatusCode::kFailedPrecondition, reason::kFundsLimit,
                                   absl::StrCat("the total would pass the maximum of ", kMaxAmount),
                                   {{"maximum", std::to_string(kMaxAmount)}});
          return plan;
        }
        const int64_t total = f.unit_price * f.quantity;
        f.fee = options_.economy.FeeOf(total);
        result.total_price += total;
        result.fee += f.fee;
        proceeds[f.seller_id] += total - f.fee;
      }
      if (funds < result.total_price) {
        plan.failure = MakeError(absl::StatusCode::kFailedPrecondition, reason::kInsufficientFunds,
                                 absl::StrCat("buyer ", buyer_id, " has ", funds, " ", currency,
                                              ", total is ", result.total_price),
                                 {{"balance", std::to_string(funds)},
                                  {"needed", std::to_string(result.total_price)},
                                  {"currency", currency}});
        return plan;
      }
      std::map<std::string, int64_t> seller_funds;
      for (size_t i = 0; i < sellers.size(); ++i) {
        int64_t b;
        if (absl::Status s = optional(r[4 + candidates.size() + i], "seller " + currency, &b);
            !s.ok()) {
          return s;
        }
        seller_funds[sellers[i]] = b;
        if (b > kMaxAmount - proceeds[sellers[i]]) {
          plan.failure =
              MakeError(absl::StatusCode::kFailedPrecondition, reason::kFundsLimit,
                        absl::StrCat("seller ", sellers[i], " has ", b,
                                     "; the sale would take them past the maximum"),
                        {{"balance", std::to_string(b)}, {"maximum", std::to_string(kMaxAmount)}});
          return plan;
        }
      }
      // The same refusals, texts and fields as PurchaseItem's (lot_ops.cc).
      if (held > kMaxAmount - quantity) {
        plan.failure =
            MakeError(absl::StatusCode::kFailedPrecondition, reason::kStackLimit,
                      absl::StrCat("buyer ", buyer_id, " holds ", held, " ", item_type,
                                   "; the purchase would pass the maximum of ", kMaxAmount),
                      {{"held", std::to_string(held)}, {"maximum", std::to_string(kMaxAmount)}});
        return plan;
      }
      if (sink > internal::kSinkFull) {
        plan.failure = MakeError(
            absl::StatusCode::kFailedPrecondition, reason::kFundsLimit,
            absl::StrCat("the fee sink of ", currency, " is full"),
            {{"balance", std::to_string(sink)}, {"maximum", std::to_string(internal::kSinkFull)}});
        return plan;
      }
      // The watched reads prove every write safe, as in LotPurchase.
      plan.writes = {{"HINCRBY", buyer_key, field, std::to_string(-result.total_price)},
                     {"HINCRBY", buyer_stacks, item_type, std::to_string(quantity)}};
      if (result.fee > 0) {
        plan.writes.push_back({"HINCRBY", keys_.Sink(), currency, std::to_string(result.fee)});
      }
      int64_t buyer_after = funds;
      for (size_t i = 0; i < result.fills.size(); ++i) {
        const Fill& f = result.fills[i];
        Listing lot;  // what AddSale needs of it
        lot.listing_id = f.listing_id;
        lot.seller_id = f.seller_id;
        lot.item_type = item_type;
        lot.currency = currency;
        lot.price = f.unit_price;
        const int64_t total = f.unit_price * f.quantity;
        buyer_after -= total;
        seller_funds[f.seller_id] += total - f.fee;
        AddSale(lot,
                {buyer_id, f.quantity, lefts[i], f.fee, buyer_after, seller_funds[f.seller_id]},
                call.request_id, &plan);
      }
      result.buyer_funds = buyer_after;
      plan.values = BuyValues(result);
      return plan;
    };
    return attempt;
  };
  runner_.Run(std::move(spec), call, trace,
              [done = std::move(done)](absl::StatusOr<TxnOutcome> out) {
                if (!out.ok()) return done(out.status());
                auto result = BuyFromValues(out->values);
                if (!result.ok()) return done(result.status());
                result->info = out->info;
                done(std::move(*result));
              });
}

}  // namespace bazaar::market
