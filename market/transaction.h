// TxnRunner: one optimistic transaction, retried under the RetryPolicy, with request_id
// idempotency. Every mutating market operation is a TxnSpec run here.
//
// An attempt is two round trips (three when the spec probes first, see TxnSpec::probe):
//   1. WATCH <keys> [+ req:<id>] [+ frozen:<player>], GET req:<id> (when a request_id is
//      given), EXISTS frozen:<player> (a player's action, CallOptions::player), then the reads;
//   2. MULTI, the writes decided from the reads [+ SET req:<id> <record> PX <ttl>], EXEC.
// A record found in step 1 ends the call: the same fingerprint replays the first outcome, another
// one is INVALID_ARGUMENT/REQUEST_ID_REUSED. A definite failure (e.g. INSUFFICIENT_FUNDS) is
// confirmed by an EXEC too (empty, or holding just the record), so it is never based on reads
// that were torn by a concurrent change, and a retried request gets the same failure back.
// Because req:<id> is watched, two concurrent calls with one id cannot both apply.
#ifndef BAZAAR_MARKET_TRANSACTION_H_
#define BAZAAR_MARKET_TRANSACTION_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "market/key_schema.h"
#include "market/record.h"
#include "market/retry.h"
#include "market/store.h"
#include "market/types.h"

namespace bazaar::market {

// What the reads decided.
struct TxnPlan {
  absl::Status failure;              // not OK: a definite failure, nothing is written
  // The reads show that the attempt's probe (TxnSpec::probe) was out of date: the attempt is
  // retried like a watch conflict, probe included.
  bool stale = false;
  std::vector<Argv> writes;          // queued between MULTI and EXEC
  std::vector<std::string> values;   // the result, as fields (stored for replays)
  int event_write = -1;              // index in writes of the XADD to <prefix>events:, if any
};

// How a replay learns the original event id. The record SET goes in the same MULTI/EXEC as the
// XADD, before its id is known, and nothing may WATCH the stream (it would add aborts), so an id
// fixed in advance could lose a race with another process and make XADD fail mid-EXEC. Instead
// the record is written by this script, queued right after the XADD: inside the EXEC nothing runs
// in between, so the top entry of <prefix>events: is this call's event, and the script appends
// its id as the record's last field. KEYS: events stream, req:<id>; ARGV: the record encoded
// without the id (EncodeRecordPrefix), the TTL in ms. Returns the id.
inline constexpr char kRecordWithEventIdScript[] =
    "local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1][1]\n"
    "redis.call('SET', KEYS[2], ARGV[1] .. #top .. ':' .. top, 'PX', ARGV[2])\n"
    "return top\n";

struct TxnSpec {
  std::string fingerprint;             // method and parameters
  std::vector<std::string> watch;      // keys to WATCH
  std::vector<Argv> reads;             // run right after WATCH, in the same round trip
  // Decides from the reads' replies. A non-OK status is an internal error (not recorded).
  std::function<absl::StatusOr<TxnPlan>(const std::vector<RespReply>&)> decide;
  // Optional, for calls whose keys depend on data (which listings to buy from): each attempt
  // first runs `probe` (plain reads, unwatched, on the attempt's connection), then `prepare`
  // turns their replies into the attempt's watch, reads and decide. `prepare` must not decide
  // failures (the request-id record is only checked after it): a decide that finds the probe
  // out of date returns a stale plan instead.
  std::vector<Argv> probe;
  std::function<absl::StatusOr<TxnSpec>(const Replies&)> prepare;
};

struct TxnOutcome {
  std::vector<std::string> values;
  CallInfo info;
};

template <typename T>
using Done = std::function<void(absl::StatusOr<T>)>;

// FAILED_PRECONDITION / USER_FROZEN: the acting player is frozen (market.lua says the same).
absl::Status UserFrozen(const std::string& player);

// Every call's `done` runs on the store's thread (see store.h); `trace` must stay valid until
// then. The spec's decide runs there too, so it must own what it reads (capture by value).
class TxnRunner {
 public:
  // Pointers must outlive the runner.
  TxnRunner(Store* store, const KeySchema* keys, const RetryPolicy* policy, RetryEnv* env,
            absl::Duration idempotency_ttl)
      : store_(store), keys_(keys), policy_(policy), env_(env), ttl_(idempotency_ttl) {}

  void Run(TxnSpec spec, CallOptions options, CallTrace* trace, Done<TxnOutcome> done);

  // Runs read-only commands in one MULTI/EXEC (a consistent snapshot, never aborted), retrying
  // only store errors.
  void Snapshot(std::vector<Argv> reads, CallOptions options, CallTrace* trace,
                Done<Replies> done) {
    RunReads(std::move(reads), /*snapshot=*/true, std::move(options), trace, std::move(done));
  }
  // Runs plain commands in one pipeline (no transaction), retrying only store errors.
  void Read(std::vector<Argv> reads, CallOptions options, CallTrace* trace, Done<Replies> done) {
    RunReads(std::move(reads), /*snapshot=*/false, std::move(options), trace, std::move(done));
  }

 private:
  // Snapshot (in MULTI/EXEC) or Read (a plain pipeline).
  void RunReads(std::vector<Argv> reads, bool snapshot, CallOptions options, CallTrace* trace,
                Done<Replies> done);
  struct Attempt;
  void StartAttempt(std::shared_ptr<Attempt> a);
  // WATCH, the record lookup and the reads, on the attempt's session.
  void WatchAndRead(std::shared_ptr<Attempt> a);
  void AfterReads(std::shared_ptr<Attempt> a, absl::StatusOr<Replies> replies);
  void AfterExec(std::shared_ptr<Attempt> a, absl::StatusOr<ExecReplies> exec);
  // Empty when every queued write succeeded inside EXEC. Otherwise INTERNAL/CORRUPT_DATA naming
  // what failed and what applied (logged as an error).
  absl::Status CheckExecReplies(const std::vector<Argv>& writes, const Replies& replies);
  // SET req:<id> <record> PX <ttl>.
  Argv RecordWrite(const std::string& request_id, const IdempotencyRecord& record) const;
  // The same record plus the id of the event just queued (kRecordWithEventIdScript).
  Argv RecordWithEventIdWrite(const std::string& request_id,
                              const IdempotencyRecord& record) const;

  Store* store_;
  const KeySchema* keys_;
  const RetryPolicy* policy_;
  RetryEnv* env_;
  absl::Duration ttl_;
};

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_TRANSACTION_H_
