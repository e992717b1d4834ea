// struct for scripts: pack(fmt, ...), unpack(fmt, s [, pos]) and size(fmt), written from the
// library's documented format: '<' '>' '=' set the byte order, '!n' the maximum alignment
// ('!' alone: native), 'x' a padding byte, b/B h/H l/L T i[n]/I[n] signed/unsigned integers
// of 1, 2, 8, sizeof(size_t) and n bytes (4 by default), f and d floats, 's' a
// zero-terminated string, 'c[n]' n bytes (c0: the whole string when packing, the previous
// number's length when unpacking); spaces are ignored.
#include <cctype>
#include <cstdint>
#include <cstring>
#include <utility>

extern "C" {
#include <lua5.1/lauxlib.h>
}

#include "engine/scripting/lua_libraries.h"

namespace bazaar::engine::scripting {
namespace {

constexpr int kMaxIntSize = 8;
constexpr size_t kNativeAlign = 8;

struct FormatState {
  bool little = true;
  size_t max_align = 1;
};

size_t ReadNumber(const char** fmt, size_t fallback) {
  if (!std::isdigit(static_cast<unsigned char>(**fmt))) return fallback;
  size_t n = 0;
  while (std::isdigit(static_cast<unsigned char>(**fmt))) n = n * 10 + (*(*fmt)++ - '0');
  return n;
}

// The size of option `opt` (its count already read for i/I/c), or 0 for 's' and options
// without data. Raises on an unknown option.
size_t OptionSize(lua_State* L, char opt, const char** fmt) {
  switch (opt) {
    case 'B': case 'b': case 'x': return 1;
    case 'H': case 'h': return 2;
    case 'L': case 'l': return 8;
    case 'T': return sizeof(size_t);
    case 'f': return sizeof(float);
    case 'd': return sizeof(double);
    case 'c': return ReadNumber(fmt, 1);
    case 'i': case 'I': {
      const size_t n = ReadNumber(fmt, sizeof(int));
      if (n > kMaxIntSize) {
        luaL_error(L, "integral size %d is larger than limit of %d", static_cast<int>(n),
                   kMaxIntSize);
      }
      return n;
    }
    default: return 0;
  }
}

// Padding needed before an item of `size` bytes at offset `total`.
size_t Padding(const FormatState& h, size_t total, char opt, size_t size) {
  if (opt == 'c' || opt == 's' || opt == 'x') return 0;
  size_t align = size < h.max_align ? size : h.max_align;
  if (align <= 1) return 0;
  return (align - (total & (align - 1))) & (align - 1);
}

// Handles the options that only change state; returns false for a data option.
bool ControlOption(lua_State* L, FormatState& h, char opt, const char** fmt) {
  switch (opt) {
    case ' ': return true;
    case '<': h.little = true; return true;
    case '>': h.little = false; return true;
    case '=': h.little = true; return true;
    case '!': {
      const size_t a = ReadNumber(fmt, kNativeAlign);
      if (a == 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2",
                                                   static_cast<int>(a));
      h.max_align = a;
      return true;
    }
    case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
    case 'f': case 'd': case 'c': case 's': case 'x':
      return false;
    default:
      luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
      return true;
  }
}

// Packing writes into a luaL_Buffer (a Lua-owned buffer: a raised argument error leaves
// nothing of ours behind) and counts the bytes for alignment.
struct Packer {
  luaL_Buffer b;
  size_t total = 0;

  void Add(const char* data, size_t n) {
    luaL_addlstring(&b, data, n);
    total += n;
  }
  void Zeros(size_t n) {
    for (size_t i = 0; i < n; ++i) luaL_addchar(&b, '\0');
    total += n;
  }
};

void PutInteger(Packer& out, uint64_t v, size_t size, bool little) {
  char bytes[kMaxIntSize];
  for (size_t i = 0; i < size; ++i) {
    const size_t shift = 8 * (little ? i : size - 1 - i);
    bytes[i] = static_cast<char>((v >> shift) & 0xff);
  }
  out.Add(bytes, size);
}

template <typename T>
void PutFloat(Packer& out, T value, bool little) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  if (!little) {
    for (size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(bytes[i], bytes[sizeof(T) - 1 - i]);
  }
  out.Add(bytes, sizeof(T));
}

int Pack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  FormatState h;
  int arg = 2;
  Packer out;
  luaL_buffinit(L, &out.b);
  while (*fmt) {
    const char opt = *fmt++;
    if (ControlOption(L, h, opt, &fmt)) continue;
    size_t size = OptionSize(L, opt, &fmt);
    out.Zeros(Padding(h, out.total, opt, size));
    switch (opt) {
      case 'x':
        out.Zeros(1);
        break;
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I': {
        const lua_Number n = luaL_checknumber(L, arg++);
        const uint64_t v = n < 0 ? static_cast<uint64_t>(static_cast<int64_t>(n))
                                 : static_cast<uint64_t>(n);
        PutInteger(out, v, size, h.little);
        break;
      }
      case 'f':
        PutFloat(out, static_cast<float>(luaL_checknumber(L, arg++)), h.little);
        break;
      case 'd':
        PutFloat(out, static_cast<double>(luaL_checknumber(L, arg++)), h.little);
        break;
      case 'c': case 's': {
        size_t len;
        const char* s = luaL_checklstring(L, arg, &len);
        if (opt == 's') {
          out.Add(s, len);
          out.Zeros(1);
        } else {
          if (size == 0) size = len;
          luaL_argcheck(L, len >= size, arg, "string too short");
          out.Add(s, size);
        }
        ++arg;
        break;
      }
    }
  }
  luaL_pushresult(&out.b);
  return 1;
}

