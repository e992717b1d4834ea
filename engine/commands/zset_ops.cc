#include "engine/commands/zset_ops.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>

#include "engine/commands/arg_util.h"
#include "engine/commands/errors.h"
#include "engine/commands/status_reply.h"
#include "engine/protocol/number.h"

namespace bazaar::engine::commands {

using core::Value;
using core::ValueType;
using core::ZSet;

// ---- Parsing ----

bool ParseScore(std::string_view s, double* out) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string buf(s);
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(buf.c_str(), &end);
  if (static_cast<size_t>(end - buf.c_str()) != buf.size()) return false;
  if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) {
    return false;
  }
  if (std::isnan(v)) return false;
  *out = v;
  return true;
}

std::string FormatScore(double score) {
  if (std::isinf(score)) return score > 0 ? "inf" : "-inf";
  char buf[64];
  int len = std::snprintf(buf, sizeof(buf), "%.17g", score);
  return std::string(buf, len);
}

namespace {

// One end of a score range. The argument is read as a C string, as Redis does: strtod stops at
// an embedded NUL and anything after it is ignored.
bool ParseScoreItem(std::string_view s, double* value, bool* exclusive) {
  std::string buf(s);
  const char* p = buf.c_str();
  *exclusive = false;
  if (p[0] == '(') {
    *exclusive = true;
    ++p;
  }
  char* end = nullptr;
  double v = std::strtod(p, &end);
  if (*end != '\0' || std::isnan(v)) return false;
  *value = v;
  return true;
}

bool ParseLexItem(std::string_view s, core::LexBound* b) {
  if (s.empty()) return false;
  switch (s[0]) {
    case '+':
    case '-':
      if (s.size() > 1 && s[1] != '\0') return false;
      b->kind = s[0] == '+' ? core::LexBound::kMax : core::LexBound::kMin;
      b->exclusive = true;
      return true;
    case '(':
    case '[':
      b->kind = core::LexBound::kValue;
      b->value = s.substr(1);
      b->exclusive = s[0] == '(';
      return true;
    default:
      return false;
  }
}

}  // namespace

bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* out) {
  return ParseScoreItem(min, &out->min, &out->min_exclusive) &&
         ParseScoreItem(max, &out->max, &out->max_exclusive);
}

bool ParseLexRange(std::string_view min, std::string_view max, LexRange* out) {
  return ParseLexItem(min, &out->min) && ParseLexItem(max, &out->max);
}

// ---- Writes ----

absl::StatusOr<ZAddResult> OpZAdd(core::Keyspace& ks, int db, std::string_view key,
                                  uint32_t flags,
                                  const std::vector<std::pair<double, std::string_view>>& pairs) {
  const bool nx = flags & kZAddNx, xx = flags & kZAddXx, gt = flags & kZAddGt,
             lt = flags & kZAddLt, incr = flags & kZAddIncr;
  ZAddResult r;
  Value* v = ks.FindForWrite(db, key);
  if (v && v->type() != ValueType::kZSet) return RedisError(kWrongTypeError);
  bool created = false;
  if (!v) {
    if (xx) return r;
    // Without XX the first pair is always added, so the new key never stays empty.
    v = &ks.Store(db, key, Value::NewZSet());
    created = true;
  }
  ZSet& z = v->zset();
  absl::Status status;
  for (const auto& [score, member] : pairs) {
    std::optional<double> current = z.Score(member);
    if (!current) {
      if (xx) continue;
      z.Set(member, score);
      ++r.added;
      ++r.processed;
      r.score = score;
      continue;
    }
    if (nx) continue;
    double updated = score;
    if (incr) {
      updated += *current;
      if (std::isnan(updated)) {
        status = RedisError(kZNaNScoreError);
        break;
      }
    }
    if ((lt && updated >= *current) || (gt && updated <= *current)) continue;
    ++r.processed;
    r.score = updated;
    if (updated != *current) {
      z.Set(member, updated);
      ++r.updated;
    }
  }
  if (!created && (r.added || r.updated)) ks.MarkModified(db, key);
  if (r.added || r.updated) ks.Notify(db, core::events::kZset, incr ? "zincr" : "zadd", key);
  if (!status.ok()) return status;
  return r;
}

