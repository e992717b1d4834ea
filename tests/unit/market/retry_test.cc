#include "market/retry.h"

#include <gtest/gtest.h>

#include "fake_store.h"
#include "market/errors.h"

namespace bazaar::market {
namespace {

using testing::FakeRetryEnv;

RetryPolicy Policy() {
  RetryPolicy p;
  p.max_attempts = 10;
  p.max_time = absl::Seconds(1);
  p.backoff_base = absl::Milliseconds(1);
  p.backoff_max = absl::Milliseconds(16);
  return p;
}

// Runs the retry loop over attempts that answer at once (as the fake store does).
absl::StatusOr<int> RunNow(const RetryPolicy& p, FakeRetryEnv* env, absl::Time deadline,
                           CallTrace* trace,
                           const std::function<AttemptResult<int>(int)>& attempt) {
  absl::StatusOr<int> result = absl::UnknownError("never finished");
  RunWithRetries<int>(
      p, env, deadline, trace,
      [&](int n, absl::Time, std::function<void(AttemptResult<int>)> done) { done(attempt(n)); },
      [&](absl::StatusOr<int> r) { result = std::move(r); });
  return result;
}

absl::StatusOr<int> RunAlways(const RetryPolicy& p, FakeRetryEnv* env, absl::Time deadline,
                              AttemptKind kind, CallTrace* trace, int succeed_at = 0) {
  return RunNow(p, env, deadline, trace, [&](int n) {
    if (n == succeed_at) return AttemptResult<int>::Done(n);
    if (kind == AttemptKind::kConflict) return AttemptResult<int>::Conflict();
    return AttemptResult<int>::StoreError(absl::UnavailableError("reset"));
  });
}

TEST(RetryPolicyTest, BackoffGrowsExponentiallyUpToTheCap) {
  RetryPolicy p = Policy();
  EXPECT_EQ(BackoffFor(p, 2, 0.999999), absl::Milliseconds(1) * 0.999999);
  EXPECT_EQ(BackoffFor(p, 3, 0.5), absl::Milliseconds(1));
  EXPECT_EQ(BackoffFor(p, 4, 0.5), absl::Milliseconds(2));
  EXPECT_EQ(BackoffFor(p, 6, 0.5), absl::Milliseconds(8));
  EXPECT_EQ(BackoffFor(p, 7, 0.5), absl::Milliseconds(8));   // capped at 16ms * 0.5
  EXPECT_EQ(BackoffFor(p, 60, 0.5), absl::Milliseconds(8));  // no overflow
}

TEST(RetryPolicyTest, BackoffIsFullJitter) {
  RetryPolicy p = Policy();
  EXPECT_EQ(BackoffFor(p, 5, 0.0), absl::ZeroDuration());
  EXPECT_EQ(BackoffFor(p, 5, 0.25), absl::Milliseconds(2));
}

TEST(RetryPolicyTest, SucceedsAfterConflictsAndCountsThem) {
  FakeRetryEnv env;
  CallTrace trace;
  auto r = RunAlways(Policy(), &env, absl::InfiniteFuture(), AttemptKind::kConflict, &trace, 4);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 4);
  EXPECT_EQ(trace.attempts, 4);
  EXPECT_EQ(trace.watch_conflicts, 3);
  EXPECT_EQ(env.sleeps.size(), 3u);
}

TEST(RetryPolicyTest, ExhaustedAttemptsAreAbortedWithContention) {
  FakeRetryEnv env;
  CallTrace trace;
  auto r = RunAlways(Policy(), &env, absl::InfiniteFuture(), AttemptKind::kConflict, &trace);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ReasonOf(r.status()), "CONTENTION");
  EXPECT_EQ(trace.attempts, 10);
}

TEST(RetryPolicyTest, ClientDeadlineEndsRetriesWithDeadlineExceeded) {
  FakeRetryEnv env;
  env.uniform = 1.0;
  CallTrace trace;
  absl::Time deadline = env.Now() + absl::Milliseconds(5);
  auto r = RunAlways(Policy(), &env, deadline, AttemptKind::kConflict, &trace);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(trace.attempts, 10);
  EXPECT_LE(env.Now(), deadline);  // never slept past the client's deadline
}

TEST(RetryPolicyTest, NoAttemptIsStartedThatWouldEndAfterTheDeadline) {
  FakeRetryEnv env;
  env.uniform = 1.0;  // the longest backoffs
  CallTrace trace;
  const absl::Time start = env.Now();
  const absl::Time deadline = start + absl::Milliseconds(20);
  std::vector<absl::Time> attempt_ends;
  auto r = RunNow(Policy(), &env, deadline, &trace, [&](int) {
    env.Advance(absl::Milliseconds(3));  // each attempt's round trips take 3 ms
    attempt_ends.push_back(env.Now());
    return AttemptResult<int>::Conflict();
  });
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(ReasonOf(r.status()), "DEADLINE");
  ASSERT_GE(attempt_ends.size(), 2u);
  for (absl::Time end : attempt_ends) EXPECT_LE(end, deadline);
  // The budget is used: the last attempt ended within one attempt's time of the deadline.
  EXPECT_GT(attempt_ends.back(), deadline - absl::Milliseconds(3));
}

