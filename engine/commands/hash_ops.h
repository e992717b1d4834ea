// The work behind the hash commands, on the keyspace and without sockets. Each Op returns its
// result or an absl::Status whose message is Redis's error reply text. Writes report the key
// modified exactly when Redis signals it, and a hash left empty is deleted.
#ifndef BAZAAR_ENGINE_COMMANDS_HASH_OPS_H_
#define BAZAAR_ENGINE_COMMANDS_HASH_OPS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/core/keyspace.h"

namespace bazaar::engine::commands {

// The hash under key for reading: nullptr when missing, an error when of another type.
absl::StatusOr<const core::HashValue*> LookupHashForRead(core::Keyspace& ks, int db,
                                                         std::string_view key);

// HSET / HMSET: `pairs` is field, value, field, value... Returns how many fields were new.
absl::StatusOr<int64_t> OpHSet(core::Keyspace& ks, int db, std::string_view key,
                               absl::Span<const std::string_view> pairs);
// HSETNX: whether the field was set.
absl::StatusOr<bool> OpHSetNx(core::Keyspace& ks, int db, std::string_view key,
                              std::string_view field, std::string_view value);
// HDEL: how many fields were removed.
absl::StatusOr<int64_t> OpHDel(core::Keyspace& ks, int db, std::string_view key,
                               absl::Span<const std::string_view> fields);
// HINCRBY: the new value.
absl::StatusOr<int64_t> OpHIncrBy(core::Keyspace& ks, int db, std::string_view key,
                                  std::string_view field, int64_t delta);
// HINCRBYFLOAT: the new value as stored and replied. `increment` is the raw argument.
absl::StatusOr<std::string> OpHIncrByFloat(core::Keyspace& ks, int db, std::string_view key,
                                           std::string_view field, std::string_view increment);

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_HASH_OPS_H_
