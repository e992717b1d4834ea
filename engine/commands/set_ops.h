// The work behind the set commands, on the keyspace and without sockets. Each Op returns its
// result or an absl::Status whose message is Redis's error reply text. Writes report the key
// modified exactly when Redis signals it, and a set left empty is deleted.
#ifndef BAZAAR_ENGINE_COMMANDS_SET_OPS_H_
#define BAZAAR_ENGINE_COMMANDS_SET_OPS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/core/keyspace.h"

namespace bazaar::engine::commands {

enum class SetOp { kUnion, kInter, kDiff };

// The set under key for reading: nullptr when missing, an error when of another type.
absl::StatusOr<const core::SetValue*> LookupSetForRead(core::Keyspace& ks, int db,
                                                       std::string_view key);
// Every key looked up for reading (nullptr for missing ones); WRONGTYPE if any is not a set.
absl::StatusOr<std::vector<const core::SetValue*>> LookupSets(
    core::Keyspace& ks, int db, absl::Span<const std::string_view> keys);

// The members of op over `sets` (nullptr = empty set), in the order Redis replies them: SINTER
// walks the smallest set, SUNION and SDIFF collect into a new set (an intset while it can be,
// so ascending then). For kInter, `limit` > 0 stops after that many members (SINTERCARD).
std::vector<std::string> SetAlgebra(SetOp op, const std::vector<const core::SetValue*>& sets,
                                    uint64_t limit = 0);

// SADD: how many members were new.
absl::StatusOr<int64_t> OpSAdd(core::Keyspace& ks, int db, std::string_view key,
                               absl::Span<const std::string_view> members);
// SREM: how many members were removed.
absl::StatusOr<int64_t> OpSRem(core::Keyspace& ks, int db, std::string_view key,
                               absl::Span<const std::string_view> members);
// SMOVE: whether the member was in the source (for the same key: whether it is a member).
absl::StatusOr<bool> OpSMove(core::Keyspace& ks, int db, std::string_view src,
                             std::string_view dst, std::string_view member);
// SPOP with a count (>= 0): the removed members; an empty key yields nothing.
absl::StatusOr<std::vector<std::string>> OpSPop(core::Keyspace& ks, int db, std::string_view key,
                                                uint64_t count);
// SUNIONSTORE SINTERSTORE SDIFFSTORE: the size of the stored set (dest is deleted when 0).
absl::StatusOr<int64_t> OpSetStore(core::Keyspace& ks, int db, SetOp op, std::string_view dest,
                                   absl::Span<const std::string_view> keys);

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_SET_OPS_H_
