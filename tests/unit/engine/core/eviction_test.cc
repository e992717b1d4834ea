// Eviction's choices against a real keyspace and the process's real memory count: each policy
// frees memory down to the limit, evicting only the keys it may and the best one first.
#include "engine/core/eviction.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/core/memory_accounting.h"

namespace bazaar::engine::core {
namespace {

// Remembers the evicted keys in order.
class EvictedKeys : public KeyspaceObserver {
 public:
  void KeyModified(int, std::string_view) override {}
  void DbReplaced(int, int) override {}
  void KeyEvicted(int db, std::string_view key) override {
    keys.push_back(std::to_string(db) + ":" + std::string(key));
  }
  std::vector<std::string> keys;
};

TEST(MemoryAccountingTest, CountsBlocksAsTheyComeAndGo) {
  const size_t before = UsedMemory();
  auto* block = new std::string(10000, 'x');
  EXPECT_GE(UsedMemory(), before + 10000);
  delete block;
  EXPECT_LT(UsedMemory(), before + 10000);
  void* p = CountedRealloc(nullptr, 5000);
  EXPECT_GE(UsedMemory(), before + 5000);
  p = CountedRealloc(p, 50000);
  EXPECT_GE(UsedMemory(), before + 50000);
  CountedFree(p);
  EXPECT_LT(UsedMemory(), before + 5000);
}

TEST(EvictionTest, NoEvictionNeverDeletes) {
  Keyspace ks(1);
  ks.Store(0, "a", Value(std::string(1000, 'a')));
  EvictionSettings s;
  s.maxmemory = 1;
  EXPECT_FALSE(EvictToLimit(ks, s));
  EXPECT_EQ(ks.DbSize(0), 1u);
  s.maxmemory = 0;  // no limit
  EXPECT_TRUE(EvictToLimit(ks, s));
}

TEST(EvictionTest, VolatileTtlEvictsTheNearestExpiryFirstAndSparesPersistentKeys) {
  Keyspace ks(2);
  EvictedKeys evicted;
  ks.add_observer(&evicted);
  const int64_t now = ks.now_ms();
  ks.Store(0, "persistent", Value(std::string(100000, 'p')));
  for (int i = 0; i < 3; ++i) {
    std::string key = "v" + std::to_string(i);
    ks.Store(i % 2, key, Value(std::string(100000, 'v')));
    ks.SetExpire(i % 2, key, now + 1000 * (3 - i));  // v2 expires first
  }
  EvictionSettings s;
  s.policy = EvictionPolicy::kVolatileTtl;
  s.samples = 64;
  s.maxmemory = UsedMemory() - 50000;  // one value's worth frees enough
  EXPECT_TRUE(EvictToLimit(ks, s));
  EXPECT_EQ(evicted.keys, std::vector<std::string>{"0:v2"});
  s.maxmemory = 1;
  EXPECT_FALSE(EvictToLimit(ks, s));  // only the persistent key is left
  EXPECT_EQ(ks.DbSize(0) + ks.DbSize(1), 1u);
  EXPECT_NE(ks.Peek(0, "persistent"), nullptr);
  EXPECT_EQ(ks.stats().evicted_keys, 3u);
}

TEST(EvictionTest, AllKeysLruEvictsTheLongestIdle) {
  Keyspace ks(1);
  EvictedKeys evicted;
  ks.add_observer(&evicted);
  const int64_t t0 = ks.now_ms();
  ks.Store(0, "old", Value(std::string(100000, 'o')));
  ks.set_now_ms(t0 + 100000);
  ks.Store(0, "new", Value(std::string(100000, 'n')));
  EvictionSettings s;
  s.policy = EvictionPolicy::kAllKeysLru;
  s.samples = 64;
  s.maxmemory = UsedMemory() - 50000;
  EXPECT_TRUE(EvictToLimit(ks, s));
  EXPECT_EQ(evicted.keys, std::vector<std::string>{"0:old"});
}

TEST(EvictionTest, AllKeysLfuEvictsTheLeastUsed) {
  Keyspace ks(1);
  ks.set_lfu_tracking({true, 0, 1});  // log factor 0: every access counts
  EvictedKeys evicted;
  ks.add_observer(&evicted);
  ks.Store(0, "hot", Value(std::string(100000, 'h')));
  ks.Store(0, "cold", Value(std::string(100000, 'c')));
  for (int i = 0; i < 20; ++i) ks.FindForRead(0, "hot");
  EXPECT_EQ(ks.Peek(0, "hot")->lfu_counter(), kLfuInitial + 20);
  EvictionSettings s;
  s.policy = EvictionPolicy::kAllKeysLfu;
  s.samples = 64;
  s.maxmemory = UsedMemory() - 50000;
  EXPECT_TRUE(EvictToLimit(ks, s));
  EXPECT_EQ(evicted.keys, std::vector<std::string>{"0:cold"});
}

TEST(EvictionTest, LfuCounterDecaysPerPeriodAndSaturates) {
  EXPECT_EQ(LfuDecayed(10, 1000, 1000 + 59, 1), 10);
  EXPECT_EQ(LfuDecayed(10, 1000, 1000 + 3 * 60, 1), 7);
  EXPECT_EQ(LfuDecayed(10, 1000, 1000 + 3 * 60, 2), 9);
  EXPECT_EQ(LfuDecayed(2, 1000, 1000 + 3 * 60, 1), 0);
  EXPECT_EQ(LfuDecayed(10, 1000, 1000 + 3 * 60, 0), 10);  // lfu-decay-time 0: never
  absl::BitGen random;
  EXPECT_EQ(LfuIncremented(kLfuInitial, 10, random), kLfuInitial + 1);  // p = 1 at the start
  EXPECT_EQ(LfuIncremented(255, 0, random), 255);
}

}  // namespace
}  // namespace bazaar::engine::core
