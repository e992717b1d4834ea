// Hash commands: HSET HSETNX HMSET HGET HMGET HGETALL HKEYS HVALS HDEL HEXISTS HLEN HSTRLEN
// HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN.
#include <climits>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/container_scan.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/commands/hash_ops.h"
#include "engine/commands/random_pick.h"
#include "engine/commands/status_reply.h"

namespace bazaar::engine::commands {
namespace {

using core::HashValue;

// Looks the hash up for reading; on a type error replies it and returns false.
bool ReadHash(CommandContext& ctx, std::string_view key, const HashValue** hash) {
  auto found = LookupHashForRead(ctx.keyspace, ctx.db(), key);
  if (!found.ok()) {
    ReplyError(ctx.reply, found.status());
    return false;
  }
  *hash = *found;
  return true;
}

void HSetCommand(CommandContext& ctx, Args args) {
  if (args.size() % 2 == 1) {
    return ctx.reply.Error(WrongArityError(ctx.spec.name));
  }
  auto added = OpHSet(ctx.keyspace, ctx.db(), args[1], args.subspan(2));
  if (!added.ok()) return ReplyError(ctx.reply, added.status());
  if (ctx.spec.name == "hmset") return ctx.reply.Ok();
  ctx.reply.Integer(*added);
}

void HSetNxCommand(CommandContext& ctx, Args args) {
  auto set = OpHSetNx(ctx.keyspace, ctx.db(), args[1], args[2], args[3]);
  if (!set.ok()) return ReplyError(ctx.reply, set.status());
  ctx.reply.Integer(*set ? 1 : 0);
}

void HGetCommand(CommandContext& ctx, Args args) {
  const HashValue* hash;
  if (!ReadHash(ctx, args[1], &hash)) return;
  auto value = hash ? hash->Get(args[2]) : std::nullopt;
  value ? ctx.reply.Bulk(*value) : ctx.reply.NullBulk();
}

void HMGetCommand(CommandContext& ctx, Args args) {
  const HashValue* hash;
  if (!ReadHash(ctx, args[1], &hash)) return;
  ctx.reply.ArrayHeader(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) {
    auto value = hash ? hash->Get(args[i]) : std::nullopt;
    value ? ctx.reply.Bulk(*value) : ctx.reply.NullBulk();
  }
}

// HGETALL (a map), HKEYS and HVALS (arrays).
void HGetAllGeneric(CommandContext& ctx, Args args, bool keys, bool values) {
  const HashValue* hash;
  if (!ReadHash(ctx, args[1], &hash)) return;
  const size_t n = hash ? hash->size() : 0;
  keys&& values ? ctx.reply.MapHeader(n) : ctx.reply.ArrayHeader(n);
  if (hash == nullptr) return;
  hash->ForEach([&](std::string_view field, std::string_view value) {
    if (keys) ctx.reply.Bulk(field);
    if (values) ctx.reply.Bulk(value);
  });
}

void HGetAllCommand(CommandContext& ctx, Args args) { HGetAllGeneric(ctx, args, true, true); }
void HKeysCommand(CommandContext& ctx, Args args) { HGetAllGeneric(ctx, args, true, false); }
void HValsCommand(CommandContext& ctx, Args args) { HGetAllGeneric(ctx, args, false, true); }

void HDelCommand(CommandContext& ctx, Args args) {
  auto removed = OpHDel(ctx.keyspace, ctx.db(), args[1], args.subspan(2));
  if (!removed.ok()) return ReplyError(ctx.reply, removed.status());
  ctx.reply.Integer(*removed);
}

void HExistsCommand(CommandContext& ctx, Args args) {
  const HashValue* hash;
  if (!ReadHash(ctx, args[1], &hash)) return;
  ctx.reply.Integer(hash && hash->Get(args[2]) ? 1 : 0);
}

void HLenCommand(CommandContext& ctx, Args args) {
  const HashValue* hash;
  if (!ReadHash(ctx, args[1], &hash)) return;
  ctx.reply.Integer(hash ? static_cast<int64_t>(hash->size()) : 0);
}

void HStrlenCommand(CommandContext& ctx, Args args) {
  const HashValue* hash;
  if (!ReadHash(ctx, args[1], &hash)) return;
  auto value = hash ? hash->Get(args[2]) : std::nullopt;
  ctx.reply.Integer(value ? static_cast<int64_t>(value->size()) : 0);
}

void HIncrByCommand(CommandContext& ctx, Args args) {
  int64_t delta;
  if (!IntArgOrReply(ctx.reply, args[3], &delta)) return;
  auto result = OpHIncrBy(ctx.keyspace, ctx.db(), args[1], args[2], delta);
  if (!result.ok()) return ReplyError(ctx.reply, result.status());
  ctx.reply.Integer(*result);
}

void HIncrByFloatCommand(CommandContext& ctx, Args args) {
  auto result = OpHIncrByFloat(ctx.keyspace, ctx.db(), args[1], args[2], args[3]);
  if (!result.ok()) return ReplyError(ctx.reply, result.status());
  ctx.reply.Bulk(*result);
  // Logged as the value written, as Redis does: replaying float math could round differently.
  ctx.PropagateAs({"HSET", std::string(args[1]), std::string(args[2]), *result});
}

// HRANDFIELD key [count [WITHVALUES]]: the checks run in Redis's order (count, syntax, range,
// then the key).
void HRandFieldCommand(CommandContext& ctx, Args args) {
  if (args.size() == 2) {
    const HashValue* hash;
    if (!ReadHash(ctx, args[1], &hash)) return;
    if (hash == nullptr) return ctx.reply.NullBulk();
    std::string_view picked;
    ForEachRandomField(*hash, 1, [&](std::string_view field, std::string_view) { picked = field; });
    return ctx.reply.Bulk(picked);
  }
  int64_t count;
  if (!IntArgOrReply(ctx.reply, args[2], &count)) return;
  if (count < -LLONG_MAX) {
    return ctx.reply.Error(kRandomCountRangeError);
  }
  if (args.size() > 4 || (args.size() == 4 && !IsOption(args[3], "withvalues"))) {
    return ctx.reply.Error(kSyntaxError);
  }
  const bool with_values = args.size() == 4;
  if (with_values && (count < -LLONG_MAX / 2 || count > LLONG_MAX / 2)) {
    return ctx.reply.Error(kValueOutOfRangeError);
  }
  const HashValue* hash;
  if (!ReadHash(ctx, args[1], &hash)) return;
  if (hash == nullptr || count == 0) return ctx.reply.ArrayHeader(0);
  const uint64_t n = RandomPickCount(hash->size(), count);
  // RESP2 flattens field/value pairs; RESP3 nests each pair.
  const bool flat = with_values && ctx.reply.resp() < 3;
  ctx.reply.ArrayHeader(flat ? n * 2 : n);
  ForEachRandomField(*hash, count, [&](std::string_view field, std::string_view value) {
    if (with_values && !flat) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(field);
    if (with_values) ctx.reply.Bulk(value);
  });
}

void HScanCommand(CommandContext& ctx, Args args) {
  uint64_t cursor;
  if (!ScanCursorOrReply(ctx.reply, args[2], &cursor)) return;
  const HashValue* hash;
  if (!ReadHash(ctx, args[1], &hash)) return;
  if (hash == nullptr) return ReplyEmptyScan(ctx.reply);
  ScanOptions opts;
  if (!ScanOptionsOrReply(ctx.reply, args, 3, &opts)) return;
  std::vector<std::pair<std::string_view, std::string_view>> out;
  if (const HashValue::Table* table = hash->table()) {
    std::vector<const HashValue::Table::Entry*> entries;
    cursor = ScanDictStep(*table, cursor, opts.count, 2, &entries);
    FilterScanned(opts, &entries);
    for (const auto* e : entries) out.emplace_back(e->key, e->value);
  } else {
    // Redis returns a listpack whole, in order, whatever the cursor and COUNT.
    hash->ForEach([&](std::string_view field, std::string_view value) {
      if (!opts.use_pattern || core::GlobMatch(opts.pattern, field)) out.emplace_back(field, value);
    });
    cursor = 0;
  }
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(cursor));
  ctx.reply.ArrayHeader(out.size() * 2);
  for (const auto& [field, value] : out) {
    ctx.reply.Bulk(field);
    ctx.reply.Bulk(value);
  }
}

}  // namespace

