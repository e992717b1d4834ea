// What the command layer knows about one connected client. The server's Connection owns it.
#ifndef BAZAAR_ENGINE_COMMANDS_CLIENT_STATE_H_
#define BAZAAR_ENGINE_COMMANDS_CLIENT_STATE_H_

#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "engine/acl/user.h"
#include "engine/txn/transaction_state.h"

namespace bazaar::engine::commands {

struct CommandSpec;

// CLIENT TRACKING's state of one client (the keys it read live in the server's tracking table).
struct TrackingState {
  bool on = false;
  bool bcast = false, optin = false, optout = false, noloop = false;
  // CLIENT CACHING YES (under OPTIN) or NO (under OPTOUT), for the next command only.
  bool caching = false;
  // The redirect client went away: nothing can be delivered (flag R, broken_redirect).
  bool broken_redirect = false;
  uint64_t redirect = 0;           // 0: invalidations come to the client itself (RESP3)
  std::set<std::string> prefixes;  // BCAST prefixes, sorted as CLIENT TRACKINGINFO lists them
};

struct ClientState {
  uint64_t id = 0;
  int fd = -1;
  std::string addr;   // "ip:port" of the peer
  std::string laddr;  // "ip:port" of our side
  bool is_local = true;      // connected over loopback or the Unix socket
  bool unix_socket = false;  // flag U
  std::string name;
  int db = 0;
  int resp = 2;
  bool authenticated = false;
  // The ACL user it acts as (the default user until AUTH); null for the server's own clients
  // (our primary's stream, the AOF loader), which may run anything.
  std::shared_ptr<acl::User> user;
  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  const CommandSpec* last_command = nullptr;
  txn::TransactionState tx;
  // Parked by a blocking command: no further input is processed until it is served.
  bool blocked = false;
  // While a blocked command runs again: the key whose change woke it (a woken XREAD answers
  // with that stream alone, as Redis does).
  std::string woken_key;
  // Held by CLIENT PAUSE: the request stays in the query buffer and runs again at unpause.
  bool postponed = false;
  // CLIENT NO-EVICT (flag e); we have no client eviction, so it only shows.
  bool no_evict = false;
  // Set by QUIT, a protocol error or CLIENT KILL: close once the pending replies are written.
  bool close_after_reply = false;
  // Close at once, unsent replies dropped: what looked like an HTTP request (a cross-protocol
  // attack through a browser) gets nothing back, as in Redis.
  bool close_now = false;
  // Replication: the link that streams our primary's writes to us (flag M), or a replica
  // attached to us (flag S) with what it said in REPLCONF.
  bool is_master = false;
  bool is_replica = false;
  bool is_script = false;  // the client redis.call runs a script's commands as
  bool is_aof_loader = false;  // the client AOF files are replayed as
  // Redis's mustObeyClient: commands from our primary or from the AOF were already accepted once,
  // so limits a user's command is held to (a stream trim's LIMIT) do not apply to them.
  bool must_obey() const { return is_master || is_aof_loader; }
  int64_t replica_listening_port = 0;
  bool replica_capa_eof = false;
  bool replica_capa_psync2 = false;
  // MONITOR: every command the server runs is echoed to this client (flag O).
  bool is_monitor = false;
  // CLIENT REPLY: OFF mutes every reply; SKIP mutes the next command's (skip_next marks it,
  // then skip holds while it runs).
  bool reply_off = false, reply_skip = false, reply_skip_next = false;
  // Pub/Sub subscriptions (channels, patterns, shard channels), kept by the server's PubSub.
  // In RESP2 a client with any is in the subscribed context.
  size_t sub = 0, psub = 0, ssub = 0;
  bool subscribed() const { return sub + psub + ssub > 0; }
  TrackingState tracking;
  // Connection-level figures for CLIENT LIST, filled in by the server before it asks.
  size_t query_buffer_bytes = 0;
  size_t query_buffer_free = 0;
  size_t output_buffer_bytes = 0;
};

// Redis's allowProtectedAction: whether an enable-debug-command or enable-protected-configs
// value ("no", "yes" or "local": loopback clients only) lets `client` go ahead.
inline bool AllowsProtectedAction(const std::string& mode, const ClientState& client) {
  return mode == "yes" || (mode == "local" && client.is_local);
}

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_CLIENT_STATE_H_
