#include "engine/core/eviction.h"

#include <limits>
#include <string>

#include "engine/core/memory_accounting.h"

namespace bazaar::engine::core {

bool ParseEvictionPolicy(std::string_view name, EvictionPolicy* out) {
  static constexpr std::pair<std::string_view, EvictionPolicy> kNames[] = {
      {"noeviction", EvictionPolicy::kNoEviction},
      {"allkeys-lru", EvictionPolicy::kAllKeysLru},
      {"volatile-lru", EvictionPolicy::kVolatileLru},
      {"allkeys-lfu", EvictionPolicy::kAllKeysLfu},
      {"volatile-lfu", EvictionPolicy::kVolatileLfu},
      {"allkeys-random", EvictionPolicy::kAllKeysRandom},
      {"volatile-random", EvictionPolicy::kVolatileRandom},
      {"volatile-ttl", EvictionPolicy::kVolatileTtl},
  };
  for (const auto& [n, p] : kNames) {
    if (n == name) {
      *out = p;
      return true;
    }
  }
  return false;
}

bool IsLfuPolicy(EvictionPolicy policy) {
  return policy == EvictionPolicy::kAllKeysLfu || policy == EvictionPolicy::kVolatileLfu;
}

uint8_t LfuDecayed(uint8_t counter, uint32_t last_access_s, uint32_t now_s,
                   int64_t decay_minutes) {
  if (decay_minutes <= 0 || now_s <= last_access_s) return counter;
  const int64_t periods = (now_s - last_access_s) / 60 / decay_minutes;
  return periods >= counter ? 0 : static_cast<uint8_t>(counter - periods);
}

uint8_t LfuIncremented(uint8_t counter, int64_t log_factor, absl::BitGen& random) {
  if (counter == 255) return counter;
  const double base = counter > kLfuInitial ? counter - kLfuInitial : 0;
  const double p = 1.0 / (base * static_cast<double>(log_factor) + 1);
  return absl::Uniform<double>(random, 0, 1) < p ? counter + 1 : counter;
}

namespace {

bool VolatileOnly(EvictionPolicy p) {
  return p == EvictionPolicy::kVolatileLru || p == EvictionPolicy::kVolatileLfu ||
         p == EvictionPolicy::kVolatileRandom || p == EvictionPolicy::kVolatileTtl;
}

bool RandomPolicy(EvictionPolicy p) {
  return p == EvictionPolicy::kAllKeysRandom || p == EvictionPolicy::kVolatileRandom;
}

// How good a candidate is (higher: evict first).
double Score(const Keyspace& ks, EvictionPolicy policy, const Value& v, int64_t expire_ms) {
  const auto now_s = static_cast<uint32_t>(ks.now_ms() / 1000);
  switch (policy) {
    case EvictionPolicy::kAllKeysLfu:
    case EvictionPolicy::kVolatileLfu:
      return 255.0 - LfuDecayed(v.lfu_counter(), v.access_time(), now_s,
                                ks.lfu_tracking().decay_minutes);
    case EvictionPolicy::kVolatileTtl:
      return -static_cast<double>(expire_ms);
    default:  // LRU
      return now_s > v.access_time() ? static_cast<double>(now_s - v.access_time()) : 0.0;
  }
}

}  // namespace

bool EvictToLimit(Keyspace& ks, const EvictionSettings& settings) {
  if (settings.maxmemory == 0 || UsedMemory() <= settings.maxmemory) return true;
  if (settings.policy == EvictionPolicy::kNoEviction) return false;
  const bool volatile_only = VolatileOnly(settings.policy);
  int next_random_db = 0;  // the random policies take their databases in turn, as Redis does
  while (UsedMemory() > settings.maxmemory) {
    int best_db = -1;
    std::string best_key;
    if (RandomPolicy(settings.policy)) {
      for (int i = 0; i < ks.num_dbs() && best_db < 0; ++i) {
        const int db = (next_random_db + i) % ks.num_dbs();
        ks.SampleKeys(db, volatile_only, 1, [&](std::string_view key, const Value&, int64_t) {
          best_db = db;
          best_key = key;
        });
      }
      next_random_db = best_db + 1;
    } else {
      double best = -std::numeric_limits<double>::infinity();
      for (int db = 0; db < ks.num_dbs(); ++db) {
        ks.SampleKeys(db, volatile_only, settings.samples,
                      [&](std::string_view key, const Value& v, int64_t expire_ms) {
                        const double score = Score(ks, settings.policy, v, expire_ms);
                        if (best_db < 0 || score > best) {
                          best = score;
                          best_db = db;
                          best_key = key;
                        }
                      });
      }
    }
    if (best_db < 0) return false;  // nothing left that the policy may evict
    ks.Evict(best_db, best_key);
  }
  return true;
}

}  // namespace bazaar::engine::core
