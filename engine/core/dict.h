// A chained hash table keyed by binary-safe strings, with what the keyspace needs and
// absl::flat_hash_map lacks: a SCAN cursor that visits every entry present for the whole scan
// exactly once (reverse-binary bucket order, stable across growth and shrinking), random entries,
// and entry addresses that never move.
//
// Design note: buckets are a power of two; the table doubles when entries reach the bucket count
// and halves when they fall below an eighth of it. Resizing rehashes in one go.
#ifndef BAZAAR_ENGINE_CORE_DICT_H_
#define BAZAAR_ENGINE_CORE_DICT_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace bazaar::engine::core {

inline size_t HashKey(std::string_view key) {
  return absl::Hash<absl::string_view>{}(absl::string_view(key.data(), key.size()));
}

template <typename V>
class Dict {
 public:
  struct Entry {
    Entry* next;
    std::string key;
    V value;
  };

  Dict() = default;
  ~Dict() { Clear(); }
  Dict(const Dict&) = delete;
  Dict& operator=(const Dict&) = delete;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  Entry* Find(std::string_view key) const {
    if (size_ == 0) return nullptr;
    for (Entry* e = buckets_[HashKey(key) & mask_]; e; e = e->next) {
      if (e->key.size() == key.size() && std::string_view(e->key) == key) return e;
    }
    return nullptr;
  }

  // Finds `key` or inserts it with a default-constructed value. Returns the entry and whether
  // it was inserted.
  std::pair<Entry*, bool> FindOrInsert(std::string_view key) {
    if (Entry* e = Find(key)) return {e, false};
    if (size_ + 1 > bucket_count()) Resize(bucket_count() ? bucket_count() * 2 : 4);
    size_t b = HashKey(key) & mask_;
    Entry* e = new Entry{buckets_[b], std::string(key), V()};
    buckets_[b] = e;
    ++size_;
    return {e, true};
  }

  bool Erase(std::string_view key) {
    if (size_ == 0) return false;
    Entry** link = &buckets_[HashKey(key) & mask_];
    for (Entry* e = *link; e; link = &e->next, e = e->next) {
      if (std::string_view(e->key) == key) {
        *link = e->next;
        delete e;
        --size_;
        if (bucket_count() > 4 && size_ < bucket_count() / 8) Resize(bucket_count() / 2);
        return true;
      }
    }
    return false;
  }

  void Clear() {
    for (size_t b = 0; b < bucket_count(); ++b) {
      for (Entry* e = buckets_[b]; e;) {
        Entry* next = e->next;
        delete e;
        e = next;
      }
    }
    buckets_.reset();
    mask_ = 0;
    size_ = 0;
  }

  void Swap(Dict& other) {
    std::swap(buckets_, other.buckets_);
    std::swap(mask_, other.mask_);
    std::swap(size_, other.size_);
  }

  // Visits the entries of the bucket named by `cursor` and returns the next cursor (0 at the
  // end). `fn(const Entry&)` must not modify the table.
  template <typename F>
  uint64_t Scan(uint64_t cursor, F&& fn) const {
    if (size_ == 0) return 0;
    const uint64_t mask = mask_;
    for (Entry* e = buckets_[cursor & mask]; e; e = e->next) fn(*e);
    // Increment the cursor's bits from the top: the bucket order stays valid when the table
    // doubles or halves between calls.
    cursor |= ~mask;
    cursor = ReverseBits(cursor);
    ++cursor;
    return ReverseBits(cursor);
  }

  // A random entry, every entry equally likely; nullptr if empty. `random` returns 64 random
  // bits. Picking a bucket and then an entry of its chain would favour entries in short chains
  // (a chain of two halves each one's chance, which Redis's own suite detects); instead a probe
  // picks any bucket and a position below kFairChain, and succeeds when the chain has an entry
  // there. Entries past kFairChain in a chain (rare at the load factor kept here) are reached
  // through the fallback on the chain's length, slightly less often.
  template <typename R>
  Entry* Random(R&& random) const {
    if (size_ == 0) return nullptr;
    constexpr uint64_t kFairChain = 8;
    for (;;) {
      Entry* e = buckets_[random() & mask_];
      if (e == nullptr) continue;
      size_t len = 0;
      for (Entry* c = e; c; c = c->next) ++len;
      const uint64_t pos = random() % std::max<uint64_t>(kFairChain, len);
      if (pos >= len) continue;
      for (uint64_t i = 0; i < pos; ++i) e = e->next;
      return e;
    }
  }

  template <typename F>
  void ForEach(F&& fn) const {
    for (size_t b = 0; b < bucket_count(); ++b) {
      for (Entry* e = buckets_[b]; e; e = e->next) fn(*e);
    }
  }

  size_t bucket_count() const { return buckets_ ? mask_ + 1 : 0; }

 private:
  static uint64_t ReverseBits(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
    v = ((v >> 8) & 0x00FF00FF00FF00FFULL) | ((v & 0x00FF00FF00FF00FFULL) << 8);
    v = ((v >> 16) & 0x0000FFFF0000FFFFULL) | ((v & 0x0000FFFF0000FFFFULL) << 16);
    return (v >> 32) | (v << 32);
  }

  void Resize(size_t new_count) {
    std::unique_ptr<Entry*[]> fresh(new Entry*[new_count]());
    const size_t new_mask = new_count - 1;
    for (size_t b = 0; b < bucket_count(); ++b) {
      for (Entry* e = buckets_[b]; e;) {
        Entry* next = e->next;
        size_t nb = HashKey(e->key) & new_mask;
        e->next = fresh[nb];
        fresh[nb] = e;
        e = next;
      }
    }
    buckets_ = std::move(fresh);
    mask_ = new_mask;
  }

  std::unique_ptr<Entry*[]> buckets_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_DICT_H_
