#include "engine/core/zset.h"

namespace bazaar::engine::core {

std::optional<double> ZSet::Score(std::string_view member) const {
  const auto* e = scores_.Find(member);
  if (!e) return std::nullopt;
  return e->value;
}

bool ZSet::Set(std::string_view member, double score) {
  auto [entry, inserted] = scores_.FindOrInsert(member);
  if (!inserted) {
    if (entry->value == score) return false;
    index_.erase({entry->value, entry->key});
  }
  entry->value = score;
  index_.insert({score, entry->key});
  return inserted;
}

bool ZSet::Erase(std::string_view member) {
  const auto* e = scores_.Find(member);
  if (!e) return false;
  index_.erase({e->value, e->key});
  scores_.Erase(member);
  return true;
}

std::optional<size_t> ZSet::Rank(std::string_view member) const {
  const auto* e = scores_.Find(member);
  if (!e) return std::nullopt;
  auto it = index_.find({e->value, e->key});
  return static_cast<size_t>(std::distance(index_.begin(), it));
}

}  // namespace bazaar::engine::core
