#include "engine/core/zset.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "engine/core/encoding_limits.h"

namespace bazaar::engine::core {

namespace {

// splitmix64's finalizer: a well-mixed priority from an entry's address.
uint32_t PriorityFor(const void* p) {
  uint64_t x = reinterpret_cast<uintptr_t>(p);
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  x ^= x >> 31;
  return static_cast<uint32_t>(x);
}

}  // namespace

int ZSet::Compare(double score, std::string_view member, const Entry& e) {
  if (score < e.value.score) return -1;
  if (score > e.value.score) return 1;
  return member.compare(std::string_view(e.key));
}

ZSet::Entry* ZSet::Merge(Entry* a, Entry* b) {
  if (!a) return b;
  if (!b) return a;
  if (a->value.priority > b->value.priority) {
    a->value.right = Merge(a->value.right, b);
    Update(a);
    return a;
  }
  b->value.left = Merge(a, b->value.left);
  Update(b);
  return b;
}

void ZSet::SplitKey(Entry* t, double score, std::string_view member, Entry** l, Entry** r) {
  if (!t) {
    *l = *r = nullptr;
    return;
  }
  if (Compare(score, member, *t) <= 0) {
    // t and its right subtree are not before the key.
    SplitKey(t->value.left, score, member, l, &t->value.left);
    Update(t);
    *r = t;
  } else {
    SplitKey(t->value.right, score, member, &t->value.right, r);
    Update(t);
    *l = t;
  }
}

void ZSet::SplitRank(Entry* t, size_t k, Entry** l, Entry** r) {
  if (!t) {
    *l = *r = nullptr;
    return;
  }
  size_t ls = SizeOf(t->value.left);
  if (k <= ls) {
    SplitRank(t->value.left, k, l, &t->value.left);
    Update(t);
    *r = t;
  } else {
    SplitRank(t->value.right, k - ls - 1, &t->value.right, r);
    Update(t);
    *l = t;
  }
}

ZSet::Entry* ZSet::Insert(Entry* t, Entry* n) {
  if (!t) return n;
  if (n->value.priority > t->value.priority) {
    SplitKey(t, n->value.score, n->key, &n->value.left, &n->value.right);
    Update(n);
    return n;
  }
  if (Compare(n->value.score, n->key, *t) < 0) {
    t->value.left = Insert(t->value.left, n);
  } else {
    t->value.right = Insert(t->value.right, n);
  }
  Update(t);
  return t;
}

ZSet::Entry* ZSet::Remove(Entry* t, double score, std::string_view member) {
  if (!t) return nullptr;
  int c = Compare(score, member, *t);
  if (c == 0) return Merge(t->value.left, t->value.right);
  if (c < 0) {
    t->value.left = Remove(t->value.left, score, member);
  } else {
    t->value.right = Remove(t->value.right, score, member);
  }
  Update(t);
  return t;
}

void ZSet::Link(Entry* e, double score) {
  e->value.score = score;
  e->value.left = e->value.right = nullptr;
  e->value.size = 1;
  tree_->root = Insert(tree_->root, e);
}

void ZSet::AppendScore(Listpack* lp, double score) {
  constexpr double kIntRange = static_cast<double>(INT64_MAX / 2);
  if (score >= -kIntRange && score <= kIntRange) {
    const auto ll = static_cast<int64_t>(score);
    if (static_cast<double>(ll) == score) return lp->AppendInt(ll);  // -0 included
  }
  if (std::isinf(score)) return lp->Append(score > 0 ? "inf" : "-inf");
  char buf[32];
  const int len = std::snprintf(buf, sizeof buf, "%.17g", score);
  lp->Append(std::string_view(buf, len));
}

double ZSet::ReadScore(const ListpackElement& e) {
  if (e.is_int) return static_cast<double>(e.integer);
  char buf[64];
  const size_t n = e.str.size() < sizeof buf - 1 ? e.str.size() : sizeof buf - 1;
  e.str.copy(buf, n);
  buf[n] = '\0';
  return std::strtod(buf, nullptr);
}

size_t ZSet::FindInListpack(std::string_view member) const {
  for (size_t p = lp_.First(); !lp_.AtEnd(p); p = lp_.Next(lp_.Next(p))) {
    if (lp_.Get(p).Equals(member)) return p;
  }
  return lp_.bytes() - 1;
}

std::optional<double> ZSet::Score(std::string_view member) const {
  if (compact_) {
    const size_t p = FindInListpack(member);
    if (lp_.AtEnd(p)) return std::nullopt;
    return ReadScore(lp_.Get(lp_.Next(p)));
  }
  const Entry* e = tree_->table.Find(member);
  if (!e) return std::nullopt;
  return e->value.score;
}

bool ZSet::Set(std::string_view member, double score) {
  if (compact_) {
    const size_t found = FindInListpack(member);
    const bool is_new = lp_.AtEnd(found);
    if (is_new) {
      const EncodingLimits& limits = CurrentEncodingLimits();
      if (size() + 1 > limits.zset_max_entries || member.size() > limits.zset_max_value) {
        ConvertToTree();
        TreeSet(member, score);
        return true;
      }
    } else {
      // A listpack stores scores as text that prints -0 as "0": Redis's compact sets lose the
      // sign, so -0 over 0 changes nothing.
      const double old = ReadScore(lp_.Get(lp_.Next(found)));
      if (old == score) return false;
      lp_.Erase(found, 2);
    }
    // Before the first pair ordered after (score, member), as Redis's zzlInsert.
    size_t p = lp_.First();
    char buf[24];
    while (!lp_.AtEnd(p)) {
      const ListpackElement m = lp_.Get(p);
      const size_t sp = lp_.Next(p);
      const double s = ReadScore(lp_.Get(sp));
      if (s > score || (s == score && m.Text(buf).compare(member) > 0)) break;
      p = lp_.Next(sp);
    }
    // Encoded in place: the score text goes through a scratch listpack so one routine formats it.
    Listpack pair;
    pair.Append(member);
    AppendScore(&pair, score);
    const std::string_view enc = pair.blob().substr(Listpack::kHeader, pair.bytes() - 7);
    lp_.InsertRaw(p, enc, 2);
    return is_new;
  }
  const bool inserted = tree_->table.Find(member) == nullptr;
  TreeSet(member, score);
  return inserted;
}

void ZSet::TreeSet(std::string_view member, double score) {
  auto [e, inserted] = tree_->table.FindOrInsert(member);
  if (inserted) {
    e->value.priority = PriorityFor(e);
    Link(e, score);
    return;
  }
  if (e->value.score == score) return;
  tree_->root = Remove(tree_->root, e->value.score, e->key);
  Link(e, score);
}

bool ZSet::Erase(std::string_view member) {
  if (compact_) {
    const size_t p = FindInListpack(member);
    if (lp_.AtEnd(p)) return false;
    lp_.Erase(p, 2);
    return true;
  }
  const Entry* e = tree_->table.Find(member);
  if (!e) return false;
  tree_->root = Remove(tree_->root, e->value.score, e->key);
  tree_->table.Erase(member);
  return true;
}

std::optional<size_t> ZSet::Rank(std::string_view member) const {
  if (compact_) {
    size_t rank = 0;
    for (size_t p = lp_.First(); !lp_.AtEnd(p); p = lp_.Next(lp_.Next(p)), ++rank) {
      if (lp_.Get(p).Equals(member)) return rank;
    }
    return std::nullopt;
  }
  const Entry* e = tree_->table.Find(member);
  if (!e) return std::nullopt;
  double score = e->value.score;
  size_t rank = 0;
  for (const Entry* t = tree_->root; t;) {
    int c = Compare(score, member, *t);
    if (c == 0) return rank + SizeOf(t->value.left);
    if (c < 0) {
      t = t->value.left;
    } else {
      rank += SizeOf(t->value.left) + 1;
      t = t->value.right;
    }
  }
  return std::nullopt;  // unreachable while the tree and table agree
}

ZSetElement ZSet::At(size_t rank) const {
  ZSetElement out;
  Walk(rank, false, [&](std::string_view m, double s) {
    out.member.assign(m.data(), m.size());
    out.score = s;
    return false;
  });
  return out;
}

size_t ZSet::ScoreStart(double min, bool exclusive) const {
  if (compact_) {
    return CountBeforeInListpack(
        [&](std::string_view, double s) { return exclusive ? s <= min : s < min; });
  }
  return CountBefore([&](const Entry& e) {
    return exclusive ? e.value.score <= min : e.value.score < min;
  });
}

size_t ZSet::ScoreEnd(double max, bool exclusive) const {
  if (compact_) {
    return CountBeforeInListpack(
        [&](std::string_view, double s) { return exclusive ? s < max : s <= max; });
  }
  return CountBefore([&](const Entry& e) {
    return exclusive ? e.value.score < max : e.value.score <= max;
  });
}

// for_start: whether `member` lies before the range starting at b. Otherwise: whether `member`
// lies at or before the range ending at b.
bool ZSet::LexBefore(std::string_view member, const LexBound& b, bool for_start) {
  if (b.kind == LexBound::kMin) return false;
  if (b.kind == LexBound::kMax) return true;
  int c = member.compare(b.value);
  if (for_start) return b.exclusive ? c <= 0 : c < 0;
  return b.exclusive ? c < 0 : c <= 0;
}

size_t ZSet::LexStart(const LexBound& min) const {
  if (compact_) {
    return CountBeforeInListpack(
        [&](std::string_view m, double) { return LexBefore(m, min, true); });
  }
  return CountBefore([&](const Entry& e) { return LexBefore(e.key, min, true); });
}

size_t ZSet::LexEnd(const LexBound& max) const {
  if (compact_) {
    return CountBeforeInListpack(
        [&](std::string_view m, double) { return LexBefore(m, max, false); });
  }
  return CountBefore([&](const Entry& e) { return LexBefore(e.key, max, false); });
}

size_t ZSet::EraseRanks(size_t start, size_t count) {
  if (start >= size() || count == 0) return 0;
  if (compact_) {
    const size_t before = size();
    lp_.Erase(PairAt(start), 2 * count);
    return before - size();
  }
  Entry *left, *rest, *mid, *right;
  SplitRank(tree_->root, start, &left, &rest);
  SplitRank(rest, count, &mid, &right);
  tree_->root = Merge(left, right);
  size_t removed = SizeOf(mid);
  // Collect the detached members first: erasing from the table frees the nodes.
  std::vector<Entry*> stack;
  std::vector<std::string> doomed;
  doomed.reserve(removed);
  if (mid) stack.push_back(mid);
  while (!stack.empty()) {
    Entry* n = stack.back();
    stack.pop_back();
    if (n->value.left) stack.push_back(n->value.left);
    if (n->value.right) stack.push_back(n->value.right);
    doomed.push_back(n->key);
  }
  for (const std::string& m : doomed) tree_->table.Erase(m);
  return removed;
}

void ZSet::RecheckCompact() {
  const EncodingLimits& limits = CurrentEncodingLimits();
  bool fits = size() <= limits.zset_max_entries;
  if (fits) {
    Walk(0, false, [&](std::string_view m, double) {
      if (m.size() > limits.zset_max_value) fits = false;
      return fits;
    });
  }
  if (fits && !compact_) ConvertToListpack();
  if (!fits && compact_) ConvertToTree();
}

void ZSet::DropCompact() {
  if (compact_) ConvertToTree();
}

const zset_internal::Table& ZSet::EmptyTable() {
  static const zset_internal::Table* empty = new zset_internal::Table();
  return *empty;
}

void ZSet::ConvertToTree() {
  Listpack lp = std::move(lp_);
  lp_ = Listpack();
  compact_ = false;
  tree_ = std::make_unique<Tree>();
  char buf[24];
  for (size_t p = lp.First(); !lp.AtEnd(p);) {
    const ListpackElement m = lp.Get(p);
    p = lp.Next(p);
    TreeSet(m.Text(buf), ReadScore(lp.Get(p)));
    p = lp.Next(p);
  }
}

void ZSet::ConvertToListpack() {
  Listpack lp;
  Walk(0, false, [&](std::string_view m, double s) {
    lp.Append(m);
    AppendScore(&lp, s);  // -0 becomes 0, as in Redis's conversion
    return true;
  });
  lp.ShrinkToFit();
  tree_.reset();
  lp_ = std::move(lp);
  compact_ = true;
}

void ZSet::AdoptListpack(Listpack lp) {
  lp_ = std::move(lp);
  lp_.ShrinkToFit();
  compact_ = true;
  if (size() > CurrentEncodingLimits().zset_max_entries) ConvertToTree();
}

void ZSet::CopyInto(ZSet* out) const {
  if (compact_) {
    out->tree_.reset();
    out->lp_ = lp_;
    out->compact_ = true;
    return;
  }
  out->DropCompact();
  Walk(0, false, [&](std::string_view m, double s) {
    out->TreeSet(m, s);
    return true;
  });
}

bool ZSet::Verify() const {
  // Recursive check of sizes and priorities, then an in-order check of the ordering.
  struct Checker {
    static bool Node(const Entry* t, size_t* count) {
      if (!t) {
        *count = 0;
        return true;
      }
      size_t l, r;
      if (!Node(t->value.left, &l) || !Node(t->value.right, &r)) return false;
      if (t->value.size != l + r + 1) return false;
      for (const Entry* c : {t->value.left, t->value.right}) {
        if (c && c->value.priority > t->value.priority) return false;
      }
      *count = l + r + 1;
      return true;
    }
  };
  size_t n;
  if (compact_ ? (tree_ != nullptr || lp_.size() % 2 != 0)
               : (!Checker::Node(tree_->root, &n) || n != size())) {
    return false;
  }
  bool ok = true;
  bool first = true;
  double prev_score = 0;
  std::string prev;
  Walk(0, false, [&](std::string_view m, double s) {
    if (!first && (s < prev_score || (s == prev_score && std::string_view(prev) >= m))) {
      ok = false;
      return false;
    }
    first = false;
    prev_score = s;
    prev.assign(m.data(), m.size());
    return true;
  });
  return ok;
}

}  // namespace bazaar::engine::core
