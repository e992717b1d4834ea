#include "engine/scripting/redis_api.h"

#include <cstdio>
#include <string>

extern "C" {
#include <lua5.1/lauxlib.h>
}

#include "absl/strings/ascii.h"
#include "engine/core/log.h"
#include "engine/scripting/lua_conversions.h"
#include "engine/scripting/lua_libraries.h"
#include "engine/scripting/script_body.h"

namespace bazaar::engine::scripting {
namespace {

constexpr const char* kHostKey = "bazaar.host";

ScriptHost* HostOf(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, kHostKey);
  auto* host = static_cast<ScriptHost*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return host;
}

void PushErrorTable(lua_State* L, std::string_view text) {
  lua_newtable(L);
  lua_pushstring(L, "err");
  lua_pushlstring(L, text.data(), text.size());
  lua_rawset(L, -3);
}

// Redis's rule for an error given as text: "-CODE message" keeps its code, anything else
// (including "-word" alone) is an ERR.
std::string ErrorWithCode(std::string_view text) {
  if (!text.empty() && text[0] == '-') {
    const size_t space = text.find(' ');
    if (space != std::string_view::npos) return std::string(text.substr(1));
    return "ERR " + std::string(text.substr(1));
  }
  return "ERR " + std::string(text);
}

// Converts the arguments of redis.call into strings (numbers as %.17g, as Redis does); false
// when one is neither a string nor a number.
bool CollectArgs(lua_State* L, std::vector<std::string>* out) {
  const int argc = lua_gettop(L);
  for (int i = 1; i <= argc; ++i) {
    const int type = lua_type(L, i);
    if (type == LUA_TNUMBER) {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.17g", static_cast<double>(lua_tonumber(L, i)));
      out->emplace_back(buf);
    } else if (type == LUA_TSTRING) {
      size_t len;
      const char* s = lua_tolstring(L, i, &len);
      out->emplace_back(s, len);
    } else {
      return false;
    }
  }
  return true;
}

// Runs the command and pushes its Lua value. Returns whether it is an error reply (or a
// refusal); all C++ temporaries are gone before the caller raises.
bool PushCommandResult(lua_State* L) {
  if (lua_gettop(L) == 0) {
    PushErrorTable(L, "ERR Please specify at least one argument for this redis lib call");
    return true;
  }
  std::vector<std::string> args;
  if (!CollectArgs(L, &args)) {
    PushErrorTable(L, "ERR Lua redis lib command arguments must be strings or integers");
    return true;
  }
  std::vector<std::string_view> argv(args.begin(), args.end());
  std::string refusal;
  const std::string reply = HostOf(L)->RunCommand(argv, &refusal);
  if (!refusal.empty()) {
    PushErrorTable(L, refusal);
    MarkErrorCounted(L);
    return true;
  }
  if (!PushReplyAsLua(L, reply)) {
    PushErrorTable(L, "ERR reply from the command could not be read");
    return true;
  }
  const bool failed = !reply.empty() && reply[0] == '-';
  if (failed) MarkErrorCounted(L);
  return failed;
}

int Call(lua_State* L) {
  if (PushCommandResult(L)) return lua_error(L);
  return 1;
}

int PCall(lua_State* L) {
  PushCommandResult(L);
  return 1;
}

// redis.error_reply / redis.status_reply: one string argument, else an error table returned.
int SingleFieldReply(lua_State* L, bool error) {
  if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
    PushErrorTable(L, "ERR wrong number or type of arguments");
    return 1;
  }
  size_t len;
  const char* s = lua_tolstring(L, 1, &len);
  if (error) {
    // A missing '-' is added first, so "oops x" keeps "oops" as its code, as in Redis.
    const std::string text = len > 0 && s[0] == '-' ? std::string(s, len) : "-" + std::string(s, len);
    PushErrorTable(L, ErrorWithCode(text));
  } else {
    lua_newtable(L);
    lua_pushstring(L, "ok");
    lua_pushlstring(L, s, len);
    lua_rawset(L, -3);
  }
  return 1;
}

int ErrorReply(lua_State* L) { return SingleFieldReply(L, true); }
int StatusReply(lua_State* L) { return SingleFieldReply(L, false); }

int Sha1Hex(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseErrorTable(L, "ERR wrong number of arguments");
  size_t len;
  const char* s = lua_tolstring(L, 1, &len);
  char hex[41];
  {
    const std::string h = scripting::Sha1Hex(std::string_view(s ? s : "", s ? len : 0));
    h.copy(hex, 40);
  }
  lua_pushlstring(L, hex, 40);
  return 1;
}

int Log(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc < 2) return RaiseErrorTable(L, "ERR redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, 1)) {
    return RaiseErrorTable(L, "ERR First argument must be a number (log level).");
  }
  const int level = static_cast<int>(lua_tonumber(L, 1));
  if (level < 0 || level > 3) return RaiseErrorTable(L, "ERR Invalid debug level.");
  if (!core::LogEnabled(static_cast<core::LogLevel>(level))) return 0;
  // Redis joins the arguments with spaces; non-strings are skipped.
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 2; i <= argc; ++i) {
    if (i > 2) luaL_addchar(&b, ' ');
    size_t len;
    const char* s = lua_tolstring(L, i, &len);
    if (s) luaL_addlstring(&b, s, len);
  }
  luaL_pushresult(&b);
  size_t len;
  const char* line = lua_tolstring(L, -1, &len);
  core::LogLine(static_cast<core::LogLevel>(level), std::string_view(line, len));
  return 0;
}

