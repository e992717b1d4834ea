// DUMP and RESTORE: one value in Redis 7.0's serialized form (persistence/dump_payload.h), so
// payloads move between us and real Redis both ways.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/persistence/dump_payload.h"
#include "engine/persistence/rdb_reader.h"

namespace bazaar::engine::commands {
namespace {

void DumpCommand(CommandContext& ctx, Args args) {
  const core::Value* v = ctx.keyspace.FindForRead(ctx.db(), args[1]);
  if (!v) return ctx.reply.NullBulk();
  ctx.reply.Bulk(persistence::MakeDumpPayload(*v, ctx.server.options.rdbcompression));
}

// sanitize-dump-payload: "clients" trusts only the stream from our primary.
bool DeepSanitize(const CommandContext& ctx) {
  const std::string& mode = ctx.server.options.sanitize_dump_payload;
  return mode == "yes" || (mode == "clients" && !ctx.client.is_master);
}

// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f], checked in Redis's order:
// options, the existing key, the TTL, the footer, then the value.
void RestoreCommand(CommandContext& ctx, Args args) {
  bool replace = false, absttl = false;
  int64_t idle = -1, freq = -1;
  for (size_t j = 4; j < args.size(); ++j) {
    const bool has_value = j + 1 < args.size();
    if (IsOption(args[j], "replace")) {
      replace = true;
    } else if (IsOption(args[j], "absttl")) {
      absttl = true;
    } else if (IsOption(args[j], "idletime") && has_value && freq == -1) {
      if (!IntArgOrReply(ctx.reply, args[++j], &idle)) return;
      if (idle < 0) return ctx.reply.Error("ERR Invalid IDLETIME value, must be >= 0");
    } else if (IsOption(args[j], "freq") && has_value && idle == -1) {
      if (!IntArgOrReply(ctx.reply, args[++j], &freq)) return;
      if (freq < 0 || freq > 255) {
        return ctx.reply.Error("ERR Invalid FREQ value, must be >= 0 and <= 255");
      }
    } else {
      return ctx.reply.Error(kSyntaxError);
    }
  }
  const int db = ctx.db();
  const std::string key(args[1]);
  if (!replace && ctx.keyspace.FindForWrite(db, key)) {
    return ctx.reply.Error("BUSYKEY Target key name already exists.");
  }
  int64_t ttl;
  if (!IntArgOrReply(ctx.reply, args[2], &ttl)) return;
  if (ttl < 0) return ctx.reply.Error("ERR Invalid TTL value, must be >= 0");
  if (!persistence::DumpFooterValid(args[3])) {
    return ctx.reply.Error("ERR DUMP payload version or checksum are wrong");
  }
  auto value = persistence::DecodeRdbValue(args[3], DeepSanitize(ctx));
  if (!value.ok()) return ctx.reply.Error("ERR Bad data format");

  const bool deleted = replace && ctx.keyspace.Delete(db, key);
  const int64_t now = ctx.keyspace.now_ms();
  // Wraps as Redis's addition does, so a huge relative TTL lands in the past there too.
  if (ttl && !absttl) ttl = static_cast<int64_t>(static_cast<uint64_t>(ttl) + now);
  // A time already past creates nothing (a replica keeps it: expiry is its primary's call).
  if (ttl && ttl <= now && ctx.server.options.replicaof.empty()) {
    if (deleted) {
      ctx.keyspace.Notify(db, core::events::kGeneric, "del", key);
      ctx.PropagateAs({"DEL", key});
    }
    return ctx.reply.Ok();
  }
  core::Value& stored = ctx.keyspace.Store(db, key, *std::move(value));
  // Under an LFU policy only FREQ counts, under any other only IDLETIME (Redis's rule).
  if (ctx.keyspace.lfu_tracking().enabled) {
    if (freq >= 0) stored.set_lfu_counter(static_cast<uint8_t>(freq));
  } else if (idle >= 0) {
    const int64_t now_s = now / 1000;
    stored.set_access_time(static_cast<uint32_t>(idle < now_s ? now_s - idle : 0));
  }
  if (ttl) {
    ctx.keyspace.SetExpire(db, key, ttl);
    if (!absttl) {
      // Logged with the absolute time, so the AOF and replicas expire it at the same moment.
      std::vector<std::string> argv(args.begin(), args.end());
      argv[2] = std::to_string(ttl);
      argv.push_back("ABSTTL");
      ctx.PropagateAs(std::move(argv));
    }
  }
  ctx.keyspace.Notify(db, core::events::kGeneric, "restore", key);
  ctx.reply.Ok();
}

}  // namespace

void RegisterDumpFamily(CommandTable& table) {
  table.Add({"dump", 2, kReadOnly, 1, 1, 1, DumpCommand});
  table.Add({"restore", -4, kWrite | kDenyOom, 1, 1, 1, RestoreCommand});
  // What a cluster's MIGRATE sends to a node importing the slot; without cluster mode, RESTORE.
  table.Add({"restore-asking", -4, kWrite | kDenyOom | kAsking, 1, 1, 1, RestoreCommand});
}

}  // namespace bazaar::engine::commands
