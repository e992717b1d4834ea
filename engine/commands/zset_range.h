// Sorted-set range commands (ZRANGE and its BYSCORE / BYLEX / REV / LIMIT / STORE forms, the
// older ZRANGEBY* / ZREV* commands, ZCOUNT, ZLEXCOUNT, ZREMRANGEBY*) and the reply shape every
// sorted-set listing shares.
#ifndef BAZAAR_ENGINE_COMMANDS_ZSET_RANGE_H_
#define BAZAAR_ENGINE_COMMANDS_ZSET_RANGE_H_

#include "engine/commands/command_context.h"
#include "engine/commands/command_table.h"
#include "engine/commands/zset_ops.h"

namespace bazaar::engine::commands {

// Replies span's elements of zs: members, with scores when withscores (RESP2 flat
// member, score, ...; RESP3 an array of [member, score] pairs, as Redis 7.0).
void ReplyZSetSpan(CommandContext& ctx, const core::ZSet& zs, RankSpan span, bool withscores);

// Adds the range commands to the table (called by RegisterZSetFamily).
void RegisterZSetRangeCommands(CommandTable& table);

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_ZSET_RANGE_H_
