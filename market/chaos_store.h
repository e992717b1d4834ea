// ChaosStore: fault injection for drills and tests. It wraps a Store and turns a fraction of
// EXECs into watch conflicts (UNWATCH instead of MULTI/EXEC, so nothing is applied), as if
// another client had changed a watched key. Enabled by --chaos_conflict_rate (0 = off).
#ifndef BAZAAR_MARKET_CHAOS_STORE_H_
#define BAZAAR_MARKET_CHAOS_STORE_H_

#include "market/retry.h"
#include "market/store.h"

namespace bazaar::market {

class ChaosStore : public Store {
 public:
  // `inner` and `env` must outlive this object; rate in [0, 1].
  ChaosStore(Store* inner, RetryEnv* env, double conflict_rate)
      : inner_(inner), env_(env), rate_(conflict_rate) {}
  absl::StatusOr<std::unique_ptr<StoreSession>> Open(absl::Time deadline) override;

 private:
  Store* inner_;
  RetryEnv* env_;
  double rate_;
};

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_CHAOS_STORE_H_
