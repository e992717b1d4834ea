// Set commands: SADD SREM SISMEMBER SMISMEMBER SMEMBERS SCARD SPOP SRANDMEMBER SMOVE SINTER
// SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN.
#include <climits>

#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/container_scan.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/commands/random_pick.h"
#include "engine/commands/set_ops.h"
#include "engine/commands/status_reply.h"

namespace bazaar::engine::commands {
namespace {

using core::SetValue;

// Looks the set up for reading; on a type error replies it and returns false.
bool ReadSet(CommandContext& ctx, std::string_view key, const SetValue** set) {
  auto found = LookupSetForRead(ctx.keyspace, ctx.db(), key);
  if (!found.ok()) {
    ReplyError(ctx.reply, found.status());
    return false;
  }
  *set = *found;
  return true;
}

void ReplyMembers(CommandContext& ctx, const std::vector<std::string>& members) {
  ctx.reply.SetHeader(members.size());
  for (const std::string& m : members) ctx.reply.Bulk(m);
}

void SAddCommand(CommandContext& ctx, Args args) {
  auto added = OpSAdd(ctx.keyspace, ctx.db(), args[1], args.subspan(2));
  if (!added.ok()) return ReplyError(ctx.reply, added.status());
  ctx.reply.Integer(*added);
}

void SRemCommand(CommandContext& ctx, Args args) {
  auto removed = OpSRem(ctx.keyspace, ctx.db(), args[1], args.subspan(2));
  if (!removed.ok()) return ReplyError(ctx.reply, removed.status());
  ctx.reply.Integer(*removed);
}

void SIsMemberCommand(CommandContext& ctx, Args args) {
  const SetValue* set;
  if (!ReadSet(ctx, args[1], &set)) return;
  ctx.reply.Integer(set && set->Contains(args[2]) ? 1 : 0);
}

void SMIsMemberCommand(CommandContext& ctx, Args args) {
  const SetValue* set;
  if (!ReadSet(ctx, args[1], &set)) return;
  ctx.reply.ArrayHeader(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) ctx.reply.Integer(set && set->Contains(args[i]) ? 1 : 0);
}

void SCardCommand(CommandContext& ctx, Args args) {
  const SetValue* set;
  if (!ReadSet(ctx, args[1], &set)) return;
  ctx.reply.Integer(set ? static_cast<int64_t>(set->size()) : 0);
}

// SINTER SUNION SDIFF.
void SetAlgebraGeneric(CommandContext& ctx, Args keys, SetOp op) {
  auto sets = LookupSets(ctx.keyspace, ctx.db(), keys);
  if (!sets.ok()) return ReplyError(ctx.reply, sets.status());
  ReplyMembers(ctx, SetAlgebra(op, *sets));
}

void SMembersCommand(CommandContext& ctx, Args args) {
  const SetValue* set;
  if (!ReadSet(ctx, args[1], &set)) return;
  if (set == nullptr) return ctx.reply.SetHeader(0);
  ctx.reply.SetHeader(set->size());
  set->ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
}
void SInterCommand(CommandContext& ctx, Args args) {
  SetAlgebraGeneric(ctx, args.subspan(1), SetOp::kInter);
}
void SUnionCommand(CommandContext& ctx, Args args) {
  SetAlgebraGeneric(ctx, args.subspan(1), SetOp::kUnion);
}
void SDiffCommand(CommandContext& ctx, Args args) {
  SetAlgebraGeneric(ctx, args.subspan(1), SetOp::kDiff);
}

void SetStoreGeneric(CommandContext& ctx, Args args, SetOp op) {
  auto size = OpSetStore(ctx.keyspace, ctx.db(), op, args[1], args.subspan(2));
  if (!size.ok()) return ReplyError(ctx.reply, size.status());
  ctx.reply.Integer(*size);
}

void SInterStoreCommand(CommandContext& ctx, Args args) {
  SetStoreGeneric(ctx, args, SetOp::kInter);
}
void SUnionStoreCommand(CommandContext& ctx, Args args) {
  SetStoreGeneric(ctx, args, SetOp::kUnion);
}
void SDiffStoreCommand(CommandContext& ctx, Args args) { SetStoreGeneric(ctx, args, SetOp::kDiff); }

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void SInterCardCommand(CommandContext& ctx, Args args) {
  int64_t numkeys;
  if (!protocol::ParseInt64(args[1], &numkeys) || numkeys < 1) {
    return ctx.reply.Error(kNumkeysError);
  }
  if (numkeys > static_cast<int64_t>(args.size()) - 2) return ctx.reply.Error(kNumkeysArgsError);
  int64_t limit = 0;
  for (size_t j = 2 + numkeys; j < args.size(); ++j) {
    if (IsOption(args[j], "limit") && j + 1 < args.size()) {
      if (!protocol::ParseInt64(args[++j], &limit) || limit < 0) {
        return ctx.reply.Error(kLimitNegativeError);
      }
    } else {
      return ctx.reply.Error(kSyntaxError);
    }
  }
  auto sets = LookupSets(ctx.keyspace, ctx.db(), args.subspan(2, numkeys));
  if (!sets.ok()) return ReplyError(ctx.reply, sets.status());
  ctx.reply.Integer(static_cast<int64_t>(SetAlgebra(SetOp::kInter, *sets, limit).size()));
}

// Replicas and the AOF must remove the same members: Redis logs SPOP as SREM of what it popped
// (in batches of 1024), or as DEL when the whole set went.
void PropagateSPop(CommandContext& ctx, std::string_view key,
                   const std::vector<std::string>& popped, bool whole) {
  if (popped.empty()) return;
  if (whole) return ctx.PropagateAs({"DEL", std::string(key)});
  constexpr size_t kBatch = 1024;
  for (size_t i = 0; i < popped.size(); i += kBatch) {
    std::vector<std::string> argv = {"SREM", std::string(key)};
    for (size_t j = i; j < popped.size() && j < i + kBatch; ++j) argv.push_back(popped[j]);
    ctx.PropagateAs(std::move(argv));
  }
}

void SPopCommand(CommandContext& ctx, Args args) {
  if (args.size() > 3) return ctx.reply.Error(kSyntaxError);
  int64_t count = 1;
  if (args.size() == 3 && (!protocol::ParseInt64(args[2], &count) || count < 0)) {
    return ctx.reply.Error(kMustBePositiveError);
  }
  auto popped = OpSPop(ctx.keyspace, ctx.db(), args[1], static_cast<uint64_t>(count));
  if (!popped.ok()) return ReplyError(ctx.reply, popped.status());
  // With a count, an emptied set means the whole set was asked for.
  const bool whole = args.size() == 3 && !ctx.keyspace.ContainsRaw(ctx.db(), args[1]);
  PropagateSPop(ctx, args[1], *popped, whole);
  if (args.size() == 2) return popped->empty() ? ctx.reply.NullBulk() : ctx.reply.Bulk((*popped)[0]);
  ReplyMembers(ctx, *popped);
}

void SRandMemberCommand(CommandContext& ctx, Args args) {
  if (args.size() > 3) return ctx.reply.Error(kSyntaxError);
  const SetValue* set;
  if (args.size() == 2) {
    if (!ReadSet(ctx, args[1], &set)) return;
    if (set == nullptr) return ctx.reply.NullBulk();
    ForEachRandomMember(*set, 1, [&](std::string_view m) { ctx.reply.Bulk(m); });
    return;
  }
  int64_t count;
  if (!IntArgOrReply(ctx.reply, args[2], &count)) return;
  if (count < -LLONG_MAX) return ctx.reply.Error(kRandomCountRangeError);
  if (!ReadSet(ctx, args[1], &set)) return;
  if (set == nullptr || count == 0) return ctx.reply.ArrayHeader(0);
  if (count > 1 && static_cast<uint64_t>(count) >= set->size()) {
    // The whole set, listed as Redis lists it (it runs SUNION over the key).
    std::vector<std::string> members = SetAlgebra(SetOp::kUnion, {set});
    ctx.reply.ArrayHeader(members.size());
    for (const std::string& m : members) ctx.reply.Bulk(m);
    return;
  }
  ctx.reply.ArrayHeader(RandomPickCount(set->size(), count));
  ForEachRandomMember(*set, count, [&](std::string_view m) { ctx.reply.Bulk(m); });
}

void SMoveCommand(CommandContext& ctx, Args args) {
  auto moved = OpSMove(ctx.keyspace, ctx.db(), args[1], args[2], args[3]);
  if (!moved.ok()) return ReplyError(ctx.reply, moved.status());
  ctx.reply.Integer(*moved ? 1 : 0);
}

void SScanCommand(CommandContext& ctx, Args args) {
  uint64_t cursor;
  if (!ScanCursorOrReply(ctx.reply, args[2], &cursor)) return;
  const SetValue* set;
  if (!ReadSet(ctx, args[1], &set)) return;
  if (set == nullptr) return ReplyEmptyScan(ctx.reply);
  ScanOptions opts;
  if (!ScanOptionsOrReply(ctx.reply, args, 3, &opts)) return;
  std::vector<std::string> members;
  if (const SetValue::Table* table = set->table()) {
    std::vector<const SetValue::Table::Entry*> entries;
    cursor = ScanDictStep(*table, cursor, opts.count, 1, &entries);
    FilterScanned(opts, &entries);
    for (const auto* e : entries) members.push_back(e->key);
  } else {
    // Redis returns an intset whole, in order, whatever the cursor and COUNT.
    set->ForEach([&](std::string_view m) {
      if (!opts.use_pattern || core::GlobMatch(opts.pattern, m)) members.emplace_back(m);
    });
    cursor = 0;
  }
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(cursor));
  ctx.reply.ArrayHeader(members.size());
  for (const std::string& m : members) ctx.reply.Bulk(m);
}

}  // namespace

