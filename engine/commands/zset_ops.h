// The work behind the sorted-set commands, on the keyspace and without sockets: argument parsers
// with Redis's exact rules (scores, score ranges, lex ranges) and Op functions that return their
// result or an absl::Status whose message is Redis's error reply text.
#ifndef BAZAAR_ENGINE_COMMANDS_ZSET_OPS_H_
#define BAZAAR_ENGINE_COMMANDS_ZSET_OPS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/core/keyspace.h"
#include "engine/core/zset.h"

namespace bazaar::engine::commands {

inline constexpr std::string_view kZNaNScoreError = "ERR resulting score is not a number (NaN)";
inline constexpr std::string_view kZMinMaxNotFloatError = "ERR min or max is not a float";
inline constexpr std::string_view kZLexRangeError = "ERR min or max not valid string range item";

// Redis's getDoubleFromObject: strtod over the whole argument, no leading space, no NaN, no
// overflow or underflow to zero ("1e400" is refused, "inf" is not).
bool ParseScore(std::string_view s, double* out);
// The score as ZSCAN and *STORE listings print it ("%.17g", inf and -inf).
std::string FormatScore(double score);

struct ScoreRange {
  double min = 0, max = 0;
  bool min_exclusive = false, max_exclusive = false;
};
// zslParseRange: "(" for exclusive; strtod up to a NUL byte, so "" reads as 0 and overflow
// reads as +-inf; NaN is refused.
bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* out);

struct LexRange {
  core::LexBound min, max;  // values borrow the argument bytes
};
// zslParseLexRange: "-", "+", "[value" or "(value".
bool ParseLexRange(std::string_view min, std::string_view max, LexRange* out);

// ---- ZADD / ZINCRBY ----

enum ZAddFlag : uint32_t {
  kZAddNx = 1 << 0,
  kZAddXx = 1 << 1,
  kZAddGt = 1 << 2,
  kZAddLt = 1 << 3,
  kZAddCh = 1 << 4,
  kZAddIncr = 1 << 5,
};

struct ZAddResult {
  int64_t added = 0;
  int64_t updated = 0;
  int64_t processed = 0;  // elements not skipped by NX/XX/GT/LT
  double score = 0;       // the last element's resulting score (INCR's reply)
};

// Adds (score, member) pairs with ZADD's flags. Signals the key when something was added or
// updated. Fails with kZNaNScoreError when INCR makes a NaN (earlier pairs stay applied).
absl::StatusOr<ZAddResult> OpZAdd(core::Keyspace& ks, int db, std::string_view key,
                                  uint32_t flags,
                                  const std::vector<std::pair<double, std::string_view>>& pairs);

// Removes members; returns how many were there. Deletes the key when it empties.
absl::StatusOr<int64_t> OpZRem(core::Keyspace& ks, int db, std::string_view key,
                               absl::Span<const std::string_view> members);

struct ScoredMember {
  std::string member;
  double score;
};

struct ZPopResult {
  bool found = false;  // a sorted set existed under one of the keys
  std::string key;     // the key popped from
  std::vector<ScoredMember> elements;
};

// ZPOPMIN / ZPOPMAX / ZMPOP / BZPOP*: pops up to `count` (>= 0) elements from the lowest (or,
// with `max`, highest) end of the first existing key among `keys`, deleting it when it empties.
// WRONGTYPE when the first existing key is not a sorted set. With count 0 nothing is popped but
// found tells whether a set exists.
absl::StatusOr<ZPopResult> OpZPop(core::Keyspace& ks, int db,
                                  absl::Span<const std::string_view> keys, bool max,
                                  int64_t count);

// ---- Ranges ----

enum class RangeType { kRank, kScore, kLex };

struct RangeSpec {
  RangeType type = RangeType::kRank;
  bool reverse = false;
  int64_t start = 0, end = 0;  // kRank: indexes, negative from the end
  ScoreRange score;            // kScore
  LexRange lex;                // kLex
  int64_t offset = 0;          // LIMIT (kScore / kLex)
  int64_t limit = -1;          // negative: no limit
};

// A range resolved against one set: `count` elements starting at ascending rank `first`,
// walking downwards when reverse.
struct RankSpan {
  size_t first = 0;
  size_t count = 0;
  bool reverse = false;
};
RankSpan ResolveRange(const core::ZSet& zs, const RangeSpec& spec);

// The set under key: nullptr if missing, WRONGTYPE if another type. Read lookup.
absl::StatusOr<const core::ZSet*> FindZSet(core::Keyspace& ks, int db, std::string_view key);

// ZRANGESTORE: stores the range of src under dst (deleting dst when empty); returns its size.
absl::StatusOr<int64_t> OpZRangeStore(core::Keyspace& ks, int db, std::string_view dst,
                                      std::string_view src, const RangeSpec& spec);
// ZREMRANGEBYRANK / BYSCORE / BYLEX: removes the range; returns how many went.
absl::StatusOr<int64_t> OpZRemRange(core::Keyspace& ks, int db, std::string_view key,
                                    const RangeSpec& spec);

// ---- ZUNION / ZINTER / ZDIFF (and their STORE forms, ZINTERCARD) ----

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

// One input: a sorted set, a plain set (every member scores 1), or nothing (missing key).
struct CombineSource {
  const core::ZSet* zset = nullptr;
  const core::SetValue* set = nullptr;
  double weight = 1;
  size_t size() const;
};

struct CombineSpec {
  SetOp op = SetOp::kUnion;
  Aggregate aggregate = Aggregate::kSum;
  std::vector<CombineSource> sources;
  bool withscores = false;
  int64_t limit = 0;  // ZINTERCARD; 0 = none
};

enum class CombineMode { kReply, kStore, kCardinality };
// Parses "numkeys key... [WEIGHTS w...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES] | [LIMIT n]" from
// args[numkeys_index] in Redis's order: numkeys, then every key's type, then the options.
absl::StatusOr<CombineSpec> ParseCombine(core::Keyspace& ks, int db, absl::Span<const std::string_view> args,
                                         size_t numkeys_index, SetOp op, CombineMode mode,
                                         std::string_view command);
// Computes the combination into `out` (empty on entry).
void Combine(const CombineSpec& spec, core::ZSet* out);
// ZINTERCARD: the intersection's size, stopping at spec.limit when it is positive.
int64_t InterCardinality(const CombineSpec& spec);
// Stores `result` under dst (notifying `event`), or deletes dst when it is empty; returns the
// stored size.
int64_t StoreZSetResult(core::Keyspace& ks, int db, std::string_view dst, core::Value result,
                        std::string_view event);

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_ZSET_OPS_H_
