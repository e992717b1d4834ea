// MarketOps: users and grants.
#include <algorithm>
#include <map>

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
      runner_(store, &keys_, &options_.retry, env, options_.idempotency_ttl),
      scripts_(store, &keys_, &options_.retry, env, options_.idempotency_ttl,
               options_.events_max_len) {}

void MarketOps::CreateUser(const std::string& user_id, const std::string& name, int64_t funds,
                           const CallOptions& call, CallTrace* trace, Done<UserResult> done) {
  if (absl::Status s = FirstError({ValidateUserId("user_id", user_id), ValidateName(name),
                                   ValidateAmount("funds", funds),
                                   ValidateRequestId(call.request_id)});
      !s.ok()) {
    return done(s);
  }
  const std::string user_key = keys_.User(user_id);
  TxnSpec spec;
  spec.fingerprint = EncodeFields({"CreateUser", user_id, name, std::to_string(funds)});
  spec.watch = {user_key};
  spec.reads = {{"EXISTS", user_key}};
  spec.decide = [this, user_id, name, funds, user_key,
                 request_id = call.request_id](const std::vector<RespReply>& r)
      -> absl::StatusOr<TxnPlan> {
    TxnPlan plan;
    if (IsOne(r[0])) {
      plan.failure = MakeError(absl::StatusCode::kAlreadyExists, reason::kUserExists,
                               "user " + user_id + " already exists");
      return plan;
    }
    std::string f = std::to_string(funds);
    plan.writes = {{"HSET", user_key, "name", name, "funds", f, "initial_funds", f,
                    "items_granted", "0"}};
    AddEvent(&plan, {"user_created",
                     request_id,
                     {{"user", user_id},
                      {"name", name},
                      {"funds", f},
                      {"currency", options_.economy.default_currency()}},
                     {user_id}});
    return plan;
  };
  runner_.Run(std::move(spec), call, trace,
              [user_id, name, funds, done = std::move(done)](absl::StatusOr<TxnOutcome> out) {
                if (!out.ok()) return done(out.status());
                UserResult result;
                result.user.id = user_id;
                result.user.name = name;
                result.user.funds = funds;
                result.info = out->info;
                done(std::move(result));
              });
}

namespace {

// GetUser's snapshot: HGETALL users:<id>, SMEMBERS inventory:<id>, HGETALL stacks:<id>,
// EXISTS frozen:<id>.
absl::StatusOr<User> UserFromReplies(const std::string& user_id, const EconomyOptions& economy,
                                     const absl::StatusOr<Replies>& r) {
  if (!r.ok()) return r.status();
  const RespReply& hash = (*r)[0];
  if (!hash.is_array()) return Corrupt("HGETALL reply");
  std::map<std::string, const RespReply*> fields;
  for (size_t i = 0; i + 1 < hash.elements.size(); i += 2) {
    fields[hash.elements[i].str] = &hash.elements[i + 1];
  }
  if (!fields.count("funds")) {
    return MakeError(absl::StatusCode::kNotFound, reason::kUserNotFound, "no user " + user_id);
  }
  User user;
  user.id = user_id;
  if (fields.count("name")) user.name = fields["name"]->str;
  for (const std::string& currency : economy.currencies) {
    int64_t balance = 0;
    auto it = fields.find(economy.WalletField(currency));
    if (it != fields.end()) {
      if (absl::Status s = internal::ParseAmountReply(*it->second, currency, &balance); !s.ok()) {
        return s;
      }
    }
    user.wallet[currency] = balance;
  }
  user.funds = user.wallet[economy.default_currency()];
  user.frozen = IsOne((*r)[3]);
  for (const auto& e : (*r)[1].elements) user.inventory.push_back(e.str);
  std::sort(user.inventory.begin(), user.inventory.end());
  const auto& stacks = (*r)[2].elements;
  for (size_t i = 0; i + 1 < stacks.size(); i += 2) {
    int64_t q;
    if (absl::Status s = internal::ParseAmountReply(stacks[i + 1], "stack", &q); !s.ok()) {
      return s;
    }
    user.stacks[stacks[i].str] = q;
  }
  return user;
}

}  // namespace

void MarketOps::GetUser(const std::string& user_id, const CallOptions& call, CallTrace* trace,
                        Done<User> done) {
  if (absl::Status s = ValidateUserId("user_id", user_id); !s.ok()) return done(s);
  runner_.Snapshot({{"HGETALL", keys_.User(user_id)},
                    {"SMEMBERS", keys_.Inventory(user_id)},
                    {"HGETALL", keys_.Stacks(user_id)},
                    {"EXISTS", keys_.Frozen(user_id)}},
                   call, trace, [this, user_id, done = std::move(done)](absl::StatusOr<Replies> r) {
                     done(UserFromReplies(user_id, options_.economy, r));
                   });
}

