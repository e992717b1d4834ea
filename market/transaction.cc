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

absl::Status UserFrozen(const std::string& player) {
  return MakeError(absl::StatusCode::kFailedPrecondition, reason::kUserFrozen,
                   "user " + player + " is frozen");
}

Argv TxnRunner::RecordWrite(const std::string& request_id, const IdempotencyRecord& record) const {
  return {"SET", keys_->Request(request_id), EncodeRecord(record), "PX",
          std::to_string(std::max<int64_t>(1, absl::ToInt64Milliseconds(ttl_)))};
}

Argv TxnRunner::RecordWithEventIdWrite(const std::string& request_id,
                                       const IdempotencyRecord& record) const {
  return {"EVAL", kRecordWithEventIdScript, "2", keys_->Events(), keys_->Request(request_id),
          EncodeRecordPrefix(record),
          std::to_string(std::max<int64_t>(1, absl::ToInt64Milliseconds(ttl_)))};
}

absl::Status TxnRunner::CheckExecReplies(const std::vector<Argv>& writes,
                                         const Replies& replies) {
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
  // made this impossible, so it is loud.
  absl::Status status = MakeError(
      absl::StatusCode::kInternal, reason::kCorruptData,
      absl::StrCat("a command failed inside EXEC (", failed, "); applied: ",
                   applied.empty() ? "nothing" : applied));
  BAZAAR_LOG(ERROR) << "HALF-APPLIED TRANSACTION: " << status.message();
  return status;
}

// One attempt of a Run, from Open to its result; owned by the callbacks in flight.
struct TxnRunner::Attempt {
  std::shared_ptr<const TxnSpec> spec;  // this attempt's (prepared, when the spec probes)
  std::shared_ptr<const CallOptions> options;
  int n = 0;
  absl::Time deadline;
  std::function<void(AttemptResult<TxnOutcome>)> done;
  std::unique_ptr<StoreSession> session;
  TxnPlan plan;
  std::vector<Argv> writes;
  bool has_changes = false;

  bool idempotent() const { return !options->request_id.empty(); }
  bool for_player() const { return !options->player.empty(); }
  // The session goes back before the result is reported, so a retry can have it.
  void Finish(AttemptResult<TxnOutcome> result) {
    session.reset();
    done(std::move(result));
  }
};

void TxnRunner::Run(TxnSpec spec, CallOptions options, CallTrace* trace,
                    Done<TxnOutcome> done) {
  auto shared_spec = std::make_shared<const TxnSpec>(std::move(spec));
  auto shared_options = std::make_shared<const CallOptions>(std::move(options));
  AttemptFn<TxnOutcome> attempt = [this, shared_spec, shared_options](
                                      int n, absl::Time deadline,
                                      std::function<void(AttemptResult<TxnOutcome>)> done) {
    auto a = std::make_shared<Attempt>();
    a->spec = shared_spec;
    a->options = shared_options;
    a->n = n;
    a->deadline = deadline;
    a->done = std::move(done);
    StartAttempt(std::move(a));
  };
  RunWithRetries<TxnOutcome>(*policy_, env_, shared_options->deadline, trace, std::move(attempt),
                             std::move(done));
}

void TxnRunner::StartAttempt(std::shared_ptr<Attempt> a) {
  const absl::Time deadline = a->deadline;
  store_->Open(deadline, [this, a = std::move(a)](
                             absl::StatusOr<std::unique_ptr<StoreSession>> session) mutable {
    using R = AttemptResult<TxnOutcome>;
    if (!session.ok()) return a->Finish(R::Done(session.status()));
    a->session = std::move(*session);
    if (!a->spec->prepare) return WatchAndRead(std::move(a));
    StoreSession* session_ptr = a->session.get();
    session_ptr->Pipeline(a->spec->probe, [this, a](absl::StatusOr<Replies> replies) mutable {
      if (!replies.ok()) return a->Finish(R::StoreError(replies.status()));
      for (const auto& r : *replies) {
        if (r.is_error()) return a->Finish(R::Done(Unexpected("probe failed", r)));
      }
      auto prepared = a->spec->prepare(*replies);
      if (!prepared.ok()) return a->Finish(R::Done(prepared.status()));
      prepared->fingerprint = a->spec->fingerprint;
      a->spec = std::make_shared<const TxnSpec>(std::move(*prepared));
      WatchAndRead(std::move(a));
    });
  });
}

