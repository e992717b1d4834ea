// The libraries a script sees, run in a bare state (no server): our struct and cmsgpack
// against bytes from their documented formats, Redis's math.random sequence, and the
// protection of globals and library tables.
#include "engine/scripting/lua_libraries.h"

#include <gtest/gtest.h>

#include <string>

extern "C" {
#include <lua5.1/lauxlib.h>
}

#include "engine/scripting/lua_conversions.h"

namespace bazaar::engine::scripting {
namespace {

class LuaLibrariesTest : public ::testing::Test {
 protected:
  LuaLibrariesTest() : L(luaL_newstate()) {
    OpenScriptLibraries(L);
    ProtectGlobals(L);
  }
  ~LuaLibrariesTest() override { lua_close(L); }

  // Runs `code` and returns its first result as a string ("error: ..." when it raised).
  std::string Eval(const std::string& code) {
    if (luaL_loadbuffer(L, code.data(), code.size(), "=test") != 0 ||
        lua_pcall(L, 0, 1, 0) != 0) {
      std::string error = std::string("error: ") + lua_tostring(L, -1);
      lua_pop(L, 1);
      return error;
    }
    size_t len = 0;
    const char* s = lua_tolstring(L, -1, &len);
    std::string out = s ? std::string(s, len) : (lua_isnil(L, -1) ? "nil" : "?");
    lua_pop(L, 1);
    return out;
  }

  // The RESP2 reply a script returning `code` would give.
  std::string Reply(const std::string& code, int lua_resp = 2, int client_resp = 2) {
    std::string out;
    protocol::ReplyBuilder reply(&out);
    reply.set_resp(client_resp);
    EXPECT_EQ(luaL_loadstring(L, code.c_str()), 0);
    EXPECT_EQ(lua_pcall(L, 0, 1, 0), 0);
    WriteLuaAsReply(L, reply, lua_resp);
    lua_pop(L, 1);
    return out;
  }

