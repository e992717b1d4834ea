// Per-player and per-API-key rate limits: token buckets kept in the store, so every market
// process in front of one store draws from the same buckets.
//
// A bucket holds `burst` calls and refills at `rate` calls per second. It is kept as one key
// (KeySchema::RateBucket) holding its "theoretical arrival time" in microseconds of the store's
// clock (TIME), so no market's clock matters; one EVAL checks a call's buckets and takes a token
// from each only when every one has one. The key expires once its bucket is full again.
//
// Which buckets a call draws from (service.cc): the player's (the acting seller or buyer of a
// list, cancel, purchase or buy-by-quantity) and the key's (every call made with an API key).
// A refused call is RESOURCE_EXHAUSTED / RATE_LIMITED with ErrorInfo fields limit (player or
// key: the bucket empty longest), retry_after_ms, rate and burst, and does nothing else. A store
// that cannot take the token (unreachable, READONLY, OOM...) refuses the call as UNAVAILABLE /
// STORE_UNAVAILABLE, which clients retry: the limiter does not retry by itself.
//
// Thread-safe (const after construction); `done` runs on the store's thread.
#ifndef BAZAAR_MARKET_RATE_LIMIT_H_
#define BAZAAR_MARKET_RATE_LIMIT_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "market/key_schema.h"
#include "market/store.h"

namespace bazaar::market {

struct RateLimits {
  double player_rate = 0;  // calls per second per player; 0: no limit
  int player_burst = 20;
  double key_rate = 0;  // calls per second per API key; 0: no limit
  int key_burst = 200;
};

class RateLimiter {
 public:
  // Pointers must outlive the limiter.
  RateLimiter(Store* store, const KeySchema* keys, RateLimits limits)
      : store_(store), keys_(keys), limits_(limits) {}

  // True when some call may have a bucket to draw from.
  bool enabled() const { return limits_.player_rate > 0 || limits_.key_rate > 0; }

  // Takes a token from the buckets of `player` and `key_name` (an empty name, or a limit of 0,
  // means no bucket). `done` gets OK (also at once when there is no bucket), RATE_LIMITED, or
  // the store's failure (UNAVAILABLE, DEADLINE_EXCEEDED after `deadline`).
  void Admit(const std::string& player, const std::string& key_name, absl::Time deadline,
             std::function<void(absl::Status)> done) const;

 private:
  Store* store_;
  const KeySchema* keys_;
  const RateLimits limits_;
};

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_RATE_LIMIT_H_
