#include "engine/replication/replication.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "engine/core/log.h"

namespace bazaar::engine::replication {

Replication::Replication(Host* host, persistence::Snapshots* snapshots, core::Keyspace* keyspace,
                         config::Options* options, commands::ServerStats* stats,
                         commands::Dispatcher* dispatcher)
    : host_(host),
      options_(options),
      replicas_(&history_, snapshots, keyspace, options, stats),
      link_(host, &history_, &replicas_, keyspace, options, dispatcher) {}

void Replication::Start(const std::map<std::string, std::string>& aux) {
  auto id = aux.find("repl-id"), offset = aux.find("repl-offset");
  int64_t off = 0, db = 0;
  if (id != aux.end() && offset != aux.end() && id->second.size() == 40 &&
      absl::SimpleAtoi(offset->second, &off)) {
    if (auto it = aux.find("repl-stream-db"); it != aux.end()) {
      (void)absl::SimpleAtoi(it->second, &db);
    }
    // A restarted replica continues with PSYNC; a restarted primary keeps its history so that
    // replicas which had everything continue too.
    history_.CreateBacklog(options_->repl_backlog_size);
    history_.Restore(id->second, off);
    if (options_->replicaof.empty()) {
      replicas_.set_stream_db(-1);
    } else {
      link_.set_resumable(static_cast<int>(db));
    }
    core::Log(core::LogLevel::kNotice, "Restored replication ID %s and offset %d from the RDB",
              id->second, off);
  }
  if (!options_->replicaof.empty()) {
    const size_t space = options_->replicaof.rfind(' ');
    link_.Follow(options_->replicaof.substr(0, space),
                 std::stoll(options_->replicaof.substr(space + 1)));
  }
}

void Replication::FillSnapshotFields(persistence::RdbOptions* rdb) const {
  // As Redis: a primary with a history worth continuing, or a replica, saves where it is.
  if (!history_.backlog_active() && !link_.active()) return;
  rdb->repl_id = history_.replid();
  rdb->repl_offset = history_.master_repl_offset();
  rdb->repl_stream_db = std::max(0, link_.active() ? link_.stream_db() : replicas_.stream_db());
}

void Replication::Propagate(const std::vector<commands::PropagatedCommand>& batch) {
  // A replica passes on its primary's stream as it came (PrimaryLink), not its own effects.
  if (!link_.active() && history_.backlog_active()) replicas_.FeedCommands(batch);
}

void Replication::Cron() {
  replicas_.Cron();
  link_.Cron();
}

void Replication::OptionsChanged() { history_.Resize(options_->repl_backlog_size); }

absl::StatusOr<std::string> Replication::ReplicaOf(const std::string& host, int64_t port) {
  if (port < 0) {
    if (link_.active()) {
      link_.Stop();
      options_->replicaof.clear();
      // A new history begins here; the old one stays valid for PSYNC as replid2.
      history_.EnsureBacklog(options_->repl_backlog_size);
      history_.ShiftReplicationId();
      replicas_.set_stream_db(-1);
      replicas_.DisconnectAll();
      core::Log(core::LogLevel::kNotice, "MASTER MODE enabled");
    }
    return std::string("OK");
  }
  if (link_.active() && link_.host() == host && link_.port() == port) {
    return std::string("OK Already connected to specified master");
  }
  if (!link_.active()) {
    // We were a primary: our own history may continue on the new primary's stream.
    history_.EnsureBacklog(options_->repl_backlog_size);
    link_.set_resumable(std::max(0, replicas_.stream_db()));
    replicas_.DisconnectAll();
  }
  options_->replicaof = host + " " + std::to_string(port);
  link_.Follow(host, port);
  core::Log(core::LogLevel::kNotice, "REPLICAOF %s:%d enabled", host, port);
  return std::string("OK");
}

commands::ReplicationInfo Replication::replication_info() const {
  commands::ReplicationInfo info;
  if (link_.active()) link_.FillInfo(&info);
  info.replicas = replicas_.Info();
  info.replid = history_.replid();
  info.replid2 = history_.replid2();
  info.master_repl_offset = history_.master_repl_offset();
  info.second_repl_offset = history_.second_replid_offset();
  info.backlog_active = history_.backlog_active();
  info.backlog_size = options_->repl_backlog_size;
  info.backlog_first_byte_offset = history_.backlog_active() ? history_.first_byte_offset() : 0;
  info.backlog_histlen = history_.histlen();
  return info;
}

void Replication::AttachReplica(commands::ClientState& client, std::string_view replid,
                                int64_t offset, bool psync) {
  Peer* peer = host_->FindPeer(client.id);
  if (!peer) return;
  if (link_.active() && !link_.up()) {
    peer->reply().Error("NOMASTERLINK Can't SYNC while not connected with my master");
    return;
  }
  replicas_.Attach(peer, replid, offset, psync);
}

void Replication::ReplicaAck(commands::ClientState& client, int64_t offset) {
  if (Peer* peer = host_->FindPeer(client.id)) replicas_.Ack(peer, offset);
}

void Replication::WaitForReplicas(commands::ClientState& client, int64_t numreplicas,
                                  int64_t timeout_ms) {
  if (Peer* peer = host_->FindPeer(client.id)) replicas_.Wait(peer, numreplicas, timeout_ms);
}

}  // namespace bazaar::engine::replication
