// Work shared by the list commands and their blocking forms, on the keyspace and without
// sockets. Errors carry Redis's reply text.
#ifndef BAZAAR_ENGINE_COMMANDS_LIST_OPS_H_
#define BAZAAR_ENGINE_COMMANDS_LIST_OPS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/core/keyspace.h"
#include "engine/protocol/reply_builder.h"

namespace bazaar::engine::commands {

enum class ListEnd { kLeft, kRight };

// "LEFT" / "RIGHT", case-insensitive.
std::optional<ListEnd> ParseListEnd(std::string_view arg);

// Pushes elements one by one at `end`, creating the list unless `only_if_exists`.
// Returns the new length (0 when only_if_exists and there is no list).
absl::StatusOr<int64_t> OpPush(core::Keyspace& ks, int db, std::string_view key,
                               absl::Span<const std::string_view> elements, ListEnd end,
                               bool only_if_exists);
// Pops up to `count` elements from `end`, deleting the list when it empties. An empty vector
// means there was no list.
absl::StatusOr<std::vector<std::string>> OpPop(core::Keyspace& ks, int db, std::string_view key,
                                               ListEnd end, int64_t count);
// LMPOP / BLMPOP: pops up to `count` from the first non-empty list among `keys`. nullopt when
// every key is missing; WRONGTYPE when a key before the first non-empty list is not a list.
struct MPopResult {
  std::string key;
  std::vector<std::string> elements;
};
absl::StatusOr<std::optional<MPopResult>> OpMPop(core::Keyspace& ks, int db,
                                                 absl::Span<const std::string_view> keys,
                                                 ListEnd end, int64_t count);
// Replies [key, [elements...]].
void ReplyMPop(protocol::ReplyBuilder& reply, const MPopResult& result);

// Moves one element between lists (LMOVE). nullopt when the source does not exist.
absl::StatusOr<std::optional<std::string>> OpMove(core::Keyspace& ks, int db,
                                                  std::string_view source,
                                                  std::string_view destination, ListEnd from,
                                                  ListEnd to);

// Parses a blocking timeout in seconds (fractions allowed) into an absolute unix-ms deadline,
// 0 meaning forever, with Redis's error texts.
absl::StatusOr<int64_t> ParseBlockingTimeout(std::string_view arg, int64_t now_ms);

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_LIST_OPS_H_
