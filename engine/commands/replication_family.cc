// Replication commands: REPLICAOF (SLAVEOF) ROLE WAIT, and what replicas send their primary:
// REPLCONF PSYNC SYNC. The work happens in the server's replication parts; these handlers parse
// and reply in Redis 7.0's words.
#include <string>

#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/commands/status_reply.h"

namespace bazaar::engine::commands {
namespace {

void ReplicaofCommand(CommandContext& ctx, Args args) {
  if (IsOption(args[1], "no") && IsOption(args[2], "one")) {
    auto reply = ctx.server.replication->ReplicaOf("", -1);
    return ctx.reply.SimpleString(*reply);
  }
  if (ctx.client.is_replica)
    return ctx.reply.Error("ERR Command is not valid when client is a replica.");
  int64_t port;
  if (!IntArgOrReply(ctx.reply, args[2], &port, "ERR Invalid master port")) return;
  if (port < 0 || port > 65535) return ctx.reply.Error("ERR Invalid master port");
  auto reply = ctx.server.replication->ReplicaOf(std::string(args[1]), port);
  if (!reply.ok()) return ReplyError(ctx.reply, reply.status());
  ctx.reply.SimpleString(*reply);
}

void RoleCommand(CommandContext& ctx, Args) {
  ReplicationInfo info = ctx.server.replication->replication_info();
  if (info.is_replica) {
    ctx.reply.ArrayHeader(5);
    ctx.reply.Bulk("slave");
    ctx.reply.Bulk(info.master_host);
    ctx.reply.Integer(info.master_port);
    ctx.reply.Bulk(info.link_state);
    ctx.reply.Integer(info.slave_repl_offset);
    return;
  }
  ctx.reply.ArrayHeader(3);
  ctx.reply.Bulk("master");
  ctx.reply.Integer(info.master_repl_offset);
  ctx.reply.ArrayHeader(info.replicas.size());
  for (const ReplicaInfo& r : info.replicas) {
    ctx.reply.ArrayHeader(3);
    ctx.reply.Bulk(r.ip);
    ctx.reply.Bulk(std::to_string(r.port));
    ctx.reply.Bulk(std::to_string(r.offset));
  }
}

void ReplconfCommand(CommandContext& ctx, Args args) {
  if (args.size() % 2 == 0) return ctx.reply.Error(kSyntaxError);
  for (size_t j = 1; j < args.size(); j += 2) {
    std::string_view value = args[j + 1];
    if (IsOption(args[j], "listening-port")) {
      int64_t port;
      if (!IntArgOrReply(ctx.reply, value, &port)) return;
      ctx.client.replica_listening_port = port;
    } else if (IsOption(args[j], "ip-address")) {
      // Accepted; we report the address the replica connects from.
    } else if (IsOption(args[j], "capa")) {
      if (IsOption(value, "eof")) ctx.client.replica_capa_eof = true;
      if (IsOption(value, "psync2")) ctx.client.replica_capa_psync2 = true;
    } else if (IsOption(args[j], "ack")) {
      // From an attached replica: no reply, as in Redis.
      int64_t offset;
      if (ctx.client.is_replica && protocol::ParseInt64(value, &offset)) {
        ctx.server.replication->ReplicaAck(ctx.client, offset);
      }
      return;
    } else if (IsOption(args[j], "getack")) {
      // Only meaningful in a primary's stream, where the link answers it.
      return;
    } else {
      return ctx.reply.Error("ERR Unrecognized REPLCONF option: " + std::string(args[j]));
    }
  }
  ctx.reply.Ok();
}

void PsyncCommand(CommandContext& ctx, Args args) {
  if (ctx.client.is_replica) return;  // already attached: ignored, as Redis does
  int64_t offset = -1;
  // An offset that is not a number just means a full resync.
  if (!protocol::ParseInt64(args[2], &offset)) offset = -1;
  ctx.server.replication->AttachReplica(ctx.client, args[1], offset, true);
}

void SyncCommand(CommandContext& ctx, Args) {
  if (ctx.client.is_replica) return;
  ctx.server.replication->AttachReplica(ctx.client, "?", -1, false);
}

void WaitCommand(CommandContext& ctx, Args args) {
  if (ctx.server.replication->replication_info().is_replica) {
    return ctx.reply.Error(
        "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 "
        "if a replica is configured to be writable (which is not the default) writes to "
        "replicas are just local and are not propagated.");
  }
  int64_t numreplicas, timeout;
  if (!IntArgOrReply(ctx.reply, args[1], &numreplicas)) return;
  if (!IntArgOrReply(ctx.reply, args[2], &timeout,
                     "ERR timeout is not an integer or out of range")) {
    return;
  }
  if (timeout < 0) return ctx.reply.Error("ERR timeout is negative");
  ctx.server.replication->WaitForReplicas(ctx.client, numreplicas, timeout);
}

}  // namespace

void RegisterReplicationFamily(CommandTable& table) {
  for (const char* name : {"replicaof", "slaveof"}) {
    table.Add({name, 3, kAdmin | kNoScript | kStale | kNoAsyncLoading, 0, 0, 0, ReplicaofCommand});
  }
  table.Add({"role", 1, kNoScript | kLoading | kStale | kFast, 0, 0, 0, RoleCommand});
  table.Add({"replconf", -1, kAdmin | kNoScript | kLoading | kStale | kAllowBusy, 0, 0, 0,
             ReplconfCommand});
  table.Add({"psync", -3, kAdmin | kNoScript | kNoAsyncLoading | kNoMulti, 0, 0, 0, PsyncCommand});
  table.Add({"sync", 1, kAdmin | kNoScript | kNoAsyncLoading | kNoMulti, 0, 0, 0, SyncCommand});
  table.Add({"wait", 3, kNoScript, 0, 0, 0, WaitCommand});
}

}  // namespace bazaar::engine::commands
