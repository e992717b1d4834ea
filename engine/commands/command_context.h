// Everything a command handler works with. Handlers parse `args`, call Op functions on the
// keyspace, and write one reply through `reply`, or none when they block the client (BLPOP,
// WAIT: the reply comes when it is served or times out).
#ifndef BAZAAR_ENGINE_COMMANDS_COMMAND_CONTEXT_H_
#define BAZAAR_ENGINE_COMMANDS_COMMAND_CONTEXT_H_

#include "engine/commands/client_state.h"
#include "engine/commands/command_table.h"
#include "engine/commands/server_context.h"
#include "engine/core/keyspace.h"
#include "engine/protocol/reply_builder.h"
#include "engine/txn/watch_table.h"

namespace bazaar::engine::commands {

class Dispatcher;

struct CommandContext {
  ClientState& client;
  protocol::ReplyBuilder& reply;
  core::Keyspace& keyspace;
  txn::WatchTable& watches;
  ServerContext& server;
  Dispatcher& dispatcher;
  const CommandSpec& spec;
  // Set by a handler whose effect must be logged differently from its arguments (relative
  // expiry as PXAT, a served BLPOP as LPOP...). Empty: the arguments as given.
  std::vector<std::vector<std::string>> propagate_as = {};
  // Set by a command that logs only its propagate_as commands, never itself, even when that
  // list is empty (XREADGROUP, XCLAIM: Redis's preventCommandPropagation).
  bool propagate_only_as = false;
  // Set by PUBLISH: the command goes to the replicas (not the AOF) though it changed no key.
  bool propagate_to_replicas = false;
  // Set by a read-only command that still changed a value (PFCOUNT writing back its cached
  // count): it is propagated as a write command would be, as in Redis.
  bool propagate_read_only = false;
  // Set by FLUSHALL, FLUSHDB and SWAPDB: logged even when they changed nothing (an empty
  // database), as Redis forces them into the AOF and the replication stream.
  bool force_propagation = false;

  int db() const { return client.db; }
  void PropagateAs(std::vector<std::string> argv) { propagate_as.push_back(std::move(argv)); }
};

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_COMMAND_CONTEXT_H_
