#include "market/retry.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "market/errors.h"

namespace bazaar::market {

absl::Duration BackoffFor(const RetryPolicy& policy, int next_attempt, double u) {
  int doublings = std::min(next_attempt - 2, 30);
  absl::Duration cap = policy.backoff_base * std::pow(2.0, doublings);
  cap = std::min(cap, policy.backoff_max);
  return cap * std::clamp(u, 0.0, 1.0);
}

RetryLoop::RetryLoop(const RetryPolicy& policy, RetryEnv* env, absl::Time client_deadline)
    : policy_(policy), env_(env), client_deadline_(client_deadline) {
  budget_deadline_ = env_->Now() + policy_.max_time;
  effective_deadline_ = std::min(budget_deadline_, client_deadline_);
}

absl::Status RetryLoop::CheckStart() const {
  if (env_->Now() >= client_deadline_) {
    return MakeError(absl::StatusCode::kDeadlineExceeded, reason::kDeadline,
                     "the client's deadline passed before the first attempt");
  }
  return absl::OkStatus();
}

namespace {

absl::Status GiveUp(AttemptKind kind, const absl::Status& last_error, const std::string& why) {
  if (kind == AttemptKind::kStoreError) {
    return MakeError(absl::StatusCode::kUnavailable, reason::kStoreUnavailable,
                     absl::StrCat(why, "; last error: ", last_error.message()));
  }
  return MakeError(absl::StatusCode::kAborted, reason::kContention,
                   absl::StrCat(why, " (watched keys kept changing)"));
}

}  // namespace

bool RetryLoop::ClientDeadlineIsTheLimit() const { return client_deadline_ <= budget_deadline_; }

absl::Status RetryLoop::BudgetSpent(int attempt, AttemptKind kind,
                                    const absl::Status& last_error) const {
  return GiveUp(kind, last_error,
                absl::StrCat("gave up after ", attempt, " attempts and ",
                             absl::FormatDuration(policy_.max_time)));
}

absl::Status RetryLoop::BudgetOrDeadline(int attempt, AttemptKind last_kind,
                                         const absl::Status& error) const {
  return ClientDeadlineIsTheLimit() ? error : BudgetSpent(attempt, last_kind, error);
}

absl::Status RetryLoop::DeadlineWhileWaiting(int attempt) const {
  return MakeError(absl::StatusCode::kDeadlineExceeded, reason::kDeadline,
                   absl::StrCat("the client's deadline came while attempt ", attempt,
                                " waited for the store; a change it was committing may or may "
                                "not be applied"));
}

absl::StatusOr<absl::Duration> RetryLoop::Next(int attempt, AttemptKind kind,
                                               const absl::Status& last_error,
                                               absl::Duration attempt_took) {
  if (attempt >= policy_.max_attempts) {
    return GiveUp(kind, last_error, absl::StrCat("gave up after ", attempt, " attempts"));
  }
  absl::Duration wait = BackoffFor(policy_, attempt + 1, env_->Uniform01());
  // The next attempt must end before the deadline: the sleep is cut to the time left after it
  // (assumed as long as this one), and with no time left the loop ends here.
  const absl::Duration room = effective_deadline_ - env_->Now() - attempt_took;
  wait = std::min(wait, room);
  if (room <= absl::ZeroDuration()) {
    if (ClientDeadlineIsTheLimit()) {
      return MakeError(
          absl::StatusCode::kDeadlineExceeded, reason::kDeadline,
          absl::StrCat("the client's deadline ended the retries after ", attempt, " attempts"));
    }
    return BudgetSpent(attempt, kind, last_error);
  }
  return std::max(wait, absl::ZeroDuration());
}

}  // namespace bazaar::market
