// Sorted-set commands: ZADD ZINCRBY ZSCORE ZMSCORE ZREM ZCARD ZRANK ZREVRANK ZPOPMIN ZPOPMAX
// ZMPOP ZRANDMEMBER ZUNION ZINTER ZDIFF (and their STORE forms) ZINTERCARD ZSCAN here; the range
// commands are in zset_range.cc. The blocking BZPOP* / BZMPOP belong to the blocking module and
// use OpZPop.
#include <climits>
#include <cmath>

#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/container_scan.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/commands/random_pick.h"
#include "engine/commands/status_reply.h"
#include "engine/commands/zset_ops.h"
#include "engine/commands/zset_range.h"

namespace bazaar::engine::commands {
namespace {

using core::ZSet;

void ReplyStatusError(CommandContext& ctx, const absl::Status& status) {
  ReplyError(ctx.reply, status);
}

void ZAddCommand(CommandContext& ctx, Args args) {
  uint32_t flags = 0;
  size_t i = 2;
  for (; i < args.size(); ++i) {
    if (IsOption(args[i], "nx")) {
      flags |= kZAddNx;
    } else if (IsOption(args[i], "xx")) {
      flags |= kZAddXx;
    } else if (IsOption(args[i], "ch")) {
      flags |= kZAddCh;
    } else if (IsOption(args[i], "incr")) {
      flags |= kZAddIncr;
    } else if (IsOption(args[i], "gt")) {
      flags |= kZAddGt;
    } else if (IsOption(args[i], "lt")) {
      flags |= kZAddLt;
    } else {
      break;
    }
  }
  size_t elements = args.size() - i;
  if (elements == 0 || elements % 2 != 0) return ctx.reply.Error(kSyntaxError);
  elements /= 2;
  const bool nx = flags & kZAddNx, gt = flags & kZAddGt, lt = flags & kZAddLt;
  if (nx && (flags & kZAddXx)) {
    return ctx.reply.Error("ERR XX and NX options at the same time are not compatible");
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    return ctx.reply.Error("ERR GT, LT, and/or NX options at the same time are not compatible");
  }
  if ((flags & kZAddIncr) && elements > 1) {
    return ctx.reply.Error("ERR INCR option supports a single increment-element pair");
  }
  std::vector<std::pair<double, std::string_view>> pairs(elements);
  for (size_t j = 0; j < elements; ++j) {
    if (!ParseScore(args[i + 2 * j], &pairs[j].first)) return ctx.reply.Error(kNotFloatError);
    pairs[j].second = args[i + 2 * j + 1];
  }
  auto r = OpZAdd(ctx.keyspace, ctx.db(), args[1], flags, pairs);
  if (!r.ok()) return ReplyStatusError(ctx, r.status());
  if (flags & kZAddIncr) {
    return r->processed ? ctx.reply.Double(r->score) : ctx.reply.NullBulk();
  }
  ctx.reply.Integer((flags & kZAddCh) ? r->added + r->updated : r->added);
}

void ZIncrByCommand(CommandContext& ctx, Args args) {
  double incr;
  if (!ParseScore(args[2], &incr)) return ctx.reply.Error(kNotFloatError);
  auto r = OpZAdd(ctx.keyspace, ctx.db(), args[1], kZAddIncr, {{incr, args[3]}});
  if (!r.ok()) return ReplyStatusError(ctx, r.status());
  ctx.reply.Double(r->score);
}

void ZScoreCommand(CommandContext& ctx, Args args) {
  auto z = FindZSet(ctx.keyspace, ctx.db(), args[1]);
  if (!z.ok()) return ReplyStatusError(ctx, z.status());
  std::optional<double> score;
  if (*z) score = (*z)->Score(args[2]);
  score ? ctx.reply.Double(*score) : ctx.reply.NullBulk();
}

void ZMScoreCommand(CommandContext& ctx, Args args) {
  auto z = FindZSet(ctx.keyspace, ctx.db(), args[1]);
  if (!z.ok()) return ReplyStatusError(ctx, z.status());
  ctx.reply.ArrayHeader(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) {
    std::optional<double> score;
    if (*z) score = (*z)->Score(args[i]);
    score ? ctx.reply.Double(*score) : ctx.reply.NullBulk();
  }
}

void ZRemCommand(CommandContext& ctx, Args args) {
  auto r = OpZRem(ctx.keyspace, ctx.db(), args[1], args.subspan(2));
  if (!r.ok()) return ReplyStatusError(ctx, r.status());
  ctx.reply.Integer(*r);
}

void ZCardCommand(CommandContext& ctx, Args args) {
  auto z = FindZSet(ctx.keyspace, ctx.db(), args[1]);
  if (!z.ok()) return ReplyStatusError(ctx, z.status());
  ctx.reply.Integer(*z ? static_cast<int64_t>((*z)->size()) : 0);
}

void ZRankCommand(CommandContext& ctx, Args args) {
  auto z = FindZSet(ctx.keyspace, ctx.db(), args[1]);
  if (!z.ok()) return ReplyStatusError(ctx, z.status());
  if (!*z) return ctx.reply.NullBulk();
  auto rank = (*z)->Rank(args[2]);
  if (!rank) return ctx.reply.NullBulk();
  bool rev = ctx.spec.name == "zrevrank";
  ctx.reply.Integer(static_cast<int64_t>(rev ? (*z)->size() - 1 - *rank : *rank));
}

// The popped elements: flat member, score... or, when nested, [member, score] pairs.
void ReplyPopped(CommandContext& ctx, const ZPopResult& r, bool nested) {
  ctx.reply.ArrayHeader(nested ? r.elements.size() : r.elements.size() * 2);
  for (const auto& e : r.elements) {
    if (nested) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(e.member);
    ctx.reply.Double(e.score);
  }
}

void ZPopCommand(CommandContext& ctx, Args args) {
  if (args.size() > 3) return ctx.reply.Error(kSyntaxError);
  int64_t count = -1;  // a plain single pop
  if (args.size() == 3 && (!protocol::ParseInt64(args[2], &count) || count < 0)) {
    return ctx.reply.Error("ERR value is out of range, must be positive");
  }
  bool max = ctx.spec.name == "zpopmax";
  auto r = OpZPop(ctx.keyspace, ctx.db(), args.subspan(1, 1), max, count == -1 ? 1 : count);
  if (!r.ok()) return ReplyStatusError(ctx, r.status());
  ReplyPopped(ctx, *r, ctx.reply.resp() >= 3 && count != -1);
}

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
void ZMPopCommand(CommandContext& ctx, Args args) {
  MPopArgs mpop;
  if (!ParseMPopArgs(ctx.reply, args, 1, "min", "max", &mpop)) return;
  const bool max = !mpop.first_direction;
  auto r = OpZPop(ctx.keyspace, ctx.db(), mpop.keys, max, mpop.count);
  if (!r.ok()) return ReplyStatusError(ctx, r.status());
  if (!r->found) return ctx.reply.NullArray();
  // Logged as the pop it was (Redis: ZPOPMIN/ZPOPMAX key count).
  if (!r->elements.empty()) {
    ctx.PropagateAs({max ? "ZPOPMAX" : "ZPOPMIN", r->key, std::to_string(r->elements.size())});
  }
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(r->key);
  ReplyPopped(ctx, *r, true);
}

void ZRandMemberWithCount(CommandContext& ctx, Args args, int64_t count, bool withscores) {
  auto z = FindZSet(ctx.keyspace, ctx.db(), args[1]);
  if (!z.ok()) return ReplyStatusError(ctx, z.status());
  if (!*z || count == 0) return ctx.reply.ArrayHeader(0);
  const ZSet& zs = **z;
  const bool resp3 = ctx.reply.resp() >= 3;
  auto emit = [&](std::string_view member, double score) {
    if (withscores && resp3) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(member);
    if (withscores) ctx.reply.Double(score);
  };
  if (count > 0 && static_cast<uint64_t>(count) >= zs.size() && count != 1) {
    // Redis answers with the whole set, from the highest score down.
    return ReplyZSetSpan(ctx, zs, RankSpan{zs.size() - 1, zs.size(), true}, withscores);
  }
  uint64_t n = RandomPickCount(zs.size(), count);
  ctx.reply.ArrayHeader(withscores && !resp3 ? n * 2 : n);
  ForEachRandomScored(zs, count, emit);
}

void ZRandMemberCommand(CommandContext& ctx, Args args) {
  if (args.size() >= 3) {
    int64_t count;
    if (!IntArgOrReply(ctx.reply, args[2], &count)) return;
    if (count == LLONG_MIN) return ctx.reply.Error(kRandomCountRangeError);
    bool withscores = false;
    if (args.size() > 4 || (args.size() == 4 && !IsOption(args[3], "withscores"))) {
      return ctx.reply.Error(kSyntaxError);
    }
    if (args.size() == 4) {
      withscores = true;
      if (count < -LLONG_MAX / 2 || count > LLONG_MAX / 2) {
        return ctx.reply.Error(kValueOutOfRangeError);
      }
    }
    return ZRandMemberWithCount(ctx, args, count, withscores);
  }
  auto z = FindZSet(ctx.keyspace, ctx.db(), args[1]);
  if (!z.ok()) return ReplyStatusError(ctx, z.status());
  if (!*z) return ctx.reply.NullBulk();
  ForEachRandomScored(**z, 1, [&](std::string_view member, double) { ctx.reply.Bulk(member); });
}

// ZUNION / ZINTER / ZDIFF and the STORE forms and ZINTERCARD share one parser.
void CombineGeneric(CommandContext& ctx, Args args, SetOp op, CombineMode mode) {
  size_t numkeys_index = mode == CombineMode::kStore ? 2 : 1;
  auto spec = ParseCombine(ctx.keyspace, ctx.db(), args, numkeys_index, op, mode, ctx.spec.name);
  if (!spec.ok()) return ReplyStatusError(ctx, spec.status());
  if (mode == CombineMode::kCardinality) return ctx.reply.Integer(InterCardinality(*spec));
  // Built as a skiplist, as Redis builds it (a -0 keeps its sign), then re-checked on STORE.
  core::Value result = core::Value::NewZSet();
  result.zset().DropCompact();
  Combine(*spec, &result.zset());
  if (mode == CombineMode::kStore) {
    return ctx.reply.Integer(
        StoreZSetResult(ctx.keyspace, ctx.db(), args[1], std::move(result), ctx.spec.name));
  }
  const ZSet& zs = result.zset();
  ReplyZSetSpan(ctx, zs, RankSpan{0, zs.size(), false}, spec->withscores);
}

void ZUnionCommand(CommandContext& ctx, Args args) {
  CombineGeneric(ctx, args, SetOp::kUnion, CombineMode::kReply);
}
void ZInterCommand(CommandContext& ctx, Args args) {
  CombineGeneric(ctx, args, SetOp::kInter, CombineMode::kReply);
}
void ZDiffCommand(CommandContext& ctx, Args args) {
  CombineGeneric(ctx, args, SetOp::kDiff, CombineMode::kReply);
}
void ZUnionStoreCommand(CommandContext& ctx, Args args) {
  CombineGeneric(ctx, args, SetOp::kUnion, CombineMode::kStore);
}
void ZInterStoreCommand(CommandContext& ctx, Args args) {
  CombineGeneric(ctx, args, SetOp::kInter, CombineMode::kStore);
}
void ZDiffStoreCommand(CommandContext& ctx, Args args) {
  CombineGeneric(ctx, args, SetOp::kDiff, CombineMode::kStore);
}
void ZInterCardCommand(CommandContext& ctx, Args args) {
  CombineGeneric(ctx, args, SetOp::kInter, CombineMode::kCardinality);
}

// A listpack's score text (Redis's d2string): integral values print as integers, -0 as 0.
std::string ListpackScore(double score) {
  if (score == 0) return "0";
  if (score >= static_cast<double>(-LLONG_MAX / 2) && score <= static_cast<double>(LLONG_MAX / 2)) {
    long long ll = static_cast<long long>(score);
    if (static_cast<double>(ll) == score) return std::to_string(ll);
  }
  return FormatScore(score);
}

void ZScanCommand(CommandContext& ctx, Args args) {
  uint64_t cursor;
  if (!ScanCursorOrReply(ctx.reply, args[2], &cursor)) return;
  auto z = FindZSet(ctx.keyspace, ctx.db(), args[1]);
  if (!z.ok()) return ReplyStatusError(ctx, z.status());
  if (!*z) return ReplyEmptyScan(ctx.reply);
  ScanOptions opts;
  if (!ScanOptionsOrReply(ctx.reply, args, 3, &opts)) return;
  const ZSet& zs = **z;
  std::vector<std::pair<std::string, std::string>> out;
  if (zs.compact()) {
    // Redis returns a listpack whole, in order, whatever the cursor and COUNT.
    zs.Walk(0, false, [&](std::string_view m, double s) {
      if (!opts.use_pattern || core::GlobMatch(opts.pattern, m)) {
        out.emplace_back(m, ListpackScore(s));
      }
      return true;
    });
    cursor = 0;
  } else {
    std::vector<const ZSet::Entry*> entries;
    cursor = ScanDictStep(zs.table(), cursor, opts.count, 1, &entries);
    FilterScanned(opts, &entries);
    for (const ZSet::Entry* e : entries) out.emplace_back(e->key, FormatScore(e->value.score));
  }
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(cursor));
  ctx.reply.ArrayHeader(out.size() * 2);
  for (const auto& [member, score] : out) {
    ctx.reply.Bulk(member);
    ctx.reply.Bulk(score);
  }
}

}  // namespace

