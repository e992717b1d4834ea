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
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "market/types.h"

namespace bazaar::market {

struct RetryPolicy {
  int max_attempts = 100;
  absl::Duration max_time = absl::Seconds(5);
  absl::Duration backoff_base = absl::Microseconds(500);
  absl::Duration backoff_max = absl::Milliseconds(50);
};

// Time, timers and randomness for the retry loop; a fake in tests.
class RetryEnv {
 public:
  virtual ~RetryEnv() = default;
  virtual absl::Time Now() = 0;
  // Runs `fn` once `d` has passed, on the thread the store runs its callbacks on (the real
  // env: the store's loop; the fake: at once, after advancing its clock).
  virtual void After(absl::Duration d, std::function<void()> fn) = 0;
  // Like After, for a watchdog: `fn` runs at `when` on the same thread, unless time never gets
  // there (the fake runs it once its clock passes `when`).
  virtual void At(absl::Time when, std::function<void()> fn) { After(when - Now(), std::move(fn)); }
  // Uniform in [0, 1).
  virtual double Uniform01() = 0;
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
  // After failed attempt `attempt` with `kind`, which took `attempt_took`: how long to wait
  // before the next attempt, or the final error. `last_error` is the store error text, if any.
  // The next attempt (assumed to take as long as this one) must end before the deadline: the
  // wait is cut short to leave it room, and without room the loop ends, so the caller gets our
  // DEADLINE_EXCEEDED, with its reason, before its own.
  absl::StatusOr<absl::Duration> Next(int attempt, AttemptKind kind, const absl::Status& last_error,
                                      absl::Duration attempt_took = absl::ZeroDuration());
  // An attempt that failed with DEADLINE_EXCEEDED (say, no store connection came free in time)
  // while respecting deadline(): when our own time budget, not the client's deadline, was that
  // limit, the call ran out of budget, and ends as Next would have ended it (ABORTED after
  // conflicts, UNAVAILABLE otherwise); otherwise the error stands.
  absl::Status BudgetOrDeadline(int attempt, AttemptKind last_kind,
                                const absl::Status& error) const;
  // Whether the client's deadline, not our time budget, is the one attempts respect.
  bool ClientDeadlineIsTheLimit() const;
  // The call's answer when the client's deadline comes with attempt `attempt` still waiting for
  // the store (a slow store, a starved machine): the caller gets it in time, with its reason.
  absl::Status DeadlineWhileWaiting(int attempt) const;

 private:
  const RetryPolicy& policy_;
  RetryEnv* env_;
  absl::Time client_deadline_;
  absl::Time budget_deadline_;
  absl::Time effective_deadline_;

  // The final error when the time budget ran out after `attempt` attempts, the last of `kind`.
  absl::Status BudgetSpent(int attempt, AttemptKind kind, const absl::Status& last_error) const;
};

// One attempt: n (1-based) and the deadline it must respect; it reports through `done`.
template <typename T>
using AttemptFn =
    std::function<void(int n, absl::Time deadline, std::function<void(AttemptResult<T>)> done)>;

// Runs `attempt` for n = 1, 2, ... under `policy`, waiting between attempts with env->After,
// filling `trace` and ending with `done` exactly once. When the client's deadline is the limit,
// a watchdog ends the call at that deadline even while an attempt is still out; that attempt's
// late result is dropped. `policy` and `env` must outlive the run, `trace` until `done`.
template <typename T>
void RunWithRetries(const RetryPolicy& policy, RetryEnv* env, absl::Time client_deadline,
                    CallTrace* trace, AttemptFn<T> attempt,
                    std::function<void(absl::StatusOr<T>)> done) {
  struct Run {
    RetryLoop loop;
    RetryEnv* env;
    CallTrace* trace;
    AttemptFn<T> attempt;
    std::function<void(absl::StatusOr<T>)> done;
    int n = 0;
    absl::Time started;
    // The kind of the last failed attempt; before any, a timeout is the store's (no connection
    // came free in time).
    AttemptKind last_failure = AttemptKind::kStoreError;
    bool finished = false;  // done has run (the watchdog and attempts run on one thread)

    void Finish(absl::StatusOr<T> result) {
      if (finished) return;
      finished = true;
      done(std::move(result));
    }

    static void Start(std::shared_ptr<Run> run) {
      if (run->finished) return;
      run->trace->attempts = ++run->n;
      run->started = run->env->Now();
      Run* raw = run.get();
      raw->attempt(raw->n, raw->loop.deadline(), [run = std::move(run)](AttemptResult<T> r) {
        if (run->finished) return;  // the watchdog answered; the trace may be gone
        if (r.kind == AttemptKind::kDone) {
          if (!r.value.ok() && r.value.status().code() == absl::StatusCode::kDeadlineExceeded) {
            return run->Finish(
                run->loop.BudgetOrDeadline(run->n, run->last_failure, r.value.status()));
          }
          return run->Finish(std::move(r.value));
        }
        run->last_failure = r.kind;
        if (r.kind == AttemptKind::kConflict) ++run->trace->watch_conflicts;
        if (r.kind == AttemptKind::kStoreError) ++run->trace->store_errors;
        auto wait = run->loop.Next(run->n, r.kind, r.store_error, run->env->Now() - run->started);
        if (!wait.ok()) return run->Finish(wait.status());
        RetryEnv* env = run->env;
        env->After(*wait, [run] { Start(run); });
      });
    }
  };
  // Not make_shared: a pending watchdog's weak_ptr then keeps only the control block alive.
  std::shared_ptr<Run> run(new Run{RetryLoop(policy, env, client_deadline), env, trace,
                                   std::move(attempt), std::move(done)});
  if (absl::Status s = run->loop.CheckStart(); !s.ok()) return run->done(s);
  const bool watch = run->loop.ClientDeadlineIsTheLimit();
  const absl::Time deadline = run->loop.deadline();
  std::weak_ptr<Run> weak = run;
  Run::Start(std::move(run));
  // Armed once the first attempt is out, so that it never fires beside this thread's Start.
  if (watch) {
    env->At(deadline, [weak = std::move(weak)] {
      if (auto r = weak.lock()) r->Finish(r->loop.DeadlineWhileWaiting(r->n));
    });
  }
}

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_RETRY_H_