int Unpack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  size_t len;
  const char* data = luaL_checklstring(L, 2, &len);
  const lua_Integer start = luaL_optinteger(L, 3, 1);
  luaL_argcheck(L, start > 0, 3, "offset must be 1 or greater");
  size_t pos = static_cast<size_t>(start) - 1;
  FormatState h;
  const int base = lua_gettop(L);
  while (*fmt) {
    const char opt = *fmt++;
    if (ControlOption(L, h, opt, &fmt)) continue;
    size_t size = OptionSize(L, opt, &fmt);
    pos += Padding(h, pos, opt, size);
    if (opt == 'c' && size == 0) {
      luaL_argcheck(L, lua_gettop(L) > base && lua_isnumber(L, -1), 2,
                    "format 'c0' needs a previous size");
      size = static_cast<size_t>(lua_tonumber(L, -1));
      lua_pop(L, 1);
    }
    if (opt == 's') {
      const void* end = pos < len ? std::memchr(data + pos, '\0', len - pos) : nullptr;
      luaL_argcheck(L, end != nullptr, 2, "unfinished string in data");
      size = static_cast<const char*>(end) - (data + pos) + 1;
    }
    luaL_argcheck(L, pos + size <= len, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    switch (opt) {
      case 'x':
        break;
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I': {
        uint64_t v = 0;
        for (size_t i = 0; i < size; ++i) {
          const size_t byte = h.little ? size - 1 - i : i;
          v = (v << 8) | static_cast<unsigned char>(data[pos + byte]);
        }
        const bool is_signed = std::islower(static_cast<unsigned char>(opt));
        if (is_signed && size < 8) {
          const uint64_t mask = uint64_t{1} << (size * 8 - 1);
          v = (v ^ mask) - mask;
        }
        lua_pushnumber(L, is_signed ? static_cast<lua_Number>(static_cast<int64_t>(v))
                                    : static_cast<lua_Number>(v));
        break;
      }
      case 'f': case 'd': {
        char bytes[sizeof(double)];
        std::memcpy(bytes, data + pos, size);
        if (!h.little) {
          for (size_t i = 0; i < size / 2; ++i) std::swap(bytes[i], bytes[size - 1 - i]);
        }
        if (opt == 'f') {
          float f;
          std::memcpy(&f, bytes, sizeof(f));
          lua_pushnumber(L, f);
        } else {
          double d;
          std::memcpy(&d, bytes, sizeof(d));
          lua_pushnumber(L, d);
        }
        break;
      }
      case 'c':
        lua_pushlstring(L, data + pos, size);
        break;
      case 's':
        lua_pushlstring(L, data + pos, size - 1);
        break;
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos + 1));
  return lua_gettop(L) - base;
}

int Size(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  FormatState h;
  size_t total = 0;
  while (*fmt) {
    const char opt = *fmt++;
    if (ControlOption(L, h, opt, &fmt)) continue;
    const size_t size = OptionSize(L, opt, &fmt);
    luaL_argcheck(L, opt != 's' && !(opt == 'c' && size == 0), 1,
                  "options 'c0' - 's' have undefined sizes");
    total += Padding(h, total, opt, size) + size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(total));
  return 1;
}

}  // namespace

int OpenStructLibrary(lua_State* L) {
  const luaL_Reg functions[] = {{"pack", Pack}, {"unpack", Unpack}, {"size", Size},
                                {nullptr, nullptr}};
  lua_newtable(L);
  for (const luaL_Reg* f = functions; f->name; ++f) {
    lua_pushcfunction(L, f->func);
    lua_setfield(L, -2, f->name);
  }
  return 1;
}

}  // namespace bazaar::engine::scripting
