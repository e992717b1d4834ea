#include "engine/scripting/lua_conversions.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/protocol/number.h"

namespace bazaar::engine::scripting {
namespace {

// A cursor over RESP bytes; every reader returns false on malformed or truncated input.
class RespReader {
 public:
  explicit RespReader(std::string_view in) : in_(in) {}

  bool Line(std::string_view* line) {
    const size_t end = in_.find("\r\n", pos_);
    if (end == std::string_view::npos) return false;
    *line = in_.substr(pos_, end - pos_);
    pos_ = end + 2;
    return true;
  }
  bool Bytes(size_t n, std::string_view* out) {
    if (in_.size() - pos_ < n + 2) return false;
    *out = in_.substr(pos_, n);
    pos_ += n + 2;
    return true;
  }
  bool Char(char* c) {
    if (pos_ >= in_.size()) return false;
    *c = in_[pos_++];
    return true;
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

void PushField(lua_State* L, const char* field, std::string_view value) {
  lua_newtable(L);
  lua_pushstring(L, field);
  lua_pushlstring(L, value.data(), value.size());
  lua_rawset(L, -3);
}

bool PushValue(lua_State* L, RespReader& r);

// Pushes a table of n values at indexes 1..n (arrays) or n key/value pairs (maps), or for sets
// n keys mapped to true.
bool PushAggregate(lua_State* L, RespReader& r, int64_t n, char type) {
  if (!lua_checkstack(L, 4)) return false;
  lua_newtable(L);
  for (int64_t i = 1; i <= n; ++i) {
    if (type == '*') {
      if (!PushValue(L, r)) return lua_pop(L, 1), false;
      lua_rawseti(L, -2, static_cast<int>(i));
    } else if (type == '%') {
      if (!PushValue(L, r)) return lua_pop(L, 1), false;
      if (!PushValue(L, r)) return lua_pop(L, 2), false;
      lua_rawset(L, -3);
    } else {
      if (!PushValue(L, r)) return lua_pop(L, 1), false;
      lua_pushboolean(L, 1);
      lua_rawset(L, -3);
    }
  }
  return true;
}

bool PushValue(lua_State* L, RespReader& r) {
  char type;
  std::string_view line;
  if (!r.Char(&type) || !r.Line(&line)) return false;
  int64_t n = 0;
  switch (type) {
    case '+':
      PushField(L, "ok", line);
      return true;
    case '-':
      PushField(L, "err", line);
      return true;
    case ':':
      if (!protocol::ParseInt64(line, &n)) return false;
      lua_pushnumber(L, static_cast<lua_Number>(n));
      return true;
    case '$': {
      if (!protocol::ParseInt64(line, &n)) return false;
      if (n < 0) {
        lua_pushboolean(L, 0);
        return true;
      }
      std::string_view body;
      if (!r.Bytes(static_cast<size_t>(n), &body)) return false;
      lua_pushlstring(L, body.data(), body.size());
      return true;
    }
    case '*':
    case '%':
    case '~': {
      if (!protocol::ParseInt64(line, &n)) return false;
      if (n < 0) {
        lua_pushboolean(L, 0);
        return true;
      }
      if (type == '*') return PushAggregate(L, r, n, type);
      // RESP3 maps and sets arrive wrapped: {map={...}}, {set={...}}.
      lua_newtable(L);
      lua_pushstring(L, type == '%' ? "map" : "set");
      if (!PushAggregate(L, r, n, type)) return lua_pop(L, 2), false;
      lua_rawset(L, -3);
      return true;
    }
    case '|': {
      // Redis does not show attributes to scripts: they are read and dropped, and the reply
      // they annotate is the value.
      if (!protocol::ParseInt64(line, &n) || n < 0 || !lua_checkstack(L, 2)) return false;
      for (int64_t i = 0; i < 2 * n; ++i) {
        if (!PushValue(L, r)) return false;
        lua_pop(L, 1);
      }
      return PushValue(L, r);
    }
    case '_':
      lua_pushnil(L);
      return true;
    case '#':
      lua_pushboolean(L, line == "t");
      return true;
    case ',': {
      lua_newtable(L);
      lua_pushstring(L, "double");
      lua_pushnumber(L, std::strtod(std::string(line).c_str(), nullptr));
      lua_rawset(L, -3);
      return true;
    }
    case '(':
      PushField(L, "big_number", line);
      return true;
    case '=': {
      if (!protocol::ParseInt64(line, &n) || n < 4) return false;
      std::string_view body;
      if (!r.Bytes(static_cast<size_t>(n), &body)) return false;
      lua_newtable(L);
      lua_pushstring(L, "verbatim_string");
      PushField(L, "string", body.substr(4));
      lua_pushstring(L, "format");
      lua_pushlstring(L, body.data(), 3);
      lua_rawset(L, -3);
      lua_rawset(L, -3);
      return true;
    }
    default:
      return false;
  }
}

// The field `name` of the table at the top, raw, pushed; returns its type.
int RawField(lua_State* L, const char* name) {
  lua_pushstring(L, name);
  lua_rawget(L, -2);
  return lua_type(L, -1);
}

std::string_view TopString(lua_State* L) {
  size_t len;
  const char* s = lua_tolstring(L, -1, &len);
  return {s, len};
}

// (long long) of a Lua number as Redis's x86 build computes it: out of range and NaN give
// the "integer indefinite" value.
int64_t LuaNumberToInteger(lua_Number n) {
  if (std::isnan(n) || n >= 9223372036854775808.0 || n < -9223372036854775808.0) {
    return INT64_MIN;
  }
  return static_cast<int64_t>(n);
}

void WriteTable(lua_State* L, protocol::ReplyBuilder& reply, int lua_resp);

void WriteValue(lua_State* L, protocol::ReplyBuilder& reply, int lua_resp) {
  switch (lua_type(L, -1)) {
    case LUA_TSTRING:
      reply.Bulk(TopString(L));
      return;
    case LUA_TBOOLEAN:
      if (lua_resp == 2) {
        lua_toboolean(L, -1) ? reply.Integer(1) : reply.NullBulk();
      } else if (reply.resp() >= 3) {
        reply.Raw(lua_toboolean(L, -1) ? "#t\r\n" : "#f\r\n");
      } else {
        reply.Integer(lua_toboolean(L, -1) ? 1 : 0);
      }
      return;
    case LUA_TNUMBER:
      reply.Integer(LuaNumberToInteger(lua_tonumber(L, -1)));
      return;
    case LUA_TTABLE:
      WriteTable(L, reply, lua_resp);
      return;
    default:
      reply.NullBulk();
  }
}

// Counts the pairs of the table at the top, then writes them (keys only for sets).
void WritePairs(lua_State* L, protocol::ReplyBuilder& reply, int lua_resp, bool is_set) {
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    ++n;
    lua_pop(L, 1);
  }
  is_set ? reply.SetHeader(n) : reply.MapHeader(n);
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pushvalue(L, -2);
    WriteValue(L, reply, lua_resp);
    lua_pop(L, 1);
    if (!is_set) WriteValue(L, reply, lua_resp);
    lua_pop(L, 1);
  }
}

void WriteTable(lua_State* L, protocol::ReplyBuilder& reply, int lua_resp) {
  if (!lua_checkstack(L, 4)) {
    reply.Error("ERR reached lua stack limit");
    return;
  }
  if (RawField(L, "err") == LUA_TSTRING) {
    const std::string text(TopString(L));
    lua_pop(L, 1);
    WriteErrorTable(L, reply, text);
    return;
  }
  lua_pop(L, 1);
  if (RawField(L, "ok") == LUA_TSTRING) {
    std::string status(TopString(L));
    for (char& c : status) {
      if (c == '\r' || c == '\n') c = ' ';
    }
    reply.SimpleString(status);
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  if (RawField(L, "double") == LUA_TNUMBER) {
    reply.Double(lua_tonumber(L, -1));
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  if (RawField(L, "big_number") == LUA_TSTRING) {
    std::string number(TopString(L));
    for (char& c : number) {
      if (c == '\r' || c == '\n') c = ' ';
    }
    if (reply.resp() >= 3) {
      reply.Raw("(" + number + "\r\n");
    } else {
      reply.Bulk(number);
    }
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  if (RawField(L, "map") == LUA_TTABLE) {
    WritePairs(L, reply, lua_resp, /*is_set=*/false);
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  if (RawField(L, "set") == LUA_TTABLE) {
    WritePairs(L, reply, lua_resp, /*is_set=*/true);
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  if (RawField(L, "verbatim_string") == LUA_TTABLE) {
    const bool has_format = RawField(L, "format") == LUA_TSTRING;
    std::string format = has_format ? std::string(TopString(L)) : "";
    lua_pop(L, 1);
    const bool has_string = RawField(L, "string") == LUA_TSTRING;
    if (has_format && has_string) {
      std::string_view text = TopString(L);
      format.resize(3, ' ');  // Redis pads or cuts the format to its three bytes
      if (reply.resp() >= 3) {
        reply.Raw("=" + std::to_string(text.size() + 4) + "\r\n" + format + ":");
        reply.Raw(text);
        reply.Raw("\r\n");
      } else {
        reply.Bulk(text);
      }
      lua_pop(L, 2);
      return;
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  // An array: indexes 1, 2, ... up to the first nil.
  size_t n = 0;
  while (true) {
    lua_rawgeti(L, -1, static_cast<int>(n + 1));
    const bool end = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (end) break;
    ++n;
  }
  reply.ArrayHeader(n);
  for (size_t i = 1; i <= n; ++i) {
    lua_rawgeti(L, -1, static_cast<int>(i));
    WriteValue(L, reply, lua_resp);
    lua_pop(L, 1);
  }
}

}  // namespace

void MarkErrorCounted(lua_State* L) {
  lua_pushstring(L, kErrorCountedField);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
}

bool ErrorIsCounted(lua_State* L) {
  lua_pushstring(L, kErrorCountedField);
  lua_rawget(L, -2);
  const bool counted = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return counted;
}

void WriteErrorTable(lua_State* L, protocol::ReplyBuilder& reply, std::string_view text) {
  if (ErrorIsCounted(L)) {
    reply.ErrorCountedElsewhere(text);
  } else {
    reply.Error(text);
  }
}

bool PushReplyAsLua(lua_State* L, std::string_view resp) {
  RespReader reader(resp);
  return PushValue(L, reader);
}

void WriteLuaAsReply(lua_State* L, protocol::ReplyBuilder& reply, int lua_resp) {
  WriteValue(L, reply, lua_resp);
}

}  // namespace bazaar::engine::scripting
