// List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT LREM LTRIM
// LPOS RPOPLPUSH LMOVE LMPOP. The blocking forms are in blocking_family.cc.

#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/commands/list_ops.h"
#include "engine/commands/status_reply.h"

namespace bazaar::engine::commands {
namespace {

using core::ListValue;
using core::Value;
using core::ValueType;

// Finds a list for reading; replies WRONGTYPE and returns nullptr for another type.
// *missing tells a missing key apart from the error.
ListValue* ReadList(CommandContext& ctx, std::string_view key, bool* missing) {
  Value* v = ctx.keyspace.FindForRead(ctx.db(), key);
  *missing = v == nullptr;
  if (!v) return nullptr;
  if (v->type() != ValueType::kList) {
    ctx.reply.Error(kWrongTypeError);
    return nullptr;
  }
  return &v->list();
}

void PushGeneric(CommandContext& ctx, Args args, ListEnd end, bool only_if_exists) {
  auto len = OpPush(ctx.keyspace, ctx.db(), args[1], args.subspan(2), end, only_if_exists);
  if (!len.ok()) return ReplyError(ctx.reply, len.status());
  ctx.reply.Integer(*len);
}

void LPushCommand(CommandContext& ctx, Args args) { PushGeneric(ctx, args, ListEnd::kLeft, false); }
void RPushCommand(CommandContext& ctx, Args args) { PushGeneric(ctx, args, ListEnd::kRight, false); }
void LPushXCommand(CommandContext& ctx, Args args) { PushGeneric(ctx, args, ListEnd::kLeft, true); }
void RPushXCommand(CommandContext& ctx, Args args) { PushGeneric(ctx, args, ListEnd::kRight, true); }

void PopGeneric(CommandContext& ctx, Args args, ListEnd end) {
  const bool has_count = args.size() == 3;
  if (args.size() > 3) {
    return ctx.reply.Error(WrongArityError(ctx.spec.name));
  }
  int64_t count = 1;
  if (has_count) {
    constexpr std::string_view kNotPositive = "ERR value is out of range, must be positive";
    if (!IntArgOrReply(ctx.reply, args[2], &count, kNotPositive)) return;
    if (count < 0) return ctx.reply.Error(kNotPositive);
  }
  Value* v = ctx.keyspace.FindForWrite(ctx.db(), args[1]);
  if (!v) return has_count ? ctx.reply.NullArray() : ctx.reply.NullBulk();
  if (v->type() != ValueType::kList) return ctx.reply.Error(kWrongTypeError);
  if (has_count && count == 0) return ctx.reply.ArrayHeader(0);
  auto popped = OpPop(ctx.keyspace, ctx.db(), args[1], end, count);
  if (!has_count) return ctx.reply.Bulk((*popped)[0]);
  ctx.reply.ArrayHeader(popped->size());
  for (const auto& e : *popped) ctx.reply.Bulk(e);
}

void LPopCommand(CommandContext& ctx, Args args) { PopGeneric(ctx, args, ListEnd::kLeft); }
void RPopCommand(CommandContext& ctx, Args args) { PopGeneric(ctx, args, ListEnd::kRight); }

void LLenCommand(CommandContext& ctx, Args args) {
  bool missing;
  ListValue* list = ReadList(ctx, args[1], &missing);
  if (missing) return ctx.reply.Integer(0);
  if (list) ctx.reply.Integer(static_cast<int64_t>(list->size()));
}

void LRangeCommand(CommandContext& ctx, Args args) {
  int64_t start, end;
  if (!IntArgOrReply(ctx.reply, args[2], &start) || !IntArgOrReply(ctx.reply, args[3], &end)) {
    return;
  }
  bool missing;
  ListValue* list = ReadList(ctx, args[1], &missing);
  if (missing) return ctx.reply.ArrayHeader(0);
  if (!list) return;
  const int64_t len = static_cast<int64_t>(list->size());
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return ctx.reply.ArrayHeader(0);
  if (end >= len) end = len - 1;
  ctx.reply.ArrayHeader(end - start + 1);
  list->ForRange(start, end + 1, [&](std::string_view e) { ctx.reply.Bulk(e); });
}

void LIndexCommand(CommandContext& ctx, Args args) {
  int64_t index;
  if (!IntArgOrReply(ctx.reply, args[2], &index)) return;
  bool missing;
  ListValue* list = ReadList(ctx, args[1], &missing);
  if (missing) return ctx.reply.NullBulk();
  if (!list) return;
  const int64_t len = static_cast<int64_t>(list->size());
  if (index < 0) index += len;
  if (index < 0 || index >= len) return ctx.reply.NullBulk();
  ctx.reply.Bulk(list->At(index));
}

void LSetCommand(CommandContext& ctx, Args args) {
  int64_t index;
  if (!IntArgOrReply(ctx.reply, args[2], &index)) return;
  Value* v = ctx.keyspace.FindForWrite(ctx.db(), args[1]);
  if (!v) return ctx.reply.Error(kNoSuchKeyError);
  if (v->type() != ValueType::kList) return ctx.reply.Error(kWrongTypeError);
  ListValue& list = v->list();
  const int64_t len = static_cast<int64_t>(list.size());
  if (index < 0) index += len;
  if (index < 0 || index >= len) return ctx.reply.Error("ERR index out of range");
  list.Set(index, args[3]);
  ctx.keyspace.MarkModified(ctx.db(), args[1]);
  ctx.keyspace.Notify(ctx.db(), core::events::kList, "lset", args[1]);
  ctx.reply.Ok();
}

void LInsertCommand(CommandContext& ctx, Args args) {
  bool after;
  if (IsOption(args[2], "after")) after = true;
  else if (IsOption(args[2], "before")) after = false;
  else return ctx.reply.Error(kSyntaxError);
  Value* v = ctx.keyspace.FindForWrite(ctx.db(), args[1]);
  if (!v) return ctx.reply.Integer(0);
  if (v->type() != ValueType::kList) return ctx.reply.Error(kWrongTypeError);
  ListValue& list = v->list();
  int64_t pivot = -1;
  list.Scan(false, [&](std::string_view e, size_t index) {
    if (e == args[3]) pivot = static_cast<int64_t>(index);
    return pivot < 0;
  });
  if (pivot < 0) return ctx.reply.Integer(-1);
  list.Insert(pivot + (after ? 1 : 0), args[4]);
  ctx.keyspace.MarkModified(ctx.db(), args[1]);
  ctx.keyspace.Notify(ctx.db(), core::events::kList, "linsert", args[1]);
  ctx.reply.Integer(static_cast<int64_t>(list.size()));
}

void LRemCommand(CommandContext& ctx, Args args) {
  int64_t count;
  if (!IntArgOrReply(ctx.reply, args[2], &count)) return;
  Value* v = ctx.keyspace.FindForWrite(ctx.db(), args[1]);
  if (!v) return ctx.reply.Integer(0);
  if (v->type() != ValueType::kList) return ctx.reply.Error(kWrongTypeError);
  ListValue& list = v->list();
  const int64_t removed = static_cast<int64_t>(list.Remove(args[3], count));
  if (removed) {
    ctx.keyspace.Notify(ctx.db(), core::events::kList, "lrem", args[1]);
    if (list.empty()) {
      ctx.keyspace.Delete(ctx.db(), args[1]);
      ctx.keyspace.Notify(ctx.db(), core::events::kGeneric, "del", args[1]);
    } else {
      ctx.keyspace.MarkModified(ctx.db(), args[1]);
    }
  }
  ctx.reply.Integer(removed);
}

void LTrimCommand(CommandContext& ctx, Args args) {
  int64_t start, end;
  if (!IntArgOrReply(ctx.reply, args[2], &start) || !IntArgOrReply(ctx.reply, args[3], &end)) {
    return;
  }
  Value* v = ctx.keyspace.FindForWrite(ctx.db(), args[1]);
  if (!v) return ctx.reply.Ok();
  if (v->type() != ValueType::kList) return ctx.reply.Error(kWrongTypeError);
  ListValue& list = v->list();
  const int64_t len = static_cast<int64_t>(list.size());
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  int64_t left_trim, right_trim;
  if (start > end || start >= len) {
    left_trim = len;
    right_trim = 0;
  } else {
    if (end >= len) end = len - 1;
    left_trim = start;
    right_trim = len - end - 1;
  }
  list.Trim(left_trim, right_trim);
  // Redis signals the key even when nothing was trimmed.
  ctx.keyspace.Notify(ctx.db(), core::events::kList, "ltrim", args[1]);
  if (list.empty()) {
    ctx.keyspace.Delete(ctx.db(), args[1]);
    ctx.keyspace.Notify(ctx.db(), core::events::kGeneric, "del", args[1]);
  } else {
    ctx.keyspace.MarkModified(ctx.db(), args[1]);
  }
  ctx.reply.Ok();
}

void LPosCommand(CommandContext& ctx, Args args) {
  int64_t rank = 1, count = -1, maxlen = 0;
  for (size_t j = 3; j < args.size(); ++j) {
    bool more = j + 1 < args.size();
    if (IsOption(args[j], "rank") && more) {
      if (!IntArgOrReply(ctx.reply, args[++j], &rank)) return;
      if (rank == 0) {
        return ctx.reply.Error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
      }
    } else if (IsOption(args[j], "count") && more) {
      if (!IntArgOrReply(ctx.reply, args[++j], &count, "ERR COUNT can't be negative")) return;
      if (count < 0) return ctx.reply.Error("ERR COUNT can't be negative");
    } else if (IsOption(args[j], "maxlen") && more) {
      if (!IntArgOrReply(ctx.reply, args[++j], &maxlen, "ERR MAXLEN can't be negative")) return;
      if (maxlen < 0) return ctx.reply.Error("ERR MAXLEN can't be negative");
    } else {
      return ctx.reply.Error(kSyntaxError);
    }
  }
  const bool from_tail = rank < 0;
  if (from_tail) rank = -rank;
  bool missing;
  ListValue* list = ReadList(ctx, args[1], &missing);
  if (missing) return count != -1 ? ctx.reply.ArrayHeader(0) : ctx.reply.NullBulk();
  if (!list) return;
  std::vector<int64_t> found;
  int64_t matches = 0, compared = 0;
  list->Scan(from_tail, [&](std::string_view e, size_t index) {
    if (maxlen != 0 && compared++ == maxlen) return false;
    if (e != args[2] || ++matches < rank) return true;
    found.push_back(static_cast<int64_t>(index));
    return !(count == -1 || (count && matches - rank + 1 >= count));
  });
  if (count == -1) return found.empty() ? ctx.reply.NullBulk() : ctx.reply.Integer(found[0]);
  ctx.reply.ArrayHeader(found.size());
  for (int64_t i : found) ctx.reply.Integer(i);
}

void MoveAndReply(CommandContext& ctx, std::string_view src, std::string_view dst, ListEnd from,
                  ListEnd to) {
  auto moved = OpMove(ctx.keyspace, ctx.db(), src, dst, from, to);
  if (!moved.ok()) return ReplyError(ctx.reply, moved.status());
  *moved ? ctx.reply.Bulk(**moved) : ctx.reply.NullBulk();
}

void RPopLPushCommand(CommandContext& ctx, Args args) {
  MoveAndReply(ctx, args[1], args[2], ListEnd::kRight, ListEnd::kLeft);
}

void LMoveCommand(CommandContext& ctx, Args args) {
  auto from = ParseListEnd(args[3]), to = ParseListEnd(args[4]);
  if (!from || !to) return ctx.reply.Error(kSyntaxError);
  MoveAndReply(ctx, args[1], args[2], *from, *to);
}

void LMPopCommand(CommandContext& ctx, Args args) {
  MPopArgs mpop;
  if (!ParseMPopArgs(ctx.reply, args, 1, "left", "right", &mpop)) return;
  const ListEnd end = mpop.first_direction ? ListEnd::kLeft : ListEnd::kRight;
  auto popped = OpMPop(ctx.keyspace, ctx.db(), mpop.keys, end, mpop.count);
  if (!popped.ok()) return ReplyError(ctx.reply, popped.status());
  if (!popped->has_value()) return ctx.reply.NullArray();
  // Logged as the pop it was (Redis: LPOP/RPOP key count), so a replica needs no key order.
  const MPopResult& r = **popped;
  ctx.PropagateAs(
      {end == ListEnd::kLeft ? "LPOP" : "RPOP", r.key, std::to_string(r.elements.size())});
  ReplyMPop(ctx.reply, r);
}

}  // namespace

void RegisterListFamily(CommandTable& table) {
  const uint32_t kWriteOom = kWrite | kDenyOom;
  table.Add({"lpush", -3, kWriteOom | kFast, 1, 1, 1, LPushCommand});
  table.Add({"rpush", -3, kWriteOom | kFast, 1, 1, 1, RPushCommand});
  table.Add({"lpushx", -3, kWriteOom | kFast, 1, 1, 1, LPushXCommand});
  table.Add({"rpushx", -3, kWriteOom | kFast, 1, 1, 1, RPushXCommand});
  table.Add({"lpop", -2, kWrite | kFast, 1, 1, 1, LPopCommand});
  table.Add({"rpop", -2, kWrite | kFast, 1, 1, 1, RPopCommand});
  table.Add({"llen", 2, kReadOnly | kFast, 1, 1, 1, LLenCommand});
  table.Add({"lrange", 4, kReadOnly, 1, 1, 1, LRangeCommand});
  table.Add({"lindex", 3, kReadOnly, 1, 1, 1, LIndexCommand});
  table.Add({"lset", 4, kWriteOom, 1, 1, 1, LSetCommand});
  table.Add({"linsert", 5, kWriteOom, 1, 1, 1, LInsertCommand});
  table.Add({"lrem", 4, kWrite, 1, 1, 1, LRemCommand});
  table.Add({"ltrim", 4, kWrite, 1, 1, 1, LTrimCommand});
  table.Add({"lpos", -3, kReadOnly, 1, 1, 1, LPosCommand});
  table.Add({"rpoplpush", 3, kWriteOom, 1, 2, 1, RPopLPushCommand});
  table.Add({"lmove", 5, kWriteOom, 1, 2, 1, LMoveCommand});
  table.Add({"lmpop", -4, kWrite | kMovableKeys, 0, 0, 0, LMPopCommand});
}

}  // namespace bazaar::engine::commands