void RegisterHashFamily(CommandTable& table) {
  const uint32_t kWriteOom = kWrite | kDenyOom;
  table.Add({"hset", -4, kWriteOom | kFast, 1, 1, 1, HSetCommand});
  table.Add({"hsetnx", 4, kWriteOom | kFast, 1, 1, 1, HSetNxCommand});
  table.Add({"hget", 3, kReadOnly | kFast, 1, 1, 1, HGetCommand});
  table.Add({"hmset", -4, kWriteOom | kFast, 1, 1, 1, HSetCommand});
  table.Add({"hmget", -3, kReadOnly | kFast, 1, 1, 1, HMGetCommand});
  table.Add({"hgetall", 2, kReadOnly, 1, 1, 1, HGetAllCommand});
  table.Add({"hdel", -3, kWrite | kFast, 1, 1, 1, HDelCommand});
  table.Add({"hexists", 3, kReadOnly | kFast, 1, 1, 1, HExistsCommand});
  table.Add({"hlen", 2, kReadOnly | kFast, 1, 1, 1, HLenCommand});
  table.Add({"hkeys", 2, kReadOnly, 1, 1, 1, HKeysCommand});
  table.Add({"hvals", 2, kReadOnly, 1, 1, 1, HValsCommand});
  table.Add({"hincrby", 4, kWriteOom | kFast, 1, 1, 1, HIncrByCommand});
  table.Add({"hincrbyfloat", 4, kWriteOom | kFast, 1, 1, 1, HIncrByFloatCommand});
  table.Add({"hstrlen", 3, kReadOnly | kFast, 1, 1, 1, HStrlenCommand});
  table.Add({"hrandfield", -2, kReadOnly, 1, 1, 1, HRandFieldCommand});
  table.Add({"hscan", -3, kReadOnly, 1, 1, 1, HScanCommand});
}

}  // namespace bazaar::engine::commands
