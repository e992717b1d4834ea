// The `redis` table scripts see (redis.call, pcall, error_reply, status_reply, sha1hex, log,
// setresp, set_repl, replicate_commands, breakpoint, debug, the REPL_* and LOG_* constants,
// REDIS_VERSION, REDIS_VERSION_NUM), the smaller one function libraries see while they load
// (redis.register_function), pcall (error tables come back as their text), and the error
// handler every script runs under, which turns any error into Redis's {err=..., source=...,
// line=...} table. The functions reach the running
// script through a ScriptHost, so this file knows nothing of commands or the keyspace.
// Single-threaded: the event loop's thread.
#ifndef BAZAAR_ENGINE_SCRIPTING_REDIS_API_H_
#define BAZAAR_ENGINE_SCRIPTING_REDIS_API_H_

#include <string>
#include <string_view>
#include <vector>

extern "C" {
#include <lua5.1/lua.h>
}

namespace bazaar::engine::scripting {

// What the running script may ask of the server. Implemented by ScriptEngine.
class ScriptHost {
 public:
  virtual ~ScriptHost() = default;
  // Runs one command as the script's client. Returns the RESP reply (in the script's
  // protocol) or, when the script rules refuse the command, the whole error text in *refusal.
  virtual std::string RunCommand(const std::vector<std::string_view>& argv,
                                 std::string* refusal) = 0;
  virtual int script_resp() const = 0;
  virtual void set_script_resp(int resp) = 0;
  // redis.set_repl: where the following writes go (REPL_* bits: 1 AOF, 2 replicas).
  virtual void set_replication_targets(int targets) = 0;
  // redis.register_function while a library loads: records the function (the caller keeps its
  // callback); "" or the error text.
  virtual std::string RegisterFunction(const std::string& name, unsigned flags,
                                       const std::string* description) = 0;
};

// Registry table of the callbacks redis.register_function collected during one load.
inline constexpr const char* kPendingFunctionsKey = "bazaar.pending_functions";

// Installs the `redis` table and the error handler `__redis__err__handler` as globals; `host`
// must outlive the state.
void InstallRedisApi(lua_State* L, ScriptHost* host);

// Installs the restricted `redis` table library code sees while it loads (register_function,
// log, the LOG_* constants, REDIS_VERSION, REDIS_VERSION_NUM). After InstallRedisApi.
void InstallLoadingApi(lua_State* L);

// Pushes {err=text} and raises it (never returns).
int RaiseErrorTable(lua_State* L, std::string_view text);

}  // namespace bazaar::engine::scripting

#endif  // BAZAAR_ENGINE_SCRIPTING_REDIS_API_H_
