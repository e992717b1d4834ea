// ScriptRunner: the `script` contention mode's counterpart of TxnRunner. One call is one FCALL of
// a function of market/market.lua, which reads, decides and writes atomically in the store, so an
// attempt is one round trip and never conflicts; only store errors are retried.
//
// The library is loaded with FUNCTION LOAD REPLACE by Load() (bazaar-market calls it at start-up)
// and again whenever an FCALL answers "ERR Function not found" (the store was flushed, restarted
// without its data, or failed over to a replica that never had it); the FCALL is then re-sent in
// the same attempt. Keys are all declared in FCALL's key list, so the calls are cluster-correct
// under a hash-tagged --key_prefix.
//
// Threads: like TxnRunner, every `done` runs on the store's thread; `trace` must outlive the call.
#ifndef BAZAAR_MARKET_SCRIPT_RUNNER_H_
#define BAZAAR_MARKET_SCRIPT_RUNNER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "market/key_schema.h"
#include "market/retry.h"
#include "market/store.h"
#include "market/transaction.h"

namespace bazaar::market {

// The library's source (market/market.lua, embedded at build time).
const std::string& MarketLuaLibrary();

struct ScriptCall {
  std::string function;           // e.g. bazaar_v2_purchase_item
  std::string fingerprint;        // method and parameters, as TxnSpec's
  std::vector<std::string> keys;  // the function's own keys (after events: and req:<id>)
  std::vector<std::string> args;  // the function's own arguments
};

class ScriptRunner {
 public:
  // Pointers must outlive the runner.
  ScriptRunner(Store* store, const KeySchema* keys, const RetryPolicy* policy, RetryEnv* env,
               absl::Duration idempotency_ttl, int64_t events_max_len)
      : store_(store), keys_(keys), policy_(policy), env_(env), ttl_(idempotency_ttl),
        events_max_len_(events_max_len) {}

  void Run(ScriptCall call, CallOptions options, CallTrace* trace, Done<TxnOutcome> done);
  // FUNCTION LOAD REPLACE of the library, retrying store errors; `done` gets the store's error.
  void Load(CallOptions options, CallTrace* trace, Done<bool> done);

 private:
  Argv Fcall(const ScriptCall& call, const CallOptions& options, int attempt) const;

  Store* store_;
  const KeySchema* keys_;
  const RetryPolicy* policy_;
  RetryEnv* env_;
  absl::Duration ttl_;
  int64_t events_max_len_;
};

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_SCRIPT_RUNNER_H_