void RegisterSetFamily(CommandTable& table) {
  const uint32_t kWriteOom = kWrite | kDenyOom;
  table.Add({"sadd", -3, kWriteOom | kFast, 1, 1, 1, SAddCommand});
  table.Add({"srem", -3, kWrite | kFast, 1, 1, 1, SRemCommand});
  table.Add({"sismember", 3, kReadOnly | kFast, 1, 1, 1, SIsMemberCommand});
  table.Add({"smismember", -3, kReadOnly | kFast, 1, 1, 1, SMIsMemberCommand});
  table.Add({"smembers", 2, kReadOnly, 1, 1, 1, SMembersCommand});
  table.Add({"scard", 2, kReadOnly | kFast, 1, 1, 1, SCardCommand});
  table.Add({"spop", -2, kWrite | kFast, 1, 1, 1, SPopCommand});
  table.Add({"srandmember", -2, kReadOnly, 1, 1, 1, SRandMemberCommand});
  table.Add({"smove", 4, kWrite | kFast, 1, 2, 1, SMoveCommand});
  table.Add({"sinter", -2, kReadOnly, 1, -1, 1, SInterCommand});
  // Redis marks SINTERCARD movablekeys (numkeys); the table has no such flag, so no key range.
  table.Add({"sintercard", -3, kReadOnly | kMovableKeys, 0, 0, 0, SInterCardCommand});
  table.Add({"sinterstore", -3, kWriteOom, 1, -1, 1, SInterStoreCommand});
  table.Add({"sunion", -2, kReadOnly, 1, -1, 1, SUnionCommand});
  table.Add({"sunionstore", -3, kWriteOom, 1, -1, 1, SUnionStoreCommand});
  table.Add({"sdiff", -2, kReadOnly, 1, -1, 1, SDiffCommand});
  table.Add({"sdiffstore", -3, kWriteOom, 1, -1, 1, SDiffStoreCommand});
  table.Add({"sscan", -3, kReadOnly, 1, 1, 1, SScanCommand});
}

}  // namespace bazaar::engine::commands
