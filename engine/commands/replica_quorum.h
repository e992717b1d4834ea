// min-replicas-to-write / min-replicas-max-lag: a primary refuses writes (-NOREPLICAS) unless
// enough of its replicas are online and acknowledged within the lag, as Redis's
// checkGoodReplicasStatus decides. Used by the dispatcher, by scripts' write checks and by INFO.
// Loop thread only.
#ifndef BAZAAR_ENGINE_COMMANDS_REPLICA_QUORUM_H_
#define BAZAAR_ENGINE_COMMANDS_REPLICA_QUORUM_H_

#include <cstdint>
#include <string_view>

#include "engine/commands/server_context.h"

namespace bazaar::engine::commands {

inline constexpr std::string_view kNoReplicasError =
    "NOREPLICAS Not enough good replicas to write.";

// Whether the rule is on (both options non-zero).
inline bool ReplicaQuorumOn(const config::Options& o) {
  return o.min_replicas_to_write > 0 && o.min_replicas_max_lag > 0;
}

// Replicas online whose last acknowledgement is at most min-replicas-max-lag seconds old.
inline int64_t GoodReplicaCount(const ReplicationInfo& r, const config::Options& o) {
  int64_t good = 0;
  for (const ReplicaInfo& s : r.replicas) {
    if (s.state == "online" && s.lag_seconds <= o.min_replicas_max_lag) ++good;
  }
  return good;
}

// True when writes may go on: the rule is off, we are a replica, or enough replicas are good.
inline bool EnoughGoodReplicas(const ServerContext& server) {
  if (!ReplicaQuorumOn(server.options) || server.replication == nullptr) return true;
  const ReplicationInfo r = server.replication->replication_info();
  return r.is_replica || GoodReplicaCount(r, server.options) >= server.options.min_replicas_to_write;
}

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_REPLICA_QUORUM_H_
