// Blocking pops: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP. When there is
// nothing to take the client is parked (ServerContext::BlockClient) and the command runs again when
// a key changes. Inside MULTI they never block: they answer as on timeout.
#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/commands/list_ops.h"
#include "engine/commands/status_reply.h"
#include "engine/commands/zset_ops.h"

namespace bazaar::engine::commands {
namespace {

using core::Value;
using core::ValueType;

// Parks the client until a key of `type` is ready; inside MULTI or a script it may not block,
// and answers with a null right away (a null bulk for the move commands, as Redis does, a null
// array for the others).
void BlockOrAnswerNull(CommandContext& ctx, Args args, ValueType type,
                       std::vector<std::string> keys, int64_t deadline,
                       bool null_bulk_in_multi = false) {
  if (ctx.client.tx.in_multi || ctx.client.is_script) {
    null_bulk_in_multi ? ctx.reply.NullBulk() : ctx.reply.NullArray();
    return;
  }
  ctx.server.blocking->BlockClient(ctx.client, args, type, std::move(keys), deadline);
}

void BlockingPop(CommandContext& ctx, Args args, ListEnd end) {
  auto deadline = ParseBlockingTimeout(args.back(), ctx.keyspace.now_ms());
  if (!deadline.ok()) return ReplyError(ctx.reply, deadline.status());
  std::vector<std::string> keys;
  for (size_t i = 1; i + 1 < args.size(); ++i) {
    Value* v = ctx.keyspace.FindForWrite(ctx.db(), args[i]);
    keys.emplace_back(args[i]);
    if (!v) continue;
    if (v->type() != ValueType::kList) return ctx.reply.Error(kWrongTypeError);
    auto popped = OpPop(ctx.keyspace, ctx.db(), args[i], end, 1);
    ctx.PropagateAs({end == ListEnd::kLeft ? "LPOP" : "RPOP", std::string(args[i])});
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(args[i]);
    ctx.reply.Bulk((*popped)[0]);
    return;
  }
  BlockOrAnswerNull(ctx, args, ValueType::kList, std::move(keys), *deadline);
}

void BLPopCommand(CommandContext& ctx, Args args) { BlockingPop(ctx, args, ListEnd::kLeft); }
void BRPopCommand(CommandContext& ctx, Args args) { BlockingPop(ctx, args, ListEnd::kRight); }

void BlockingMove(CommandContext& ctx, Args args, std::string_view timeout, ListEnd from,
                  ListEnd to) {
  auto deadline = ParseBlockingTimeout(timeout, ctx.keyspace.now_ms());
  if (!deadline.ok()) return ReplyError(ctx.reply, deadline.status());
  Value* src = ctx.keyspace.FindForWrite(ctx.db(), args[1]);
  if (src && src->type() != ValueType::kList) return ctx.reply.Error(kWrongTypeError);
  if (!src) {
    return BlockOrAnswerNull(ctx, args, ValueType::kList, {std::string(args[1])}, *deadline, true);
  }
  auto moved = OpMove(ctx.keyspace, ctx.db(), args[1], args[2], from, to);
  if (!moved.ok()) return ReplyError(ctx.reply, moved.status());
  ctx.PropagateAs({"LMOVE", std::string(args[1]), std::string(args[2]),
                   from == ListEnd::kLeft ? "LEFT" : "RIGHT",
                   to == ListEnd::kLeft ? "LEFT" : "RIGHT"});
  ctx.reply.Bulk(**moved);
}

void BLMoveCommand(CommandContext& ctx, Args args) {
  auto from = ParseListEnd(args[3]), to = ParseListEnd(args[4]);
  if (!from || !to) return ctx.reply.Error(kSyntaxError);
  BlockingMove(ctx, args, args[5], *from, *to);
}

void BRPopLPushCommand(CommandContext& ctx, Args args) {
  BlockingMove(ctx, args, args[3], ListEnd::kRight, ListEnd::kLeft);
}

void BLMPopCommand(CommandContext& ctx, Args args) {
  auto deadline = ParseBlockingTimeout(args[1], ctx.keyspace.now_ms());
  if (!deadline.ok()) return ReplyError(ctx.reply, deadline.status());
  MPopArgs mpop;
  if (!ParseMPopArgs(ctx.reply, args, 2, "left", "right", &mpop)) return;
  const ListEnd end = mpop.first_direction ? ListEnd::kLeft : ListEnd::kRight;
  auto popped = OpMPop(ctx.keyspace, ctx.db(), mpop.keys, end, mpop.count);
  if (!popped.ok()) return ReplyError(ctx.reply, popped.status());
  if (popped->has_value()) {
    const MPopResult& r = **popped;
    ctx.PropagateAs(
        {end == ListEnd::kLeft ? "LPOP" : "RPOP", r.key, std::to_string(r.elements.size())});
    return ReplyMPop(ctx.reply, r);
  }
  BlockOrAnswerNull(ctx, args, ValueType::kList,
                    std::vector<std::string>(mpop.keys.begin(), mpop.keys.end()),
                    *deadline);
}

// BZPOPMIN / BZPOPMAX key [key ...] timeout: key, member and score from the first non-empty set.
void BZPopCommand(CommandContext& ctx, Args args) {
  auto deadline = ParseBlockingTimeout(args.back(), ctx.keyspace.now_ms());
  if (!deadline.ok()) return ReplyError(ctx.reply, deadline.status());
  const bool max = ctx.spec.name == "bzpopmax";
  auto keys = args.subspan(1, args.size() - 2);
  auto popped = OpZPop(ctx.keyspace, ctx.db(), keys, max, 1);
  if (!popped.ok()) return ReplyError(ctx.reply, popped.status());
  if (popped->found && !popped->elements.empty()) {
    ctx.PropagateAs({max ? "ZPOPMAX" : "ZPOPMIN", popped->key});
    ctx.reply.ArrayHeader(3);
    ctx.reply.Bulk(popped->key);
    ctx.reply.Bulk(popped->elements[0].member);
    ctx.reply.Double(popped->elements[0].score);
    return;
  }
  BlockOrAnswerNull(ctx, args, ValueType::kZSet,
                    std::vector<std::string>(keys.begin(), keys.end()), *deadline);
}

// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
void BZMPopCommand(CommandContext& ctx, Args args) {
  auto deadline = ParseBlockingTimeout(args[1], ctx.keyspace.now_ms());
  if (!deadline.ok()) return ReplyError(ctx.reply, deadline.status());
  MPopArgs mpop;
  if (!ParseMPopArgs(ctx.reply, args, 2, "min", "max", &mpop)) return;
  const bool max = !mpop.first_direction;
  auto keys = mpop.keys;
  auto popped = OpZPop(ctx.keyspace, ctx.db(), keys, max, mpop.count);
  if (!popped.ok()) return ReplyError(ctx.reply, popped.status());
  if (popped->found && !popped->elements.empty()) {
    ctx.PropagateAs(
        {max ? "ZPOPMAX" : "ZPOPMIN", popped->key, std::to_string(popped->elements.size())});
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(popped->key);
    ctx.reply.ArrayHeader(popped->elements.size());
    for (const auto& e : popped->elements) {
      ctx.reply.ArrayHeader(2);
      ctx.reply.Bulk(e.member);
      ctx.reply.Double(e.score);
    }
    return;
  }
  BlockOrAnswerNull(ctx, args, ValueType::kZSet,
                    std::vector<std::string>(keys.begin(), keys.end()), *deadline);
}

}  // namespace

void RegisterBlockingFamily(CommandTable& table) {
  // Redis lets scripts call BLMPOP and BZMPOP (they answer at once there), not the others.
  const uint32_t kBlockingWrite = kWrite | kNoScript | kBlocking;
  table.Add({"blpop", -3, kBlockingWrite, 1, -2, 1, BLPopCommand});
  table.Add({"brpop", -3, kBlockingWrite, 1, -2, 1, BRPopCommand});
  table.Add({"blmove", 6, kBlockingWrite | kDenyOom, 1, 2, 1, BLMoveCommand});
  table.Add({"brpoplpush", 4, kBlockingWrite | kDenyOom, 1, 2, 1, BRPopLPushCommand});
  table.Add({"blmpop", -5, kWrite | kBlocking | kMovableKeys, 0, 0, 0, BLMPopCommand});
  table.Add({"bzpopmin", -3, kBlockingWrite | kFast, 1, -2, 1, BZPopCommand});
  table.Add({"bzpopmax", -3, kBlockingWrite | kFast, 1, -2, 1, BZPopCommand});
  table.Add({"bzmpop", -5, kWrite | kBlocking | kMovableKeys, 0, 0, 0, BZMPopCommand});
}

}  // namespace bazaar::engine::commands