  lua_State* L;
};

TEST_F(LuaLibrariesTest, CmsgpackPacksTheSmallestEncoding) {
  EXPECT_EQ(Eval("return cmsgpack.pack(1)"), "\x01");
  EXPECT_EQ(Eval("return cmsgpack.pack(-1)"), "\xff");
  EXPECT_EQ(Eval("return cmsgpack.pack(128)"), "\xcc\x80");
  EXPECT_EQ(Eval("return cmsgpack.pack(65536)"), std::string("\xce\x00\x01\x00\x00", 5));
  EXPECT_EQ(Eval("return cmsgpack.pack(-33)"), "\xd0\xdf");
  EXPECT_EQ(Eval("return cmsgpack.pack(1.5)"), std::string("\xca\x3f\xc0\x00\x00", 5));
  EXPECT_EQ(Eval("return cmsgpack.pack('ab')"), "\xa2" "ab");
  EXPECT_EQ(Eval("return cmsgpack.pack({1, 2})"), "\x92\x01\x02");
  EXPECT_EQ(Eval("return cmsgpack.pack({a = true})"), "\x81\xa1" "a\xc3");
  EXPECT_EQ(Eval("return cmsgpack.pack({})"), "\x90");
}

TEST_F(LuaLibrariesTest, CmsgpackRoundTripsAndReportsBadInput) {
  EXPECT_EQ(Eval("local t = cmsgpack.unpack(cmsgpack.pack({x = {1, 'y'}})); return t.x[2]"), "y");
  EXPECT_EQ(Eval("local n, v = cmsgpack.unpack_one(cmsgpack.pack(7, 8)); return n .. ':' .. v"),
            "1:7");
  EXPECT_EQ(Eval("return select(2, pcall(cmsgpack.unpack, '\\146\\1'))"),
            "Missing bytes in input.");
  EXPECT_EQ(Eval("return select(2, pcall(cmsgpack.unpack, '\\193'))"),
            "Bad data format in input.");
}

TEST_F(LuaLibrariesTest, StructPacksWithByteOrderAndAlignment) {
  EXPECT_EQ(Eval("return struct.pack('>I2', 258)"), "\x01\x02");
  EXPECT_EQ(Eval("return struct.pack('<i4', -2)"), "\xfe\xff\xff\xff");
  EXPECT_EQ(Eval("return struct.pack('!4bi', 1, 2)"), std::string("\x01\0\0\0\x02\0\0\0", 8));
  EXPECT_EQ(Eval("return struct.size('!4bd')"), "12");
  EXPECT_EQ(Eval("return struct.unpack('<i4', '\\254\\255\\255\\255')"), "-2");
  EXPECT_EQ(Eval("return select(2, struct.unpack('s', 'abc\\0z'))"), "5");
  EXPECT_EQ(Eval("return struct.unpack('Bc0', '\\3abc')"), "abc");
}

// Draws measured on Redis 7.0.15 after math.randomseed(0).
TEST_F(LuaLibrariesTest, MathRandomFollowsRedisSequence) {
  EXPECT_EQ(Eval("math.randomseed(0); return math.floor(math.random() * 1000000)"), "170828");
  EXPECT_EQ(Eval("math.randomseed(5); return math.random(100)"), "53");
}

TEST_F(LuaLibrariesTest, GlobalsAndLibrariesAreReadOnly) {
  EXPECT_EQ(Eval("x = 1"), "error: test:1: Attempt to modify a readonly table");
  EXPECT_EQ(Eval("return nosuch"),
            "error: test:1: Script attempted to access nonexistent global variable 'nosuch'");
  EXPECT_EQ(Eval("return select(2, pcall(rawset, _G, 'x', 1))"),
            "Attempt to modify a readonly table");
  EXPECT_EQ(Eval("return select(2, pcall(function() string.x = 1 end))"),
            "test:1: Attempt to modify a readonly table");
  EXPECT_EQ(Eval("local t = {}; t.x = 5; return t.x"), "5");
  EXPECT_EQ(Eval("return type(print)"),
            "error: test:1: Script attempted to access nonexistent global variable 'print'");
  EXPECT_EQ(Eval("return loadstring(string.dump(function() end))"), "nil");
}

TEST_F(LuaLibrariesTest, LuaValuesBecomeRedisReplies) {
  EXPECT_EQ(Reply("return 3.9"), ":3\r\n");
  EXPECT_EQ(Reply("return {1, 'a', nil, 2}"), "*2\r\n:1\r\n$1\r\na\r\n");
  EXPECT_EQ(Reply("return false"), "$-1\r\n");
  EXPECT_EQ(Reply("return false", 2, 3), "_\r\n");
  EXPECT_EQ(Reply("return false", 3, 3), "#f\r\n");
  EXPECT_EQ(Reply("return true", 3, 2), ":1\r\n");
  EXPECT_EQ(Reply("return {err = 'E x'}"), "-E x\r\n");
  EXPECT_EQ(Reply("return {ok = 'a\\nb'}"), "+a b\r\n");
  EXPECT_EQ(Reply("return {double = 1.5}", 2, 3), ",1.5\r\n");
  EXPECT_EQ(Reply("return {map = {a = 1}}"), "*2\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(Reply("return {set = {a = true}}", 2, 3), "~1\r\n$1\r\na\r\n");
}

TEST_F(LuaLibrariesTest, RedisRepliesBecomeLuaValues) {
  ASSERT_TRUE(PushReplyAsLua(L, "*3\r\n:1\r\n$-1\r\n+OK\r\n"));
  lua_rawgeti(L, -1, 2);
  EXPECT_EQ(lua_type(L, -1), LUA_TBOOLEAN);
  lua_pop(L, 1);
  lua_rawgeti(L, -1, 3);
  lua_getfield(L, -1, "ok");
  EXPECT_STREQ(lua_tostring(L, -1), "OK");
  lua_pop(L, 3);
  ASSERT_TRUE(PushReplyAsLua(L, "%1\r\n$1\r\nk\r\n,2.5\r\n"));
  lua_getfield(L, -1, "map");
  lua_getfield(L, -1, "k");
  lua_getfield(L, -1, "double");
  EXPECT_EQ(lua_tonumber(L, -1), 2.5);
  lua_pop(L, 4);
  EXPECT_FALSE(PushReplyAsLua(L, "$5\r\nab\r\n"));
  EXPECT_EQ(lua_gettop(L), 0);
}

}  // namespace
}  // namespace bazaar::engine::scripting
