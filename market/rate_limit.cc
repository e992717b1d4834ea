#include "market/rate_limit.h"

#include <cmath>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "market/errors.h"

namespace bazaar::market {
namespace {

// KEYS: the buckets. ARGV: for each bucket, what one call costs and what the bucket holds, in
// microseconds (a call costs 1/rate s; a full bucket holds `burst` calls). The key holds the
// time at which the bucket is full again; a call may go when that time, pushed on by its cost,
// is at most a bucket's worth ahead of now. Returns {0} when every bucket gave a token, else
// {i, wait}: bucket i is the one empty longest, for `wait` more microseconds (nothing was
// taken from any).
constexpr char kTakeTokenScript[] = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local full_at, empty, longest = {}, 0, 0
for i, key in ipairs(KEYS) do
  local cost, capacity = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  local at = math.max(tonumber(redis.call('GET', key)) or now, now) + cost
  local wait = at - now - capacity
  if wait > longest then empty, longest = i, wait end
  full_at[i] = at
end
if empty > 0 then return {empty, math.ceil(longest)} end
for i, key in ipairs(KEYS) do
  redis.call('SET', key, string.format('%.0f', full_at[i]), 'PX',
             math.ceil((full_at[i] - now) / 1000) + 1)
end
return {0}
)lua";

struct Bucket {
  const char* limit;  // "player" or "key"
  std::string id;
  double rate;
  int burst;
};

absl::Status Refusal(const Bucket& b, int64_t wait_us) {
  const int64_t retry_after_ms = (wait_us + 999) / 1000;
  return MakeError(absl::StatusCode::kResourceExhausted, reason::kRateLimited,
                   absl::StrCat(b.limit, " ", b.id, " is over ", b.rate, " calls/s (burst ",
                                b.burst, "); retry in ", retry_after_ms, " ms"),
                   {{"limit", b.limit},
                    {"retry_after_ms", absl::StrCat(retry_after_ms)},
                    {"rate", absl::StrCat(b.rate)},
                    {"burst", absl::StrCat(b.burst)}});
}

}  // namespace

void RateLimiter::Admit(const std::string& player, const std::string& key_name, absl::Time deadline,
                        std::function<void(absl::Status)> done) const {
  std::vector<Bucket> buckets;
  if (limits_.player_rate > 0 && !player.empty()) {
    buckets.push_back({"player", player, limits_.player_rate, limits_.player_burst});
  }
  if (limits_.key_rate > 0 && !key_name.empty()) {
    buckets.push_back({"key", key_name, limits_.key_rate, limits_.key_burst});
  }
  if (buckets.empty()) return done(absl::OkStatus());
  Argv eval = {"EVAL", kTakeTokenScript, absl::StrCat(buckets.size())};
  for (const Bucket& b : buckets) eval.push_back(keys_->RateBucket(b.limit, b.id));
  for (const Bucket& b : buckets) {
    // Whole microseconds (the rate is at most 10^6/s, so a call costs at least 1).
    const int64_t cost_us = std::llround(1e6 / b.rate);
    eval.push_back(absl::StrCat(cost_us));
    eval.push_back(absl::StrCat(cost_us * b.burst));
  }
  store_->Open(deadline, [buckets = std::move(buckets), eval = std::move(eval),
                          done = std::move(done)](
                             absl::StatusOr<std::unique_ptr<StoreSession>> opened) mutable {
    if (!opened.ok()) return done(opened.status());
    std::shared_ptr<StoreSession> session = std::move(*opened);
    session->Pipeline({std::move(eval)}, [session, buckets = std::move(buckets),
                                          done = std::move(done)](
                                             absl::StatusOr<Replies> replies) mutable {
      // The connection goes back before the call this admits asks for one.
      session.reset();
      if (!replies.ok()) return done(replies.status());
      const RespReply& r = replies->front();
      if (r.is_error()) {
        // READONLY (a failover in progress), OOM, LOADING, BUSY...: the store cannot take the
        // token now; an outage to the caller, who may retry.
        return done(MakeError(absl::StatusCode::kUnavailable, reason::kStoreUnavailable,
                              "rate limit: the store answered " + r.str));
      }
      auto integer = [&r](size_t i) {
        return i < r.elements.size() && r.elements[i].type == RespReply::Type::kInteger
                   ? r.elements[i].integer
                   : -1;
      };
      const int64_t empty = integer(0);  // which bucket had no token (0: none)
      if (empty == 0) return done(absl::OkStatus());
      if (empty < 1 || empty > static_cast<int64_t>(buckets.size()) || integer(1) < 0) {
        return done(MakeError(absl::StatusCode::kInternal, reason::kStoreError,
                              "rate limit script: " + r.DebugString()));
      }
      done(Refusal(buckets[empty - 1], integer(1)));
    });
  });
}

}  // namespace bazaar::market
