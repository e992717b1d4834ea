#include "engine/scripting/lua_libraries.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

extern "C" {
#include <lua5.1/lauxlib.h>
#include <lua5.1/lua-bitop.h>
#include <lua5.1/lua-cjson.h>
#include <lua5.1/lualib.h>
}

namespace bazaar::engine::scripting {
namespace {

constexpr const char* kReadOnlyError = "Attempt to modify a readonly table";
// Registry key of the weak set of proxies (the protected tables rawset/setmetatable refuse).
constexpr const char* kProxiesKey = "bazaar.protected";

// Redis 7.0's math.random: one rand48 sequence for the whole process (not reseeded per script),
// from the generator's classic initial state; 31-bit draws over INT32_MAX.
unsigned short g_rand_state[3] = {0x330E, 0xABCD, 0x1234};

void SeedRandom(uint32_t seed) {
  g_rand_state[0] = 0x330E;
  g_rand_state[1] = static_cast<unsigned short>(seed & 0xFFFF);
  g_rand_state[2] = static_cast<unsigned short>(seed >> 16);
}

int MathRandom(lua_State* L) {
  constexpr int64_t kMax = 2147483647;
  const lua_Number r = static_cast<lua_Number>(nrand48(g_rand_state) % kMax) /
                       static_cast<lua_Number>(kMax);
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      const int upper = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= upper, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * upper) + 1);
      break;
    }
    case 2: {
      const int lower = luaL_checkint(L, 1);
      const int upper = luaL_checkint(L, 2);
      luaL_argcheck(L, lower <= upper, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (upper - lower + 1)) + lower);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int MathRandomSeed(lua_State* L) {
  SeedRandom(static_cast<uint32_t>(luaL_checkint(L, 1)));
  return 0;
}

// loadstring refuses precompiled chunks (they can break the VM), answering nil as Redis does.
int LoadStringText(lua_State* L) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  if (len > 0 && s[0] == LUA_SIGNATURE[0]) {
    lua_pushnil(L);
    lua_pushstring(L, "attempt to load a binary chunk");
    return 2;
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

bool IsProtected(lua_State* L, int idx) {
  if (!lua_istable(L, idx)) return false;
  lua_getfield(L, LUA_REGISTRYINDEX, kProxiesKey);
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  const bool is = lua_toboolean(L, -1);
  lua_pop(L, 2);
  return is;
}

// rawset and setmetatable, refusing the protected tables (upvalue 1: the original).
int GuardedOriginal(lua_State* L) {
  if (IsProtected(L, 1)) {
    lua_pushstring(L, kReadOnlyError);
    return lua_error(L);
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

int RefuseWrite(lua_State* L) { return luaL_error(L, kReadOnlyError); }

// Registry keys: the real globals, the table the globals proxy reads now (the real globals,
// or while a function library loads, only its restricted `redis`).
constexpr const char* kGlobalsKey = "bazaar.globals";
constexpr const char* kViewKey = "bazaar.view";
constexpr const char* kLoadViewKey = "bazaar.load_view";

// __index of a strict proxy: a missing name is an error (upvalue 1: the table read, or none
// for the globals proxy, which reads the current view).
int ReadStrict(lua_State* L) {
  if (lua_isnone(L, lua_upvalueindex(1))) {
    lua_getfield(L, LUA_REGISTRYINDEX, kViewKey);
  } else {
    lua_pushvalue(L, lua_upvalueindex(1));
  }
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  if (lua_isnil(L, -1)) {
    const char* name = lua_tostring(L, 2);
    return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                      name ? name : "?");
  }
  return 1;
}

// Adds the table at the top to the set rawset and setmetatable refuse.
void MarkProtected(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, kProxiesKey);
  lua_pushvalue(L, -2);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

enum class Reads { kPlain, kStrict, kStrictView };

// Pushes an empty proxy reading through to the table at the top (which it pops): through a
// plain __index table, or strictly (a missing name is an error), or strictly through the
// current globals view.
void PushProxy(lua_State* L, Reads reads) {
  const int real = lua_gettop(L);
  lua_newtable(L);
  lua_newtable(L);
  if (reads == Reads::kPlain) {
    lua_pushvalue(L, real);
  } else if (reads == Reads::kStrict) {
    lua_pushvalue(L, real);
    lua_pushcclosure(L, ReadStrict, 1);
  } else {
    lua_pushcclosure(L, ReadStrict, 0);
  }
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, RefuseWrite);
  lua_setfield(L, -2, "__newindex");
  // getmetatable(proxy) gives a read-only view of the metatable, so it cannot be rewired.
  lua_newtable(L);
  lua_newtable(L);
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, RefuseWrite);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  MarkProtected(L);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  MarkProtected(L);
  lua_remove(L, real);
}

