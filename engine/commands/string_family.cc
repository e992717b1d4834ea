// String commands: GET SET (and its options) SETNX SETEX PSETEX GETSET GETDEL GETEX MGET MSET
// MSETNX APPEND STRLEN INCR DECR INCRBY DECRBY INCRBYFLOAT GETRANGE SETRANGE LCS.
#include <algorithm>
#include <climits>
#include <cmath>
#include <vector>

#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/commands/status_reply.h"
#include "engine/commands/string_ops.h"

namespace bazaar::engine::commands {
namespace {

using core::Value;

void GetCommand(CommandContext& ctx, Args args) {
  Value* v = ctx.keyspace.FindForRead(ctx.db(), args[1]);
  if (!v) return ctx.reply.NullBulk();
  if (!v->is_string()) return ctx.reply.Error(kWrongTypeError);
  ctx.reply.Bulk(v->str());
}

// Parses SET's / GETEX's options after the key (and value). False after replying an error.
bool ParseSetOptions(CommandContext& ctx, Args args, size_t first, bool is_set, SetOptions* opts) {
  for (size_t j = first; j < args.size(); ++j) {
    std::string_view opt = args[j];
    bool has_next = j + 1 < args.size();
    uint32_t f = opts->flags;
    bool any_expire = f & (kSetEx | kSetPx | kSetExat | kSetPxat);
    if (is_set && IsOption(opt, "nx") && !(f & kSetXx)) {
      opts->flags |= kSetNx;
    } else if (is_set && IsOption(opt, "xx") && !(f & kSetNx)) {
      opts->flags |= kSetXx;
    } else if (is_set && IsOption(opt, "get")) {
      opts->flags |= kSetGet;
    } else if (is_set && IsOption(opt, "keepttl") && !(f & kSetPersist) && !any_expire) {
      opts->flags |= kSetKeepTtl;
    } else if (!is_set && IsOption(opt, "persist") && !any_expire && !(f & kSetKeepTtl)) {
      opts->flags |= kSetPersist;
    } else if (has_next && !(f & (kSetKeepTtl | kSetPersist)) &&
               ((IsOption(opt, "ex") && !(f & (kSetExat | kSetPx | kSetPxat))) ||
                (IsOption(opt, "px") && !(f & (kSetEx | kSetExat | kSetPxat))) ||
                (IsOption(opt, "exat") && !(f & (kSetEx | kSetPx | kSetPxat))) ||
                (IsOption(opt, "pxat") && !(f & (kSetEx | kSetExat | kSetPx))))) {
      if (IsOption(opt, "ex")) opts->flags |= kSetEx;
      if (IsOption(opt, "px")) opts->flags |= kSetPx;
      if (IsOption(opt, "exat")) opts->flags |= kSetExat;
      if (IsOption(opt, "pxat")) opts->flags |= kSetPxat;
      opts->expire_arg = args[++j];
    } else {
      ctx.reply.Error(kSyntaxError);
      return false;
    }
  }
  return true;
}

// Runs a SET with parsed options, replying as SET (or SETNX's integers when `setnx_reply`).
void SetGeneric(CommandContext& ctx, std::string_view key, std::string_view value, SetOptions opts,
                bool setnx_reply) {
  auto result = OpSet(ctx.keyspace, ctx.db(), key, value, opts, ctx.spec.name);
  if (!result.ok()) return ReplyError(ctx.reply, result.status());
  if (result->written && result->expire_at_ms != -1) {
    // Relative expiry is logged as absolute, so a replay does not extend it.
    ctx.PropagateAs({"SET", std::string(key), std::string(value), "PXAT",
                     std::to_string(result->expire_at_ms)});
  }
  if (opts.flags & kSetGet) {
    if (result->old_value) {
      ctx.reply.Bulk(*result->old_value);
    } else {
      ctx.reply.NullBulk();
    }
    return;
  }
  if (setnx_reply) return ctx.reply.Integer(result->written ? 1 : 0);
  if (result->written) {
    ctx.reply.Ok();
  } else {
    ctx.reply.NullBulk();
  }
}

void SetCommand(CommandContext& ctx, Args args) {
  SetOptions opts;
  if (!ParseSetOptions(ctx, args, 3, true, &opts)) return;
  SetGeneric(ctx, args[1], args[2], opts, false);
}

void SetNxCommand(CommandContext& ctx, Args args) {
  SetGeneric(ctx, args[1], args[2], SetOptions{kSetNx, {}}, true);
}

void SetExCommand(CommandContext& ctx, Args args) {
  bool millis = ctx.spec.name == "psetex";
  SetGeneric(ctx, args[1], args[3], SetOptions{millis ? kSetPx : kSetEx, args[2]}, false);
}

void GetSetCommand(CommandContext& ctx, Args args) {
  SetGeneric(ctx, args[1], args[2], SetOptions{kSetGet, {}}, false);
}

void GetDelCommand(CommandContext& ctx, Args args) {
  Value* v = ctx.keyspace.FindForRead(ctx.db(), args[1]);
  if (!v) return ctx.reply.NullBulk();
  if (!v->is_string()) return ctx.reply.Error(kWrongTypeError);
  ctx.reply.Bulk(v->str());
  ctx.keyspace.Delete(ctx.db(), args[1]);
  ctx.keyspace.Notify(ctx.db(), core::events::kGeneric, "del", args[1]);
  ctx.PropagateAs({"DEL", std::string(args[1])});
}

void GetExCommand(CommandContext& ctx, Args args) {
  SetOptions opts;
  if (!ParseSetOptions(ctx, args, 2, false, &opts)) return;
  Value* v = ctx.keyspace.FindForRead(ctx.db(), args[1]);
  if (!v) return ctx.reply.NullBulk();
  if (!v->is_string()) return ctx.reply.Error(kWrongTypeError);
  int64_t when = 0;
  if (opts.flags & (kSetEx | kSetPx | kSetExat | kSetPxat)) {
    auto parsed = ExpireArgToMs(ctx.keyspace.now_ms(), opts, "getex");
    if (!parsed.ok()) return ReplyError(ctx.reply, parsed.status());
    when = *parsed;
  }
  ctx.reply.Bulk(v->str());
  const std::string key(args[1]);
  if ((opts.flags & (kSetExat | kSetPxat)) && when <= ctx.keyspace.now_ms()) {
    ctx.keyspace.Delete(ctx.db(), key);
    ctx.keyspace.Notify(ctx.db(), core::events::kGeneric, "del", key);
    ctx.PropagateAs({"DEL", key});
  } else if (opts.flags & (kSetEx | kSetPx | kSetExat | kSetPxat)) {
    ctx.keyspace.SetExpire(ctx.db(), key, when);
    ctx.keyspace.MarkModified(ctx.db(), key);
    ctx.keyspace.Notify(ctx.db(), core::events::kGeneric, "expire", key);
    ctx.PropagateAs({"PEXPIREAT", key, std::to_string(when)});
  } else if (opts.flags & kSetPersist) {
    if (ctx.keyspace.RemoveExpire(ctx.db(), key)) {
      ctx.keyspace.MarkModified(ctx.db(), key);
      ctx.keyspace.Notify(ctx.db(), core::events::kGeneric, "persist", key);
      ctx.PropagateAs({"PERSIST", key});
    }
  }
}

void MGetCommand(CommandContext& ctx, Args args) {
  ctx.reply.ArrayHeader(args.size() - 1);
  for (size_t i = 1; i < args.size(); ++i) {
    Value* v = ctx.keyspace.FindForRead(ctx.db(), args[i]);
    if (v && v->is_string()) {
      ctx.reply.Bulk(v->str());
    } else {
      ctx.reply.NullBulk();
    }
  }
}

void MSetCommand(CommandContext& ctx, Args args) {
  if (args.size() % 2 == 0) {
    return ctx.reply.Error(WrongArityError(ctx.spec.name));
  }
  bool nx = ctx.spec.name == "msetnx";
  if (nx) {
    for (size_t i = 1; i < args.size(); i += 2) {
      if (ctx.keyspace.FindForWrite(ctx.db(), args[i])) return ctx.reply.Integer(0);
    }
  }
  for (size_t i = 1; i < args.size(); i += 2) {
    ctx.keyspace.Store(ctx.db(), args[i], Value(std::string(args[i + 1])));
    ctx.keyspace.Notify(ctx.db(), core::events::kString, "set", args[i]);
  }
  if (nx) {
    ctx.reply.Integer(1);
  } else {
    ctx.reply.Ok();
  }
}

void AppendCommand(CommandContext& ctx, Args args) {
  auto len =
      OpAppend(ctx.keyspace, ctx.db(), args[1], args[2], ctx.server.options.proto_max_bulk_len);
  if (!len.ok()) return ReplyError(ctx.reply, len.status());
  ctx.reply.Integer(*len);
}

void StrlenCommand(CommandContext& ctx, Args args) {
  Value* v = ctx.keyspace.FindForRead(ctx.db(), args[1]);
  if (!v) return ctx.reply.Integer(0);
  if (!v->is_string()) return ctx.reply.Error(kWrongTypeError);
  ctx.reply.Integer(static_cast<int64_t>(v->str().size()));
}

void IncrDecr(CommandContext& ctx, std::string_view key, int64_t delta) {
  auto result = OpIncrBy(ctx.keyspace, ctx.db(), key, delta);
  if (!result.ok()) return ReplyError(ctx.reply, result.status());
  ctx.reply.Integer(*result);
}

void IncrCommand(CommandContext& ctx, Args args) { IncrDecr(ctx, args[1], 1); }
void DecrCommand(CommandContext& ctx, Args args) { IncrDecr(ctx, args[1], -1); }

void IncrByCommand(CommandContext& ctx, Args args) {
  int64_t delta;
  if (!IntArgOrReply(ctx.reply, args[2], &delta)) return;
  IncrDecr(ctx, args[1], delta);
}

void DecrByCommand(CommandContext& ctx, Args args) {
  int64_t delta;
  if (!IntArgOrReply(ctx.reply, args[2], &delta)) return;
  if (delta == LLONG_MIN) return ctx.reply.Error("ERR decrement would overflow");
  IncrDecr(ctx, args[1], -delta);
}

void IncrByFloatCommand(CommandContext& ctx, Args args) {
  auto result = OpIncrByFloat(ctx.keyspace, ctx.db(), args[1], args[2]);
  if (!result.ok()) return ReplyError(ctx.reply, result.status());
  // Logged as the value it produced: float addition need not repeat exactly.
  ctx.PropagateAs({"SET", std::string(args[1]), *result, "KEEPTTL"});
  ctx.reply.Bulk(*result);
}

void GetRangeCommand(CommandContext& ctx, Args args) {
  int64_t start, end;
  if (!IntArgOrReply(ctx.reply, args[2], &start)) return;
  if (!IntArgOrReply(ctx.reply, args[3], &end)) return;
  Value* v = ctx.keyspace.FindForRead(ctx.db(), args[1]);
  if (!v) return ctx.reply.Bulk("");
  if (!v->is_string()) return ctx.reply.Error(kWrongTypeError);
  ctx.reply.Bulk(StringRange(v->str(), start, end));
}

void SetRangeCommand(CommandContext& ctx, Args args) {
  int64_t offset;
  if (!IntArgOrReply(ctx.reply, args[2], &offset)) return;
  if (offset < 0) return ctx.reply.Error("ERR offset is out of range");
  auto len = OpSetRange(ctx.keyspace, ctx.db(), args[1], offset, args[3],
                        ctx.server.options.proto_max_bulk_len);
  if (!len.ok()) return ReplyError(ctx.reply, len.status());
  ctx.reply.Integer(*len);
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: the longest common subsequence by
// the usual dynamic programme (4 bytes a cell, refused past proto-max-bulk-len as Redis refuses),
// walked back from the strings' ends, moving in b when both ways keep the same length, as Redis
// does, so ties resolve to the same subsequence. IDX lists the matched runs in that walk's order
// (from the end), runs shorter than MINMATCHLEN left out.
void LcsCommand(CommandContext& ctx, Args args) {
  std::string_view text[2];
  for (int k = 0; k < 2; ++k) {
    Value* v = ctx.keyspace.FindForRead(ctx.db(), args[1 + k]);
    if (v && !v->is_string()) {
      return ctx.reply.Error("ERR The specified keys must contain string values");
    }
    if (v) text[k] = v->str();
  }
  bool want_len = false, want_idx = false, with_match_len = false;
  int64_t min_match_len = 0;
  for (size_t i = 3; i < args.size(); ++i) {
    if (IsOption(args[i], "idx")) {
      want_idx = true;
    } else if (IsOption(args[i], "len")) {
      want_len = true;
    } else if (IsOption(args[i], "withmatchlen")) {
      with_match_len = true;
    } else if (IsOption(args[i], "minmatchlen") && i + 1 < args.size()) {
      if (!IntArgOrReply(ctx.reply, args[++i], &min_match_len)) return;
      if (min_match_len < 0) min_match_len = 0;
    } else {
      return ctx.reply.Error(kSyntaxError);
    }
  }
  if (want_len && want_idx) {
    return ctx.reply.Error("ERR If you want both the length and indexes, please just use IDX.");
  }
  const std::string_view a = text[0], b = text[1];
  const uint64_t cells = (static_cast<uint64_t>(a.size()) + 1) * (b.size() + 1);
  if (cells * sizeof(uint32_t) > static_cast<uint64_t>(ctx.server.options.proto_max_bulk_len)) {
    return ctx.reply.Error(
        "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
  }
  const size_t width = b.size() + 1;
  std::vector<uint32_t> table(cells, 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return table[i * width + j]; };
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      at(i, j) = a[i - 1] == b[j - 1] ? at(i - 1, j - 1) + 1 : std::max(at(i - 1, j), at(i, j - 1));
    }
  }
  const uint32_t length = at(a.size(), b.size());
  if (want_len) return ctx.reply.Integer(length);
  struct Run {
    size_t a_start, a_end, b_start, b_end;
  };
  std::string subsequence(length, '\0');
  std::vector<Run> runs;
  bool in_run = false;
  Run run{};
  auto close_run = [&] {
    if (in_run && run.a_end - run.a_start + 1 >= static_cast<uint64_t>(min_match_len)) {
      runs.push_back(run);
    }
    in_run = false;
  };
  size_t i = a.size(), j = b.size(), pos = length;
  while (i > 0 && j > 0) {
    if (a[i - 1] == b[j - 1]) {
      subsequence[--pos] = a[i - 1];
      if (in_run && run.a_start == i && run.b_start == j) {
        run.a_start = i - 1;
        run.b_start = j - 1;
      } else {
        close_run();
        run = Run{i - 1, i - 1, j - 1, j - 1};
        in_run = true;
      }
      --i;
      --j;
    } else if (at(i - 1, j) > at(i, j - 1)) {
      --i;
    } else {
      --j;
    }
  }
  close_run();
  if (!want_idx) return ctx.reply.Bulk(subsequence);
  if (ctx.reply.resp() == 3) {
    ctx.reply.MapHeader(2);
  } else {
    ctx.reply.ArrayHeader(4);
  }
  ctx.reply.Bulk("matches");
  ctx.reply.ArrayHeader(runs.size());
  for (const Run& r : runs) {
    ctx.reply.ArrayHeader(with_match_len ? 3 : 2);
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(static_cast<int64_t>(r.a_start));
    ctx.reply.Integer(static_cast<int64_t>(r.a_end));
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(static_cast<int64_t>(r.b_start));
    ctx.reply.Integer(static_cast<int64_t>(r.b_end));
    if (with_match_len) ctx.reply.Integer(static_cast<int64_t>(r.a_end - r.a_start + 1));
  }
  ctx.reply.Bulk("len");
  ctx.reply.Integer(length);
}

}  // namespace

void RegisterStringFamily(CommandTable& table) {
  const uint32_t kWriteOom = kWrite | kDenyOom;
  table.Add({"get", 2, kReadOnly | kFast, 1, 1, 1, GetCommand});
  table.Add({"set", -3, kWriteOom, 1, 1, 1, SetCommand});
  table.Add({"setnx", 3, kWriteOom | kFast, 1, 1, 1, SetNxCommand});
  table.Add({"setex", 4, kWriteOom, 1, 1, 1, SetExCommand});
  table.Add({"psetex", 4, kWriteOom, 1, 1, 1, SetExCommand});
  table.Add({"getset", 3, kWriteOom | kFast, 1, 1, 1, GetSetCommand});
  table.Add({"getdel", 2, kWrite | kFast, 1, 1, 1, GetDelCommand});
  table.Add({"getex", -2, kWrite | kFast, 1, 1, 1, GetExCommand});
  table.Add({"mget", -2, kReadOnly | kFast, 1, -1, 1, MGetCommand});
  table.Add({"mset", -3, kWriteOom, 1, -1, 2, MSetCommand});
  table.Add({"msetnx", -3, kWriteOom, 1, -1, 2, MSetCommand});
  table.Add({"append", 3, kWriteOom | kFast, 1, 1, 1, AppendCommand});
  table.Add({"strlen", 2, kReadOnly | kFast, 1, 1, 1, StrlenCommand});
  table.Add({"incr", 2, kWriteOom | kFast, 1, 1, 1, IncrCommand});
  table.Add({"decr", 2, kWriteOom | kFast, 1, 1, 1, DecrCommand});
  table.Add({"incrby", 3, kWriteOom | kFast, 1, 1, 1, IncrByCommand});
  table.Add({"decrby", 3, kWriteOom | kFast, 1, 1, 1, DecrByCommand});
  table.Add({"incrbyfloat", 3, kWriteOom | kFast, 1, 1, 1, IncrByFloatCommand});
  table.Add({"getrange", 4, kReadOnly, 1, 1, 1, GetRangeCommand});
  table.Add({"substr", 4, kReadOnly, 1, 1, 1, GetRangeCommand});
  table.Add({"setrange", 4, kWriteOom, 1, 1, 1, SetRangeCommand});
  table.Add({"lcs", -3, kReadOnly, 1, 2, 1, LcsCommand});
}

}  // namespace bazaar::engine::commands
