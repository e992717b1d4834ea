// The primary's side of replication: the replicas attached to us. It answers PSYNC with
// +CONTINUE (the missed bytes from the backlog) or +FULLRESYNC followed by a snapshot, either
// from a background save on disk or, diskless, written by a forked child straight into the
// replicas' sockets; feeds every stream byte to the backlog and the replicas (holding it back
// for a replica until its snapshot has gone out); pings replicas and drops silent ones; and
// serves WAIT from the offsets replicas acknowledge.
#ifndef BAZAAR_ENGINE_REPLICATION_REPLICA_SET_H_
#define BAZAAR_ENGINE_REPLICATION_REPLICA_SET_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/commands/propagator.h"
#include "engine/commands/server_context.h"
#include "engine/config/options.h"
#include "engine/core/keyspace.h"
#include "engine/persistence/snapshots.h"
#include "engine/replication/backlog.h"
#include "engine/replication/host.h"

namespace bazaar::engine::replication {

class ReplicaSet {
 public:
  // All must outlive this object. The time is the keyspace's (the loop turn's).
  ReplicaSet(ReplicationHistory* history, persistence::Snapshots* snapshots,
             core::Keyspace* keyspace, config::Options* options, commands::ServerStats* stats);

  // PSYNC replid offset (psync) or SYNC from `peer`.
  void Attach(Peer* peer, std::string_view replid, int64_t offset, bool psync);
  void Ack(Peer* peer, int64_t offset);
  // The connection is going away.
  void Forget(Peer* peer);
  // Closes every replica (they reconnect and resync), e.g. when our own history restarted.
  void DisconnectAll();

  // Stream bytes, counted in the offset: into the backlog and to every replica.
  void Feed(std::string_view bytes);
  // A primary's propagated writes, as the stream encodes them: SELECT when the database
  // changes, MULTI ... EXEC around a batch of more than one command.
  void FeedCommands(const std::vector<commands::PropagatedCommand>& batch);
  // The database the stream last selected (-1: the next write selects again).
  int stream_db() const { return stream_db_; }
  void set_stream_db(int db) { stream_db_ = db; }

  // Every loop turn: starts pending full syncs, asks for ACKs that WAIT needs.
  void BeforeSleep(bool other_child_running);
  // Every tick: pings, keep-alives, timeouts, the diskless child, WAIT deadlines.
  void Cron();
  // A background save ended (our disk-based full sync may wait for it).
  void SnapshotDone(bool ok);
  bool child_running() const { return child_ > 0; }
  void KillChild();

  void Wait(Peer* peer, int64_t numreplicas, int64_t timeout_ms);
  size_t size() const { return replicas_.size(); }
  std::vector<commands::ReplicaInfo> Info() const;

 private:
  enum class State { kWaitBgsaveStart, kWaitBgsaveEnd, kOnline };
  struct Replica {
    Peer* conn;
    State state = State::kWaitBgsaveStart;
    bool psync = true;
    bool diskless = false;
    bool await_first_ack = false;  // after a diskless sync, stream once the replica has loaded
    std::string held;              // stream bytes waiting for the snapshot to go out
    int64_t ack_offset = 0;
    int64_t last_ack_ms = 0;
    // Stream bytes queued since the snapshot or backlog went out: the output limit counts
    // these, not the snapshot itself (a big dataset must still be able to sync).
    size_t streamed_since_online = 0;
    int64_t over_soft_limit_since_ms = 0;  // 0: within the soft limit
    bool dropping = false;
  };
  struct Waiter {
    Peer* conn;
    int64_t numreplicas;
    int64_t offset;
    int64_t deadline_ms;  // 0: none
  };

  void StartFullSync();
  bool ForkDisklessSync(const std::vector<Replica*>& targets);
  void Online(Replica& r, std::string payload);
  void Drop(Replica& r, const char* why);
  // client-output-buffer-limit for replicas (Redis's default: 256mb hard, 64mb for 60 s soft):
  // a replica that cannot keep up is dropped rather than growing our memory without bound.
  void EnforceOutputLimit(Replica& r, int64_t now_ms);
  int CountAcked(int64_t offset) const;
  void ServeWaiters(int64_t now_ms);

  ReplicationHistory* history_;
  persistence::Snapshots* snapshots_;
  core::Keyspace* keyspace_;
  config::Options* options_;
  commands::ServerStats* stats_;
  std::map<uint64_t, Replica> replicas_;  // by client id: attach order
  std::vector<Waiter> waiters_;
  bool getack_pending_ = false;
  int stream_db_ = -1;
  bool disk_sync_running_ = false;
  pid_t child_ = -1;  // the diskless sync writer
  int64_t first_waiting_ms_ = 0;
  int64_t last_ping_ms_ = 0;
};

}  // namespace bazaar::engine::replication

#endif  // BAZAAR_ENGINE_REPLICATION_REPLICA_SET_H_