namespace {

// The set under key for a write: nullptr if missing, WRONGTYPE if another type.
absl::StatusOr<ZSet*> FindZSetForWrite(core::Keyspace& ks, int db, std::string_view key) {
  Value* v = ks.FindForWrite(db, key);
  if (!v) return nullptr;
  if (v->type() != ValueType::kZSet) return RedisError(kWrongTypeError);
  return &v->zset();
}

// After removing `removed` elements from the set under key by the command `event`: delete an
// emptied key, or report the change.
void AfterRemoval(core::Keyspace& ks, int db, std::string_view key, const ZSet& z,
                  size_t removed, std::string_view event) {
  if (removed == 0) return;
  ks.Notify(db, core::events::kZset, event, key);
  if (z.size() == 0) {
    ks.Delete(db, key);
    ks.Notify(db, core::events::kGeneric, "del", key);
  } else {
    ks.MarkModified(db, key);
  }
}

}  // namespace

absl::StatusOr<int64_t> OpZRem(core::Keyspace& ks, int db, std::string_view key,
                               absl::Span<const std::string_view> members) {
  auto z = FindZSetForWrite(ks, db, key);
  if (!z.ok()) return z.status();
  if (!*z) return 0;
  size_t removed = 0;
  for (std::string_view m : members) {
    if ((*z)->Erase(m)) ++removed;
    if ((*z)->size() == 0) break;
  }
  AfterRemoval(ks, db, key, **z, removed, "zrem");
  return static_cast<int64_t>(removed);
}

absl::StatusOr<ZPopResult> OpZPop(core::Keyspace& ks, int db,
                                  absl::Span<const std::string_view> keys, bool max,
                                  int64_t count) {
  ZPopResult result;
  ZSet* z = nullptr;
  for (std::string_view key : keys) {
    auto found = FindZSetForWrite(ks, db, key);
    if (!found.ok()) return found.status();
    if (*found) {
      z = *found;
      result.key = std::string(key);
      break;
    }
  }
  if (!z) return result;
  result.found = true;
  if (count <= 0) return result;
  size_t n = std::min<size_t>(static_cast<size_t>(count), z->size());
  result.elements.reserve(n);
  z->Walk(max ? z->size() - 1 : 0, max, [&](std::string_view m, double s) {
    result.elements.push_back({std::string(m), s});
    return result.elements.size() < n;
  });
  z->EraseRanks(max ? z->size() - n : 0, n);
  AfterRemoval(ks, db, result.key, *z, n, max ? "zpopmax" : "zpopmin");
  return result;
}

// ---- Ranges ----

RankSpan ResolveRange(const ZSet& zs, const RangeSpec& spec) {
  RankSpan span;
  span.reverse = spec.reverse;
  const int64_t llen = static_cast<int64_t>(zs.size());
  if (spec.type == RangeType::kRank) {
    int64_t start = spec.start, end = spec.end;
    if (start < 0) start += llen;
    if (end < 0) end += llen;
    if (start < 0) start = 0;
    if (start > end || start >= llen) return span;
    if (end >= llen) end = llen - 1;
    span.count = static_cast<size_t>(end - start + 1);
    span.first = static_cast<size_t>(spec.reverse ? llen - 1 - start : start);
    return span;
  }
  size_t lo, hi;
  if (spec.type == RangeType::kScore) {
    lo = zs.ScoreStart(spec.score.min, spec.score.min_exclusive);
    hi = zs.ScoreEnd(spec.score.max, spec.score.max_exclusive);
  } else {
    lo = zs.LexStart(spec.lex.min);
    hi = zs.LexEnd(spec.lex.max);
  }
  size_t n = hi > lo ? hi - lo : 0;
  // A negative offset skips everything (Redis's "while (offset--)" walks off the end).
  if (spec.offset < 0 || static_cast<uint64_t>(spec.offset) >= n) return span;
  size_t offset = static_cast<size_t>(spec.offset);
  n -= offset;
  if (spec.limit >= 0) n = std::min<size_t>(n, static_cast<uint64_t>(spec.limit));
  span.count = n;
  span.first = spec.reverse ? hi - 1 - offset : lo + offset;
  return span;
}

absl::StatusOr<const ZSet*> FindZSet(core::Keyspace& ks, int db, std::string_view key) {
  Value* v = ks.FindForRead(db, key);
  if (!v) return nullptr;
  if (v->type() != ValueType::kZSet) return RedisError(kWrongTypeError);
  return &v->zset();
}