void OpenLibrary(lua_State* L, const char* name, lua_CFunction open) {
  lua_pushcfunction(L, open);
  lua_pushstring(L, name);
  lua_call(L, 1, 1);
  if (*name) lua_setglobal(L, name);
  else lua_pop(L, 1);
}

void WrapGlobal(lua_State* L, const char* name, lua_CFunction wrapper) {
  lua_getglobal(L, name);
  lua_pushcclosure(L, wrapper, 1);
  lua_setglobal(L, name);
}

}  // namespace

void OpenScriptLibraries(lua_State* L) {
  OpenLibrary(L, "", luaopen_base);
  OpenLibrary(L, LUA_TABLIBNAME, luaopen_table);
  OpenLibrary(L, LUA_STRLIBNAME, luaopen_string);
  OpenLibrary(L, LUA_MATHLIBNAME, luaopen_math);
  OpenLibrary(L, "cjson", luaopen_cjson);
  OpenLibrary(L, "bit", luaopen_bit);
  OpenLibrary(L, "struct", OpenStructLibrary);
  OpenLibrary(L, "cmsgpack", OpenCmsgpackLibrary);
  // What Redis 7.0 leaves out of the base library.
  for (const char* name : {"dofile", "loadfile", "print", "getfenv", "setfenv", "newproxy"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
  lua_getglobal(L, "math");
  lua_pushcfunction(L, MathRandom);
  lua_setfield(L, -2, "random");
  lua_pushcfunction(L, MathRandomSeed);
  lua_setfield(L, -2, "randomseed");
  lua_pop(L, 1);
  WrapGlobal(L, "loadstring", LoadStringText);
  WrapGlobal(L, "rawset", GuardedOriginal);
  WrapGlobal(L, "setmetatable", GuardedOriginal);
  // A weak-keyed set of the proxies.
  lua_newtable(L);
  lua_newtable(L);
  lua_pushstring(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, kProxiesKey);
}

void ProtectGlobals(lua_State* L) {
  for (const char* name : {"string", "table", "math", "cjson", "bit", "struct", "cmsgpack",
                           "coroutine", "redis"}) {
    lua_getglobal(L, name);
    PushProxy(L, Reads::kPlain);
    lua_setglobal(L, name);
  }
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_setfield(L, LUA_REGISTRYINDEX, kViewKey);
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  PushProxy(L, Reads::kStrictView);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "_G");  // the real table's _G names the proxy
  lua_replace(L, LUA_GLOBALSINDEX);
  // Keep the real table reachable for SetGlobalUnprotected and the views.
  lua_setfield(L, LUA_REGISTRYINDEX, kGlobalsKey);
}

void SetLoadingApi(lua_State* L) {
  PushProxy(L, Reads::kStrict);
  lua_newtable(L);
  lua_insert(L, -2);
  lua_setfield(L, -2, "redis");
  lua_setfield(L, LUA_REGISTRYINDEX, kLoadViewKey);
}

void UseLoadingView(lua_State* L, bool loading) {
  lua_getfield(L, LUA_REGISTRYINDEX, loading ? kLoadViewKey : kGlobalsKey);
  lua_setfield(L, LUA_REGISTRYINDEX, kViewKey);
}

void SetGlobalUnprotected(lua_State* L, const char* name) {
  lua_getfield(L, LUA_REGISTRYINDEX, kGlobalsKey);
  lua_insert(L, -2);
  lua_setfield(L, -2, name);
  lua_pop(L, 1);
}

}  // namespace bazaar::engine::scripting