void TxnRunner::WatchAndRead(std::shared_ptr<Attempt> a) {
  const TxnSpec& spec = *a->spec;
  std::vector<Argv> round1;
  Argv watch = {"WATCH"};
  watch.insert(watch.end(), spec.watch.begin(), spec.watch.end());
  if (a->idempotent()) watch.push_back(keys_->Request(a->options->request_id));
  if (a->for_player()) watch.push_back(keys_->Frozen(a->options->player));
  round1.push_back(std::move(watch));
  if (a->idempotent()) round1.push_back({"GET", keys_->Request(a->options->request_id)});
  if (a->for_player()) round1.push_back({"EXISTS", keys_->Frozen(a->options->player)});
  round1.insert(round1.end(), spec.reads.begin(), spec.reads.end());
  StoreSession* session_ptr = a->session.get();
  session_ptr->Pipeline(std::move(round1), [this, a](absl::StatusOr<Replies> replies) {
    AfterReads(a, std::move(replies));
  });
}

void TxnRunner::AfterReads(std::shared_ptr<Attempt> a, absl::StatusOr<Replies> replies) {
  using R = AttemptResult<TxnOutcome>;
  const TxnSpec& spec = *a->spec;
  const CallOptions& options = *a->options;
  if (!replies.ok()) return a->Finish(R::StoreError(replies.status()));
  if ((*replies)[0].is_error()) return a->Finish(R::Done(Unexpected("WATCH failed", (*replies)[0])));
  size_t first_read = 1;
  if (a->idempotent()) {
    const RespReply& rec = (*replies)[1];
    first_read = 2;
    if (rec.is_string()) {
      auto record = DecodeRecord(rec.str);
      if (!record) {
        return a->Finish(R::Done(MakeError(absl::StatusCode::kInternal, reason::kCorruptData,
                                           "unreadable record for request id " +
                                               options.request_id)));
      }
      if (record->fingerprint != spec.fingerprint) {
        return a->Finish(R::Done(MakeError(
            absl::StatusCode::kInvalidArgument, reason::kRequestIdReused,
            "request_id " + options.request_id + " was used with different parameters")));
      }
      if (!record->status.ok()) return a->Finish(R::Done(record->status));
      TxnOutcome out;
      out.values = std::move(record->values);
      out.info.attempts = record->attempts;
      out.info.replayed = true;
      out.info.event_id = std::move(record->event_id);
      return a->Finish(R::Done(std::move(out)));
    } else if (!rec.is_nil()) {
      return a->Finish(R::Done(Unexpected("GET request record", rec)));
    }
  }
  bool frozen = false;
  if (a->for_player()) {
    const RespReply& exists = (*replies)[first_read++];
    if (exists.type != RespReply::Type::kInteger) {
      return a->Finish(R::Done(Unexpected("EXISTS frozen", exists)));
    }
    frozen = exists.integer == 1;
  }
  std::vector<RespReply> reads(std::make_move_iterator(replies->begin() + first_read),
                               std::make_move_iterator(replies->end()));
  for (const auto& r : reads) {
    if (r.is_error()) return a->Finish(R::Done(Unexpected("read failed", r)));
  }
  // A frozen player's call is a definite failure, confirmed and recorded like any other.
  absl::StatusOr<TxnPlan> plan =
      frozen ? absl::StatusOr<TxnPlan>(TxnPlan{UserFrozen(options.player)}) : spec.decide(reads);
  if (!plan.ok()) return a->Finish(R::Done(plan.status()));
  if (plan->stale) return a->Finish(R::Conflict());
  a->plan = std::move(*plan);
  a->writes = a->plan.failure.ok() ? a->plan.writes : std::vector<Argv>{};
  a->has_changes = !a->writes.empty();
  if (a->idempotent()) {
    IdempotencyRecord record;
    record.fingerprint = spec.fingerprint;
    record.status = a->plan.failure;
    record.values = a->plan.values;
    record.attempts = a->n;
    const bool with_event = a->has_changes && a->plan.event_write >= 0;
    a->writes.push_back(with_event ? RecordWithEventIdWrite(options.request_id, record)
                                   : RecordWrite(options.request_id, record));
  }
  StoreSession* session = a->session.get();
  if (!a->writes.empty()) session->ExpectWrites();
  session->Exec(a->writes, [this, a](absl::StatusOr<ExecReplies> exec) {
    AfterExec(a, std::move(exec));
  });
}

