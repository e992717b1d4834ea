// Random elements of a Dict for SRANDMEMBER, SPOP and HRANDFIELD, with Redis's count rules:
// a negative count may repeat elements, a positive one returns distinct elements (at most all).
#ifndef BAZAAR_ENGINE_COMMANDS_RANDOM_PICK_H_
#define BAZAAR_ENGINE_COMMANDS_RANDOM_PICK_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "engine/core/dict.h"

namespace bazaar::engine::commands {

// The random source of the random commands. Event-loop thread only.
inline absl::BitGen& CommandRandom() {
  static absl::BitGen* gen = new absl::BitGen();
  return *gen;
}

// Calls fn(const Entry&) for `count` picks. count < 0: -count picks with repeats, streamed (the
// count can be huge, as in Redis). count > 0: min(count, size) distinct entries.
// Precondition: dict is not empty, count != 0; fn must not modify the dict.
template <typename V, typename F>
void ForEachRandomEntry(const core::Dict<V>& dict, int64_t count, F&& fn) {
  using Entry = typename core::Dict<V>::Entry;
  absl::BitGen& gen = CommandRandom();
  auto bits = [&gen] { return absl::Uniform<uint64_t>(gen); };
  if (count < 0 || count == 1) {
    uint64_t n = count < 0 ? 0 - static_cast<uint64_t>(count) : 1;
    while (n--) fn(*dict.Random(bits));
    return;
  }
  const uint64_t size = dict.size();
  if (static_cast<uint64_t>(count) >= size) {
    dict.ForEach(fn);
    return;
  }
  std::vector<const Entry*> picked;
  if (static_cast<uint64_t>(count) * 3 > size) {
    // Many of the elements: a partial shuffle of all of them.
    picked.reserve(size);
    dict.ForEach([&](const Entry& e) { picked.push_back(&e); });
    for (uint64_t i = 0; i < static_cast<uint64_t>(count); ++i) {
      uint64_t j = absl::Uniform<uint64_t>(gen, i, size);
      std::swap(picked[i], picked[j]);
    }
    picked.resize(count);
  } else {
    // Few of them: draw until enough distinct ones came up.
    absl::flat_hash_set<const Entry*> seen;
    while (picked.size() < static_cast<uint64_t>(count)) {
      const Entry* e = dict.Random(bits);
      if (seen.insert(e).second) picked.push_back(e);
    }
  }
  for (const Entry* e : picked) fn(*e);
}

// How many elements ForEachRandomEntry visits.
inline uint64_t RandomPickCount(uint64_t size, int64_t count) {
  if (count < 0) return 0 - static_cast<uint64_t>(count);
  return static_cast<uint64_t>(count) < size ? static_cast<uint64_t>(count) : size;
}

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_RANDOM_PICK_H_
