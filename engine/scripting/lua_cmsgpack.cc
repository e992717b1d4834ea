// cmsgpack for scripts: pack(...), unpack(s), unpack_one(s [, offset]), unpack_limit(s, limit
// [, offset]), written from the MessagePack specification with the choices Redis's module
// makes: integral numbers as the smallest integer type, others as float32 when exact, else
// float64; strings as str8/16/32; tables whose keys are exactly 1..n as arrays, others as
// maps; nesting deeper than 16 packs as nil.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

extern "C" {
#include <lua5.1/lauxlib.h>
}

#include "engine/scripting/lua_libraries.h"

namespace bazaar::engine::scripting {
namespace {

constexpr int kMaxNesting = 16;

void PutBigEndian(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void PackHeader(std::string& out, size_t n, uint8_t fix, size_t fix_limit, uint8_t op16,
                uint8_t op32) {
  if (n < fix_limit) {
    out.push_back(static_cast<char>(fix | n));
  } else if (n <= 0xffff) {
    out.push_back(static_cast<char>(op16));
    PutBigEndian(out, n, 2);
  } else {
    out.push_back(static_cast<char>(op32));
    PutBigEndian(out, n, 4);
  }
}

void PackInteger(std::string& out, int64_t v) {
  if (v >= 0) {
    if (v < 128) {
      out.push_back(static_cast<char>(v));
    } else if (v <= 0xff) {
      out.push_back('\xcc');
      PutBigEndian(out, v, 1);
    } else if (v <= 0xffff) {
      out.push_back('\xcd');
      PutBigEndian(out, v, 2);
    } else if (v <= 0xffffffffLL) {
      out.push_back('\xce');
      PutBigEndian(out, v, 4);
    } else {
      out.push_back('\xcf');
      PutBigEndian(out, v, 8);
    }
  } else if (v >= -32) {
    out.push_back(static_cast<char>(v));
  } else if (v >= -128) {
    out.push_back('\xd0');
    PutBigEndian(out, static_cast<uint64_t>(v), 1);
  } else if (v >= -32768) {
    out.push_back('\xd1');
    PutBigEndian(out, static_cast<uint64_t>(v), 2);
  } else if (v >= -2147483648LL) {
    out.push_back('\xd2');
    PutBigEndian(out, static_cast<uint64_t>(v), 4);
  } else {
    out.push_back('\xd3');
    PutBigEndian(out, static_cast<uint64_t>(v), 8);
  }
}

void PackNumber(std::string& out, lua_Number n) {
  if (!std::isinf(n) && n >= -9223372036854775808.0 && n < 9223372036854775808.0 &&
      static_cast<lua_Number>(static_cast<int64_t>(n)) == n) {
    return PackInteger(out, static_cast<int64_t>(n));
  }
  const float f = static_cast<float>(n);
  if (static_cast<double>(f) == n) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    out.push_back('\xca');
    PutBigEndian(out, bits, 4);
  } else {
    uint64_t bits;
    std::memcpy(&bits, &n, 8);
    out.push_back('\xcb');
    PutBigEndian(out, bits, 8);
  }
}

// Whether the table at `idx` has exactly the keys 1..n (an empty table counts as an array).
bool IsArray(lua_State* L, int idx, size_t* n) {
  size_t count = 0;
  lua_Number max = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER) {
      lua_pop(L, 1);
      return false;
    }
    const lua_Number k = lua_tonumber(L, -1);
    if (k <= 0 || std::floor(k) != k) {
      lua_pop(L, 1);
      return false;
    }
    if (k > max) max = k;
    ++count;
  }
  *n = count;
  return max == static_cast<lua_Number>(count);
}

void PackValue(lua_State* L, std::string& out, int level);

void PackTable(lua_State* L, std::string& out, int level) {
  const int idx = lua_gettop(L);
  size_t n;
  if (IsArray(L, idx, &n)) {
    PackHeader(out, n, 0x90, 16, 0xdc, 0xdd);
    for (size_t i = 1; i <= n; ++i) {
      lua_rawgeti(L, idx, static_cast<int>(i));
      PackValue(L, out, level + 1);
    }
    return;
  }
  n = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    ++n;
  }
  PackHeader(out, n, 0x80, 16, 0xde, 0xdf);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pushvalue(L, -2);
    PackValue(L, out, level + 1);  // the key copy
    PackValue(L, out, level + 1);  // the value
  }
}

