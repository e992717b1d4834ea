// ZRANGE ZRANGESTORE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZCOUNT
// ZLEXCOUNT ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX.
#include "engine/commands/zset_range.h"

#include "engine/commands/arg_util.h"
#include "engine/commands/errors.h"
#include "engine/commands/status_reply.h"

namespace bazaar::engine::commands {

void ReplyZSetSpan(CommandContext& ctx, const core::ZSet& zs, RankSpan span, bool withscores) {
  const bool resp3 = ctx.reply.resp() >= 3;
  ctx.reply.ArrayHeader(withscores && !resp3 ? span.count * 2 : span.count);
  size_t left = span.count;
  if (left == 0) return;
  zs.Walk(span.first, span.reverse, [&](std::string_view member, double score) {
    if (withscores && resp3) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(member);
    if (withscores) ctx.reply.Double(score);
    return --left > 0;
  });
}

namespace {

enum class Direction { kAuto, kForward, kReverse };

// What a command fixes before its options are read (Redis's zrangeGenericCommand arguments).
struct RangeCommandShape {
  size_t key_index;      // the source key; min and max follow it
  bool store;            // ZRANGESTORE
  bool type_fixed;       // ZRANGEBYSCORE & co: BYSCORE / BYLEX are not options
  RangeType type;        // when type_fixed
  Direction direction;   // kAuto: REV is an option
};

// Parses the options after min and max, then the range itself. False after replying an error.
bool ParseRangeCommand(CommandContext& ctx, Args args, const RangeCommandShape& shape,
                       RangeSpec* spec, bool* withscores) {
  std::optional<RangeType> type;
  if (shape.type_fixed) type = shape.type;
  Direction direction = shape.direction;
  bool limit_given = false;
  *withscores = false;
  for (size_t j = shape.key_index + 3; j < args.size(); ++j) {
    size_t left = args.size() - j - 1;
    if (!shape.store && IsOption(args[j], "withscores")) {
      *withscores = true;
    } else if (IsOption(args[j], "limit") && left >= 2) {
      if (!IntArgOrReply(ctx.reply, args[j + 1], &spec->offset) ||
          !IntArgOrReply(ctx.reply, args[j + 2], &spec->limit)) {
        return false;
      }
      limit_given = true;
      j += 2;
    } else if (direction == Direction::kAuto && IsOption(args[j], "rev")) {
      direction = Direction::kReverse;
    } else if (!type && IsOption(args[j], "bylex")) {
      type = RangeType::kLex;
    } else if (!type && IsOption(args[j], "byscore")) {
      type = RangeType::kScore;
    } else {
      ctx.reply.Error(kSyntaxError);
      return false;
    }
  }
  spec->type = type.value_or(RangeType::kRank);
  spec->reverse = direction == Direction::kReverse;
  // Redis compares the parsed count with its "no LIMIT" default, so "LIMIT 5 -1" passes here.
  if (limit_given && spec->limit != -1 && spec->type == RangeType::kRank) {
    ctx.reply.Error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    return false;
  }
  if (*withscores && spec->type == RangeType::kLex) {
    ctx.reply.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    return false;
  }
  std::string_view min = args[shape.key_index + 1], max = args[shape.key_index + 2];
  if (spec->reverse && spec->type != RangeType::kRank) std::swap(min, max);
  switch (spec->type) {
    case RangeType::kRank:
      return IntArgOrReply(ctx.reply, min, &spec->start) &&
             IntArgOrReply(ctx.reply, max, &spec->end);
    case RangeType::kScore:
      if (ParseScoreRange(min, max, &spec->score)) return true;
      ctx.reply.Error(kZMinMaxNotFloatError);
      return false;
    case RangeType::kLex:
      if (ParseLexRange(min, max, &spec->lex)) return true;
      ctx.reply.Error(kZLexRangeError);
      return false;
  }
  return false;
}

void RangeGeneric(CommandContext& ctx, Args args, const RangeCommandShape& shape) {
  RangeSpec spec;
  bool withscores;
  if (!ParseRangeCommand(ctx, args, shape, &spec, &withscores)) return;
  if (shape.store) {
    auto stored = OpZRangeStore(ctx.keyspace, ctx.db(), args[1], args[2], spec);
    if (!stored.ok()) return ReplyError(ctx.reply, stored.status());
    return ctx.reply.Integer(*stored);
  }
  auto z = FindZSet(ctx.keyspace, ctx.db(), args[shape.key_index]);
  if (!z.ok()) return ReplyError(ctx.reply, z.status());
  if (!*z) return ctx.reply.ArrayHeader(0);
  ReplyZSetSpan(ctx, **z, ResolveRange(**z, spec), withscores);
}

void ZRangeCommand(CommandContext& ctx, Args args) {
  RangeGeneric(ctx, args, {1, false, false, RangeType::kRank, Direction::kAuto});
}

void ZRangeStoreCommand(CommandContext& ctx, Args args) {
  RangeGeneric(ctx, args, {2, true, false, RangeType::kRank, Direction::kAuto});
}

void ZRevRangeCommand(CommandContext& ctx, Args args) {
  RangeGeneric(ctx, args, {1, false, true, RangeType::kRank, Direction::kReverse});
}

void ZRangeByScoreCommand(CommandContext& ctx, Args args) {
  bool rev = ctx.spec.name == "zrevrangebyscore";
  RangeGeneric(ctx, args,
               {1, false, true, RangeType::kScore, rev ? Direction::kReverse : Direction::kForward});
}

void ZRangeByLexCommand(CommandContext& ctx, Args args) {
  bool rev = ctx.spec.name == "zrevrangebylex";
  RangeGeneric(ctx, args,
               {1, false, true, RangeType::kLex, rev ? Direction::kReverse : Direction::kForward});
}

void ZCountCommand(CommandContext& ctx, Args args) {
  ScoreRange range;
  if (!ParseScoreRange(args[2], args[3], &range)) return ctx.reply.Error(kZMinMaxNotFloatError);
  auto z = FindZSet(ctx.keyspace, ctx.db(), args[1]);
  if (!z.ok()) return ReplyError(ctx.reply, z.status());
  if (!*z) return ctx.reply.Integer(0);
  size_t lo = (*z)->ScoreStart(range.min, range.min_exclusive);
  size_t hi = (*z)->ScoreEnd(range.max, range.max_exclusive);
  ctx.reply.Integer(hi > lo ? static_cast<int64_t>(hi - lo) : 0);
}

void ZLexCountCommand(CommandContext& ctx, Args args) {
  LexRange range;
  if (!ParseLexRange(args[2], args[3], &range)) return ctx.reply.Error(kZLexRangeError);
  auto z = FindZSet(ctx.keyspace, ctx.db(), args[1]);
  if (!z.ok()) return ReplyError(ctx.reply, z.status());
  if (!*z) return ctx.reply.Integer(0);
  size_t lo = (*z)->LexStart(range.min);
  size_t hi = (*z)->LexEnd(range.max);
  ctx.reply.Integer(hi > lo ? static_cast<int64_t>(hi - lo) : 0);
}

void ZRemRangeCommand(CommandContext& ctx, Args args) {
  RangeSpec spec;
  if (ctx.spec.name == "zremrangebyrank") {
    spec.type = RangeType::kRank;
    if (!IntArgOrReply(ctx.reply, args[2], &spec.start) ||
        !IntArgOrReply(ctx.reply, args[3], &spec.end)) {
      return;
    }
  } else if (ctx.spec.name == "zremrangebyscore") {
    spec.type = RangeType::kScore;
    if (!ParseScoreRange(args[2], args[3], &spec.score)) {
      return ctx.reply.Error(kZMinMaxNotFloatError);
    }
  } else {
    spec.type = RangeType::kLex;
    if (!ParseLexRange(args[2], args[3], &spec.lex)) return ctx.reply.Error(kZLexRangeError);
  }
  auto removed = OpZRemRange(ctx.keyspace, ctx.db(), args[1], spec);
  if (!removed.ok()) return ReplyError(ctx.reply, removed.status());
  ctx.reply.Integer(*removed);
}

}  // namespace

void RegisterZSetRangeCommands(CommandTable& table) {
  table.Add({"zrange", -4, kReadOnly, 1, 1, 1, ZRangeCommand});
  table.Add({"zrangestore", -5, kWrite | kDenyOom, 1, 2, 1, ZRangeStoreCommand});
  table.Add({"zrevrange", -4, kReadOnly, 1, 1, 1, ZRevRangeCommand});
  table.Add({"zrangebyscore", -4, kReadOnly, 1, 1, 1, ZRangeByScoreCommand});
  table.Add({"zrevrangebyscore", -4, kReadOnly, 1, 1, 1, ZRangeByScoreCommand});
  table.Add({"zrangebylex", -4, kReadOnly, 1, 1, 1, ZRangeByLexCommand});
  table.Add({"zrevrangebylex", -4, kReadOnly, 1, 1, 1, ZRangeByLexCommand});
  table.Add({"zcount", 4, kReadOnly | kFast, 1, 1, 1, ZCountCommand});
  table.Add({"zlexcount", 4, kReadOnly | kFast, 1, 1, 1, ZLexCountCommand});
  table.Add({"zremrangebyrank", 4, kWrite, 1, 1, 1, ZRemRangeCommand});
  table.Add({"zremrangebyscore", 4, kWrite, 1, 1, 1, ZRemRangeCommand});
  table.Add({"zremrangebylex", 4, kWrite, 1, 1, 1, ZRemRangeCommand});
}

}  // namespace bazaar::engine::commands