void RegisterZSetFamily(CommandTable& table) {
  const uint32_t kWriteOom = kWrite | kDenyOom;
  table.Add({"zadd", -4, kWriteOom | kFast, 1, 1, 1, ZAddCommand});
  table.Add({"zincrby", 4, kWriteOom | kFast, 1, 1, 1, ZIncrByCommand});
  table.Add({"zscore", 3, kReadOnly | kFast, 1, 1, 1, ZScoreCommand});
  table.Add({"zmscore", -3, kReadOnly | kFast, 1, 1, 1, ZMScoreCommand});
  table.Add({"zrem", -3, kWrite | kFast, 1, 1, 1, ZRemCommand});
  table.Add({"zcard", 2, kReadOnly | kFast, 1, 1, 1, ZCardCommand});
  table.Add({"zrank", 3, kReadOnly | kFast, 1, 1, 1, ZRankCommand});
  table.Add({"zrevrank", 3, kReadOnly | kFast, 1, 1, 1, ZRankCommand});
  table.Add({"zpopmin", -2, kWrite | kFast, 1, 1, 1, ZPopCommand});
  table.Add({"zpopmax", -2, kWrite | kFast, 1, 1, 1, ZPopCommand});
  table.Add({"zmpop", -4, kWrite | kMovableKeys, 0, 0, 0, ZMPopCommand});
  table.Add({"zrandmember", -2, kReadOnly, 1, 1, 1, ZRandMemberCommand});
  table.Add({"zunionstore", -4, kWriteOom | kMovableKeys, 1, 1, 1, ZUnionStoreCommand});
  table.Add({"zinterstore", -4, kWriteOom | kMovableKeys, 1, 1, 1, ZInterStoreCommand});
  table.Add({"zdiffstore", -4, kWriteOom | kMovableKeys, 1, 1, 1, ZDiffStoreCommand});
  table.Add({"zunion", -3, kReadOnly | kMovableKeys, 0, 0, 0, ZUnionCommand});
  table.Add({"zinter", -3, kReadOnly | kMovableKeys, 0, 0, 0, ZInterCommand});
  table.Add({"zdiff", -3, kReadOnly | kMovableKeys, 0, 0, 0, ZDiffCommand});
  table.Add({"zintercard", -3, kReadOnly | kMovableKeys, 0, 0, 0, ZInterCardCommand});
  table.Add({"zscan", -3, kReadOnly, 1, 1, 1, ZScanCommand});
  RegisterZSetRangeCommands(table);
}

}  // namespace bazaar::engine::commands