int64_t StoreZSetResult(core::Keyspace& ks, int db, std::string_view dst, Value result,
                        std::string_view event) {
  size_t n = result.zset().size();
  if (n == 0) {
    if (ks.Delete(db, dst)) ks.Notify(db, core::events::kGeneric, "del", dst);
    return 0;
  }
  result.zset().RecheckCompact();
  ks.Store(db, dst, std::move(result));
  ks.Notify(db, core::events::kZset, event, dst);
  return static_cast<int64_t>(n);
}

absl::StatusOr<int64_t> OpZRangeStore(core::Keyspace& ks, int db, std::string_view dst,
                                      std::string_view src, const RangeSpec& spec) {
  auto z = FindZSet(ks, db, src);
  if (!z.ok()) return z.status();
  Value out = Value::NewZSet();
  out.zset().DropCompact();  // a skiplist until StoreZSetResult re-checks it, as in Redis
  if (*z) {
    RankSpan span = ResolveRange(**z, spec);
    size_t left = span.count;
    if (left > 0) {
      (*z)->Walk(span.first, span.reverse, [&](std::string_view m, double s) {
        out.zset().Set(m, s);
        return --left > 0;
      });
    }
  }
  return StoreZSetResult(ks, db, dst, std::move(out), "zrangestore");
}

absl::StatusOr<int64_t> OpZRemRange(core::Keyspace& ks, int db, std::string_view key,
                                    const RangeSpec& spec) {
  auto z = FindZSetForWrite(ks, db, key);
  if (!z.ok()) return z.status();
  if (!*z) return 0;
  RankSpan span = ResolveRange(**z, spec);
  if (span.count == 0) return 0;
  size_t lo = span.reverse ? span.first + 1 - span.count : span.first;
  size_t removed = (*z)->EraseRanks(lo, span.count);
  AfterRemoval(ks, db, key, **z, removed,
               spec.type == RangeType::kRank    ? "zremrangebyrank"
               : spec.type == RangeType::kScore ? "zremrangebyscore"
                                                : "zremrangebylex");
  return static_cast<int64_t>(removed);
}

// ---- Combinations ----

size_t CombineSource::size() const {
  if (zset) return zset->size();
  if (set) return set->size();
  return 0;
}

namespace {

template <typename F>
void ForEachMember(const CombineSource& src, F&& fn) {
  if (src.zset) {
    src.zset->Walk(0, false, [&](std::string_view m, double s) {
      fn(m, s);
      return true;
    });
  } else if (src.set) {
    src.set->ForEach([&](std::string_view m) { fn(m, 1.0); });
  }
}

bool FindMember(const CombineSource& src, std::string_view member, double* score) {
  if (src.zset) {
    const std::optional<double> s = src.zset->Score(member);
    if (!s) return false;
    *score = *s;
    return true;
  }
  if (src.set && src.set->Contains(member)) {
    *score = 1.0;
    return true;
  }
  return false;
}

// zunionInterAggregate, NaN sums becoming 0 as in Redis.
void AggregateInto(double* target, double value, Aggregate aggregate) {
  switch (aggregate) {
    case Aggregate::kSum:
      *target = *target + value;
      if (std::isnan(*target)) *target = 0.0;
      break;
    case Aggregate::kMin:
      *target = value < *target ? value : *target;
      break;
    case Aggregate::kMax:
      *target = value > *target ? value : *target;
      break;
  }
}

// Sources from the smallest to the largest, ties in key order (glibc's qsort is a merge sort).
std::vector<const CombineSource*> BySize(const CombineSpec& spec) {
  std::vector<const CombineSource*> order;
  for (const auto& s : spec.sources) order.push_back(&s);
  std::stable_sort(order.begin(), order.end(), [](const CombineSource* a, const CombineSource* b) {
    return a->size() < b->size();
  });
  return order;
}

// Walks the intersection: fn(member, aggregated score) for members in every source; fn returns
// false to stop.
template <typename F>
void ForEachInIntersection(const CombineSpec& spec, F&& fn) {
  auto order = BySize(spec);
  if (order.empty() || order[0]->size() == 0) return;
  const CombineSource& first = *order[0];
  bool stop = false;
  ForEachMember(first, [&](std::string_view member, double score) {
    if (stop) return;
    double total = first.weight * score;
    if (std::isnan(total)) total = 0;
    for (size_t j = 1; j < order.size(); ++j) {
      double value;
      if (!FindMember(*order[j], member, &value)) return;
      value *= order[j]->weight;
      AggregateInto(&total, value, spec.aggregate);
    }
    if (!fn(member, total)) stop = true;
  });
}

}  // namespace