// An attempt that runs into the deadline it was given (no store connection came free in
// time) ends the call as running out of that deadline does: our budget gives the retry loop's
// own answer, the client's deadline gives DEADLINE_EXCEEDED.
absl::StatusOr<int> ConflictsThenDeadline(absl::Time client_deadline, FakeRetryEnv* env) {
  CallTrace trace;
  return RunNow(Policy(), env, client_deadline, &trace, [&](int n) {
    if (n < 3) return AttemptResult<int>::Conflict();
    return AttemptResult<int>::Done(absl::DeadlineExceededError("no store connection free"));
  });
}

TEST(RetryPolicyTest, AnAttemptOutOfOurBudgetEndsAsTheBudgetDoes) {
  FakeRetryEnv env;
  auto r = ConflictsThenDeadline(env.Now() + absl::Seconds(30), &env);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ReasonOf(r.status()), "CONTENTION");
}

TEST(RetryPolicyTest, AnAttemptOutOfTheClientsDeadlineEndsWithDeadlineExceeded) {
  FakeRetryEnv env;
  auto r = ConflictsThenDeadline(env.Now() + absl::Milliseconds(500), &env);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST(RetryPolicyTest, AFirstAttemptOutOfOurBudgetIsStoreUnavailable) {
  FakeRetryEnv env;
  CallTrace trace;
  auto r = RunNow(Policy(), &env, env.Now() + absl::Seconds(30), &trace, [&](int) {
    return AttemptResult<int>::Done(absl::DeadlineExceededError("no store connection free"));
  });
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(r.status()), "STORE_UNAVAILABLE");
  EXPECT_NE(r.status().message().find("no store connection free"), absl::string_view::npos);
}

TEST(RetryPolicyTest, TimeBudgetEndsRetriesWithAbortedWhenClientWaitsLonger) {
  FakeRetryEnv env;
  env.uniform = 1.0;
  RetryPolicy p = Policy();
  p.max_attempts = 1000;
  p.max_time = absl::Milliseconds(50);
  CallTrace trace;
  auto r = RunAlways(p, &env, env.Now() + absl::Seconds(30), AttemptKind::kConflict, &trace);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted);
  EXPECT_LT(trace.attempts, 1000);
}

TEST(RetryPolicyTest, PassedDeadlineFailsBeforeTheFirstAttempt) {
  FakeRetryEnv env;
  CallTrace trace;
  auto r =
      RunAlways(Policy(), &env, env.Now() - absl::Seconds(1), AttemptKind::kConflict, &trace, 1);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(trace.attempts, 0);
}

TEST(RetryPolicyTest, StoreErrorsThatPersistGiveUnavailable) {
  FakeRetryEnv env;
  CallTrace trace;
  auto r = RunAlways(Policy(), &env, absl::InfiniteFuture(), AttemptKind::kStoreError, &trace);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(trace.store_errors, 10);
}

// An attempt the store never answers in time (a starved machine, a stalled connection): the
// client's deadline still ends the call, with the market's own reason, and the attempt's late
// answer is dropped.
struct StalledAttempt {
  FakeRetryEnv env;
  CallTrace trace;
  std::function<void(AttemptResult<int>)> pending;
  std::vector<absl::StatusOr<int>> results;

  void Run(absl::Time deadline) {
    RunWithRetries<int>(
        Policy(), &env, deadline, &trace,
        [&](int, absl::Time, std::function<void(AttemptResult<int>)> done) {
          pending = std::move(done);
        },
        [&](absl::StatusOr<int> r) { results.push_back(std::move(r)); });
  }
};

TEST(RetryPolicyTest, TheClientsDeadlineEndsACallWhoseAttemptNeverAnswers) {
  StalledAttempt s;
  const absl::Time deadline = s.env.Now() + absl::Milliseconds(300);
  s.Run(deadline);
  ASSERT_TRUE(s.pending);
  s.env.Advance(absl::Milliseconds(299));
  EXPECT_TRUE(s.results.empty());
  s.env.Advance(absl::Milliseconds(1));
  ASSERT_EQ(s.results.size(), 1u);
  EXPECT_EQ(s.results[0].status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(ReasonOf(s.results[0].status()), "DEADLINE");
  EXPECT_NE(s.results[0].status().message().find("attempt 1 waited for the store"),
            absl::string_view::npos)
      << s.results[0].status();
  s.pending(AttemptResult<int>::Done(7));  // the late answer
  EXPECT_EQ(s.results.size(), 1u);
}

TEST(RetryPolicyTest, AnAnswerBeforeTheDeadlineDisarmsTheWatchdog) {
  StalledAttempt s;
  s.Run(s.env.Now() + absl::Milliseconds(300));
  s.pending(AttemptResult<int>::Done(7));
  s.env.Advance(absl::Seconds(1));
  ASSERT_EQ(s.results.size(), 1u);
  EXPECT_EQ(*s.results[0], 7);
}

TEST(RetryPolicyTest, OurBudgetArmsNoWatchdog) {
  // The budget (1 s) comes before the client's deadline: the attempt's own deadline is the
  // budget's, and the attempt (a store round trip bounded by it) answers by itself.
  StalledAttempt s;
  s.Run(s.env.Now() + absl::Seconds(30));
  s.env.Advance(absl::Seconds(31));
  EXPECT_TRUE(s.results.empty());
  s.pending(AttemptResult<int>::Conflict());
  ASSERT_EQ(s.results.size(), 1u);
  EXPECT_EQ(s.results[0].status().code(), absl::StatusCode::kAborted);
}

}  // namespace
}  // namespace bazaar::market
