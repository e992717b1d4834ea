#include "market/script_runner.h"

#include <algorithm>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "market/errors.h"
#include "market/market_lua.h"
#include "market/record.h"

namespace bazaar::market {
namespace {

using R = AttemptResult<TxnOutcome>;

absl::Status Unexpected(const std::string& what, const RespReply& r) {
  return MakeError(absl::StatusCode::kInternal, reason::kStoreError,
                   absl::StrCat(what, ": ", r.DebugString()));
}

bool FunctionMissing(const RespReply& r) {
  return r.is_error() && absl::StartsWith(r.str, "ERR Function not found");
}

// The function's answer (see market.lua) as an attempt's result.
R Interpret(const ScriptCall& call, const CallOptions& options, int attempt,
            const RespReply& r) {
  if (r.is_error()) return R::Done(Unexpected("FCALL " + call.function, r));
  if (r.type != RespReply::Type::kArray || r.elements.empty() || !r.elements[0].is_string()) {
    return R::Done(Unexpected("FCALL " + call.function + " answered", r));
  }
  const std::string& kind = r.elements[0].str;
  auto str = [&](size_t i) -> std::string {
    return i < r.elements.size() && r.elements[i].is_string() ? r.elements[i].str : "";
  };
  if (kind == "ok") {
    TxnOutcome out;
    out.info.event_id = str(1);
    for (size_t i = 2; i < r.elements.size(); ++i) out.values.push_back(str(i));
    out.info.attempts = attempt;
    return R::Done(std::move(out));
  }
  if (kind == "fail") {
    int code;
    if (!absl::SimpleAtoi(str(1), &code)) return R::Done(Unexpected("FCALL failure", r));
    absl::Status failure(static_cast<absl::StatusCode>(code), str(2));
    ErrorFields fields;  // the rest of the reply: name, value, ...
    for (size_t i = 3; i + 1 < r.elements.size(); i += 2) fields.emplace_back(str(i), str(i + 1));
    SetErrorFields(fields, &failure);
    return R::Done(std::move(failure));
  }
  if (kind == "corrupt") {
    return R::Done(absl::Status(absl::StatusCode::kInternal, str(1)));
  }
  if (kind == "record") {
    auto record = DecodeRecord(str(1));
    if (!record) {
      return R::Done(MakeError(absl::StatusCode::kInternal, reason::kCorruptData,
                               "unreadable record for request id " + options.request_id));
    }
    if (record->fingerprint != call.fingerprint) {
      return R::Done(MakeError(
          absl::StatusCode::kInvalidArgument, reason::kRequestIdReused,
          "request_id " + options.request_id + " was used with different parameters"));
    }
    if (!record->status.ok()) return R::Done(record->status);
    TxnOutcome out;
    out.values = std::move(record->values);
    out.info.attempts = record->attempts;
    out.info.replayed = true;
    out.info.event_id = std::move(record->event_id);
    return R::Done(std::move(out));
  }
  return R::Done(Unexpected("FCALL " + call.function + " answered", r));
}

R OutcomeUnknown(const CallOptions& options, const absl::Status& io) {
  // Applied, but on too few replicas: the session said so in its own words.
  if (ReasonOf(io) == reason::kOutcomeUnknown) return R::Done(io);
  // Refused before it ran (a cluster redirect): nothing was applied, so it is retried.
  if (ReasonOf(io) == reason::kStoreUnavailable) return R::StoreError(io);
  return R::Done(MakeError(
      absl::StatusCode::kUnavailable, reason::kOutcomeUnknown,
      absl::StrCat("the store connection failed during FCALL; the change may or may not have "
                   "been applied",
                   options.request_id.empty()
                       ? ""
                       : " (retry with the same request_id to learn the outcome)",
                   ": ", io.message())));
}

}  // namespace

const std::string& MarketLuaLibrary() {
  static const std::string* source = new std::string(kMarketLuaSource);
  return *source;
}

Argv ScriptRunner::Fcall(const ScriptCall& call, const CallOptions& options, int attempt) const {
  const bool idempotent = !options.request_id.empty();
  const bool for_player = !options.player.empty();
  Argv argv = {"FCALL", call.function, std::to_string(2 + call.keys.size() + for_player),
               keys_->Events(), idempotent ? keys_->Request(options.request_id) : keys_->Events()};
  argv.insert(argv.end(), call.keys.begin(), call.keys.end());
  if (for_player) argv.push_back(keys_->Frozen(options.player));  // see market.lua for_player
  argv.insert(argv.end(), {call.fingerprint, options.request_id, std::to_string(events_max_len_),
                           std::to_string(std::max<int64_t>(1, absl::ToInt64Milliseconds(ttl_))),
                           std::to_string(attempt)});
  argv.insert(argv.end(), call.args.begin(), call.args.end());
  return argv;
}

void ScriptRunner::Run(ScriptCall call, CallOptions options, CallTrace* trace,
                       Done<TxnOutcome> done) {
  auto shared_call = std::make_shared<const ScriptCall>(std::move(call));
  auto shared_options = std::make_shared<const CallOptions>(std::move(options));
  AttemptFn<TxnOutcome> attempt = [this, shared_call, shared_options](
                                      int n, absl::Time deadline,
                                      std::function<void(R)> done) {
    store_->Open(deadline, [this, shared_call, shared_options, n, done = std::move(done)](
                               absl::StatusOr<std::unique_ptr<StoreSession>> opened) mutable {
      if (!opened.ok()) return done(R::Done(opened.status()));
      std::shared_ptr<StoreSession> session = std::move(*opened);
      Argv fcall = Fcall(*shared_call, *shared_options, n);
      // Finishing drops the session first, so a retry can have the connection.
      auto finish = [done = std::move(done)](std::shared_ptr<StoreSession>& s, R result) {
        s.reset();
        done(std::move(result));
      };
      session->ExpectWrites();
      session->Pipeline(
          {fcall}, [this, session, shared_call, shared_options, n, fcall,
                    finish](absl::StatusOr<Replies> replies) mutable {
            if (!replies.ok()) return finish(session, OutcomeUnknown(*shared_options, replies.status()));
            if (!FunctionMissing((*replies)[0])) {
              return finish(session, Interpret(*shared_call, *shared_options, n, (*replies)[0]));
            }
            // The library is gone (flush, restart, failover): load it and call again, in one
            // round trip. A failed load leaves the FCALL's own error to report.
            session->Pipeline(
                {{"FUNCTION", "LOAD", "REPLACE", MarketLuaLibrary()}, fcall},
                [session, shared_call, shared_options, n,
                 finish](absl::StatusOr<Replies> again) mutable {
                  if (!again.ok()) {
                    return finish(session, OutcomeUnknown(*shared_options, again.status()));
                  }
                  finish(session, Interpret(*shared_call, *shared_options, n, (*again)[1]));
                });
          });
    });
  };
  RunWithRetries<TxnOutcome>(*policy_, env_, shared_options->deadline, trace, std::move(attempt),
                             std::move(done));
}

void ScriptRunner::Load(CallOptions options, CallTrace* trace, Done<bool> done) {
  using L = AttemptResult<bool>;
  AttemptFn<bool> attempt = [this](int, absl::Time deadline, std::function<void(L)> done) {
    store_->Open(deadline, [done = std::move(done)](
                               absl::StatusOr<std::unique_ptr<StoreSession>> opened) mutable {
      if (!opened.ok()) return done(L::Done(opened.status()));
      std::shared_ptr<StoreSession> session = std::move(*opened);
      session->ExpectWrites();
      session->Pipeline({{"FUNCTION", "LOAD", "REPLACE", MarketLuaLibrary()}},
                        [session, done = std::move(done)](absl::StatusOr<Replies> r) mutable {
                          session.reset();
                          if (!r.ok()) return done(L::StoreError(r.status()));
                          if ((*r)[0].is_error()) {
                            return done(L::Done(Unexpected("FUNCTION LOAD", (*r)[0])));
                          }
                          done(L::Done(true));
                        });
    });
  };
  RunWithRetries<bool>(*policy_, env_, options.deadline, trace, std::move(attempt),
                       std::move(done));
}

}  // namespace bazaar::market