absl::StatusOr<CombineSpec> ParseCombine(core::Keyspace& ks, int db,
                                         absl::Span<const std::string_view> args,
                                         size_t numkeys_index, SetOp op, CombineMode mode,
                                         std::string_view command) {
  int64_t setnum;
  if (!protocol::ParseInt64(args[numkeys_index], &setnum)) return RedisError(kNotIntegerError);
  if (setnum < 1) {
    return RedisError("ERR at least 1 input key is needed for '" + std::string(command) +
                      "' command");
  }
  if (static_cast<uint64_t>(setnum) > args.size() - (numkeys_index + 1)) {
    return RedisError(kSyntaxError);
  }
  CombineSpec spec;
  spec.op = op;
  size_t j = numkeys_index + 1;
  for (int64_t i = 0; i < setnum; ++i, ++j) {
    CombineSource src;
    if (Value* v = ks.FindForRead(db, args[j])) {
      if (v->type() == ValueType::kZSet) {
        src.zset = &v->zset();
      } else if (v->type() == ValueType::kSet) {
        src.set = &v->set();
      } else {
        return RedisError(kWrongTypeError);
      }
    }
    spec.sources.push_back(src);
  }
  const bool card = mode == CombineMode::kCardinality;
  while (j < args.size()) {
    size_t remaining = args.size() - j;
    if (op != SetOp::kDiff && !card && remaining >= static_cast<size_t>(setnum) + 1 &&
        IsOption(args[j], "weights")) {
      ++j;
      for (auto& src : spec.sources) {
        if (!ParseScore(args[j++], &src.weight)) {
          return RedisError("ERR weight value is not a float");
        }
      }
    } else if (op != SetOp::kDiff && !card && remaining >= 2 && IsOption(args[j], "aggregate")) {
      std::string_view a = args[j + 1];
      if (IsOption(a, "sum")) {
        spec.aggregate = Aggregate::kSum;
      } else if (IsOption(a, "min")) {
        spec.aggregate = Aggregate::kMin;
      } else if (IsOption(a, "max")) {
        spec.aggregate = Aggregate::kMax;
      } else {
        return RedisError(kSyntaxError);
      }
      j += 2;
    } else if (mode == CombineMode::kReply && IsOption(args[j], "withscores")) {
      spec.withscores = true;
      ++j;
    } else if (card && remaining >= 2 && IsOption(args[j], "limit")) {
      int64_t limit;
      if (!protocol::ParseInt64(args[j + 1], &limit) || limit < 0) {
        return RedisError("ERR LIMIT can't be negative");
      }
      spec.limit = limit;
      j += 2;
    } else {
      return RedisError(kSyntaxError);
    }
  }
  return spec;
}

void Combine(const CombineSpec& spec, ZSet* out) {
  switch (spec.op) {
    case SetOp::kUnion: {
      core::Dict<double> acc;
      for (const CombineSource* src : BySize(spec)) {
        ForEachMember(*src, [&](std::string_view member, double score) {
          double value = src->weight * score;
          if (std::isnan(value)) value = 0;
          auto [e, inserted] = acc.FindOrInsert(member);
          if (inserted) {
            e->value = value;
          } else {
            AggregateInto(&e->value, value, spec.aggregate);
          }
        });
      }
      acc.ForEach([&](const core::Dict<double>::Entry& e) { out->Set(e.key, e.value); });
      break;
    }
    case SetOp::kInter:
      ForEachInIntersection(spec, [&](std::string_view member, double score) {
        out->Set(member, score);
        return true;
      });
      break;
    case SetOp::kDiff: {
      const CombineSource& first = spec.sources[0];
      ForEachMember(first, [&](std::string_view member, double score) {
        double unused;
        for (size_t j = 1; j < spec.sources.size(); ++j) {
          if (FindMember(spec.sources[j], member, &unused)) return;
        }
        out->Set(member, score);
      });
      break;
    }
  }
}

int64_t InterCardinality(const CombineSpec& spec) {
  int64_t n = 0;
  ForEachInIntersection(spec, [&](std::string_view, double) {
    ++n;
    return !(spec.limit > 0 && n >= spec.limit);
  });
  return n;
}

}  // namespace bazaar::engine::commands
