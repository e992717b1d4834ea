// In-process engine fixture: a keyspace, watch table and dispatcher with only options and
// statistics around them (no clients registry, blocking, disk or replication: the families
// that need those are tested against the real server), so command behaviour is testable
// without sockets. Run({"SET","k","v"}) returns the raw
// RESP reply; clients are numbered so transactions between clients can be scripted.
#ifndef BAZAAR_TESTS_HARNESS_ENGINE_FIXTURE_H_
#define BAZAAR_TESTS_HARNESS_ENGINE_FIXTURE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/commands/command_table.h"
#include "engine/commands/dispatcher.h"
#include "engine/commands/propagator.h"
#include "engine/commands/server_context.h"
#include "engine/core/keyspace.h"
#include "engine/txn/watch_table.h"

namespace bazaar::testing {

// Keeps every command it is given to log (for the fixture's set_propagator).
class RecordingPropagator : public engine::commands::Propagator {
 public:
  void Propagate(const std::vector<engine::commands::PropagatedCommand>& batch) override {
    for (const auto& c : batch) logged.push_back(c.argv);
  }
  std::vector<std::vector<std::string>> logged;
};

class EngineFixture {
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
  // Where write commands are logged (not owned; nullptr: nowhere).
  void set_propagator(engine::commands::Propagator* propagator) {
    dispatcher_.set_propagator(propagator);
  }

  engine::commands::ServerStats& stats() { return stats_; }

 private:
  engine::config::Options options_;
  engine::commands::ServerStats stats_;
  engine::core::Keyspace keyspace_;
  engine::txn::WatchTable watches_;
  engine::commands::CommandTable table_;
  engine::commands::Dispatcher dispatcher_;
  std::map<int, std::unique_ptr<engine::commands::ClientState>> clients_;
  int64_t now_ms_ = 1700000000000;
};

}  // namespace bazaar::testing

#endif  // BAZAAR_TESTS_HARNESS_ENGINE_FIXTURE_H_