int SetResp(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseErrorTable(L, "ERR redis.setresp() requires one argument.");
  const int resp = static_cast<int>(lua_tonumber(L, 1));
  if (resp != 2 && resp != 3) return RaiseErrorTable(L, "ERR RESP version must be 2 or 3.");
  HostOf(L)->set_script_resp(resp);
  return 0;
}

int SetRepl(lua_State* L) {
  if (lua_gettop(L) != 1) {
    return RaiseErrorTable(L, "ERR redis.set_repl() requires two arguments.");
  }
  const int targets = static_cast<int>(lua_tonumber(L, 1));
  if (targets & ~3) {
    return RaiseErrorTable(
        L, "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  }
  HostOf(L)->set_replication_targets(targets);
  return 0;
}

// Redis 7.0 always replicates effects, so redis.replicate_commands() just says yes.
int ReplicateCommands(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}

// Outside a debugging session breakpoint answers false and debug does nothing.
int Breakpoint(lua_State* L) {
  lua_pushboolean(L, 0);
  return 1;
}
int Debug(lua_State*) { return 0; }

// Pushes tostring(value at idx) for the values an error can be.
void PushAsText(lua_State* L, int idx) {
  switch (lua_type(L, idx)) {
    case LUA_TNIL:
      lua_pushliteral(L, "nil");
      break;
    case LUA_TBOOLEAN:
      lua_pushstring(L, lua_toboolean(L, idx) ? "true" : "false");
      break;
    case LUA_TNUMBER:
    case LUA_TSTRING:
      lua_pushvalue(L, idx);
      lua_tostring(L, -1);
      break;
    default:
      lua_pushfstring(L, "%s: %p", luaL_typename(L, idx), lua_topointer(L, idx));
  }
}

// Scripts' pcall: as Lua's, but an error table comes back as its err text, as in Redis 7.0.
int ScriptPcall(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc == 0) {  // Redis's pcall then calls its own result placeholder
    lua_pushboolean(L, 0);
    lua_pushliteral(L, "attempt to call a boolean value");
    return 2;
  }
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) == 0) {
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    return lua_gettop(L);
  }
  if (lua_istable(L, -1)) {
    lua_getfield(L, -1, "err");
    if (lua_isstring(L, -1)) {
      lua_replace(L, -2);
    } else {
      lua_pop(L, 1);
    }
  }
  lua_pushboolean(L, 0);
  lua_insert(L, -2);
  return 2;
}

// The message handler of every script run: a text error becomes {err="ERR <text>"}, and the
// place that raised it (the first Lua frame, skipping a C function such as error or
// redis.call) is recorded as source and line.
int ErrorHandler(lua_State* L) {
  if (!lua_istable(L, 1)) {
    PushAsText(L, 1);
    lua_pushfstring(L, "ERR %s", lua_tostring(L, -1));
    lua_remove(L, -2);
    lua_remove(L, 1);
    lua_newtable(L);
    lua_insert(L, 1);
    lua_setfield(L, 1, "err");
  }
  lua_Debug ar;
  bool found = lua_getstack(L, 1, &ar) && lua_getinfo(L, "nSl", &ar);
  if (found && ar.what && std::string_view(ar.what) == "C") {
    found = lua_getstack(L, 2, &ar) && lua_getinfo(L, "nSl", &ar);
  }
  if (found) {
    lua_pushstring(L, ar.source);
    lua_setfield(L, 1, "source");
    lua_pushinteger(L, ar.currentline);
    lua_setfield(L, 1, "line");
  }
  lua_settop(L, 1);
  return 1;
}

// The string (or number) at idx with its embedded zeros, converting a copy so that a number
// in the table being iterated stays a number for lua_next.
std::string CopyString(lua_State* L, int idx) {
  lua_pushvalue(L, idx);
  size_t len;
  const char* s = lua_tolstring(L, -1, &len);
  std::string copy(s, len);
  lua_pop(L, 1);
  return copy;
}

