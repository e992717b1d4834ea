// What the stream command families share: Redis's stream id parsing (and its error), the
// stream lookups that answer WRONGTYPE, the entry replies, and BLOCK's timeout. Used by
// stream_family.cc and stream_group_family.cc, on the keyspace's thread.
#ifndef BAZAAR_ENGINE_COMMANDS_STREAM_ARGS_H_
#define BAZAAR_ENGINE_COMMANDS_STREAM_ARGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/commands/command_context.h"
#include "engine/core/stream.h"

namespace bazaar::engine::commands {

inline constexpr std::string_view kInvalidIdError =
    "ERR Invalid stream ID specified as stream command argument";

// An id argument as Redis's streamGenericParseIDOrReply reads it: `-` and `+` (unless strict),
// `ms`, `ms-seq`, and `ms-*` where seq_given is asked for (it then reports whether seq was given).
std::optional<core::StreamId> ParseId(std::string_view arg, uint64_t missing_seq, bool strict,
                                      bool* seq_given = nullptr);
// ParseId, or Redis's invalid-id error.
bool IdOrReply(CommandContext& ctx, std::string_view arg, core::StreamId* out,
               uint64_t missing_seq = 0, bool strict = true);
// A range bound: an id, `-`/`+`, or `(id` for an exclusive one (then moved one step inwards).
bool RangeBoundOrReply(CommandContext& ctx, std::string_view arg, bool start,
                       core::StreamId* out);

// A stream under key, or null after the reply (WRONGTYPE) or when missing. The two look it up
// as Redis's lookupKeyWrite and lookupKeyRead do (a read counts a keyspace hit or miss).
core::StreamValue* StreamForWrite(CommandContext& ctx, std::string_view key, bool* wrong_type);
core::StreamValue* StreamForRead(CommandContext& ctx, std::string_view key, bool* wrong_type);

// One entry as [id, [field, value, ...]].
void ReplyEntry(protocol::ReplyBuilder& reply, core::StreamId id, std::string_view packed);
// Entries within [start, end] (end..start when rev), at most count (0: all).
void ReplyRange(protocol::ReplyBuilder& reply, const core::StreamValue& s, core::StreamId start,
                core::StreamId end, uint64_t count, bool rev);

// A group's entries-read (nil when unknown) and lag (nil when it cannot be known), with their
// names, as XINFO GROUPS and XINFO STREAM FULL list them.
void ReplyReadCounters(protocol::ReplyBuilder& reply, const core::StreamValue& s,
                       const core::StreamGroup& group);

// The XCLAIM Redis logs for a delivered, claimed or dropped pending entry: idempotent, it
// recreates the entry's owner, delivery time and count and the group's last id (a replica's
// XCLAIM of an entry it no longer has drops the pending entry, as here).
std::vector<std::string> ClaimLogged(std::string_view key, std::string_view group_name,
                                     const core::StreamGroup& group, core::StreamId id,
                                     const core::StreamPending& p);
// The XGROUP SETID ... ENTRIESREAD Redis logs when a group's last id moved without an XCLAIM.
std::vector<std::string> GroupSetIdLogged(std::string_view key, std::string_view group_name,
                                          const core::StreamGroup& group);

// BLOCK's timeout: integer milliseconds, made absolute (0: forever).
bool BlockDeadlineOrReply(CommandContext& ctx, std::string_view arg, int64_t* deadline);

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_STREAM_ARGS_H_
