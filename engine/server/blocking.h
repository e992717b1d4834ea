// Clients parked by blocking commands (BLPOP, BLMOVE, BZPOPMIN...). Each waits on keys in one
// database, first come first served per key. When a waited-on key changes, the waiting clients'
// commands run again in arrival order; a client whose command still finds nothing stays in
// place. Deadlines are unix milliseconds.
#ifndef BAZAAR_ENGINE_SERVER_BLOCKING_H_
#define BAZAAR_ENGINE_SERVER_BLOCKING_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "engine/commands/dispatcher.h"
#include "engine/commands/server_context.h"
#include "engine/core/keyspace.h"

namespace bazaar::engine::server {

class Connection;

class BlockingManager : public core::KeyspaceObserver {
 public:
  BlockingManager(commands::Dispatcher* dispatcher, core::Keyspace* keyspace);

  void Block(Connection* conn, commands::Args argv, std::optional<core::ValueType> type,
             std::vector<std::string> keys, int64_t deadline_ms);
  // Drops a connection that is going away.
  void Forget(Connection* conn);
  // Re-runs the commands of clients whose keys changed, until nothing more is ready. Appends
  // the connections that got their reply.
  void ServeReady(std::vector<Connection*>* served);
  // Sends a null array to clients whose deadline passed.
  void ExpireTimeouts(int64_t now_ms, std::vector<Connection*>* served);
  // CLIENT UNBLOCK: replies as on timeout, or with an UNBLOCKED error.
  bool Unblock(Connection* conn, bool with_error);
  // Milliseconds until the nearest deadline, or -1.
  int MsUntilNextDeadline(int64_t now_ms) const;
  size_t size() const { return blocked_.size(); }
  bool has_ready() const { return !ready_.empty(); }

  void KeyModified(int db, std::string_view key) override;
  void DbReplaced(int db, int replaced_with) override;

 private:
  using DbKey = std::pair<int, std::string>;
  struct State {
    int db;
    // What a ready key must hold to serve the client; none: any change re-runs its command.
    std::optional<core::ValueType> type;
    std::vector<std::string> keys;
    commands::CommandSpec* spec;  // argv[0]'s entry, resolved once when the client blocked
    std::vector<std::string> argv;
    int64_t deadline_ms;
    std::multimap<int64_t, Connection*>::iterator deadline_it;
  };
  void Release(Connection* conn);
  // Runs conn's command again, woken by `key`; true if it was served (no longer blocked).
  bool Rerun(Connection* conn, const std::string& key);

  commands::Dispatcher* dispatcher_;
  core::Keyspace* keyspace_;
  absl::flat_hash_map<DbKey, std::deque<Connection*>> waiters_;
  absl::flat_hash_map<Connection*, State> blocked_;
  std::multimap<int64_t, Connection*> deadlines_;  // only finite deadlines
  std::vector<DbKey> ready_;
  absl::flat_hash_set<DbKey> ready_set_;
  Connection* rerunning_ = nullptr;
};

}  // namespace bazaar::engine::server

#endif  // BAZAAR_ENGINE_SERVER_BLOCKING_H_