// Packs the value at the top and pops it.
void PackValue(lua_State* L, std::string& out, int level) {
  switch (lua_type(L, -1)) {
    case LUA_TBOOLEAN:
      out.push_back(lua_toboolean(L, -1) ? '\xc3' : '\xc2');
      break;
    case LUA_TNUMBER:
      PackNumber(out, lua_tonumber(L, -1));
      break;
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, -1, &len);
      if (len < 32) {
        out.push_back(static_cast<char>(0xa0 | len));
      } else if (len <= 0xff) {
        out.push_back('\xd9');
        PutBigEndian(out, len, 1);
      } else if (len <= 0xffff) {
        out.push_back('\xda');
        PutBigEndian(out, len, 2);
      } else {
        out.push_back('\xdb');
        PutBigEndian(out, len, 4);
      }
      out.append(s, len);
      break;
    }
    case LUA_TTABLE:
      if (level < kMaxNesting && lua_checkstack(L, 4)) {
        PackTable(L, out, level);
      } else {
        out.push_back('\xc0');
      }
      break;
    default:
      out.push_back('\xc0');
  }
  lua_pop(L, 1);
}

int Pack(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 1; i <= argc; ++i) {
    std::string out;
    lua_pushvalue(L, i);
    PackValue(L, out, 0);
    lua_pushlstring(L, out.data(), out.size());
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  return 1;
}

// Decoding: a cursor and an error state, as in any MessagePack reader.
struct Cursor {
  const unsigned char* p;
  size_t left;
  const char* error = nullptr;  // set on truncated or malformed input

  bool Need(size_t n) {
    if (left < n) error = "Missing bytes in input.";
    return error == nullptr;
  }
  uint64_t Take(int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
    p += bytes;
    left -= bytes;
    return v;
  }
};

void Decode(lua_State* L, Cursor& c);

void DecodeArray(lua_State* L, Cursor& c, uint64_t n) {
  lua_newtable(L);
  for (uint64_t i = 1; i <= n && !c.error; ++i) {
    Decode(L, c);
    lua_rawseti(L, -2, static_cast<int>(i));
  }
}

void DecodeMap(lua_State* L, Cursor& c, uint64_t n) {
  lua_newtable(L);
  for (uint64_t i = 0; i < n && !c.error; ++i) {
    Decode(L, c);
    Decode(L, c);
    if (lua_isnil(L, -2)) {
      lua_pop(L, 2);  // a nil key cannot be stored
    } else {
      lua_rawset(L, -3);
    }
  }
}

void DecodeString(lua_State* L, Cursor& c, uint64_t len) {
  if (!c.Need(len)) return lua_pushnil(L);
  lua_pushlstring(L, reinterpret_cast<const char*>(c.p), len);
  c.p += len;
  c.left -= len;
}

