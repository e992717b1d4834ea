// A sorted set: members with double scores, ordered by (score, member bytes), in one of Redis's
// two encodings. While small (zset-max-listpack-entries/-value, core/encoding_limits.h) it is a
// listpack of member, score pairs in that order, byte for byte Redis's (core/listpack.h): scores
// as Redis's d2string text, stored as integers when integral. Otherwise one hash table holds each
// member once; its entries are also the nodes of an order-statistic tree, so ZSCORE is O(1) and
// insert, erase, rank, element-at-rank and range starts are O(log n). The listpack form is walked
// linearly, as Redis walks it; it converts to the tree exactly when Redis converts to its
// skiplist (an insert past the limits, SORT, the *STORE rules), and never back, except where
// Redis re-checks a result (RecheckCompact).
//
// Design note: the ordered index is a treap (a binary search tree that is a heap on per-node
// priorities) whose nodes carry their subtree size. The tree links live inside the hash table's
// entries (core::Dict entries never move), so a member costs one allocation holding its bytes,
// its score and three words of tree state, and there is no second copy of the member. Priorities
// are a hash of the entry address, which keeps the expected depth at O(log n) without a random
// generator in every set. Every tree operation is split / merge or a root-to-leaf descent; range
// iteration keeps an explicit stack instead of parent pointers.
//
// Thread affinity: none; the keyspace's single thread owns every set. Views handed to callbacks
// are valid only during the call (a listpack's integer members are formatted on the fly).
#ifndef BAZAAR_ENGINE_CORE_ZSET_H_
#define BAZAAR_ENGINE_CORE_ZSET_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/dict.h"
#include "engine/core/listpack.h"

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

// A copy of one element, for callers that want it by rank.
struct ZSetElement {
  std::string member;
  double score = 0;
};

class ZSet {
 public:
  using Entry = zset_internal::Entry;

  ZSet() = default;
  ZSet(const ZSet&) = delete;
  ZSet& operator=(const ZSet&) = delete;

  size_t size() const { return compact_ ? lp_.size() / 2 : tree_->table.size(); }
  std::optional<double> Score(std::string_view member) const;
  // Adds the member or moves it to a new score (score must not be NaN). Returns true if new.
  // While compact(), -0 is stored as 0, as Redis's listpack encoding does.
  bool Set(std::string_view member, double score);
  bool Erase(std::string_view member);
  // 0-based rank in ascending order, or nullopt if absent.
  std::optional<size_t> Rank(std::string_view member) const;
  // The element at 0-based ascending rank; precondition: rank < size().
  ZSetElement At(size_t rank) const;

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

  // Whether the set is a listpack (OBJECT ENCODING "listpack"): never more than
  // zset-max-listpack-entries members and no member longer than zset-max-listpack-value bytes
  // since it was created (Redis does not convert back on shrinking).
  bool compact() const { return compact_; }
  // Re-evaluates the encoding from the current contents (Redis does this for *STORE results and
  // for sets loaded as skiplists): a listpack if within the limits, the tree otherwise.
  void RecheckCompact();
  // Leaves the listpack for good, as Redis's conversion to a skiplist does (SORT converts
  // the set it sorts; a copy of a skiplist set is one too).
  void DropCompact();
  // Takes `lp` (member, score pairs in order, checked by the caller) as the whole set, as Redis
  // keeps a listpack it loads; converts to the tree if it holds more than the entries limit.
  // Precondition: the set is empty.
  void AdoptListpack(Listpack lp);
  // A deep copy in the same encoding (COPY keeps it, as Redis does).
  void CopyInto(ZSet* out) const;

  // The listpack while compact() (RDB and DUMP write it as is), nullptr otherwise.
  const Listpack* listpack() const { return compact_ ? &lp_ : nullptr; }
  // Member -> score table, for cursor scans and random picks; empty while compact().
  const zset_internal::Table& table() const { return tree_ ? tree_->table : EmptyTable(); }
  // Heap bytes of the listpack, for MEMORY USAGE.
  size_t listpack_capacity() const { return lp_.heap_capacity(); }

  // The text Redis's listpack holds for a score (d2string): integral values within 2^62 print
  // as integers (and are then stored as integer elements), -0 as 0, others as %.17g.
  static void AppendScore(Listpack* lp, double score);
  static double ReadScore(const ListpackElement& e);

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
  void TreeSet(std::string_view member, double score);
  void ConvertToTree();
  static const zset_internal::Table& EmptyTable();
  void ConvertToListpack();
  // The listpack position of member's element, or the end.
  size_t FindInListpack(std::string_view member) const;
  // Listpack positions of the rank-th pair's member (the end if rank >= size()).
  size_t PairAt(size_t rank) const { return lp_.Seek(2 * rank); }
  // Number of leading listpack pairs for which before(member, score) holds.
  template <typename P>
  size_t CountBeforeInListpack(P&& before) const;

  Listpack lp_;  // the pairs while compact_; empty otherwise
  // The table and tree, only once converted: a listpack set carries no empty table.
  struct Tree {
    zset_internal::Table table;
    Entry* root = nullptr;
  };
  std::unique_ptr<Tree> tree_;
  bool compact_ = true;
};

template <typename P>
size_t ZSet::CountBeforeInListpack(P&& before) const {
  size_t n = 0;
  char buf[24];
  for (size_t p = lp_.First(); !lp_.AtEnd(p);) {
    const ListpackElement m = lp_.Get(p);
    p = lp_.Next(p);
    if (!before(m.Text(buf), ReadScore(lp_.Get(p)))) break;
    ++n;
    p = lp_.Next(p);
  }
  return n;
}

template <typename P>
size_t ZSet::CountBefore(P&& before) const {
  size_t n = 0;
  for (const Entry* t = tree_->root; t;) {
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
  if (compact_) {
    char buf[24];
    size_t p = PairAt(rank);
    for (size_t left = reverse ? rank + 1 : size() - rank; left > 0; --left) {
      const size_t score_pos = lp_.Next(p);
      if (!fn(lp_.Get(p).Text(buf), ReadScore(lp_.Get(score_pos)))) return;
      if (left == 1) return;
      p = reverse ? lp_.Prev(lp_.Prev(p)) : lp_.Next(score_pos);
    }
    return;
  }
  std::vector<const Entry*> stack;
  stack.reserve(64);
  const Entry* t = tree_->root;
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
