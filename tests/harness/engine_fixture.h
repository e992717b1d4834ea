// In-process engine fixture: a keyspace, watch table and dispatcher with a fake server around
// them, so command behaviour is testable without sockets. Run({"SET","k","v"}) returns the raw
// RESP reply; clients are numbered so transactions between clients can be scripted.
#ifndef BAZAAR_TESTS_HARNESS_ENGINE_FIXTURE_H_
#define BAZAAR_TESTS_HARNESS_ENGINE_FIXTURE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/commands/command_table.h"
#include "engine/commands/dispatcher.h"
#include "engine/commands/errors.h"
#include "engine/commands/server_context.h"
#include "engine/core/keyspace.h"
#include "engine/txn/watch_table.h"

namespace bazaar::testing {

class EngineFixture : public engine::commands::ServerContext {
 public:
  EngineFixture();

  // Runs one command as client `client` at the fixture's clock; returns the raw reply.
  std::string Run(const std::vector<std::string>& argv, int client = 0);
  // The fake clock: unix milliseconds seen by every command.
  void SetTimeMs(int64_t now_ms) { now_ms_ = now_ms; }
  void AdvanceMs(int64_t delta) { now_ms_ += delta; }
  engine::core::Keyspace& keyspace() { return keyspace_; }
  engine::txn::WatchTable& watches() { return watches_; }
  engine::commands::CommandTable& table() { return table_; }
  engine::commands::ClientState& client(int n);

  // ServerContext.
  engine::config::Options& options() override { return options_; }
  const std::string& config_file() const override { return empty_; }
  const std::string& executable() const override { return empty_; }
  const std::string& run_id() const override { return run_id_; }
  engine::commands::ServerStats& stats() override { return stats_; }
  size_t client_count() const override { return clients_.size(); }
  void ForEachClient(
      const std::function<void(const engine::commands::ClientState&)>& fn) override;
  int KillClients(const std::function<bool(const engine::commands::ClientState&)>& fn) override;
  bool Shutdown(engine::commands::ShutdownSave, bool) override {
    shutdown_requested_ = true;
    return true;
  }
  // Snapshots need the real server (tests/integration covers them).
  absl::Status SaveSnapshot() override { return absl::UnimplementedError("ERR no disk here"); }
  absl::StatusOr<std::string> StartBackgroundSave(bool) override {
    return absl::UnimplementedError("ERR no disk here");
  }
  absl::StatusOr<std::string> StartAofRewrite() override {
    return absl::UnimplementedError("ERR no disk here");
  }
  absl::Status OptionsChanged() override { return absl::OkStatus(); }
  engine::commands::PersistenceInfo persistence_info() const override { return {}; }
  std::string DiskErrorRefusingWrites() const override {
    return writes_denied_ ? std::string(engine::commands::kMisconfError) : std::string();
  }
  void set_writes_denied(bool denied) { writes_denied_ = denied; }
  double instantaneous_ops_per_sec() const override { return 0; }
  void set_active_expire(bool) override {}
  // Blocking is the server's: here a blocked client is only marked, and never served.
  void BlockClient(engine::commands::ClientState& client, engine::commands::Args,
                   std::vector<std::string>, int64_t) override {
    client.blocked = true;
  }
  bool UnblockClient(uint64_t, bool) override { return false; }
  size_t blocked_client_count() const override { return 0; }
  // No replication in-process: a primary without replicas.
  absl::StatusOr<std::string> ReplicaOf(const std::string&, int64_t) override {
    return absl::UnimplementedError("ERR no replication here");
  }
  engine::commands::ReplicationInfo replication_info() const override { return {}; }
  void AttachReplica(engine::commands::ClientState&, std::string_view, int64_t, bool) override {}
  void ReplicaAck(engine::commands::ClientState&, int64_t) override {}
  void WaitForReplicas(engine::commands::ClientState&, int64_t, int64_t) override {}
  bool ReadOnlyReplica() const override { return false; }
  bool StaleDataRefused() const override { return false; }
  bool shutdown_requested() const { return shutdown_requested_; }

 private:
  engine::config::Options options_;
  engine::commands::ServerStats stats_;
  engine::core::Keyspace keyspace_;
  engine::txn::WatchTable watches_;
  engine::commands::CommandTable table_;
  engine::commands::Dispatcher dispatcher_;
  std::map<int, std::unique_ptr<engine::commands::ClientState>> clients_;
  int64_t now_ms_ = 1700000000000;
  std::string empty_;
  std::string run_id_ = std::string(40, 'a');
  bool shutdown_requested_ = false;
  bool writes_denied_ = false;
};

}  // namespace bazaar::testing

#endif  // BAZAAR_TESTS_HARNESS_ENGINE_FIXTURE_H_
