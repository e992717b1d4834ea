// Both replication roles behind one door: the history (ids, offset, backlog), the primary's
// side (ReplicaSet: the replicas attached to us, WAIT) and the replica's side (PrimaryLink: the
// link to our primary). It answers the replication commands (commands::ReplicationControl),
// takes every propagated write batch for the stream, restores the history a dump was saved
// with, and switches roles on REPLICAOF. It reaches the server only through Host; event-loop
// thread only.
#ifndef BAZAAR_ENGINE_REPLICATION_REPLICATION_H_
#define BAZAAR_ENGINE_REPLICATION_REPLICATION_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/commands/dispatcher.h"
#include "engine/commands/propagator.h"
#include "engine/commands/server_context.h"
#include "engine/config/options.h"
#include "engine/core/keyspace.h"
#include "engine/persistence/rdb_writer.h"
#include "engine/persistence/snapshots.h"
#include "engine/replication/backlog.h"
#include "engine/replication/host.h"
#include "engine/replication/primary_link.h"
#include "engine/replication/replica_set.h"

namespace bazaar::engine::replication {

class Replication : public commands::ReplicationControl {
 public:
  // All must outlive this object.
  Replication(Host* host, persistence::Snapshots* snapshots, core::Keyspace* keyspace,
              config::Options* options, commands::ServerStats* stats,
              commands::Dispatcher* dispatcher);

  // After the data is loaded: restores the history from the loaded dump's aux fields (a
  // restarted primary or replica continues with PSYNC) and follows a configured replicaof.
  void Start(const std::map<std::string, std::string>& loaded_aux);
  // The replication fields every snapshot carries (repl-id, repl-offset, repl-stream-db).
  void FillSnapshotFields(persistence::RdbOptions* rdb) const;
  // A propagated write batch: into the stream while we are a primary with a history.
  void Propagate(const std::vector<commands::PropagatedCommand>& batch);

  // Every loop turn (before sleeping) and every tick.
  void BeforeSleep(bool other_child_running) { replicas_.BeforeSleep(other_child_running); }
  void Cron();
  // A background save ended (a disk-based full sync may wait for it).
  void SnapshotDone(bool ok) { replicas_.SnapshotDone(ok); }
  // The diskless-sync child.
  bool child_running() const { return replicas_.child_running(); }
  void KillChild() { replicas_.KillChild(); }
  // After CONFIG SET (repl-backlog-size).
  void OptionsChanged();

  // A client connection is going away.
  void Forget(Peer* peer) { replicas_.Forget(peer); }
  // We follow a primary (its stream, not our cron, expires keys).
  bool following() const { return link_.active(); }
  // The master client while the link is up (CLIENT LIST, CLIENT KILL), else null.
  const commands::ClientState* master_client() const { return link_.master_client(); }
  void KillMasterLink() { link_.Kill(); }
  void OnLinkSocketEvent(uint32_t events) { link_.OnSocketEvent(events); }

  // commands::ReplicationControl.
  absl::StatusOr<std::string> ReplicaOf(const std::string& host, int64_t port) override;
  commands::ReplicationInfo replication_info() const override;
  void AttachReplica(commands::ClientState& client, std::string_view replid, int64_t offset,
                     bool psync) override;
  void ReplicaAck(commands::ClientState& client, int64_t offset) override;
  void WaitForReplicas(commands::ClientState& client, int64_t numreplicas,
                       int64_t timeout_ms) override;
  bool ReadOnlyReplica() const override { return link_.active() && options_->replica_read_only; }
  bool StaleDataRefused() const override {
    return link_.active() && !link_.up() && !options_->replica_serve_stale_data;
  }

 private:
  Host* host_;
  config::Options* options_;
  ReplicationHistory history_;
  ReplicaSet replicas_;
  PrimaryLink link_;
};

}  // namespace bazaar::engine::replication

#endif  // BAZAAR_ENGINE_REPLICATION_REPLICATION_H_
