// Decoders for the compact blobs Redis writes inside RDB values: listpack (7.0's small hashes,
// sorted sets and list nodes), ziplist (older files) and intset (small integer sets). Each yields
// its elements as strings (integers in decimal), or nullopt if the blob is malformed.
#ifndef BAZAAR_ENGINE_PERSISTENCE_COMPACT_ENCODINGS_H_
#define BAZAAR_ENGINE_PERSISTENCE_COMPACT_ENCODINGS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bazaar::engine::persistence {

std::optional<std::vector<std::string>> DecodeListpack(std::string_view blob);
std::optional<std::vector<std::string>> DecodeZiplist(std::string_view blob);
std::optional<std::vector<std::string>> DecodeIntset(std::string_view blob);

}  // namespace bazaar::engine::persistence

#endif  // BAZAAR_ENGINE_PERSISTENCE_COMPACT_ENCODINGS_H_
