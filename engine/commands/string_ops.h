// The work behind the string commands, on the keyspace and without sockets: each Op returns its
// result or an absl::Status whose message is Redis's error reply text.
#ifndef BAZAAR_ENGINE_COMMANDS_STRING_OPS_H_
#define BAZAAR_ENGINE_COMMANDS_STRING_OPS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/commands/status_reply.h"
#include "engine/core/keyspace.h"

namespace bazaar::engine::commands {

enum SetFlag : uint32_t {
  kSetNx = 1 << 0,
  kSetXx = 1 << 1,
  kSetGet = 1 << 2,
  kSetKeepTtl = 1 << 3,
  kSetPersist = 1 << 4,  // GETEX only
  kSetEx = 1 << 5,
  kSetPx = 1 << 6,
  kSetExat = 1 << 7,
  kSetPxat = 1 << 8,
};

struct SetOptions {
  uint32_t flags = 0;
  std::string_view expire_arg;  // the EX/PX/EXAT/PXAT argument, if any
};

struct SetResult {
  bool written = false;
  int64_t expire_at_ms = -1;  // the absolute expiry set, if any
  std::optional<std::string> old_value;  // with kSetGet
};

// Converts the expire argument to absolute unix ms, with Redis's checks and error texts.
absl::StatusOr<int64_t> ExpireArgToMs(int64_t now_ms, const SetOptions& opts,
                                      std::string_view command);
absl::StatusOr<SetResult> OpSet(core::Keyspace& ks, int db, std::string_view key,
                                std::string_view value, const SetOptions& opts,
                                std::string_view command);
absl::StatusOr<int64_t> OpAppend(core::Keyspace& ks, int db, std::string_view key,
                                 std::string_view suffix, int64_t max_len);
absl::StatusOr<int64_t> OpIncrBy(core::Keyspace& ks, int db, std::string_view key,
                                 int64_t delta);
absl::StatusOr<std::string> OpIncrByFloat(core::Keyspace& ks, int db, std::string_view key,
                                          std::string_view increment);
absl::StatusOr<int64_t> OpSetRange(core::Keyspace& ks, int db, std::string_view key,
                                   int64_t offset, std::string_view data, int64_t max_len);
// GETRANGE's slice with Redis's index rules.
std::string_view StringRange(std::string_view s, int64_t start, int64_t end);

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_STRING_OPS_H_
