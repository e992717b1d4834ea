// MarketOps: users and grants.
#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "market/market_ops.h"
#include "market/ops_util.h"
#include "market/validation.h"

namespace bazaar::market {

using internal::Corrupt;
using internal::FirstError;
using internal::IsOne;

MarketOps::MarketOps(Store* store, RetryEnv* env, MarketOptions options)
    : options_(std::move(options)),
      keys_(options_.key_prefix),
      runner_(store, &keys_, &options_.retry, env, options_.idempotency_ttl) {}

absl::StatusOr<UserResult> MarketOps::CreateUser(const std::string& user_id,
                                                 const std::string& name, int64_t funds,
                                                 const CallOptions& call, CallTrace* trace) {
  if (absl::Status s = FirstError({ValidateUserId("user_id", user_id), ValidateName(name),
                                   ValidateAmount("funds", funds),
                                   ValidateRequestId(call.request_id)});
      !s.ok()) {
    return s;
  }
  const std::string user_key = keys_.User(user_id);
  TxnSpec spec;
  spec.fingerprint = EncodeFields({"CreateUser", user_id, name, std::to_string(funds)});
  spec.watch = {user_key};
  spec.reads = {{"EXISTS", user_key}};
  spec.decide = [&](const std::vector<RespReply>& r) -> absl::StatusOr<TxnPlan> {
    TxnPlan plan;
    if (IsOne(r[0])) {
      plan.failure = MakeError(absl::StatusCode::kAlreadyExists, reason::kUserExists,
                               "user " + user_id + " already exists");
      return plan;
    }
    std::string f = std::to_string(funds);
    plan.writes = {{"HSET", user_key, "name", name, "funds", f, "initial_funds", f,
                    "items_granted", "0"}};
    return plan;
  };
  auto out = runner_.Run(spec, call, trace);
  if (!out.ok()) return out.status();
  UserResult result;
  result.user.id = user_id;
  result.user.name = name;
  result.user.funds = funds;
  result.info = out->info;
  return result;
}

absl::StatusOr<User> MarketOps::GetUser(const std::string& user_id, const CallOptions& call,
                                        CallTrace* trace) {
  if (absl::Status s = ValidateUserId("user_id", user_id); !s.ok()) return s;
  auto r = runner_.Snapshot(
      {{"HMGET", keys_.User(user_id), "name", "funds"}, {"SMEMBERS", keys_.Inventory(user_id)}},
      call, trace);
  if (!r.ok()) return r.status();
  const RespReply& fields = (*r)[0];
  if (!fields.is_array() || fields.elements.size() != 2) return Corrupt("HMGET reply");
  if (fields.elements[1].is_nil()) {
    return MakeError(absl::StatusCode::kNotFound, reason::kUserNotFound,
                     "no user " + user_id);
  }
  User user;
  user.id = user_id;
  if (fields.elements[0].is_string()) user.name = fields.elements[0].str;
  if (absl::Status s = internal::ParseAmountReply(fields.elements[1], "funds", &user.funds);
      !s.ok()) {
    return s;
  }
  for (const auto& e : (*r)[1].elements) user.inventory.push_back(e.str);
  std::sort(user.inventory.begin(), user.inventory.end());
  return user;
}

absl::StatusOr<CallInfo> MarketOps::GrantItem(const std::string& user_id,
                                              const std::string& item_id,
                                              const CallOptions& call, CallTrace* trace) {
  if (absl::Status s = FirstError({ValidateUserId("user_id", user_id),
                                   ValidateItemId("item_id", item_id),
                                   ValidateRequestId(call.request_id)});
      !s.ok()) {
    return s;
  }
  const std::string user_key = keys_.User(user_id);
  const std::string inv_key = keys_.Inventory(user_id);
  TxnSpec spec;
  spec.fingerprint = EncodeFields({"GrantItem", user_id, item_id});
  // The user hash is read but not watched: users are never deleted, and the write to it
  // (HINCRBY items_granted) commutes, so sales changing the user's funds need not abort a grant.
  spec.watch = {inv_key};
  spec.reads = {{"EXISTS", user_key},
                {"SISMEMBER", inv_key, item_id},
                {"EXISTS", keys_.Listing(item_id, user_id)}};
  spec.decide = [&](const std::vector<RespReply>& r) -> absl::StatusOr<TxnPlan> {
    TxnPlan plan;
    if (!IsOne(r[0])) {
      plan.failure = MakeError(absl::StatusCode::kNotFound, reason::kUserNotFound,
                               "no user " + user_id);
    } else if (IsOne(r[1]) || IsOne(r[2])) {
      plan.failure = MakeError(absl::StatusCode::kAlreadyExists, reason::kItemAlreadyOwned,
                               absl::StrCat("user ", user_id, " already holds item ", item_id,
                                            IsOne(r[2]) ? " (listed)" : ""));
    } else {
      plan.writes = {{"SADD", inv_key, item_id}, {"HINCRBY", user_key, "items_granted", "1"}};
    }
    return plan;
  };
  auto out = runner_.Run(spec, call, trace);
  if (!out.ok()) return out.status();
  return out->info;
}

}  // namespace bazaar::market
