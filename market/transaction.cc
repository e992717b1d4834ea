#include "market/transaction.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "market/errors.h"
#include "market/log.h"
#include "market/record.h"

namespace bazaar::market {
namespace {

absl::Status Unexpected(const std::string& what, const RespReply& r) {
  return MakeError(absl::StatusCode::kInternal, reason::kStoreError,
                   absl::StrCat(what, ": ", r.DebugString()));
}

}  // namespace

Argv TxnRunner::RecordWrite(const std::string& request_id, const IdempotencyRecord& record) const {
  return {"SET", keys_->Request(request_id), EncodeRecord(record), "PX",
          std::to_string(std::max<int64_t>(1, absl::ToInt64Milliseconds(ttl_)))};
}

absl::Status TxnRunner::CheckExecReplies(const std::string& fingerprint, int attempt,
                                         const std::vector<Argv>& writes,
                                         const std::vector<RespReply>& replies,
                                         const CallOptions& options, StoreSession* session) {
  std::string failed, applied;
  for (size_t i = 0; i < writes.size(); ++i) {
    // The command and its key, e.g. "HINCRBY users:s1".
    const std::string command =
        writes[i].size() < 2 ? absl::StrJoin(writes[i], " ") : writes[i][0] + " " + writes[i][1];
    if (i < replies.size() && !replies[i].is_error()) {
      absl::StrAppend(&applied, applied.empty() ? "" : ", ", command);
    } else {
      absl::StrAppend(&failed, failed.empty() ? "" : "; ", command, " ",
                      i < replies.size() ? replies[i].DebugString() : "(no reply)");
    }
  }
  if (failed.empty()) return absl::OkStatus();
  // MULTI/EXEC has no rollback: the rest of the transaction applied. The decide step should have
  // made this impossible, so it is loud, and it replaces the request record that just went in
  // with this failure so that a retry never replays a success.
  absl::Status status = MakeError(
      absl::StatusCode::kInternal, reason::kCorruptData,
      absl::StrCat("a command failed inside EXEC (", failed, "); applied: ",
                   applied.empty() ? "nothing" : applied));
  BAZAAR_LOG(ERROR) << "HALF-APPLIED TRANSACTION: " << status.message();
  if (!options.request_id.empty()) {
    IdempotencyRecord record;
    record.fingerprint = fingerprint;
    record.status = status;
    record.attempts = attempt;
    auto rewrite = session->Pipeline({RecordWrite(options.request_id, record)});
    if (!rewrite.ok() || (*rewrite)[0].is_error()) {
      BAZAAR_LOG(ERROR) << "could not record the failure under request_id " << options.request_id;
    }
  }
  return status;
}

absl::StatusOr<TxnOutcome> TxnRunner::Run(const TxnSpec& spec, const CallOptions& options,
                                          CallTrace* trace) {
  std::function<AttemptResult<TxnOutcome>(int, absl::Time)> fn =
      [&](int attempt, absl::Time deadline) { return Attempt(spec, options, attempt, deadline); };
  return RunWithRetries<TxnOutcome>(*policy_, env_, options.deadline, trace, fn);
}

AttemptResult<TxnOutcome> TxnRunner::Attempt(const TxnSpec& spec, const CallOptions& options,
                                             int attempt, absl::Time deadline) {
  using R = AttemptResult<TxnOutcome>;
  auto session = store_->Open(deadline);
  if (!session.ok()) return R::Done(session.status());

  const bool idempotent = !options.request_id.empty();
  const std::string req_key = idempotent ? keys_->Request(options.request_id) : "";
  std::vector<Argv> round1;
  Argv watch = {"WATCH"};
  watch.insert(watch.end(), spec.watch.begin(), spec.watch.end());
  if (idempotent) watch.push_back(req_key);
  round1.push_back(std::move(watch));
  if (idempotent) round1.push_back({"GET", req_key});
  round1.insert(round1.end(), spec.reads.begin(), spec.reads.end());

  auto replies = (*session)->Pipeline(round1);
  if (!replies.ok()) return R::StoreError(replies.status());
  if ((*replies)[0].is_error()) return R::Done(Unexpected("WATCH failed", (*replies)[0]));
  size_t first_read = 1;
  if (idempotent) {
    const RespReply& rec = (*replies)[1];
    first_read = 2;
    if (rec.is_string()) {
      auto record = DecodeRecord(rec.str);
      if (!record) {
        return R::Done(MakeError(absl::StatusCode::kInternal, reason::kCorruptData,
                                 "unreadable record for request id " + options.request_id));
      }
      if (record->fingerprint != spec.fingerprint) {
        return R::Done(MakeError(
            absl::StatusCode::kInvalidArgument, reason::kRequestIdReused,
            "request_id " + options.request_id + " was used with different parameters"));
      }
      if (!record->status.ok()) return R::Done(record->status);
      TxnOutcome out;
      out.values = std::move(record->values);
      out.info.attempts = record->attempts;
      out.info.replayed = true;
      return R::Done(std::move(out));
    } else if (!rec.is_nil()) {
      return R::Done(Unexpected("GET request record", rec));
    }
  }
  std::vector<RespReply> reads(std::make_move_iterator(replies->begin() + first_read),
                               std::make_move_iterator(replies->end()));
  for (const auto& r : reads) {
    if (r.is_error()) return R::Done(Unexpected("read failed", r));
  }
  auto plan = spec.decide(reads);
  if (!plan.ok()) return R::Done(plan.status());

  std::vector<Argv> writes = plan->failure.ok() ? plan->writes : std::vector<Argv>{};
  const bool has_changes = !writes.empty();
  if (idempotent) {
    IdempotencyRecord record;
    record.fingerprint = spec.fingerprint;
    record.status = plan->failure;
    record.values = plan->values;
    record.attempts = attempt;
    writes.push_back(RecordWrite(options.request_id, record));
  }
  auto exec = (*session)->Exec(writes);
  if (!exec.ok()) {
    if (exec.status().code() != absl::StatusCode::kUnavailable) return R::Done(exec.status());
    if (!has_changes) return R::StoreError(exec.status());
    return R::Done(MakeError(
        absl::StatusCode::kUnavailable, reason::kOutcomeUnknown,
        absl::StrCat("the store connection failed during EXEC; the change may or may not have "
                     "been applied",
                     idempotent ? " (retry with the same request_id to learn the outcome)" : "",
                     ": ", exec.status().message())));
  }
  if (!exec->has_value()) return R::Conflict();
  if (absl::Status applied =
          CheckExecReplies(spec.fingerprint, attempt, writes, **exec, options, session->get());
      !applied.ok()) {
    return R::Done(applied);
  }
  if (!plan->failure.ok()) return R::Done(plan->failure);
  TxnOutcome out;
  out.values = std::move(plan->values);
  out.info.attempts = attempt;
  return R::Done(std::move(out));
}

absl::StatusOr<std::vector<RespReply>> TxnRunner::Snapshot(const std::vector<Argv>& reads,
                                                           const CallOptions& options,
                                                           CallTrace* trace) {
  using R = AttemptResult<std::vector<RespReply>>;
  std::function<R(int, absl::Time)> fn = [&](int, absl::Time deadline) {
    auto session = store_->Open(deadline);
    if (!session.ok()) return R::Done(session.status());
    auto exec = (*session)->Exec(reads);
    if (!exec.ok()) {
      if (exec.status().code() == absl::StatusCode::kUnavailable) return R::StoreError(exec.status());
      return R::Done(exec.status());
    }
    if (!exec->has_value()) return R::Conflict();
    return R::Done(std::move(**exec));
  };
  return RunWithRetries<std::vector<RespReply>>(*policy_, env_, options.deadline, trace, fn);
}

absl::StatusOr<std::vector<RespReply>> TxnRunner::Read(const std::vector<Argv>& reads,
                                                       const CallOptions& options,
                                                       CallTrace* trace) {
  using R = AttemptResult<std::vector<RespReply>>;
  std::function<R(int, absl::Time)> fn = [&](int, absl::Time deadline) {
    auto session = store_->Open(deadline);
    if (!session.ok()) return R::Done(session.status());
    auto replies = (*session)->Pipeline(reads);
    if (!replies.ok()) return R::StoreError(replies.status());
    for (const auto& r : *replies) {
      if (r.is_error()) return R::Done(Unexpected("read failed", r));
    }
    return R::Done(std::move(*replies));
  };
  return RunWithRetries<std::vector<RespReply>>(*policy_, env_, options.deadline, trace, fn);
}

}  // namespace bazaar::market
