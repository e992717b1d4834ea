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

}  // namespace bazaar::engine::scripting

#endif  // BAZAAR_ENGINE_SCRIPTING_LUA_CONVERSIONS_H_
