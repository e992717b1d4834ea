// What command handlers may ask of the server around them, one small interface per concern
// (the process, the clients, blocking, persistence, replication), so that a family uses only
// its own and a test fixture provides only what its commands touch. The server implements them
// all; handlers reach them through CommandContext::server. Single-threaded: the loop's thread.
#ifndef BAZAAR_ENGINE_COMMANDS_SERVER_CONTEXT_H_
#define BAZAAR_ENGINE_COMMANDS_SERVER_CONTEXT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/commands/client_state.h"
#include "engine/commands/command_table.h"
#include "engine/config/options.h"
#include "engine/core/value.h"
#include "engine/persistence/persistence_info.h"
#include "engine/pubsub/kind.h"

namespace bazaar::engine::commands {

class MigrateSockets;

struct ServerStats {
  int64_t start_time_ms = 0;
  uint64_t total_connections_received = 0;
  uint64_t total_commands_processed = 0;
  uint64_t rejected_connections = 0;
  uint64_t total_net_input_bytes = 0;
  uint64_t total_net_output_bytes = 0;
  uint64_t total_error_replies = 0;
  uint64_t client_query_buffer_limit_disconnections = 0;
  uint64_t protocol_errors = 0;
  // Error replies by their first word, for INFO errorstats.
  std::map<std::string, uint64_t, std::less<>> errors_by_prefix;
  // Replication, as a primary.
  uint64_t sync_full = 0;
  uint64_t sync_partial_ok = 0;
  uint64_t sync_partial_err = 0;
  // Transactions (our own INFO section).
  uint64_t exec_count = 0;          // EXEC calls that ran their commands
  uint64_t exec_aborted_watch = 0;  // EXEC answered nil: a watched key changed
  uint64_t exec_aborted_error = 0;  // EXECABORT: an error while queueing
  uint64_t discard_count = 0;
};

// Figures for INFO replication and ROLE.
struct ReplicaInfo {
  std::string ip;
  int64_t port = 0;
  std::string state;  // wait_bgsave, send_bulk, online
  int64_t offset = 0;
  int64_t lag_seconds = 0;
};

struct ReplicationInfo {
  bool is_replica = false;
  // When a replica: our primary and the link to it.
  std::string master_host;
  int64_t master_port = 0;
  std::string link_state;  // ROLE's words: connect, connecting, handshake, sync, connected
  bool link_up = false;
  int64_t master_last_io_seconds_ago = -1;
  int64_t link_down_since_seconds = -1;
  bool sync_in_progress = false;
  int64_t sync_total_bytes = -1;
  int64_t sync_read_bytes = 0;
  int64_t slave_repl_offset = -1;
  // Both roles.
  std::vector<ReplicaInfo> replicas;
  std::string replid;
  std::string replid2;
  int64_t master_repl_offset = 0;
  int64_t second_repl_offset = -1;
  bool backlog_active = false;
  int64_t backlog_size = 0;
  int64_t backlog_first_byte_offset = 0;
  int64_t backlog_histlen = 0;
};

using persistence::ShutdownSave;

// The process: its identity, shutdown, and options that need action when changed.
class ServerControl {
 public:
  virtual ~ServerControl() = default;
  virtual const std::string& config_file() const = 0;
  virtual const std::string& executable() const = 0;
  virtual const std::string& run_id() const = 0;
  // SHUTDOWN: saves the dump (kSave, or kDefault with save points configured), then stops the
  // loop after this turn. Returns false, still running, when that save failed and !force.
  virtual bool Shutdown(ShutdownSave save, bool force) = 0;
  // After CONFIG SET: applies options that need action (appendonly, appendfsync). `in_exec`:
  // inside EXEC, where turning the AOF on waits for the transaction's end (its base written now
  // would hold half of it, and the AOF would then log the whole of it again), as in Redis.
  virtual absl::Status OptionsChanged(bool in_exec) = 0;
  // CONFIG SET port / bind: closes the listening sockets and listens where the options now say;
  // on failure nothing listens (the caller puts the old options back and calls it again).
  virtual absl::Status Relisten() = 0;
  virtual double instantaneous_ops_per_sec() const = 0;
  // DEBUG SET-ACTIVE-EXPIRE: turns the active expiry cycle on or off.
  virtual void set_active_expire(bool enabled) = 0;
  // DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: saves the dump (unless NOSAVE), empties the dataset
  // and the function libraries (unless NOFLUSH) and loads the dump again; over what is still
  // there a key or library of the same name is an error, or with MERGE replaces it. The status
  // message is the reply text on failure.
  struct ReloadOptions {
    bool save = true;
    bool flush = true;
    bool merge = false;
  };
  virtual absl::Status ReloadDataset(const ReloadOptions& options) = 0;
  // DEBUG LOADAOF: writes out the AOF buffer, empties the dataset and replays the AOF files
  // (nothing replayed is logged again). The status message is the reply text on failure.
  virtual absl::Status ReloadAppendOnly() = 0;
  // CLIENT PAUSE: until unix ms `end_ms`, hold every client's commands (all), or only those
  // that may write; expiry and eviction wait too. A second pause keeps the longer end and the
  // stricter mode. UNPAUSE (or the end) lets the held clients go on.
  virtual void PauseClients(int64_t end_ms, bool all) = 0;
  virtual void UnpauseClients() = 0;
  // Whether a command that may (or may not) write is held now.
  virtual bool PausedFor(bool may_write) = 0;
};

// The other connected clients (CLIENT LIST/KILL, INFO clients).
class ClientRegistry {
 public:
  virtual ~ClientRegistry() = default;
  virtual size_t client_count() const = 0;
  // Calls fn for each connected client (connection figures refreshed first).
  virtual void ForEachClient(const std::function<void(const ClientState&)>& fn) = 0;
  // Closes the clients fn selects (after their pending replies); returns how many.
  virtual int KillClients(const std::function<bool(const ClientState&)>& fn) = 0;
};

// Clients parked by blocking commands (BLPOP and friends, CLIENT UNBLOCK).
class BlockedClients {
 public:
  virtual ~BlockedClients() = default;
  // Parks `client` until one of `keys` (in its current database) changes while holding a value
  // of `type` (a key that becomes another type leaves it blocked, as in Redis), or `deadline_ms`
  // (unix ms, 0 = never) passes; then `argv` runs again, or a null array is sent (as Redis does
  // for every list and sorted-set timeout). The handler writes no reply when it blocks. Called
  // again while that command is being re-run, it keeps the client's place in the queues.
  // With no type (XREADGROUP), any change of a key wakes it, deletion and type changes included,
  // for the command to answer them.
  virtual void BlockClient(ClientState& client, Args argv, std::optional<core::ValueType> type,
                           std::vector<std::string> keys, int64_t deadline_ms) = 0;
  // Wakes the clients blocked on key without it counting as a change for WATCH (XGROUP
  // DESTROY, whose XREADGROUP waiters get NOGROUP).
  virtual void SignalKeyReady(int db, std::string_view key) = 0;
  // CLIENT UNBLOCK: true if the client was blocked.
  virtual bool UnblockClient(uint64_t client_id, bool with_error) = 0;
  virtual size_t blocked_client_count() const = 0;
};

// Pub/Sub (SUBSCRIBE and friends, PUBLISH, PUBSUB): the subscription tables and delivery to
// the subscribers, which only the server can write to.
class PubSubControl {
 public:
  using Kind = pubsub::Kind;
  virtual ~PubSubControl() = default;
  // False when the client already had (Unsubscribe: did not have) it. Updates client.sub/psub/ssub.
  virtual bool Subscribe(ClientState& client, Kind kind, std::string_view name) = 0;
  virtual bool Unsubscribe(ClientState& client, Kind kind, std::string_view name) = 0;
  // The client's subscriptions of one kind, oldest first.
  virtual std::vector<std::string> SubscriptionsOf(const ClientState& client, Kind kind) const = 0;
  // Sends `message` to the subscribers of `channel` (and of matching patterns, unless shard);
  // returns how many got it.
  virtual int64_t Publish(std::string_view channel, std::string_view message, bool shard) = 0;
  // PUBSUB: channels with subscribers matching `pattern` (empty: all), subscribers of one,
  // patterns with subscribers.
  virtual std::vector<std::string> ActiveChannels(std::string_view pattern, bool shard) const = 0;
  virtual int64_t SubscriberCount(std::string_view channel, bool shard) const = 0;
  virtual int64_t PatternCount() const = 0;
  virtual int64_t ChannelCount(bool shard) const = 0;
};

// Client-side caching (CLIENT TRACKING): the table of keys each tracking client read, the
// BCAST prefixes, and the invalidation messages. The dispatcher tells it which client is
// running a command, so that client's own invalidations follow its reply, as in Redis 7.0.
class TrackingControl {
 public:
  struct Figures {
    size_t clients = 0, keys = 0, items = 0, prefixes = 0;
  };
  virtual ~TrackingControl() = default;
  // CLIENT TRACKING ON with options already checked (the prefixes are added to the client's).
  virtual void EnableTracking(ClientState& client, const TrackingState& options) = 0;
  virtual void DisableTracking(ClientState& client) = 0;
  // A top-level command (or a blocked client's rerun) starts or ends on `client`.
  virtual void CommandStarting(ClientState& client) = 0;
  virtual void CommandDone() = 0;
  // A read-only command of a tracking client read these keys.
  virtual void RememberKeys(ClientState& client, const std::vector<std::string_view>& keys) = 0;
  // Before each command: invalidates keys until the table holds at most
  // tracking-table-max-keys (a little more effort each time it stays over).
  virtual void EnforceMaxKeys() = 0;
  virtual Figures figures() const = 0;
};

// Snapshots and the AOF (SAVE, BGSAVE, BGREWRITEAOF, LASTSAVE, INFO persistence, MISCONF).
class PersistenceControl {
 public:
  virtual ~PersistenceControl() = default;
  // SAVE; the status message is the reply text on failure.
  virtual absl::Status SaveSnapshot() = 0;
  // BGSAVE [SCHEDULE] and BGREWRITEAOF: the status line to reply, or the error. `in_exec`: it
  // runs inside EXEC, so it is always scheduled for after the transaction (a fork now would
  // snapshot half of it, and a rewrite would then also log the whole transaction after it), as
  // in Redis.
  virtual absl::StatusOr<std::string> StartBackgroundSave(bool schedule, bool in_exec) = 0;
  virtual absl::StatusOr<std::string> StartAofRewrite(bool in_exec) = 0;
  virtual persistence::PersistenceInfo persistence_info() const = 0;
  // The MISCONF error that refuses writes while the disk fails us ("" when writes may run):
  // after a failed background save (stop-writes-on-bgsave-error), or while the AOF cannot be
  // written or synced.
  virtual std::string DiskErrorRefusingWrites() const = 0;
};

// Both replication roles (REPLICAOF, ROLE, PSYNC, REPLCONF, WAIT, INFO replication).
class ReplicationControl {
 public:
  virtual ~ReplicationControl() = default;
  // REPLICAOF host port / NO ONE (port < 0): the reply text, or the error.
  virtual absl::StatusOr<std::string> ReplicaOf(const std::string& host, int64_t port) = 0;
  virtual ReplicationInfo replication_info() const = 0;
  // PSYNC / SYNC from a replica: replies +FULLRESYNC or +CONTINUE (and what follows) itself.
  virtual void AttachReplica(ClientState& client, std::string_view replid, int64_t offset,
                             bool psync) = 0;
  // REPLCONF ACK from a replica.
  virtual void ReplicaAck(ClientState& client, int64_t offset) = 0;
  // WAIT: replies at once when enough replicas acknowledged every write so far, else parks the
  // client until they do or `timeout_ms` (0 = forever) passes.
  virtual void WaitForReplicas(ClientState& client, int64_t numreplicas, int64_t timeout_ms) = 0;
  // A replica refuses writes from its clients (replica-read-only), and with
  // replica-serve-stale-data no, most commands while its link is down.
  virtual bool ReadOnlyReplica() const = 0;
  virtual bool StaleDataRefused() const = 0;
};

// MONITOR: the clients that see every command as it runs.
class CommandMonitors {
 public:
  virtual ~CommandMonitors() = default;
  // Makes `client` a monitor (its is_monitor flag; RESET clears it).
  virtual void AddMonitor(ClientState& client) = 0;
  virtual bool has_monitors() const = 0;
  // Sends one command (arguments already redacted) that `client` ran, in database `db`.
  virtual void FeedMonitors(const ClientState& client, int db,
                            const std::vector<std::string>& args) = 0;
};

// The scripting runtime (engine/scripting's ScriptEngine implements it; its commands reach the
// rest through their own header). The dispatcher asks only whether a script is busy.
struct ScriptingInfo {
  size_t eval_vm_bytes = 0;  // the Lua heap of EVAL scripts
  size_t cached_scripts = 0;
  size_t functions = 0;
  size_t libraries = 0;
  size_t script_cache_bytes = 0;    // the cached EVAL bodies and their SHA1 names
  size_t library_code_bytes = 0;    // the loaded FUNCTION libraries' code and names
};

class ScriptingControl {
 public:
  virtual ~ScriptingControl() = default;
  virtual ScriptingInfo scripting_info() const = 0;
  // While a script has outlived busy-reply-threshold, the -BUSY error other clients get
  // (naming SCRIPT KILL or FUNCTION KILL); "" otherwise.
  virtual std::string_view busy_error() const = 0;
  // For an EVAL/EVALSHA/FCALL call (argv): whether the script or function declared it may write
  // (true) or declared no-writes (false); nullopt when nothing is declared (a script without a
  // shebang, an unknown sha or function), where the command's own flags decide. Redis judges a
  // call by these flags, e.g. CLIENT PAUSE WRITE lets a no-writes script run.
  virtual std::optional<bool> DeclaresWrites(Args argv) const = 0;
  // DEBUG SET-DISABLE-DENY-SCRIPTS: while disabled, scripts may call no-script commands (DEBUG,
  // CLIENT LIST, ...), a hook Redis's own tests use.
  virtual void set_deny_script_commands(bool deny) = 0;
};

// What handlers reach through CommandContext::server. Options and statistics are always there;
// each interface may be null where nothing provides it (the in-process test fixture has no
// sockets, disk or replication): the dispatcher's checks then treat it as absent, and a
// family's handler that needs it is not run there.
struct ServerContext {
  config::Options& options;
  ServerStats& stats;
  ServerControl* control = nullptr;
  ClientRegistry* clients = nullptr;
  BlockedClients* blocking = nullptr;
  PersistenceControl* persistence = nullptr;
  ReplicationControl* replication = nullptr;
  PubSubControl* pubsub = nullptr;
  TrackingControl* tracking = nullptr;
  CommandMonitors* monitors = nullptr;
  ScriptingControl* scripting = nullptr;
  MigrateSockets* migrate = nullptr;  // MIGRATE's cached connections (migrate_sockets.h)
};

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_SERVER_CONTEXT_H_
