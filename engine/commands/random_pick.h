// Random elements of a Dict, a set or a hash for SRANDMEMBER, SPOP and HRANDFIELD, with Redis's count
// rules: a negative count may repeat elements, a positive one returns distinct ones (at most all).
#ifndef BAZAAR_ENGINE_COMMANDS_RANDOM_PICK_H_
#define BAZAAR_ENGINE_COMMANDS_RANDOM_PICK_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "engine/core/dict.h"
#include "engine/core/hash_value.h"
#include "engine/core/set_value.h"
#include "engine/core/zset.h"

namespace bazaar::engine::commands {

// The random source of the random commands. Event-loop thread only.
inline absl::BitGen& CommandRandom() {
  static absl::BitGen* gen = new absl::BitGen();
  return *gen;
}

// Calls fn(item) for `count` picks among `size` items (size > 0, count != 0). count < 0: -count
// picks with repeats, streamed (the count can be huge, as in Redis). count > 0: min(count, size)
// distinct items. random_one() returns a uniformly chosen item, for_each(visit) calls visit(item)
// for every item once; items are small handles (pointers, indexes), equal only for the same item.
template <typename RandomOne, typename ForEachItem, typename F>
void ForEachRandomPick(uint64_t size, int64_t count, RandomOne&& random_one, ForEachItem&& for_each,
                       F&& fn) {
  using Item = decltype(random_one());
  if (count < 0 || count == 1) {
    uint64_t n = count < 0 ? 0 - static_cast<uint64_t>(count) : 1;
    while (n--) fn(random_one());
    return;
  }
  if (static_cast<uint64_t>(count) >= size) {
    for_each(fn);
    return;
  }
  std::vector<Item> picked;
  if (static_cast<uint64_t>(count) * 3 > size) {
    // Many of the elements: a partial shuffle of all of them.
    absl::BitGen& gen = CommandRandom();
    picked.reserve(size);
    for_each([&](Item item) { picked.push_back(item); });
    for (uint64_t i = 0; i < static_cast<uint64_t>(count); ++i) {
      uint64_t j = absl::Uniform<uint64_t>(gen, i, size);
      std::swap(picked[i], picked[j]);
    }
    picked.resize(count);
  } else {
    // Few of them: draw until enough distinct ones came up.
    absl::flat_hash_set<Item> seen;
    while (picked.size() < static_cast<uint64_t>(count)) {
      Item item = random_one();
      if (seen.insert(item).second) picked.push_back(item);
    }
  }
  for (Item item : picked) fn(item);
}

// ForEachRandomPick over a Dict's entries: fn(const Entry&). Precondition: dict is not empty;
// fn must not modify the dict.
template <typename V, typename F>
void ForEachRandomEntry(const core::Dict<V>& dict, int64_t count, F&& fn) {
  using Entry = typename core::Dict<V>::Entry;
  absl::BitGen& gen = CommandRandom();
  ForEachRandomPick(
      dict.size(), count,
      [&] {
        return static_cast<const Entry*>(dict.Random([&] { return absl::Uniform<uint64_t>(gen); }));
      },
      [&](auto&& visit) { dict.ForEach([&](const Entry& e) { visit(&e); }); },
      [&](const Entry* e) { fn(*e); });
}

// ForEachRandomPick over a hash's pairs: fn(field, value). Precondition: hash is not empty; fn
// must not modify the hash.
template <typename F>
void ForEachRandomField(const core::HashValue& hash, int64_t count, F&& fn) {
  if (const core::HashValue::Table* table = hash.table()) {
    return ForEachRandomEntry(*table, count, [&](const core::HashValue::Table::Entry& e) {
      fn(std::string_view(e.key), std::string_view(e.value));
    });
  }
  // A compact hash has no buckets to draw from; its pairs (512 at most) are indexed once instead.
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  pairs.reserve(hash.size());
  hash.ForEach(
      [&](std::string_view field, std::string_view value) { pairs.emplace_back(field, value); });
  absl::BitGen& gen = CommandRandom();
  ForEachRandomPick(
      pairs.size(), count, [&] { return absl::Uniform<size_t>(gen, 0, pairs.size()); },
      [&](auto&& visit) {
        for (size_t i = 0; i < pairs.size(); ++i) visit(i);
      },
      [&](size_t i) { fn(pairs[i].first, pairs[i].second); });
}

// ForEachRandomPick over a set's members: fn(std::string_view). Precondition: set is not empty;
// fn must not modify the set.
template <typename F>
void ForEachRandomMember(const core::SetValue& set, int64_t count, F&& fn) {
  if (const core::SetValue::Table* table = set.table()) {
    return ForEachRandomEntry(*table, count, [&](const core::SetValue::Table::Entry& e) {
      fn(std::string_view(e.key));
    });
  }
  absl::BitGen& gen = CommandRandom();
  ForEachRandomPick(
      set.size(), count, [&] { return absl::Uniform<size_t>(gen, 0, set.size()); },
      [&](auto&& visit) {
        for (size_t i = 0; i < set.size(); ++i) visit(i);
      },
      [&](size_t i) { fn(std::string_view(set.IntsetMember(i))); });
}

// ForEachRandomPick over a sorted set's pairs: fn(member, score). Precondition: zset is not
// empty; fn must not modify it.
template <typename F>
void ForEachRandomScored(const core::ZSet& zset, int64_t count, F&& fn) {
  if (!zset.compact()) {
    return ForEachRandomEntry(zset.table(), count, [&](const core::ZSet::Entry& e) {
      fn(std::string_view(e.key), e.value.score);
    });
  }
  // A listpack has no buckets to draw from; its pairs are copied out once instead.
  std::vector<std::pair<std::string, double>> pairs;
  pairs.reserve(zset.size());
  zset.Walk(0, false, [&](std::string_view m, double s) {
    pairs.emplace_back(std::string(m), s);
    return true;
  });
  absl::BitGen& gen = CommandRandom();
  ForEachRandomPick(
      pairs.size(), count, [&] { return absl::Uniform<size_t>(gen, 0, pairs.size()); },
      [&](auto&& visit) {
        for (size_t i = 0; i < pairs.size(); ++i) visit(i);
      },
      [&](size_t i) { fn(std::string_view(pairs[i].first), pairs[i].second); });
}

// How many elements ForEachRandomEntry and ForEachRandomMember visit.
inline uint64_t RandomPickCount(uint64_t size, int64_t count) {
  if (count < 0) return 0 - static_cast<uint64_t>(count);
  return static_cast<uint64_t>(count) < size ? static_cast<uint64_t>(count) : size;
}

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_RANDOM_PICK_H_
