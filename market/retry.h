// Retry policy for optimistic transactions.
//
// Design note. A WATCH/MULTI/EXEC attempt ends in one of three ways: done (success or a definite
// failure such as INSUFFICIENT_FUNDS), a watch conflict (EXEC returned nil: someone changed a
// watched key, so the reads are stale and the attempt is repeated from WATCH), or a store I/O
// error before EXEC (nothing was applied; repeated on a fresh connection). Repeats are bounded by
// attempts and by time: the loop stops at the first of max_attempts, start + max_time and the
// client's deadline. Between attempts it sleeps a "full jitter" exponential backoff, uniform in
// [0, min(backoff_max, backoff_base * 2^(n-1))], so that colliding writers spread out instead of
// colliding again in lock step. Running out gives ABORTED/CONTENTION (conflicts),
// UNAVAILABLE/STORE_UNAVAILABLE (store errors) or, when the client's deadline was the limit,
// DEADLINE_EXCEEDED.
#ifndef BAZAAR_MARKET_RETRY_H_
#define BAZAAR_MARKET_RETRY_H_

#include <functional>
#include <optional>
#include <random>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "market/types.h"

namespace bazaar::market {

struct RetryPolicy {
  int max_attempts = 100;
  absl::Duration max_time = absl::Seconds(5);
  absl::Duration backoff_base = absl::Microseconds(500);
  absl::Duration backoff_max = absl::Milliseconds(50);
};

// Time and randomness for the retry loop; a fake in tests. Thread-safe.
class RetryEnv {
 public:
  virtual ~RetryEnv() = default;
  virtual absl::Time Now() = 0;
  virtual void SleepFor(absl::Duration d) = 0;
  // Uniform in [0, 1).
  virtual double Uniform01() = 0;
};

class RealRetryEnv : public RetryEnv {
 public:
  absl::Time Now() override { return absl::Now(); }
  void SleepFor(absl::Duration d) override { absl::SleepFor(d); }
  double Uniform01() override;

 private:
  absl::Mutex mu_;
  std::mt19937_64 rng_{std::random_device{}()};
};

// The backoff before attempt `next_attempt` (>= 2), for a uniform draw u in [0, 1).
absl::Duration BackoffFor(const RetryPolicy& policy, int next_attempt, double u);

enum class AttemptKind { kDone, kConflict, kStoreError };

template <typename T>
struct AttemptResult {
  AttemptKind kind = AttemptKind::kDone;
  absl::StatusOr<T> value = absl::UnknownError("unset");
  absl::Status store_error;  // for kStoreError

  static AttemptResult Done(absl::StatusOr<T> v) {
    AttemptResult r;
    r.value = std::move(v);
    return r;
  }
  static AttemptResult Conflict() {
    AttemptResult r;
    r.kind = AttemptKind::kConflict;
    return r;
  }
  static AttemptResult StoreError(absl::Status s) {
    AttemptResult r;
    r.kind = AttemptKind::kStoreError;
    r.store_error = std::move(s);
    return r;
  }
};

// Decides, after a failed attempt, whether and how long to wait before the next one.
class RetryLoop {
 public:
  RetryLoop(const RetryPolicy& policy, RetryEnv* env, absl::Time client_deadline);
  // The deadline an attempt should respect (the earlier of the budget and the client's).
  absl::Time deadline() const { return effective_deadline_; }
  // Before attempt 1: DEADLINE_EXCEEDED if the client's deadline already passed.
  absl::Status CheckStart() const;
  // After failed attempt `attempt` with `kind`, which took `attempt_took`: sleeps and returns OK
  // to go on, or returns the final error. `last_error` is the store error text, if any. The
  // next attempt (assumed to take as long as this one) must end before the deadline: the sleep
  // is cut short to leave it room, and without room the loop ends, so the caller gets our
  // DEADLINE_EXCEEDED, with its reason, before its own.
  absl::Status Next(int attempt, AttemptKind kind, const absl::Status& last_error,
                    absl::Duration attempt_took = absl::ZeroDuration());

 private:
  const RetryPolicy& policy_;
  RetryEnv* env_;
  absl::Time client_deadline_;
  absl::Time budget_deadline_;
  absl::Time effective_deadline_;
};

// Runs `attempt(n)` for n = 1, 2, ... under `policy`, filling `trace`.
template <typename T>
absl::StatusOr<T> RunWithRetries(const RetryPolicy& policy, RetryEnv* env,
                                  absl::Time client_deadline, CallTrace* trace,
                                  const std::function<AttemptResult<T>(int, absl::Time)>& attempt) {
  RetryLoop loop(policy, env, client_deadline);
  if (absl::Status s = loop.CheckStart(); !s.ok()) return s;
  for (int n = 1;; ++n) {
    trace->attempts = n;
    const absl::Time started = env->Now();
    AttemptResult<T> r = attempt(n, loop.deadline());
    if (r.kind == AttemptKind::kDone) return std::move(r.value);
    if (r.kind == AttemptKind::kConflict) ++trace->watch_conflicts;
    if (r.kind == AttemptKind::kStoreError) ++trace->store_errors;
    if (absl::Status s = loop.Next(n, r.kind, r.store_error, env->Now() - started); !s.ok()) {
      return s;
    }
  }
}

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_RETRY_H_
