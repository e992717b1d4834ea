// The dispatcher: the one path every client request takes. It finds the command, checks arity,
// authentication and MULTI rules once (with Redis 7.0's error texts and order), queues inside
// MULTI, runs the handler and keeps per-command statistics.
#ifndef BAZAAR_ENGINE_COMMANDS_DISPATCHER_H_
#define BAZAAR_ENGINE_COMMANDS_DISPATCHER_H_

#include <cstdint>
#include <functional>
#include <string>

#include "engine/acl/users.h"
#include "engine/commands/client_state.h"
#include "engine/commands/command_table.h"
#include "engine/commands/propagator.h"
#include "engine/commands/server_context.h"
#include "engine/core/acl_log.h"
#include "engine/core/clock.h"
#include "engine/core/keyspace.h"
#include "engine/core/latency_monitor.h"
#include "engine/core/slow_log.h"
#include "engine/protocol/reply_builder.h"
#include "engine/txn/watch_table.h"

namespace bazaar::engine::commands {

class Dispatcher : public core::KeyspaceObserver {
 public:
  // The time source gives unix ms. All pointers (and what `server` points to) must outlive
  // the dispatcher.
  Dispatcher(CommandTable* table, core::Keyspace* keyspace, txn::WatchTable* watches,
             ServerContext server, std::function<int64_t()> clock = core::UnixTimeMs);

  // Handles one request from `client`, writing its reply (or +QUEUED) through `reply`. This is
  // where the keyspace's clock advances for each command: the command sees that time, frozen
  // for its whole run. Then the after-command hook runs.
  void Dispatch(ClientState& client, protocol::ReplyBuilder& reply, Args argv);
  // Runs after every dispatched command (the server serves clients blocked on keys that
  // command made ready). Not run for EXEC's queued commands or blocked clients' reruns.
  void set_after_command(std::function<void()> fn) { after_command_ = std::move(fn); }
  // Runs a command that already passed the checks (EXEC uses it for queued commands; the
  // blocking manager, with `rerun`, for a blocked client's command once its key is ready).
  // Every call is timed once here for the slow log, the latency monitor and histograms, and
  // shown to MONITOR clients (a rerun is not shown again, as Redis shows a blocked command once).
  void Call(CommandSpec& spec, ClientState& client, protocol::ReplyBuilder& reply, Args argv,
            bool rerun = false);
  // Finds the spec for argv, descending into containers. On failure returns nullptr and sets
  // *error to Redis's reply text.
  CommandSpec* Resolve(Args argv, std::string* error) const;

  CommandTable& table() { return *table_; }
  core::SlowLog& slowlog() { return slowlog_; }
  core::AclLog& acl_log() { return acl_log_; }
  // The ACL users, made on first use (the command table is complete by then).
  acl::Users& users();
  // Whether a client that has not authenticated must (the default user has a password or is
  // off: Redis's authRequired).
  bool AuthRequired();
  // The ACL check of a call by client's user. A denial is logged in the ACL log with `context`
  // ("toplevel", "multi", "lua"; `caller` is who the log names: the client whose script ran it).
  acl::Verdict CheckAcl(const ClientState& client, const CommandSpec& spec, Args argv,
                        std::string_view context, const ClientState& caller);
  acl::Verdict CheckAcl(const ClientState& client, const CommandSpec& spec, Args argv,
                        std::string_view context) {
    return CheckAcl(client, spec, argv, context, client);
  }
  core::LatencyMonitor& latency() { return latency_; }
  // Where write effects go; null for none. Not owned.
  void set_propagator(Propagator* propagator) { propagator_ = propagator; }
  // Hands pending writes (e.g. active expiry's deletions) to the propagator now: as one batch
  // (atomic: applied as a transaction), or command by command.
  void FlushPropagation(bool atomic = true);

  // Keyspace observer: expired keys are propagated as DEL.
  void KeyModified(int, std::string_view) override {}
  void DbReplaced(int, int) override {}
  void KeyExpired(int db, std::string_view key) override;
  void KeyEvicted(int db, std::string_view key) override;

  // maxmemory: evicts what maxmemory-policy allows; false while memory stays over the limit.
  bool EvictToMaxmemory();
  // Whether the MISCONF rule applies to this command (writes, PING, EXEC with queued writes).
  bool IsWrite(const CommandSpec& spec, const ClientState& client) const;
  // Whether a stale replica refuses the command (no stale flag, or EXEC with such a command).
  bool DeniedWhenStale(const CommandSpec& spec, const ClientState& client) const;
  // Whether CLIENT PAUSE WRITE holds the command.
  bool MayReplicate(const CommandSpec& spec, const ClientState& client, Args argv) const;
  bool CallMayReplicate(const CommandSpec& spec, Args argv) const;
  // Whether the command may change data (a write command, or EXEC with queued writes).
  bool WritesData(const CommandSpec& spec, const ClientState& client) const;

 private:
  // The checks, MULTI queueing and the call of one dispatched command.
  void Admit(ClientState& client, protocol::ReplyBuilder& reply, Args argv);
  // Replies a refusal; inside MULTI it dooms the transaction, and a refused EXEC ends it.
  void Reject(ClientState& client, protocol::ReplyBuilder& reply, std::string_view error,
              const CommandSpec* spec = nullptr);
  bool RefusedWhenOutOfMemory(const CommandSpec& spec, const ClientState& client) const;
  // Shows the call to MONITOR clients (after it ran; a kSkipMonitor command as it starts).
  void FeedMonitors(const CommandSpec& spec, const ClientState& client, Args argv);
  // After a call: MONITOR, the latency monitor and histogram, the slow log.
  void RecordCall(CommandSpec& spec, const ClientState& client, Args argv, int64_t duration_us,
                  bool rerun);
  // An expired or evicted key goes to the replicas and the AOF as a DEL.
  void LogDeletion(int db, std::string_view key);

  CommandTable* table_;
  core::Keyspace* keyspace_;
  txn::WatchTable* watches_;
  ServerContext server_;
  std::function<int64_t()> clock_;
  std::function<void()> after_command_;
  Propagator* propagator_ = nullptr;
  std::vector<PropagatedCommand> pending_;
  int depth_ = 0;  // nesting of Call (EXEC runs its queue inside)
  // A script's redis.call ran a read-only command since the script began (client tracking then
  // remembers the script's declared keys for its caller, as Redis does).
  bool script_read_ = false;
  core::SlowLog slowlog_;
  core::AclLog acl_log_;
  std::unique_ptr<acl::Users> users_;
  core::LatencyMonitor latency_;
};

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_DISPATCHER_H_
