// The server: listening sockets, connections, the periodic cron (active expiry, idle timeouts,
// ops/sec sampling) and signal-driven shutdown around one event loop. It owns the keyspace, the
// watch table, the dispatcher, persistence and replication, and wires them together. The
// keyspace's clock advances once per loop turn here and once per command in the dispatcher.
#ifndef BAZAAR_ENGINE_SERVER_SERVER_H_
#define BAZAAR_ENGINE_SERVER_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "engine/commands/command_table.h"
#include "engine/commands/dispatcher.h"
#include "engine/commands/migrate_sockets.h"
#include "engine/commands/server_context.h"
#include "engine/config/options.h"
#include "engine/core/keyspace.h"
#include "engine/persistence/persistence.h"
#include "engine/replication/host.h"
#include "engine/replication/replication.h"
#include "engine/scripting/script_engine.h"
#include "engine/server/blocking.h"
#include "engine/server/connection.h"
#include "engine/server/event_loop.h"
#include "engine/server/pubsub_hub.h"
#include "engine/server/tracking.h"
#include "engine/tls/tls_context.h"
#include "engine/txn/watch_table.h"

namespace bazaar::engine::server {

// The server implements the command-facing interfaces (commands::ServerContext's parts) that
// are about the process and its connections, forwards persistence's to Persistence, lets
// Replication answer for itself, and is the one propagator the dispatcher knows: each write
// batch goes to the AOF and, on a primary, into the replication stream. It is replication's
// Host (peers, client ids, the link's socket).
class Server : public commands::ServerControl,
               public commands::ClientRegistry,
               public commands::BlockedClients,
               public commands::PersistenceControl,
               public commands::CommandMonitors,
               public commands::Propagator,
               public replication::Host {
 public:
  Server(config::Options options, std::string config_file, std::string executable);
  ~Server() override;

  // Binds every configured address. On failure returns false and sets *error.
  bool Listen(std::string* error);
  absl::Status Relisten() override;
  // Loads the AOF (appendonly yes) or the dump at startup, then starts logging writes and
  // replication (restoring its history, following a configured replicaof).
  absl::Status LoadData();
  // The ACL users the config file's `user` lines or the ACL file define (not both), before
  // serving; the status message is why the server cannot start.
  absl::Status LoadAclUsers();
  // Serves until SIGTERM/SIGINT or SHUTDOWN.
  void Run();

  // commands::ServerControl.
  const std::string& config_file() const override { return config_file_; }
  const std::string& executable() const override { return executable_; }
  const std::string& run_id() const override { return run_id_; }
  bool Shutdown(commands::ShutdownSave save, bool force) override;
  absl::Status OptionsChanged(bool in_exec) override;
  double instantaneous_ops_per_sec() const override;
  void set_active_expire(bool enabled) override { active_expire_ = enabled; }
  absl::Status ReloadDataset(const ReloadOptions& options) override;
  absl::Status ReloadAppendOnly() override;
  void PauseClients(int64_t end_ms, bool all) override;
  void UnpauseClients() override;
  bool PausedFor(bool may_write) override;
  // commands::ClientRegistry.
  size_t client_count() const override { return connections_.size(); }
  void ForEachClient(const std::function<void(const commands::ClientState&)>& fn) override;
  int KillClients(const std::function<bool(const commands::ClientState&)>& fn) override;
  // commands::BlockedClients.
  void BlockClient(commands::ClientState& client, commands::Args argv,
                   std::optional<core::ValueType> type,
                   std::vector<std::string> keys, int64_t deadline_ms) override;
  bool UnblockClient(uint64_t client_id, bool with_error) override;
  void SignalKeyReady(int db, std::string_view key) override { blocking_.KeyModified(db, key); }
  size_t blocked_client_count() const override;
  // commands::PersistenceControl, answered by Persistence (one child at a time, counting
  // replication's diskless-sync child).
  absl::Status SaveSnapshot() override { return persistence_.Save(); }
  absl::StatusOr<std::string> StartBackgroundSave(bool schedule, bool in_exec) override {
    return persistence_.StartBackgroundSave(schedule, in_exec, replication_.child_running());
  }
  absl::StatusOr<std::string> StartAofRewrite(bool in_exec) override {
    return persistence_.StartAofRewrite(in_exec, replication_.child_running());
  }
  persistence::PersistenceInfo persistence_info() const override { return persistence_.info(); }
  std::string DiskErrorRefusingWrites() const override {
    return persistence_.DiskErrorRefusingWrites();
  }

  // commands::CommandMonitors.
  void AddMonitor(commands::ClientState& client) override;
  bool has_monitors() const override { return !monitors_.empty(); }
  void FeedMonitors(const commands::ClientState& client, int db,
                    const std::vector<std::string>& args) override;

  // commands::Propagator.
  void Propagate(const std::vector<commands::PropagatedCommand>& batch) override;

  // replication::Host.
  replication::Peer* FindPeer(uint64_t client_id) override;
  uint64_t NewClientId() override { return next_client_id_++; }
  absl::StatusOr<std::unique_ptr<tls::Transport>> LinkTransport(int fd) override;
  void WatchLinkSocket(int fd, uint32_t epoll_events) override;
  void UnwatchLinkSocket(int fd) override { loop_.Remove(fd); }
  void DatasetReplaced(const std::vector<std::string>& functions) override;

  // For connections.
  commands::Dispatcher& dispatcher() { return dispatcher_; }
  EventLoop& loop() { return loop_; }
  config::Options& options() { return options_; }
  commands::ServerStats& stats() { return stats_; }
  // The time of the current loop turn (or command), unix ms.
  int64_t now_ms() const { return keyspace_.now_ms(); }
  void QueueWrite(Connection* c) { pending_writes_.insert(c); }
  void ScheduleClose(Connection* c) { pending_closes_.insert(c); }
  // A client that was parked (WAIT) got its reply: flush it and run what it pipelined.
  void Resume(Connection* c) { Unblocked({c}); }

 private:
  class Listener;
  class SignalHandler;
  class LinkSocket;
  void Accept(int listen_fd, bool tls);
  // Binds and listens on every bind address at `port`; false with *error set.
  bool ListenTcp(int64_t port, bool tls, std::vector<std::unique_ptr<Listener>>* opened,
                 std::string* error);
  // (Re)makes the TLS context from the tls-* options.
  absl::Status ConfigureTls();
  // Binds and listens on options_.unixsocket; the fd, or -1 with *error set.
  int ListenUnix(std::string* error);
  void BeforeSleep();
  void Cron();
  void Close(Connection* c);
  // While a slow script runs: one non-waiting turn of the loop, where other clients get
  // -BUSY (or run SCRIPT KILL, SHUTDOWN NOSAVE), and their replies go out.
  void ServeWhileScriptBusy();
  // Serves clients blocked on keys the last command made ready (after every command).
  void ServeBlockedClients();
  // A blocked client got its reply: flush it and run what it pipelined meanwhile.
  void Unblocked(const std::vector<Connection*>& served);
  // The connection of a client id; null when it is gone.
  Connection* FindConnection(uint64_t id);

  config::Options options_;
  std::string config_file_;
  std::string executable_;
  std::string run_id_;
  commands::ServerStats stats_;
  core::Keyspace keyspace_;
  txn::WatchTable watches_;
  commands::CommandTable table_;
  OutputLimits output_limits_;  // before pubsub_, which holds it
  PubSubHub pubsub_;
  Tracking tracking_;
  scripting::ScriptEngine scripts_;
  // Loads the function libraries `codes` (what a load read) into scripts_, replacing any of the
  // same name; ReplaceFunctions drops the others first.
  void LoadFunctions(const std::vector<std::string>& codes);
  void ReplaceFunctions(const std::vector<std::string>& codes);
  // The code of every function library, for the RDBs and AOF bases we write.
  std::vector<std::string> FunctionCodes() const;
  commands::MigrateSockets migrate_sockets_;  // before dispatcher_, which points at it
  commands::Dispatcher dispatcher_;
  BlockingManager blocking_;
  persistence::Persistence persistence_;
  replication::Replication replication_;
  EventLoop loop_;
  std::unique_ptr<LinkSocket> link_socket_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::shared_ptr<tls::TlsContext> tls_;  // when tls-port is set
  std::vector<std::string> tls_fingerprint_;  // the tls-* values tls_ was made from
  std::unique_ptr<SignalHandler> signals_;
  absl::flat_hash_map<Connection*, std::unique_ptr<Connection>> connections_;
  absl::flat_hash_map<uint64_t, Connection*> by_id_;
  absl::flat_hash_set<Connection*> pending_input_;  // unblocked, with input left to run
  absl::flat_hash_set<Connection*> pending_writes_;
  absl::flat_hash_set<Connection*> pending_closes_;
  std::vector<uint64_t> monitors_;  // client ids, in the order they sent MONITOR
  uint64_t next_client_id_ = 1;
  bool active_expire_ = true;
  // CLIENT PAUSE.
  bool paused_ = false;
  bool pause_all_ = false;
  int64_t pause_end_ms_ = 0;
  // Ops/sec samples, as Redis's instantaneous_ops_per_sec.
  static constexpr int kOpsSamples = 16;
  double ops_samples_[kOpsSamples] = {};
  int ops_sample_index_ = 0;
  uint64_t last_ops_ = 0;
  int64_t last_ops_time_us_ = 0;
};

}  // namespace bazaar::engine::server

#endif  // BAZAAR_ENGINE_SERVER_SERVER_H_