// Reads redis.register_function's arguments, (name, callback) or one table of named ones, and
// registers the function; false with the error table pushed.
bool RegisterFunctionImpl(lua_State* L) {
  const int argc = lua_gettop(L);
  std::string name;
  bool named = false;
  unsigned flags = 0;
  std::string description;
  bool described = false;
  int callback = 0;
  auto fail = [L](const char* text) {
    PushErrorTable(L, text);
    return false;
  };
  if (argc == 1) {
    if (!lua_istable(L, 1)) {
      return fail("ERR calling redis.register_function with a single argument is only "
                  "applicable to Lua table (representing named arguments).");
    }
    lua_settop(L, 2);  // slot 2 receives the callback
    lua_pushnil(L);
    while (lua_next(L, 1)) {
      const char* key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
      const std::string_view k(key);
      if (k == "function_name") {
        if (!lua_isstring(L, -1)) {
          return fail("ERR function_name argument given to redis.register_function must be a "
                      "string");
        }
        name = CopyString(L, -1);
        named = true;
      } else if (k == "description") {
        if (!lua_isstring(L, -1)) {
          return fail("ERR description argument given to redis.register_function must be a "
                      "string");
        }
        description = CopyString(L, -1);
        described = true;
      } else if (k == "callback") {
        if (!lua_isfunction(L, -1)) {
          return fail("ERR callback argument given to redis.register_function must be a "
                      "function");
        }
        lua_pushvalue(L, -1);
        lua_replace(L, 2);
        callback = 2;
      } else if (k == "flags") {
        if (!lua_istable(L, -1)) {
          return fail("ERR flags argument to redis.register_function must be a table "
                      "representing function flags");
        }
        for (int i = 1;; ++i) {
          lua_rawgeti(L, -1, i);
          if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
          }
          const char* flag = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
          lua_pop(L, 1);
          if (!ParseScriptFlag(flag, &flags)) return fail("ERR unknown flag given");
        }
      } else {
        return fail("ERR unknown argument given to redis.register_function");
      }
      lua_pop(L, 1);
    }
    if (!named) return fail("ERR redis.register_function must get a function name argument");
    if (callback == 0) return fail("ERR redis.register_function must get a callback argument");
  } else if (argc == 2) {
    if (!lua_isstring(L, 1)) {
      return fail("ERR first argument to redis.register_function must be a string");
    }
    name = CopyString(L, 1);
    if (!lua_isfunction(L, 2)) {
      return fail("ERR second argument to redis.register_function must be a function");
    }
    callback = 2;
  } else {
    return fail("ERR wrong number of arguments to redis.register_function");
  }
  const std::string error =
      HostOf(L)->RegisterFunction(name, flags, described ? &description : nullptr);
  if (!error.empty()) {
    PushErrorTable(L, error);
    return false;
  }
  lua_getfield(L, LUA_REGISTRYINDEX, kPendingFunctionsKey);
  lua_pushvalue(L, callback);
  lua_setfield(L, -2, absl::AsciiStrToLower(name).c_str());
  lua_pop(L, 1);
  return true;
}

int RegisterFunction(lua_State* L) {
  if (!RegisterFunctionImpl(L)) return lua_error(L);
  return 0;
}

void SetNumber(lua_State* L, const char* name, lua_Number value) {
  lua_pushnumber(L, value);
  lua_setfield(L, -2, name);
}

void SetVersionAndLogLevels(lua_State* L) {
  SetNumber(L, "LOG_DEBUG", 0);
  SetNumber(L, "LOG_VERBOSE", 1);
  SetNumber(L, "LOG_NOTICE", 2);
  SetNumber(L, "LOG_WARNING", 3);
  lua_pushstring(L, "7.0.15");
  lua_setfield(L, -2, "REDIS_VERSION");
  SetNumber(L, "REDIS_VERSION_NUM", 0x0007000f);
}

}  // namespace

void InstallLoadingApi(lua_State* L) {
  lua_newtable(L);
  lua_pushcfunction(L, RegisterFunction);
  lua_setfield(L, -2, "register_function");
  lua_pushcfunction(L, Log);
  lua_setfield(L, -2, "log");
  SetVersionAndLogLevels(L);
  SetLoadingApi(L);
}

int RaiseErrorTable(lua_State* L, std::string_view text) {
  PushErrorTable(L, text);
  return lua_error(L);
}

void InstallRedisApi(lua_State* L, ScriptHost* host) {
  lua_pushlightuserdata(L, host);
  lua_setfield(L, LUA_REGISTRYINDEX, kHostKey);
  lua_newtable(L);
  const luaL_Reg functions[] = {{"call", Call},
                                {"pcall", PCall},
                                {"error_reply", ErrorReply},
                                {"status_reply", StatusReply},
                                {"sha1hex", Sha1Hex},
                                {"log", Log},
                                {"setresp", SetResp},
                                {"set_repl", SetRepl},
                                {"replicate_commands", ReplicateCommands},
                                {"breakpoint", Breakpoint},
                                {"debug", Debug},
                                {nullptr, nullptr}};
  for (const luaL_Reg* f = functions; f->name; ++f) {
    lua_pushcfunction(L, f->func);
    lua_setfield(L, -2, f->name);
  }
  SetVersionAndLogLevels(L);
  SetNumber(L, "REPL_NONE", 0);
  SetNumber(L, "REPL_AOF", 1);
  SetNumber(L, "REPL_SLAVE", 2);
  SetNumber(L, "REPL_REPLICA", 2);
  SetNumber(L, "REPL_ALL", 3);
  lua_setglobal(L, "redis");
  lua_pushcfunction(L, ErrorHandler);
  lua_setglobal(L, "__redis__err__handler");
  lua_pushcfunction(L, ScriptPcall);
  lua_setglobal(L, "pcall");
}

}  // namespace bazaar::engine::scripting
