// MarketOps: stackable items, held as quantities per item type (stacks:<id>).
#include "absl/strings/str_cat.h"
#include "market/market_ops.h"
#include "market/ops_util.h"
#include "market/validation.h"

namespace bazaar::market {

using internal::FirstError;
using internal::IsOne;

void MarketOps::ChangeStack(const std::string& user_id, const std::string& item_type, int64_t delta,
                            const CallOptions& call, CallTrace* trace, Done<StackResult> done) {
  const bool grant = delta > 0;
  const int64_t quantity = grant ? delta : -delta;
  if (absl::Status s =
          FirstError({ValidateUserId("user_id", user_id), ValidateItemId("item_type", item_type),
                      ValidateQuantity("quantity", quantity), ValidateRequestId(call.request_id)});
      !s.ok()) {
    return done(s);
  }
  const std::string user_key = keys_.User(user_id);
  const std::string stacks_key = keys_.Stacks(user_id);
  TxnSpec spec;
  spec.fingerprint = EncodeFields(
      {grant ? "GrantStack" : "RevokeStack", user_id, item_type, std::to_string(quantity)});
  // As GrantItem: the user hash is read, not watched (users are never deleted).
  spec.watch = {stacks_key};
  spec.reads = {{"EXISTS", user_key}, {"HGET", stacks_key, item_type}};
  spec.decide = [this, grant, quantity, user_id, item_type, stacks_key,
                 request_id =
                     call.request_id](const std::vector<RespReply>& r) -> absl::StatusOr<TxnPlan> {
    TxnPlan plan;
    if (!IsOne(r[0])) {
      plan.failure =
          MakeError(absl::StatusCode::kNotFound, reason::kUserNotFound, "no user " + user_id);
      return plan;
    }
    int64_t held;
    if (absl::Status s = internal::ParseAmountOrZero(r[1], "stack of " + item_type, &held);
        !s.ok()) {
      return s;
    }
    if (grant && held > kMaxAmount - quantity) {
      plan.failure =
          MakeError(absl::StatusCode::kFailedPrecondition, reason::kStackLimit,
                    absl::StrCat("user ", user_id, " holds ", held, " ", item_type,
                                 "; the grant would pass the maximum of ", kMaxAmount),
                    {{"held", std::to_string(held)}, {"maximum", std::to_string(kMaxAmount)}});
      return plan;
    }
    if (!grant && held < quantity) {
      plan.failure = MakeError(
          absl::StatusCode::kFailedPrecondition, reason::kInsufficientQuantity,
          absl::StrCat("user ", user_id, " holds ", held, " ", item_type, ", revoke is ", quantity),
          {{"available", std::to_string(held)}, {"requested", std::to_string(quantity)}});
      return plan;
    }
    const int64_t after = grant ? held + quantity : held - quantity;
    const std::string q = std::to_string(quantity);
    if (after == 0) {
      plan.writes = {{"HDEL", stacks_key, item_type}};
    } else {
      plan.writes = {{"HINCRBY", stacks_key, item_type, grant ? q : "-" + q}};
    }
    // granted:<id> is a counter nothing reads inside a transaction; it cannot pass int64
    // before the stacks it sums do.
    plan.writes.push_back({"HINCRBY", keys_.Granted(user_id), item_type, grant ? q : "-" + q});
    AddEvent(&plan, {grant ? "item_granted" : "item_revoked",
                     request_id,
                     {{"user", user_id},
                      {"item_type", item_type},
                      {"quantity", q},
                      {"held", std::to_string(after)}},
                     {user_id}});
    plan.values = {std::to_string(after)};
    return plan;
  };
  runner_.Run(std::move(spec), call, trace,
              internal::NumberOutcome(std::move(done), &StackResult::quantity));
}

void MarketOps::GrantStack(const std::string& user_id, const std::string& item_type,
                           int64_t quantity, const CallOptions& call, CallTrace* trace,
                           Done<StackResult> done) {
  if (quantity <= 0) {
    return done(ValidateQuantity("quantity", quantity));
  }
  ChangeStack(user_id, item_type, quantity, call, trace, std::move(done));
}

void MarketOps::RevokeStack(const std::string& user_id, const std::string& item_type,
                            int64_t quantity, const CallOptions& call, CallTrace* trace,
                            Done<StackResult> done) {
  if (quantity <= 0) {
    return done(ValidateQuantity("quantity", quantity));
  }
  ChangeStack(user_id, item_type, -quantity, call, trace, std::move(done));
}

}  // namespace bazaar::market
