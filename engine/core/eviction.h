// maxmemory: the eviction policies Redis 7.0 offers, the LFU counter they rank keys by, and the
// loop that deletes keys until used memory (core/memory_accounting.h) is back under the limit.
// Keys are ranked by sampling, as Redis does: each round draws `samples` keys from every
// database (its volatile keys only, for the volatile-* policies) and evicts the best of them
// (longest idle, least frequently used, or nearest expiry; any one for the random policies).
// Redis also keeps a pool of good candidates across rounds; we do not, so our pick among many
// keys is a little less exact than Redis's. Loop thread only.
#ifndef BAZAAR_ENGINE_CORE_EVICTION_H_
#define BAZAAR_ENGINE_CORE_EVICTION_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/random/random.h"
#include "engine/core/keyspace.h"

namespace bazaar::engine::core {

enum class EvictionPolicy {
  kNoEviction,
  kAllKeysLru,
  kVolatileLru,
  kAllKeysLfu,
  kVolatileLfu,
  kAllKeysRandom,
  kVolatileRandom,
  kVolatileTtl,
};

// maxmemory-policy's names ("allkeys-lru", ...); false for any other.
bool ParseEvictionPolicy(std::string_view name, EvictionPolicy* out);
bool IsLfuPolicy(EvictionPolicy policy);

struct EvictionSettings {
  size_t maxmemory = 0;  // 0: no limit
  EvictionPolicy policy = EvictionPolicy::kNoEviction;
  int samples = 5;  // maxmemory-samples
};

// Evicts until UsedMemory() <= maxmemory. False when memory is still over the limit: the
// policy is noeviction, or no key it may evict is left. Each evicted key goes through
// Keyspace::Evict (observers hear of it; it is propagated as a DEL).
bool EvictToLimit(Keyspace& keyspace, const EvictionSettings& settings);

// Redis's logarithmic access counter (8 bits; new keys start at kLfuInitial): one access raises
// it with probability 1 / ((counter - kLfuInitial) * log_factor + 1), and it decays by one for
// every `decay_minutes` minutes without access.
constexpr uint8_t kLfuInitial = 5;
uint8_t LfuDecayed(uint8_t counter, uint32_t last_access_s, uint32_t now_s, int64_t decay_minutes);
uint8_t LfuIncremented(uint8_t counter, int64_t log_factor, absl::BitGen& random);

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_EVICTION_H_