void MarketOps::GrantItem(const std::string& user_id, const std::string& item_id,
                          const CallOptions& call, CallTrace* trace, Done<CallInfo> done) {
  if (absl::Status s = FirstError({ValidateUserId("user_id", user_id),
                                   ValidateItemId("item_id", item_id),
                                   ValidateRequestId(call.request_id)});
      !s.ok()) {
    return done(s);
  }
  const std::string user_key = keys_.User(user_id);
  const std::string inv_key = keys_.Inventory(user_id);
  TxnSpec spec;
  spec.fingerprint = EncodeFields({"GrantItem", user_id, item_id});
  // The user hash is read but not watched: users are never deleted, and the write to it
  // (HINCRBY items_granted) commutes, so sales changing the user's funds need not abort a grant.
  // The listings are read unwatched: an item moves between the inventory and a listing only by
  // writes to the inventory, and a sale of the listing only makes a refusal here stale.
  spec.watch = {inv_key};
  spec.reads = {{"EXISTS", user_key},
                {"SISMEMBER", inv_key, item_id},
                {"EXISTS", keys_.Listing(item_id, user_id)},
                {"HEXISTS", keys_.InstanceLots(user_id), item_id}};
  spec.decide = [this, user_id, item_id, user_key, inv_key,
                 request_id = call.request_id](const std::vector<RespReply>& r)
      -> absl::StatusOr<TxnPlan> {
    TxnPlan plan;
    if (!IsOne(r[0])) {
      plan.failure = MakeError(absl::StatusCode::kNotFound, reason::kUserNotFound,
                               "no user " + user_id);
    } else if (IsOne(r[1]) || IsOne(r[2]) || IsOne(r[3])) {
      plan.failure = MakeError(absl::StatusCode::kAlreadyExists, reason::kItemAlreadyOwned,
                               absl::StrCat("user ", user_id, " already holds item ", item_id,
                                            IsOne(r[2]) || IsOne(r[3]) ? " (listed)" : ""));
    } else {
      plan.writes = {{"SADD", inv_key, item_id}, {"HINCRBY", user_key, "items_granted", "1"}};
      AddEvent(&plan, {"item_granted", request_id, {{"user", user_id}, {"item", item_id}}, {user_id}});
    }
    return plan;
  };
  runner_.Run(std::move(spec), call, trace,
              [done = std::move(done)](absl::StatusOr<TxnOutcome> out) {
                if (!out.ok()) return done(out.status());
                done(out->info);
              });
}

void MarketOps::FreezeUser(const std::string& user_id, bool frozen, const std::string& reason,
                           const CallOptions& call, CallTrace* trace, Done<CallInfo> done) {
  if (absl::Status s =
          FirstError({ValidateUserId("user_id", user_id), ValidateText("reason", reason),
                      ValidateRequestId(call.request_id)});
      !s.ok()) {
    return done(s);
  }
  const std::string user_key = keys_.User(user_id);
  const std::string frozen_key = keys_.Frozen(user_id);
  TxnSpec spec;
  spec.fingerprint = EncodeFields({"FreezeUser", user_id, frozen ? "1" : "0", reason});
  spec.watch = {frozen_key};
  spec.reads = {{"EXISTS", user_key}};
  spec.decide = [this, user_id, frozen, reason, frozen_key, request_id = call.request_id](
                    const std::vector<RespReply>& r) -> absl::StatusOr<TxnPlan> {
    TxnPlan plan;
    if (!IsOne(r[0])) {
      plan.failure =
          MakeError(absl::StatusCode::kNotFound, reason::kUserNotFound, "no user " + user_id);
      return plan;
    }
    // SET, not SETNX: freezing a frozen user again updates the reason and logs it again.
    plan.writes = {frozen ? Argv{"SET", frozen_key, reason} : Argv{"DEL", frozen_key}};
    AddEvent(&plan, {frozen ? "user_frozen" : "user_thawed",
                     request_id,
                     {{"user", user_id}, {"reason", reason}},
                     {user_id}});
    return plan;
  };
  runner_.Run(std::move(spec), call, trace,
              [done = std::move(done)](absl::StatusOr<TxnOutcome> out) {
                if (!out.ok()) return done(out.status());
                done(out->info);
              });
}

}  // namespace bazaar::market
