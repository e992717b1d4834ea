// The two conversions between Redis replies and Lua values, as Redis 7.0 documents them.
// RESP -> Lua: what redis.call returns (integer -> number, bulk -> string, status -> {ok=},
// error -> {err=}, array -> table, nil -> false in RESP2; RESP3 adds map -> {map=}, set ->
// {set=}, null -> nil, boolean, double -> {double=}, big number -> {big_number=}, verbatim ->
// {verbatim_string=}). Lua -> RESP: what a script returns to its caller.
// Single-threaded: the event loop's thread.
#ifndef BAZAAR_ENGINE_SCRIPTING_LUA_CONVERSIONS_H_
#define BAZAAR_ENGINE_SCRIPTING_LUA_CONVERSIONS_H_

#include <string_view>

extern "C" {
#include <lua5.1/lua.h>
}

#include "engine/protocol/reply_builder.h"

namespace bazaar::engine::scripting {

// Pushes onto L the Lua value of the one complete RESP reply at the start of `resp` (as the
// engine's ReplyBuilder wrote it). Returns false, pushing nothing, on malformed input.
bool PushReplyAsLua(lua_State* L, std::string_view resp);

// Writes the Lua value at the top of L (left in place) as a reply. `lua_resp` is the
// protocol the script chose with redis.setresp: under 2 a boolean is 1 or nil, under 3 a
// RESP3 boolean. Tables are read raw (no metamethods), so this never raises a Lua error.
void WriteLuaAsReply(lua_State* L, protocol::ReplyBuilder& reply, int lua_resp);

// An error table made from a command's error reply (redis.call / redis.pcall) carries this
// field: the error statistics counted it when the command failed, so the script's reply, if it
// passes the same table on, is not counted again (Redis's rule). A new table does not carry it.
inline constexpr char kErrorCountedField[] = "ignore_error_stats_update";
// Sets the field on the error table at the top of L.
void MarkErrorCounted(lua_State* L);
// Whether the table at the top of L carries the field.
bool ErrorIsCounted(lua_State* L);
// The reply for an error table's text: counted in the statistics unless it already was.
void WriteErrorTable(lua_State* L, protocol::ReplyBuilder& reply, std::string_view text);

}  // namespace bazaar::engine::scripting

#endif  // BAZAAR_ENGINE_SCRIPTING_LUA_CONVERSIONS_H_
