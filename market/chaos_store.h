// ChaosStore: fault injection for drills and tests, a Store wrapper that bazaar-market installs
// only when a fault flag is given (the production path never goes through it):
//   conflict_rate  a fraction of EXECs become watch conflicts (UNWATCH instead of MULTI/EXEC, so
//                  nothing is applied), as if another client had changed a watched key;
//   skip_watch     every WATCH is sent as PING instead (replies keep their places), so
//                  transactions are not optimistic at all: concurrent buyers can both buy one
//                  listing, and bazaar-load's invariant check must catch it.
#ifndef BAZAAR_MARKET_CHAOS_STORE_H_
#define BAZAAR_MARKET_CHAOS_STORE_H_

#include "market/retry.h"
#include "market/store.h"

namespace bazaar::market {

struct ChaosOptions {
  double conflict_rate = 0;  // in [0, 1]
  bool skip_watch = false;
  bool any() const { return conflict_rate > 0 || skip_watch; }
};

class ChaosStore : public Store {
 public:
  // `inner` and `env` must outlive this object.
  ChaosStore(Store* inner, RetryEnv* env, ChaosOptions options)
      : inner_(inner), env_(env), options_(options) {}
  void Open(absl::Time deadline, OpenDone done) override;

 private:
  Store* inner_;
  RetryEnv* env_;
  ChaosOptions options_;
};

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_CHAOS_STORE_H_
