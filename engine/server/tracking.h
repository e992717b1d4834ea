// Tracking: client-side caching (CLIENT TRACKING) for the server. It keeps which tracking
// clients read each key (default mode) and which clients watch each prefix (BCAST mode), and
// sends the invalidation messages: a RESP3 push "invalidate" to the client itself, or through
// its REDIRECT client (a push in RESP3, a __redis__:invalidate message in RESP2 when that client
// is subscribed). As a keyspace observer it hears every modified key and every flush.
//
// Redis 7.0's timing: a key modified by the client running a command, that it tracks itself,
// is invalidated after that command's reply (CommandDone); BCAST keys are collected and sent
// once per loop turn (BroadcastPending, before the replies are flushed). The table is bounded
// by tracking-table-max-keys before each command (EnforceMaxKeys). Loop thread only.
#ifndef BAZAAR_ENGINE_SERVER_TRACKING_H_
#define BAZAAR_ENGINE_SERVER_TRACKING_H_

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/commands/server_context.h"
#include "engine/config/options.h"
#include "engine/core/keyspace.h"

namespace bazaar::engine::server {

class Connection;

class Tracking : public commands::TrackingControl, public core::KeyspaceObserver {
 public:
  // `find` gives the connection of a client id (null when gone); it and `options` must outlive
  // this.
  Tracking(const config::Options* options, std::function<Connection*(uint64_t)> find);

  void EnableTracking(commands::ClientState& client,
                      const commands::TrackingState& options) override;
  void DisableTracking(commands::ClientState& client) override;
  void CommandStarting(commands::ClientState& client) override;
  void CommandDone() override;
  void RememberKeys(commands::ClientState& client,
                    const std::vector<std::string_view>& keys) override;
  Figures figures() const override;

  void KeyModified(int db, std::string_view key) override;
  // Expiry and eviction are no client's change: even a NOLOOP client hears of them.
  void KeyExpired(int, std::string_view key) override { ChangedByNoClient(key); }
  void KeyEvicted(int, std::string_view key) override { ChangedByNoClient(key); }
  void DbReplaced(int, int) override {}
  void Flushed() override;

  void EnforceMaxKeys() override;

  // Sends each BCAST prefix's collected keys to its clients (Redis's beforeSleep step).
  void BroadcastPending();

 private:
  struct Prefix {
    std::set<uint64_t> clients;
    // Keys modified since the last broadcast, with the client that last did (0: none), so a
    // NOLOOP client is not told about its own changes.
    std::map<std::string, uint64_t> keys;
  };
  // Invalidates `key` for the clients that read it and forgets it; `from_command` is false
  // when the table limit evicts it (no BCAST collection then).
  void InvalidateKey(std::string_view key, bool from_command);
  // Records a BCAST key's last change as made by no client.
  void ChangedByNoClient(std::string_view key);
  // Delivers one invalidation for `client`'s tracking: `payload` is the keys array (or null)
  // already encoded.
  void Send(commands::ClientState& client, std::string_view payload);

  const config::Options* options_;
  std::function<Connection*(uint64_t)> find_;
  // Key -> ids of the clients that read it.
  absl::flat_hash_map<std::string, std::set<uint64_t>> table_;
  size_t items_ = 0;
  std::map<std::string, Prefix> prefixes_;
  std::set<uint64_t> tracking_ids_;  // the clients with tracking on
  // The client running a command, and the invalidations it gets after its reply.
  commands::ClientState* current_ = nullptr;
  std::vector<std::string> pending_;  // encoded payloads
  int over_limit_runs_ = 0;           // raises the effort while the table stays too big
};

}  // namespace bazaar::engine::server

#endif  // BAZAAR_ENGINE_SERVER_TRACKING_H_
