// A sorted set: members with double scores, ordered by (score, member bytes). One hash table
// holds each member once; its entries are also the nodes of an order-statistic tree, so ZSCORE is
// O(1) and insert, erase, rank, element-at-rank and range starts are O(log n).
//
// Design note: the ordered index is a treap (a binary search tree that is a heap on per-node
// priorities) whose nodes carry their subtree size. The tree links live inside the hash table's
// entries (core::Dict entries never move), so a member costs one allocation holding its bytes,
// its score and three words of tree state, and there is no second copy of the member. Priorities
// are a hash of the entry address, which keeps the expected depth at O(log n) without a random
// generator in every set. Every tree operation is split / merge or a root-to-leaf descent; range
// iteration keeps an explicit stack instead of parent pointers.
//
// Thread affinity: none; the keyspace's single thread owns every set. Iterators and views handed
// to callbacks are valid only until the next mutation.
#ifndef BAZAAR_ENGINE_CORE_ZSET_H_
#define BAZAAR_ENGINE_CORE_ZSET_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/dict.h"

namespace bazaar::engine::core {

namespace zset_internal {
struct Node;
using Table = Dict<Node>;
using Entry = Table::Entry;
// The tree state kept in each hash-table entry.
struct Node {
  double score = 0;
  Entry* left = nullptr;
  Entry* right = nullptr;
  uint32_t size = 1;  // nodes in this subtree
  uint32_t priority = 0;
};
}  // namespace zset_internal

// One end of a lexicographic range (ZRANGEBYLEX's "-", "+", "[x" and "(x").
struct LexBound {
  enum Kind { kMin, kMax, kValue };
  Kind kind = kValue;
  std::string_view value;  // for kValue; borrowed
  bool exclusive = false;
};

class ZSet {
 public:
  using Entry = zset_internal::Entry;

  ZSet() = default;
  ZSet(const ZSet&) = delete;
  ZSet& operator=(const ZSet&) = delete;

  size_t size() const { return table_.size(); }
  std::optional<double> Score(std::string_view member) const;
  // Adds the member or moves it to a new score (score must not be NaN). Returns true if new.
  // While compact(), -0 is stored as 0, as Redis's listpack encoding does.
  bool Set(std::string_view member, double score);
  bool Erase(std::string_view member);
  // 0-based rank in ascending order, or nullopt if absent.
  std::optional<size_t> Rank(std::string_view member) const;
  // The element at 0-based ascending rank; precondition: rank < size().
  const Entry& At(size_t rank) const;

  // Ranks delimiting a score range: elements with ranks in [ScoreStart, ScoreEnd) have scores
  // within the range; an empty range gives ScoreEnd <= ScoreStart.
  size_t ScoreStart(double min, bool exclusive) const;
  size_t ScoreEnd(double max, bool exclusive) const;
  // Same for lexicographic ranges (meaningful when all scores are equal, as in Redis).
  size_t LexStart(const LexBound& min) const;
  size_t LexEnd(const LexBound& max) const;

  // Calls fn(member, score) from ascending rank `rank` upwards (or downwards when reverse) until
  // fn returns false or the set ends. The set must not change during the walk.
  template <typename F>
  void Walk(size_t rank, bool reverse, F&& fn) const;

  // Removes the elements with ascending ranks in [start, start + count); returns how many.
  size_t EraseRanks(size_t start, size_t count);

  // Whether Redis would hold this set as a listpack: never more than zset-max-listpack-entries
  // members and no member longer than zset-max-listpack-value bytes since it was created
  // (core/encoding_limits.h; Redis does not convert back on shrinking).
  bool compact() const { return compact_; }
  // Re-evaluates compact() from the current contents (Redis does this for *STORE results).
  void RecheckCompact();
  // Leaves the compact form for good, as Redis's conversion to a skiplist does (SORT converts
  // the set it sorts; a copy of a skiplist set is one too).
  void DropCompact() { compact_ = false; }

  // Member -> score table, for cursor scans and random picks.
  const zset_internal::Table& table() const { return table_; }

  // Checks the tree's invariants (order, sizes, heap priorities); for tests.
  bool Verify() const;

  static std::string_view MemberOf(const Entry& e) { return e.key; }
  static double ScoreOf(const Entry& e) { return e.value.score; }

 private:
  using Node = zset_internal::Node;
  static uint32_t SizeOf(const Entry* t) { return t ? t->value.size : 0; }
  static void Update(Entry* t) {
    t->value.size = 1 + SizeOf(t->value.left) + SizeOf(t->value.right);
  }
  // (score, member) order; negative, zero or positive as memcmp.
  static int Compare(double score, std::string_view member, const Entry& e);
  static Entry* Merge(Entry* a, Entry* b);
  // Splits t into the elements ordered before (score, member) and the rest.
  static void SplitKey(Entry* t, double score, std::string_view member, Entry** l, Entry** r);
  // Splits t into its first k elements and the rest.
  static void SplitRank(Entry* t, size_t k, Entry** l, Entry** r);
  static Entry* Insert(Entry* t, Entry* n);
  static Entry* Remove(Entry* t, double score, std::string_view member);
  // Number of leading elements for which before(entry) holds (before must be monotone).
  template <typename P>
  size_t CountBefore(P&& before) const;
  static bool LexBefore(std::string_view member, const LexBound& b, bool for_start);
  void Link(Entry* e, double score);

  zset_internal::Table table_;
  Entry* root_ = nullptr;
  bool compact_ = true;
};

template <typename P>
size_t ZSet::CountBefore(P&& before) const {
  size_t n = 0;
  for (const Entry* t = root_; t;) {
    if (before(*t)) {
      n += SizeOf(t->value.left) + 1;
      t = t->value.right;
    } else {
      t = t->value.left;
    }
  }
  return n;
}

template <typename F>
void ZSet::Walk(size_t rank, bool reverse, F&& fn) const {
  if (rank >= size()) return;
  std::vector<const Entry*> stack;
  stack.reserve(64);
  const Entry* t = root_;
  size_t k = rank;
  // Stack: the start node, then the ancestors still to visit after it.
  while (t) {
    size_t ls = SizeOf(t->value.left);
    if (k == ls) {
      stack.push_back(t);
      break;
    }
    if (k < ls) {
      if (!reverse) stack.push_back(t);
      t = t->value.left;
    } else {
      if (reverse) stack.push_back(t);
      k -= ls + 1;
      t = t->value.right;
    }
  }
  while (!stack.empty()) {
    const Entry* n = stack.back();
    stack.pop_back();
    if (!fn(std::string_view(n->key), n->value.score)) return;
    if (!reverse) {
      for (const Entry* c = n->value.right; c; c = c->value.left) stack.push_back(c);
    } else {
      for (const Entry* c = n->value.left; c; c = c->value.right) stack.push_back(c);
    }
  }
}

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_ZSET_H_
