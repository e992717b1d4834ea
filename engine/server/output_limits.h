// client-output-buffer-limit for the normal and pubsub classes (replicas have their own check in
// replication/replica_set): a client whose unsent replies pass its class's hard limit, or stay
// past its soft limit for longer than the soft seconds, is closed, and the closing logged as
// Redis logs it. A client's class is Redis's: pubsub while it holds subscriptions, else normal.
// The server checks a connection after each batch of its commands and the Pub/Sub hub after
// each message it queues. Owned by the server; loop thread only.
#ifndef BAZAAR_ENGINE_SERVER_OUTPUT_LIMITS_H_
#define BAZAAR_ENGINE_SERVER_OUTPUT_LIMITS_H_

#include <cstdint>
#include <functional>

#include "absl/container/flat_hash_map.h"
#include "engine/commands/client_state.h"
#include "engine/config/options.h"

namespace bazaar::engine::server {

class OutputLimits {
 public:
  OutputLimits(const config::Options* options, std::function<int64_t()> now_ms)
      : options_(options), now_ms_(std::move(now_ms)) {}

  // Whether `client`, with `pending_bytes` of replies not yet written, must be closed now (the
  // warning is logged then). Replicas and our primary's link are never judged here.
  bool MustClose(const commands::ClientState& client, size_t pending_bytes);
  void Forget(uint64_t client_id) { over_soft_since_s_.erase(client_id); }

 private:
  const config::Options* options_;
  std::function<int64_t()> now_ms_;
  absl::flat_hash_map<uint64_t, int64_t> over_soft_since_s_;  // unix second it first went over
};

}  // namespace bazaar::engine::server

#endif  // BAZAAR_ENGINE_SERVER_OUTPUT_LIMITS_H_
