// A hash (field -> value) in one of Redis's two encodings: while small, a packed buffer of
// (field, value) pairs (Redis's listpack); past Redis's limits, a core::Dict (Redis's hashtable).
// Most hashes in real data are small, and the packed form costs a few bytes per pair instead of a
// heap entry per field, which is what keeps memory at or below Redis's.
//
// Design note: the packed buffer holds, in insertion order as Redis's listpack, one record per
// pair: [tag][field length][value length][field][value], a one-byte tag from the field's hash and
// lengths of one byte (under 255; the default limits keep every string at 64 bytes) or 0xFF and
// four bytes. A lookup walks the records, as Redis walks its listpack, but compares bytes only
// where the tag and length match: with up to 512 fields that often share a prefix, comparing
// every field would double HSET's cost.
// The buffer grows by about an eighth, not by doubling, so little memory sits unused. A hash
// converts to the table when it would exceed hash-max-listpack-entries pairs or a field or value
// would exceed hash-max-listpack-value bytes (core/encoding_limits.h), and never converts back:
// Redis does the same, and OBJECT ENCODING and HSCAN (a compact hash is returned whole) show the
// difference.
//
// Thread affinity: none; the keyspace's single thread owns every hash. Views returned or handed to
// callbacks are valid only until the next mutation.
#ifndef BAZAAR_ENGINE_CORE_HASH_VALUE_H_
#define BAZAAR_ENGINE_CORE_HASH_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/dict.h"

namespace bazaar::engine::core {

class HashValue {
 public:
  using Table = Dict<std::string>;  // field -> value

  HashValue() = default;
  HashValue(const HashValue&) = delete;
  HashValue& operator=(const HashValue&) = delete;

  size_t size() const { return table_ ? table_->size() : count_; }
  bool empty() const { return size() == 0; }
  // Whether the hash is in the packed form (Redis would answer "listpack" to OBJECT ENCODING).
  bool compact() const { return table_ == nullptr; }

  // The value of `field`, or nullopt if absent.
  std::optional<std::string_view> Get(std::string_view field) const;
  // Sets field to value; returns true if the field is new. May convert to the table.
  bool Set(std::string_view field, std::string_view value);
  // Removes field; returns whether it was there.
  bool Erase(std::string_view field);
  // A deep copy in the same form, packed or table (COPY keeps the encoding, as Redis does).
  std::unique_ptr<HashValue> Clone() const;

  // Calls fn(field, value) for every pair: insertion order while compact. The hash must not
  // change during the walk.
  template <typename F>
  void ForEach(F&& fn) const;

  // The table once converted (for cursor scans and random picks); nullptr while compact.
  const Table* table() const { return table_.get(); }
  // Bytes allocated for the packed records (0 once converted), for MEMORY USAGE.
  size_t packed_capacity() const { return packed_.capacity(); }

 private:
  // A packed record's lengths and where its field starts (tag, then the two lengths).
  struct Record {
    size_t field_len, value_len, header;
    size_t size() const { return header + field_len + value_len; }
  };
  static Record Parse(const char* p) {
    Record r;
    size_t at = 1;
    at += ReadLength(p + at, &r.field_len);
    at += ReadLength(p + at, &r.value_len);
    r.header = at;
    return r;
  }
  // A length: one byte under 255, else 0xFF and four little-endian bytes. Returns its size.
  static size_t ReadLength(const char* p, size_t* n) {
    const unsigned char b = static_cast<unsigned char>(p[0]);
    if (b < 255) {
      *n = b;
      return 1;
    }
    uint32_t v = 0;
    for (int i = 4; i >= 1; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
    *n = v;
    return 5;
  }
  // Writes the header of a record for (field, value) to `out` (kMaxHeader bytes); its size.
  static constexpr size_t kMaxHeader = 11;
  static size_t EncodeHeader(char* out, std::string_view field, std::string_view value);
  static constexpr size_t kNotFound = ~size_t{0};
  static char Tag(std::string_view field) { return static_cast<char>(HashKey(field) >> 56); }
  // Byte offset of the record holding `field` in packed_, or kNotFound.
  size_t FindPacked(std::string_view field) const;
  // Replaces packed_[pos, pos + old_len) with bytes, growing the buffer modestly if needed.
  void Splice(size_t pos, size_t old_len, std::string_view bytes);
  // Makes room for `needed` bytes in packed_.
  void Reserve(size_t needed);
  void ConvertToTable();

  std::vector<char> packed_;
  uint32_t count_ = 0;  // pairs in packed_
  std::unique_ptr<Table> table_;
};

template <typename F>
void HashValue::ForEach(F&& fn) const {
  if (table_) {
    table_->ForEach(
        [&](const Table::Entry& e) { fn(std::string_view(e.key), std::string_view(e.value)); });
    return;
  }
  const char* p = packed_.data();
  const char* end = p + packed_.size();
  while (p < end) {
    const Record r = Parse(p);
    fn(std::string_view(p + r.header, r.field_len),
       std::string_view(p + r.header + r.field_len, r.value_len));
    p += r.size();
  }
}

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_HASH_VALUE_H_
