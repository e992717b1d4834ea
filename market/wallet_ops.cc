// MarketOps: wallets in several currencies, with Credit and Debit writing a ledger event each.
#include "absl/strings/str_cat.h"
#include "market/market_ops.h"
#include "market/ops_util.h"
#include "market/validation.h"

namespace bazaar::market {

using internal::FirstError;
using internal::ParseAmountReply;

namespace {

// The running totals (credited:<cur>, debited:<cur>) are int64 counters that only grow; the
// decide step refuses a change that would take one past this, so its HINCRBY cannot fail.
constexpr int64_t kMaxTotal = INT64_MAX;

}  // namespace

absl::Status MarketOps::ResolveCurrency(const std::string& requested, std::string* out) const {
  const EconomyOptions& e = options_.economy;
  *out = requested.empty() ? e.default_currency() : requested;
  if (!e.HasCurrency(*out)) {
    return MakeError(absl::StatusCode::kInvalidArgument, reason::kInvalidArgument,
                     "unknown currency '" + *out + "'");
  }
  return absl::OkStatus();
}

void MarketOps::ChangeWallet(bool credit, const std::string& user_id,
                             const std::string& requested_currency, int64_t amount,
                             const std::string& memo, const CallOptions& call, CallTrace* trace,
                             Done<WalletResult> done) {
  std::string currency;
  if (absl::Status s = FirstError({ValidateUserId("user_id", user_id),
                                   ResolveCurrency(requested_currency, &currency),
                                   ValidateQuantity("amount", amount), ValidateText("memo", memo),
                                   ValidateRequestId(call.request_id)});
      !s.ok()) {
    return done(s);
  }
  const std::string user_key = keys_.User(user_id);
  const std::string field = options_.economy.WalletField(currency);
  const std::string total_field = (credit ? "credited:" : "debited:") + currency;
  const char* method = credit ? "Credit" : "Debit";
  TxnSpec spec;
  spec.fingerprint = EncodeFields({method, user_id, currency, std::to_string(amount), memo});
  spec.watch = {user_key};
  spec.reads = {{"HMGET", user_key, "funds", field, total_field}};
  spec.decide = [this, credit, user_id, currency, amount, memo, user_key, field, total_field,
                 request_id =
                     call.request_id](const std::vector<RespReply>& r) -> absl::StatusOr<TxnPlan> {
    TxnPlan plan;
    const auto& v = r[0].elements;
    if (v.size() != 3) return internal::Corrupt("HMGET reply");
    if (v[0].is_nil()) {
      plan.failure =
          MakeError(absl::StatusCode::kNotFound, reason::kUserNotFound, "no user " + user_id);
      return plan;
    }
    int64_t balance, total;
    if (absl::Status s =
            FirstError({internal::ParseAmountOrZero(v[1], currency + " balance", &balance),
                        internal::ParseAmountOrZero(v[2], total_field, &total)});
        !s.ok()) {
      return s;
    }
    if (!credit && balance < amount) {
      plan.failure = MakeError(
          absl::StatusCode::kFailedPrecondition, reason::kInsufficientFunds,
          absl::StrCat("user ", user_id, " has ", balance, " ", currency, ", debit is ", amount),
          {{"balance", std::to_string(balance)},
           {"needed", std::to_string(amount)},
           {"currency", currency}});
      return plan;
    }
    if ((credit && balance > kMaxAmount - amount) || total > kMaxTotal - amount) {
      plan.failure = MakeError(
          absl::StatusCode::kFailedPrecondition, reason::kFundsLimit,
          absl::StrCat("user ", user_id, " has ", balance, " ", currency,
                       "; the credit would take them past the maximum of ", kMaxAmount,
                       total > kMaxTotal - amount ? " (or their running total past int64)" : ""),
          {{"balance", std::to_string(balance)},
           {"maximum", std::to_string(kMaxAmount)},
           {"currency", currency}});
      return plan;
    }
    const int64_t after = credit ? balance + amount : balance - amount;
    plan.writes = {{"HINCRBY", user_key, field, std::to_string(credit ? amount : -amount)},
                   {"HINCRBY", user_key, total_field, std::to_string(amount)}};
    AddEvent(&plan, {credit ? "credited" : "debited",
                     request_id,
                     {{"user", user_id},
                      {"currency", currency},
                      {"amount", std::to_string(amount)},
                      {"balance", std::to_string(after)},
                      {"memo", memo}},
                     {user_id}});
    plan.values = {std::to_string(after)};
    return plan;
  };
  runner_.Run(std::move(spec), call, trace,
              internal::NumberOutcome(std::move(done), &WalletResult::balance));
}

void MarketOps::Credit(const std::string& user_id, const std::string& currency, int64_t amount,
                       const std::string& memo, const CallOptions& call, CallTrace* trace,
                       Done<WalletResult> done) {
  ChangeWallet(/*credit=*/true, user_id, currency, amount, memo, call, trace, std::move(done));
}

void MarketOps::Debit(const std::string& user_id, const std::string& currency, int64_t amount,
                      const std::string& memo, const CallOptions& call, CallTrace* trace,
                      Done<WalletResult> done) {
  ChangeWallet(/*credit=*/false, user_id, currency, amount, memo, call, trace, std::move(done));
}

}  // namespace bazaar::market
