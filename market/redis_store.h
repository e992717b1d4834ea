// RedisStore: the Store over a client::AsyncPool, on the pool's AsyncLoop thread: every session
// callback runs there, so no thread is handed a call per round trip. A session that WATCHed keys
// and ends without EXEC sends UNWATCH, and its connection goes back to the pool once that is
// answered; a session whose connection failed closes it. With ReplicaAcks, every round trip
// that changes data ends with WAIT in the same write, so a change counts only once enough
// replicas hold it. Also the RetryEnv of calls on this store: their backoff waits are the loop's
// timers.
#ifndef BAZAAR_MARKET_REDIS_STORE_H_
#define BAZAAR_MARKET_REDIS_STORE_H_

#include <random>

#include "market/retry.h"
#include "market/store.h"
#include "resp/async_pool.h"
#include "resp/cluster.h"

namespace bazaar::market {

// How many replicas must acknowledge a change (Redis's WAIT numreplicas timeout) before the
// market answers that it is done; 0: the primary's answer is enough (Redis's default).
struct ReplicaAcks {
  int replicas = 0;
  absl::Duration timeout = absl::Seconds(1);
};

// Told of every -MOVED or -ASK a session met (on the loop's thread), so the pool can follow the
// slot (ClusterResolver::Moved keeps the MOVEDs of its slot).
using MovedHook = std::function<void(const client::Redirect&)>;

class RedisStore : public Store, public RetryEnv {
 public:
  // `pool` (and its loop) must outlive the store. On a cluster, a round trip the cluster
  // refused (-MOVED, -ASK, -TRYAGAIN, -CLUSTERDOWN: nothing of it was applied) fails with
  // UNAVAILABLE / STORE_UNAVAILABLE, which the retry loop retries after its backoff, and a
  // redirect goes to `moved` first.
  explicit RedisStore(client::AsyncPool* pool, ReplicaAcks acks = {}, MovedHook moved = {})
      : pool_(pool), acks_(acks), moved_(std::move(moved)) {}
  // Store. Any thread; the answer comes on the loop.
  void Open(absl::Time deadline, OpenDone done) override;
  // RetryEnv. After and Uniform01: the loop's thread.
  absl::Time Now() override { return absl::Now(); }
  void After(absl::Duration d, std::function<void()> fn) override;
  double Uniform01() override;

 private:
  client::AsyncPool* pool_;
  ReplicaAcks acks_;
  MovedHook moved_;
  std::mt19937_64 rng_{std::random_device{}()};
};

// The cluster's refusal of a round trip among `replies` (a -MOVED, -ASK, -TRYAGAIN or
// -CLUSTERDOWN error), as UNAVAILABLE / STORE_UNAVAILABLE; `moved` hears of a redirect first.
std::optional<absl::Status> ClusterRefusal(const Replies& replies, const MovedHook& moved);
// Exec's reply handling, shared with tests: checks MULTI/QUEUED replies and unpacks EXEC.
absl::StatusOr<ExecReplies> UnpackExecReplies(Replies replies);
// WAIT's reply after a change, shared with tests: OK when at least acks.replicas replicas
// acknowledged it, else UNAVAILABLE / OUTCOME_UNKNOWN saying how many did.
absl::Status CheckReplicaAcks(const RespReply& wait, const ReplicaAcks& acks);

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_REDIS_STORE_H_