void TxnRunner::AfterExec(std::shared_ptr<Attempt> a, absl::StatusOr<ExecReplies> exec) {
  using R = AttemptResult<TxnOutcome>;
  const CallOptions& options = *a->options;
  if (!exec.ok()) {
    if (exec.status().code() != absl::StatusCode::kUnavailable) {
      return a->Finish(R::Done(exec.status()));
    }
    // STORE_UNAVAILABLE from the EXEC reply itself (READONLY) means nothing was applied.
    if (!a->has_changes || ReasonOf(exec.status()) == reason::kStoreUnavailable) {
      return a->Finish(R::StoreError(exec.status()));
    }
    // Applied, but on too few replicas: the session said so in its own words.
    if (ReasonOf(exec.status()) == reason::kOutcomeUnknown) {
      return a->Finish(R::Done(exec.status()));
    }
    return a->Finish(R::Done(MakeError(
        absl::StatusCode::kUnavailable, reason::kOutcomeUnknown,
        absl::StrCat("the store connection failed during EXEC; the change may or may not have "
                     "been applied",
                     a->idempotent() ? " (retry with the same request_id to learn the outcome)"
                                     : "",
                     ": ", exec.status().message()))));
  }
  if (!exec->has_value()) return a->Finish(R::Conflict());
  if (absl::Status applied = CheckExecReplies(a->writes, **exec); !applied.ok()) {
    if (!a->idempotent()) return a->Finish(R::Done(applied));
    // The record that just went in says success: it is replaced by this failure, so that a
    // retry never replays a success.
    IdempotencyRecord record;
    record.fingerprint = a->spec->fingerprint;
    record.status = applied;
    record.attempts = a->n;
    StoreSession* session = a->session.get();
    session->Pipeline({RecordWrite(options.request_id, record)},
                      [a, applied](absl::StatusOr<Replies> rewrite) {
                        if (!rewrite.ok() || (*rewrite)[0].is_error()) {
                          BAZAAR_LOG(ERROR) << "could not record the failure under request_id "
                                            << a->options->request_id;
                        }
                        a->Finish(R::Done(applied));
                      });
    return;
  }
  if (!a->plan.failure.ok()) return a->Finish(R::Done(a->plan.failure));
  TxnOutcome out;
  out.values = std::move(a->plan.values);
  out.info.attempts = a->n;
  // XADD answers the id it made, inside EXEC's replies.
  if (a->plan.event_write >= 0 && a->plan.event_write < static_cast<int>((*exec)->size())) {
    out.info.event_id = (**exec)[a->plan.event_write].str;
  }
  a->Finish(R::Done(std::move(out)));
}

void TxnRunner::RunReads(std::vector<Argv> reads, bool snapshot, CallOptions options,
                         CallTrace* trace, Done<Replies> done) {
  using R = AttemptResult<Replies>;
  auto shared_reads = std::make_shared<const std::vector<Argv>>(std::move(reads));
  AttemptFn<Replies> attempt = [this, shared_reads, snapshot](int, absl::Time deadline,
                                                              std::function<void(R)> done) {
    store_->Open(deadline, [shared_reads, snapshot, done = std::move(done)](
                               absl::StatusOr<std::unique_ptr<StoreSession>> session) mutable {
      if (!session.ok()) return done(R::Done(session.status()));
      std::shared_ptr<StoreSession> s = std::move(*session);
      if (snapshot) {
        s->Exec(*shared_reads, [s, done = std::move(done)](absl::StatusOr<ExecReplies> exec) {
          if (!exec.ok()) {
            if (exec.status().code() == absl::StatusCode::kUnavailable) {
              return done(R::StoreError(exec.status()));
            }
            return done(R::Done(exec.status()));
          }
          if (!exec->has_value()) return done(R::Conflict());
          done(R::Done(std::move(**exec)));
        });
        return;
      }
      s->Pipeline(*shared_reads, [s, done = std::move(done)](absl::StatusOr<Replies> replies) {
        if (!replies.ok()) return done(R::StoreError(replies.status()));
        for (const auto& r : *replies) {
          if (r.is_error()) return done(R::Done(Unexpected("read failed", r)));
        }
        done(R::Done(std::move(*replies)));
      });
    });
  };
  RunWithRetries<Replies>(*policy_, env_, options.deadline, trace, std::move(attempt),
                          std::move(done));
}

}  // namespace bazaar::market
