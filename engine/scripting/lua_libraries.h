// The Lua environment Redis 7.0 gives scripts: which libraries are open (base without
// dofile/loadfile/print, table, string, math, cjson, bit, struct, cmsgpack), Redis's own
// math.random (one process-wide rand48 sequence, as in Redis), loadstring that refuses bytecode, and the protection that follows setup: reading
// an unknown global is an error and the globals and library tables are read-only. Debian's Lua
// has no read-only tables, so each protected table is replaced by an empty proxy whose
// metatable reads through to the real table and refuses writes.
// Single-threaded: the event loop's thread owns the lua_State.
#ifndef BAZAAR_ENGINE_SCRIPTING_LUA_LIBRARIES_H_
#define BAZAAR_ENGINE_SCRIPTING_LUA_LIBRARIES_H_

extern "C" {
#include <lua5.1/lua.h>
}

namespace bazaar::engine::scripting {

// Opens the libraries into a fresh state (the globals still writable, for the redis table).
void OpenScriptLibraries(lua_State* L);
// Makes the globals and every library table read-only; unknown globals become errors.
// Call once, after every global is in place.
void ProtectGlobals(lua_State* L);
// Function libraries: pops the restricted `redis` table that library code sees while it loads
// (nothing else is global then); UseLoadingView switches the globals to it and back.
void SetLoadingApi(lua_State* L);
void UseLoadingView(lua_State* L, bool loading);
// Sets a global bypassing the protection (KEYS and ARGV before each run).
void SetGlobalUnprotected(lua_State* L, const char* name);

// Our own implementations of the two libraries Debian does not package.
int OpenStructLibrary(lua_State* L);
int OpenCmsgpackLibrary(lua_State* L);

}  // namespace bazaar::engine::scripting

#endif  // BAZAAR_ENGINE_SCRIPTING_LUA_LIBRARIES_H_