// Pushes one decoded value (nil on error, with c.error set).
void Decode(lua_State* L, Cursor& c) {
  if (!lua_checkstack(L, 4) || !c.Need(1)) return lua_pushnil(L);
  const unsigned char op = static_cast<unsigned char>(c.Take(1));
  auto sized = [&](int bytes, uint64_t* v) {
    if (!c.Need(bytes)) return false;
    *v = c.Take(bytes);
    return true;
  };
  uint64_t v = 0;
  if (op < 0x80) return lua_pushnumber(L, op);
  if (op >= 0xe0) return lua_pushnumber(L, static_cast<int8_t>(op));
  if ((op & 0xf0) == 0x80) return DecodeMap(L, c, op & 0x0f);
  if ((op & 0xf0) == 0x90) return DecodeArray(L, c, op & 0x0f);
  if ((op & 0xe0) == 0xa0) return DecodeString(L, c, op & 0x1f);
  switch (op) {
    case 0xc0: return lua_pushnil(L);
    case 0xc2: return lua_pushboolean(L, 0);
    case 0xc3: return lua_pushboolean(L, 1);
    case 0xc4: case 0xd9: if (sized(1, &v)) return DecodeString(L, c, v); break;
    case 0xc5: case 0xda: if (sized(2, &v)) return DecodeString(L, c, v); break;
    case 0xc6: case 0xdb: if (sized(4, &v)) return DecodeString(L, c, v); break;
    case 0xca:
      if (sized(4, &v)) {
        float f;
        const uint32_t bits = static_cast<uint32_t>(v);
        std::memcpy(&f, &bits, 4);
        return lua_pushnumber(L, f);
      }
      break;
    case 0xcb:
      if (sized(8, &v)) {
        double d;
        std::memcpy(&d, &v, 8);
        return lua_pushnumber(L, d);
      }
      break;
    case 0xcc: if (sized(1, &v)) return lua_pushnumber(L, static_cast<lua_Number>(v)); break;
    case 0xcd: if (sized(2, &v)) return lua_pushnumber(L, static_cast<lua_Number>(v)); break;
    case 0xce: if (sized(4, &v)) return lua_pushnumber(L, static_cast<lua_Number>(v)); break;
    case 0xcf: if (sized(8, &v)) return lua_pushnumber(L, static_cast<lua_Number>(v)); break;
    case 0xd0: if (sized(1, &v)) return lua_pushnumber(L, static_cast<int8_t>(v)); break;
    case 0xd1: if (sized(2, &v)) return lua_pushnumber(L, static_cast<int16_t>(v)); break;
    case 0xd2: if (sized(4, &v)) return lua_pushnumber(L, static_cast<int32_t>(v)); break;
    case 0xd3:
      if (sized(8, &v)) return lua_pushnumber(L, static_cast<lua_Number>(static_cast<int64_t>(v)));
      break;
    case 0xdc: if (sized(2, &v)) return DecodeArray(L, c, v); break;
    case 0xdd: if (sized(4, &v)) return DecodeArray(L, c, v); break;
    case 0xde: if (sized(2, &v)) return DecodeMap(L, c, v); break;
    case 0xdf: if (sized(4, &v)) return DecodeMap(L, c, v); break;
    default:
      c.error = "Bad data format in input.";
  }
  lua_pushnil(L);
}

// Decodes up to `limit` values (0: all) from `offset`; with `with_offset`, first pushes the
// offset after them (-1 at the end of the input).
int Unpack(lua_State* L, size_t offset, int64_t limit, bool with_offset) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  if (offset > len) return luaL_error(L, "Start offset %d greater than input length %d.",
                                      static_cast<int>(offset), static_cast<int>(len));
  Cursor c{reinterpret_cast<const unsigned char*>(s) + offset, len - offset};
  const int top = lua_gettop(L);
  if (with_offset) lua_pushnil(L);  // replaced below
  int count = 0;
  while (c.left > 0 && (limit == 0 || count < limit)) {
    Decode(L, c);
    if (c.error) return luaL_error(L, c.error);
    ++count;
  }
  if (with_offset) {
    const lua_Number next = c.left == 0 ? -1 : static_cast<lua_Number>(len - c.left);
    lua_pushnumber(L, next);
    lua_replace(L, top + 1);
  }
  return lua_gettop(L) - top;
}

int UnpackAll(lua_State* L) { return Unpack(L, 0, 0, false); }
int UnpackOne(lua_State* L) {
  return Unpack(L, static_cast<size_t>(luaL_optinteger(L, 2, 0)), 1, true);
}
int UnpackLimit(lua_State* L) {
  return Unpack(L, static_cast<size_t>(luaL_optinteger(L, 3, 0)), luaL_checkinteger(L, 2), true);
}

}  // namespace

int OpenCmsgpackLibrary(lua_State* L) {
  const luaL_Reg functions[] = {{"pack", Pack},
                                {"unpack", UnpackAll},
                                {"unpack_one", UnpackOne},
                                {"unpack_limit", UnpackLimit},
                                {nullptr, nullptr}};
  lua_newtable(L);
  for (const luaL_Reg* f = functions; f->name; ++f) {
    lua_pushcfunction(L, f->func);
    lua_setfield(L, -2, f->name);
  }
  lua_pushstring(L, "lua-cmsgpack");
  lua_setfield(L, -2, "_NAME");
  lua_pushstring(L, "0.4.0");
  lua_setfield(L, -2, "_VERSION");
  return 1;
}

}  // namespace bazaar::engine::scripting
