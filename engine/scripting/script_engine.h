// The Lua runtime behind EVAL, SCRIPT, FUNCTION and FCALL: two lua_States with Redis 7.0's
// environment (one for EVAL scripts, one for function libraries, as in Redis, so flushing one
// leaves the other), the script cache (SHA1 -> body, each compiled once into a registry
// function), the function libraries, and the run of one script or function: KEYS/ARGV, the
// script's own client for redis.call with Redis's rules for scripts (no-script commands,
// read-only scripts, OOM, read-only replicas), errors in Redis's words, and the busy state once
// a run outlives busy-reply-threshold (other clients get -BUSY while `serve_while_busy` runs
// the loop; SCRIPT KILL / FUNCTION KILL stop a run that has not written).
// Writes inside a script go through the dispatcher like any command, so WATCH, keyspace
// observers and propagation (one MULTI/EXEC batch after the script) all apply.
// Owned by the server; single-threaded: the event loop's thread.
#ifndef BAZAAR_ENGINE_SCRIPTING_SCRIPT_ENGINE_H_
#define BAZAAR_ENGINE_SCRIPTING_SCRIPT_ENGINE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "engine/commands/command_context.h"
#include "engine/scripting/redis_api.h"

struct lua_State;

namespace bazaar::engine::scripting {

struct FunctionInfo {
  std::string name;
  std::optional<std::string> description;
  unsigned flags = 0;  // ScriptFlag bits
};

struct LibraryInfo {
  std::string name;
  std::string code;
  std::map<std::string, FunctionInfo> functions;  // by lowercase name
};

class ScriptEngine : public ScriptHost, public commands::ScriptingControl {
 public:
  ScriptEngine();
  ~ScriptEngine() override;
  ScriptEngine(const ScriptEngine&) = delete;
  ScriptEngine& operator=(const ScriptEngine&) = delete;

  // EVAL / EVALSHA (by_sha) and their _RO forms: args as the command received them. Replies
  // through ctx.
  void Eval(commands::CommandContext& ctx, commands::Args args, bool by_sha, bool read_only);
  // SCRIPT LOAD: compiles and caches the body; the SHA1, or the error reply text.
  absl::StatusOr<std::string> Load(std::string_view body);
  bool Exists(std::string_view sha) const;
  // SCRIPT FLUSH: forgets every script and starts a fresh Lua state.
  void Flush();
  // SCRIPT KILL (eval) / FUNCTION KILL: "" when the running script will stop, else the error.
  std::string Kill(bool eval);

  // FCALL / FCALL_RO.
  void FCall(commands::CommandContext& ctx, commands::Args args, bool read_only);
  // FUNCTION LOAD [REPLACE]: the library's name, or the error reply text.
  absl::StatusOr<std::string> LoadLibrary(std::string_view code, bool replace);
  bool DeleteLibrary(std::string_view name);
  void FlushLibraries();
  const std::map<std::string, LibraryInfo>& libraries() const { return libraries_; }
  size_t function_count() const { return function_library_.size(); }
  // FUNCTION STATS: the running function's name and command, and how long it has run.
  struct RunningFunction {
    std::string name;
    std::vector<std::string> command;
    int64_t duration_ms;
  };
  std::optional<RunningFunction> running_function() const;

  // commands::ScriptingControl.
  std::string_view busy_error() const override;
  std::optional<bool> DeclaresWrites(commands::Args argv) const override;
  commands::ScriptingInfo scripting_info() const override;
  void set_deny_script_commands(bool deny) override { deny_script_commands_ = deny; }
  // Called (repeatedly) while a script is busy, to serve other clients meanwhile.
  void set_serve_while_busy(std::function<void()> fn) { serve_while_busy_ = std::move(fn); }
  // Ends the running script at its next hook (SHUTDOWN NOSAVE during a busy script).
  void Abort() {
    if (run_) run_->kill = true;
  }

  // ScriptHost.
  std::string RunCommand(const std::vector<std::string_view>& argv,
                         std::string* refusal) override;
  int script_resp() const override { return run_->resp; }
  void set_script_resp(int resp) override { run_->resp = resp; }
  void set_replication_targets(int targets) override { run_->repl_targets = targets; }
  std::string RegisterFunction(const std::string& name, unsigned flags,
                               const std::string* description) override;

 private:
  struct Run {
    commands::CommandContext* caller;
    commands::Args command;
    commands::ClientState client;  // the script's own client
    std::string name;              // the SHA1, or the function's name
    bool is_function = false;
    bool read_only = false;
    bool allow_oom = false;
    bool oom_at_start = false;
    int resp = 2;
    int repl_targets = 3;
    bool wrote = false;
    bool busy = false;
    bool kill = false;
    int64_t start_ms = 0;
  };

  lua_State* NewState(bool for_functions);
  // Compiles `body` as function `sha` unless it is already there; "" or the error reply.
  std::string Compile(const std::string& sha, std::string_view body);
  // The checks of a script with flags (a shebang, or any function) before it runs; "" or the
  // error reply.
  static std::string RefusalBeforeRun(commands::CommandContext& ctx, unsigned flags,
                                      bool read_only, bool oom, bool stale);
  // Starts the run: the script's client and flags.
  void Start(commands::CommandContext& ctx, Run& run, unsigned flags,
             bool read_only, bool oom, commands::Args keys, commands::Args argv);
  // Runs the compiled function with KEYS and ARGV and writes its result as the reply.
  void RunScript(Run& run, commands::Args keys, commands::Args argv);
  // The script rules for one command, the caller's ACL check among them; "" when it may run.
  std::string RefusalOfCommand(const Run& run, commands::CommandContext& ctx,
                               const commands::CommandSpec& spec, commands::Args argv) const;
  static void Hook(lua_State* L, struct lua_Debug* ar);
  static void LoadHook(lua_State* L, struct lua_Debug* ar);
  void OnHook(lua_State* L);

  lua_State* lua_ = nullptr;            // EVAL scripts
  lua_State* functions_lua_ = nullptr;  // function libraries
  absl::flat_hash_map<std::string, std::string> bodies_;  // sha -> body
  std::map<std::string, LibraryInfo> libraries_;
  // Lowercase function name -> its library.
  absl::flat_hash_map<std::string, std::string> function_library_;
  std::optional<LibraryInfo> loading_;  // the library whose code is running its registrations
  int64_t load_start_ms_ = 0;
  Run* run_ = nullptr;
  std::function<void()> serve_while_busy_;
  bool deny_script_commands_ = true;
};

}  // namespace bazaar::engine::scripting

#endif  // BAZAAR_ENGINE_SCRIPTING_SCRIPT_ENGINE_H_
