// The server: listening sockets, connections, the periodic cron (active expiry, idle timeouts,
// ops/sec sampling) and signal-driven shutdown around one event loop. It owns the keyspace, the
// watch table and the dispatcher, and implements what commands may ask of it (ServerContext).
#ifndef BAZAAR_ENGINE_SERVER_SERVER_H_
#define BAZAAR_ENGINE_SERVER_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "engine/commands/command_table.h"
#include "engine/commands/dispatcher.h"
#include "engine/commands/server_context.h"
#include "engine/config/options.h"
#include "engine/core/keyspace.h"
#include "engine/persistence/append_only.h"
#include "engine/persistence/snapshots.h"
#include "engine/replication/backlog.h"
#include "engine/server/blocking.h"
#include "engine/server/connection.h"
#include "engine/server/event_loop.h"
#include "engine/server/primary_link.h"
#include "engine/server/replica_set.h"
#include "engine/txn/watch_table.h"

namespace bazaar::engine::server {

// The server is also the one propagator the dispatcher knows: each write batch goes to the AOF
// and, on a primary, into the replication stream.
class Server : public commands::ServerContext, public commands::Propagator {
 public:
  Server(config::Options options, std::string config_file, std::string executable);
  ~Server() override;

  // Binds every configured address. On failure returns false and sets *error.
  bool Listen(std::string* error);
  // Serves until SIGTERM/SIGINT or SHUTDOWN.
  void Run();

  // ServerContext.
  config::Options& options() override { return options_; }
  const std::string& config_file() const override { return config_file_; }
  const std::string& executable() const override { return executable_; }
  const std::string& run_id() const override { return run_id_; }
  commands::ServerStats& stats() override { return stats_; }
  size_t client_count() const override { return connections_.size(); }
  void ForEachClient(const std::function<void(const commands::ClientState&)>& fn) override;
  int KillClients(const std::function<bool(const commands::ClientState&)>& fn) override;
  bool Shutdown(commands::ShutdownSave save, bool force) override;
  absl::Status SaveSnapshot() override { return snapshots_.Save(); }
  absl::StatusOr<std::string> StartBackgroundSave(bool schedule) override;
  absl::StatusOr<std::string> StartAofRewrite() override;
  absl::Status OptionsChanged() override;
  commands::PersistenceInfo persistence_info() const override;
  std::string DiskErrorRefusingWrites() const override;
  // Loads the AOF (appendonly yes) or the dump at startup, then starts logging writes.
  absl::Status LoadData();
  double instantaneous_ops_per_sec() const override;
  void set_active_expire(bool enabled) override { active_expire_ = enabled; }
  void BlockClient(commands::ClientState& client, commands::Args argv,
                   std::vector<std::string> keys, int64_t deadline_ms) override;
  bool UnblockClient(uint64_t client_id, bool with_error) override;
  size_t blocked_client_count() const override { return blocking_.size(); }
  absl::StatusOr<std::string> ReplicaOf(const std::string& host, int64_t port) override;
  commands::ReplicationInfo replication_info() const override;
  void AttachReplica(commands::ClientState& client, std::string_view replid, int64_t offset,
                     bool psync) override;
  void ReplicaAck(commands::ClientState& client, int64_t offset) override;
  void WaitForReplicas(commands::ClientState& client, int64_t numreplicas,
                       int64_t timeout_ms) override;
  bool ReadOnlyReplica() const override {
    return link_.active() && options_.replica_read_only;
  }
  bool StaleDataRefused() const override {
    return link_.active() && !link_.up() && !options_.replica_serve_stale_data;
  }

  // Propagator.
  void Propagate(const std::vector<commands::PropagatedCommand>& batch) override;

  // For connections.
  commands::Dispatcher& dispatcher() { return dispatcher_; }
  EventLoop& loop() { return loop_; }
  int64_t now_ms() const;
  void QueueWrite(Connection* c) { pending_writes_.insert(c); }
  uint64_t NewClientId() { return next_client_id_++; }
  void ScheduleClose(Connection* c) { pending_closes_.insert(c); }
  // Serves blocked clients whose keys changed (called after every command).
  void ServeBlockedClients();
  // A client that was parked (WAIT) got its reply: flush it and run what it pipelined.
  void Resume(Connection* c) { Unblocked({c}); }
  // A full sync from our primary replaced the dataset: the AOF starts over from it.
  void ReplicaDatasetReplaced();

 private:
  class Listener;
  class SignalHandler;
  void Accept(int listen_fd);
  void BeforeSleep();
  void Cron();
  void Close(Connection* c);
  Connection* FindConnection(const commands::ClientState& client) const;
  bool ChildRunning() const {
    return snapshots_.in_progress() || aof_.rewrite_in_progress() || replicas_.child_running();
  }
  // Applies the replication fields of a dump loaded at startup (a restart keeps its history).
  void RestoreReplicationHistory();
  // A blocked client got its reply: flush it and run what it pipelined meanwhile.
  void Unblocked(const std::vector<Connection*>& served);

  config::Options options_;
  std::string config_file_;
  std::string executable_;
  std::string run_id_;
  commands::ServerStats stats_;
  core::Keyspace keyspace_;
  txn::WatchTable watches_;
  commands::CommandTable table_;
  commands::Dispatcher dispatcher_;
  BlockingManager blocking_;
  persistence::Snapshots snapshots_;
  persistence::AppendOnly aof_;
  replication::ReplicationHistory history_;
  ReplicaSet replicas_;
  PrimaryLink link_;
  bool bgsave_scheduled_ = false;
  EventLoop loop_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::unique_ptr<SignalHandler> signals_;
  absl::flat_hash_map<Connection*, std::unique_ptr<Connection>> connections_;
  absl::flat_hash_map<uint64_t, Connection*> by_id_;
  absl::flat_hash_set<Connection*> pending_input_;  // unblocked, with input left to run
  absl::flat_hash_set<Connection*> pending_writes_;
  absl::flat_hash_set<Connection*> pending_closes_;
  uint64_t next_client_id_ = 1;
  bool active_expire_ = true;
  // Ops/sec samples, as Redis's instantaneous_ops_per_sec.
  static constexpr int kOpsSamples = 16;
  double ops_samples_[kOpsSamples] = {};
  int ops_sample_index_ = 0;
  uint64_t last_ops_ = 0;
  int64_t last_ops_time_us_ = 0;
};

}  // namespace bazaar::engine::server

#endif  // BAZAAR_ENGINE_SERVER_SERVER_H_
