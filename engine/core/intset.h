// A sorted array of distinct 64-bit integers kept in Redis's intset layout, byte for byte: a
// 4-byte little-endian width (2, 4 or 8), a 4-byte little-endian count, then the values in
// ascending order, each little-endian at that width. Small integer sets are most of the sets in
// game data (item ids, player ids), and this layout costs 2 to 8 bytes a member where a table
// costs a heap entry; keeping Redis's exact bytes also means the blob goes to RDB and DUMP as is.
//
// Design note: the width grows when a value needs more bytes (every value is rewritten at the new
// width) and never shrinks, as in Redis, so a blob loaded from Redis is kept unchanged. Lookups are
// binary searches; inserts and erases move the tail, which is cheap at intset sizes (hundreds).
//
// Thread affinity: none; the owning set's thread.
#ifndef BAZAAR_ENGINE_CORE_INTSET_H_
#define BAZAAR_ENGINE_CORE_INTSET_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bazaar::engine::core {

class IntSet {
 public:
  IntSet();  // empty, 2-byte width, as Redis's intsetNew

  // Adopts a blob in Redis's layout; nullopt unless its header, size and strictly ascending
  // order are valid.
  static std::optional<IntSet> FromBlob(std::string_view blob);

  size_t size() const;
  bool empty() const { return size() == 0; }
  // The i-th smallest value; i < size().
  int64_t At(size_t i) const { return Read(i, width()); }
  bool Contains(int64_t v) const;
  // Inserts v; false if it was already present.
  bool Insert(int64_t v);
  // Removes v; false if it was absent.
  bool Erase(int64_t v);

  // The whole blob in Redis's layout (RDB's and DUMP's intset payload).
  std::string_view blob() const { return blob_; }
  // The size of the blob's heap block request, for MEMORY USAGE (0 while it fits in the string
  // object itself).
  size_t heap_capacity() const;

 private:
  static constexpr size_t kHeader = 8;
  static size_t WidthFor(int64_t v);
  size_t width() const;
  int64_t Read(size_t i, size_t width) const;
  void Write(size_t i, int64_t v, size_t width);
  void SetHeader(size_t width, size_t count);
  // Index of the first value >= v.
  size_t LowerBound(int64_t v) const;
  // Rewrites every value at `width` (wider than the current one).
  void Upgrade(size_t width);

  std::string blob_;
};

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_INTSET_H_
