// Decoders for the compact blobs Redis writes inside RDB values: listpack (7.0's small hashes,
// sorted sets, list and stream nodes), ziplist (older files) and intset (small integer sets).
// Each yields its elements as strings (integers in decimal), or nullopt if the blob is
// malformed. Every entry is bounds-checked; beyond that each checks what Redis 7.0 checks before
// it accepts the blob. ListpackWriter builds a listpack (stream nodes) through core::Listpack.
#ifndef BAZAAR_ENGINE_PERSISTENCE_COMPACT_ENCODINGS_H_
#define BAZAAR_ENGINE_PERSISTENCE_COMPACT_ENCODINGS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/listpack.h"

namespace bazaar::engine::persistence {

// Appends elements in Redis's listpack encoding; a string that is a canonical integer is
// stored as one, as Redis stores it.
class ListpackWriter {
 public:
  void Int(int64_t v);
  void String(std::string_view s);
  std::string Finish();

 private:
  core::Listpack lp_;  // the one listpack encoder (core/listpack.h)
};


// `deep` is Redis's deep check (sanitize-dump-payload): the end marker is the last byte and the
// header's element count is right. Without it, as Redis's shallow check, the header's size and
// a final end marker suffice, and the elements are those before the first end marker.
std::optional<std::vector<std::string>> DecodeListpack(std::string_view blob, bool deep);
// Always checked deeply, as Redis 7.0 checks a ziplist before converting it: each entry's
// previous-length field, the tail offset, the element count.
std::optional<std::vector<std::string>> DecodeZiplist(std::string_view blob);
std::optional<std::vector<std::string>> DecodeIntset(std::string_view blob);

}  // namespace bazaar::engine::persistence

#endif  // BAZAAR_ENGINE_PERSISTENCE_COMPACT_ENCODINGS_H_
