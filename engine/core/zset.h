// A sorted set: members with double scores, ordered by (score, member bytes). A member -> score
// table answers ZSCORE in O(1); an ordered index answers ranges.
//
// Design note: the ordered index is absl::btree_set for now, which gives O(log n) insert, erase
// and range starts but O(n) rank. The data-types issue replaces it with an order-statistic
// structure (a skiplist with spans, as Redis) for O(log n) ZRANK / ZRANGE by rank.
#ifndef BAZAAR_ENGINE_CORE_ZSET_H_
#define BAZAAR_ENGINE_CORE_ZSET_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/container/btree_set.h"
#include "engine/core/dict.h"

namespace bazaar::engine::core {

class ZSet {
 public:
  size_t size() const { return scores_.size(); }
  std::optional<double> Score(std::string_view member) const;
  // Adds the member or moves it to a new score. Returns true if it was new.
  bool Set(std::string_view member, double score);
  bool Erase(std::string_view member);
  // 0-based rank in ascending order, or nullopt if absent.
  std::optional<size_t> Rank(std::string_view member) const;
  // Calls fn(member, score) in ascending order from `rank` until fn returns false.
  template <typename F>
  void ForEachFromRank(size_t rank, F&& fn) const {
    if (rank >= index_.size()) return;
    auto it = index_.begin();
    std::advance(it, rank);
    for (; it != index_.end(); ++it) {
      if (!fn(std::string_view(it->second), it->first)) return;
    }
  }
  // Member -> score table, for cursor scans and random picks.
  const Dict<double>& scores() const { return scores_; }

 private:
  Dict<double> scores_;
  absl::btree_set<std::pair<double, std::string>> index_;
};

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_ZSET_H_
