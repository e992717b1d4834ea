#include "engine/scripting/script_engine.h"

#include <string>

extern "C" {
#include <lua5.1/lauxlib.h>
#include <lua5.1/lua.h>
}

#include "absl/strings/ascii.h"
#include "engine/commands/acl_request.h"
#include "engine/commands/arg_util.h"
#include "engine/commands/dispatcher.h"
#include "engine/commands/errors.h"
#include "engine/commands/replica_quorum.h"
#include "engine/core/clock.h"
#include "engine/core/log.h"
#include "engine/scripting/lua_conversions.h"
#include "engine/scripting/lua_libraries.h"
#include "engine/scripting/script_body.h"

namespace bazaar::engine::scripting {
namespace {

constexpr const char* kEngineKey = "bazaar.engine";
constexpr const char* kScriptsKey = "bazaar.scripts";  // sha -> compiled function
constexpr const char* kFunctionsKey = "bazaar.functions";  // name -> callback
constexpr int kHookInstructions = 100000;                  // as Redis's LUA_MASKCOUNT hook
constexpr int64_t kLoadTimeoutMs = 500;

constexpr std::string_view kBusyFunctionError =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";

constexpr std::string_view kUnkillableError =
    "UNKILLABLE Sorry the script already executed write commands against the dataset. You can "
    "either wait the script termination or kill the server in a hard way using the SHUTDOWN "
    "NOSAVE command.";

// Pushes a Lua array of the arguments.
void PushArray(lua_State* L, commands::Args values) {
  lua_createtable(L, static_cast<int>(values.size()), 0);
  for (size_t i = 0; i < values.size(); ++i) {
    lua_pushlstring(L, values[i].data(), values[i].size());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
}

// The string field `name` of the table at the top ("" if absent).
std::string StringField(lua_State* L, const char* name) {
  lua_pushstring(L, name);
  lua_rawget(L, -2);
  std::string value;
  if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER) {
    size_t len;
    const char* s = lua_tolstring(L, -1, &len);
    value.assign(s, len);
  }
  lua_pop(L, 1);
  return value;
}

}  // namespace

ScriptEngine::ScriptEngine() {
  lua_ = NewState(false);
  functions_lua_ = NewState(true);
}

ScriptEngine::~ScriptEngine() {
  lua_close(lua_);
  lua_close(functions_lua_);
}

lua_State* ScriptEngine::NewState(bool for_functions) {
  lua_State* L = luaL_newstate();
  OpenScriptLibraries(L);
  InstallRedisApi(L, this);
  if (for_functions) InstallLoadingApi(L);
  lua_pushlightuserdata(L, this);
  lua_setfield(L, LUA_REGISTRYINDEX, kEngineKey);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kScriptsKey);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kFunctionsKey);
  ProtectGlobals(L);
  return L;
}

std::string ScriptEngine::Compile(const std::string& sha, std::string_view body) {
  lua_getfield(lua_, LUA_REGISTRYINDEX, kScriptsKey);
  lua_getfield(lua_, -1, sha.c_str());
  const bool compiled = !lua_isnil(lua_, -1);
  lua_pop(lua_, 1);
  if (compiled) {
    lua_pop(lua_, 1);
    return "";
  }
  absl::StatusOr<ScriptHeader> header = ParseScriptHeader(body);
  if (!header.ok()) {
    lua_pop(lua_, 1);
    return std::string(header.status().message().data(), header.status().message().size());
  }
  const std::string_view code = body.substr(header->code_offset);
  if (luaL_loadbuffer(lua_, code.data(), code.size(), "@user_script") != 0) {
    std::string error = "ERR Error compiling script (new function): ";
    const char* message = lua_tostring(lua_, -1);
    error += message ? message : "";
    lua_pop(lua_, 2);
    return error;
  }
  lua_setfield(lua_, -2, sha.c_str());
  lua_pop(lua_, 1);
  bodies_.emplace(sha, std::string(body));
  return "";
}

absl::StatusOr<std::string> ScriptEngine::Load(std::string_view body) {
  std::string sha = Sha1Hex(body);
  std::string error = Compile(sha, body);
  if (!error.empty()) return absl::InvalidArgumentError(absl::string_view(error));
  return sha;
}

bool ScriptEngine::Exists(std::string_view sha) const {
  return bodies_.contains(absl::AsciiStrToLower(std::string(sha)));
}

void ScriptEngine::Flush() {
  bodies_.clear();
  lua_close(lua_);
  lua_ = NewState(false);
}

commands::ScriptingInfo ScriptEngine::scripting_info() const {
  commands::ScriptingInfo info;
  info.eval_vm_bytes = static_cast<size_t>(lua_gc(lua_, LUA_GCCOUNT, 0)) * 1024 +
                       static_cast<size_t>(lua_gc(lua_, LUA_GCCOUNTB, 0));
  info.cached_scripts = bodies_.size();
  info.functions = function_library_.size();
  info.libraries = libraries_.size();
  for (const auto& [sha, body] : bodies_) info.script_cache_bytes += sha.size() + body.size();
  for (const auto& [name, library] : libraries_) {
    info.library_code_bytes += name.size() + library.code.size();
  }
  return info;
}

std::string_view ScriptEngine::busy_error() const {
  if (run_ == nullptr || !run_->busy) return "";
  return run_->is_function ? kBusyFunctionError : commands::kBusyScriptError;
}

std::string ScriptEngine::Kill(bool eval) {
  if (!run_) return "NOTBUSY No scripts in execution right now.";
  if (run_->client.is_master) {
    return "UNKILLABLE The busy script was sent by a master instance in the context of "
           "replication and cannot be killed.";
  }
  if (run_->wrote) return std::string(kUnkillableError);
  // SCRIPT KILL does not stop a function, nor FUNCTION KILL a script.
  if (eval == run_->is_function) {
    return std::string(run_->is_function ? kBusyFunctionError : commands::kBusyScriptError);
  }
  run_->kill = true;
  return "";
}

// The rules for a script that declares its flags (Redis's scriptPrepareForRun).
std::string ScriptEngine::RefusalBeforeRun(commands::CommandContext& ctx, unsigned flags,
                                           bool read_only, bool oom, bool stale) {
  const bool is_master = ctx.client.is_master;
  if (stale && !(flags & kScriptAllowStale)) {
    return "MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and "
           "'allow-stale' flag is not set on the script.";
  }
  if (flags & kScriptNoWrites) return "";  // no-writes implies allow-oom
  if (!is_master && ctx.server.replication && ctx.server.replication->ReadOnlyReplica()) {
    return std::string(commands::kReadOnlyReplicaError);
  }
  if (!is_master && ctx.server.persistence) {
    std::string disk_error = ctx.server.persistence->DiskErrorRefusingWrites();
    if (!disk_error.empty()) return disk_error;
  }
  if (read_only) return "ERR Can not execute a script with write flag using *_ro command.";
  if (!commands::EnoughGoodReplicas(ctx.server)) return std::string(commands::kNoReplicasError);
  if (!(flags & kScriptAllowOom) && oom && !is_master) {
    return "OOM allow-oom flag is not set on the script, can not run it when used memory > "
           "'maxmemory'";
  }
  return "";
}

namespace {

// numkeys of EVAL and FCALL; false after replying the error.
bool NumKeysOrReply(commands::CommandContext& ctx, commands::Args args, std::string_view not_int,
                    int64_t* numkeys) {
  if (!protocol::ParseInt64(args[2], numkeys)) {
    ctx.reply.Error(not_int);
    return false;
  }
  if (*numkeys > static_cast<int64_t>(args.size()) - 3) {
    ctx.reply.Error("ERR Number of keys can't be greater than number of args");
    return false;
  }
  if (*numkeys < 0) {
    ctx.reply.Error("ERR Number of keys can't be negative");
    return false;
  }
  return true;
}

bool OutOfMemory(commands::CommandContext& ctx) {
  return ctx.server.options.maxmemory > 0 && !ctx.dispatcher.EvictToMaxmemory();
}

bool StaleReplica(commands::CommandContext& ctx) {
  return ctx.server.replication && ctx.server.replication->StaleDataRefused();
}

}  // namespace

void ScriptEngine::Eval(commands::CommandContext& ctx, commands::Args args, bool by_sha,
                        bool read_only) {
  int64_t numkeys;
  if (!NumKeysOrReply(ctx, args, commands::kNotIntegerError, &numkeys)) return;
  std::string sha;
  if (by_sha) {
    sha = absl::AsciiStrToLower(std::string(args[1]));
    if (!bodies_.contains(sha)) {
      return ctx.reply.Error("NOSCRIPT No matching script. Please use EVAL.");
    }
  } else {
    sha = Sha1Hex(args[1]);
    std::string error = Compile(sha, args[1]);
    if (!error.empty()) return ctx.reply.Error(error);
  }
  // The flags come from the cached body (a valid shebang, since it compiled).
  const ScriptHeader header = *ParseScriptHeader(bodies_[sha]);
  const bool oom = OutOfMemory(ctx);
  const bool stale = StaleReplica(ctx);
  if (header.has_shebang) {
    const std::string refusal = RefusalBeforeRun(ctx, header.flags, read_only, oom, stale);
    if (!refusal.empty()) return ctx.reply.Error(refusal);
  } else if (stale) {
    return ctx.reply.Error(commands::kMasterDownError);
  }
  Run run{&ctx, args};
  run.name = sha;
  Start(ctx, run, header.flags, read_only, oom, args.subspan(3, numkeys),
        args.subspan(3 + numkeys));
}

std::optional<bool> ScriptEngine::DeclaresWrites(commands::Args argv) const {
  if (argv.size() < 2) return std::nullopt;
  const std::string command = absl::AsciiStrToLower(std::string(argv[0]));
  if (command == "fcall" || command == "fcall_ro") {
    auto it = function_library_.find(absl::AsciiStrToLower(std::string(argv[1])));
    if (it == function_library_.end()) return std::nullopt;
    const LibraryInfo& library = libraries_.at(it->second);
    auto f = library.functions.find(it->first);
    if (f == library.functions.end()) return std::nullopt;
    return !(f->second.flags & kScriptNoWrites);
  }
  std::string_view body = argv[1];
  if (command == "evalsha" || command == "evalsha_ro") {
    auto it = bodies_.find(absl::AsciiStrToLower(std::string(argv[1])));
    if (it == bodies_.end()) return std::nullopt;
    body = it->second;
  }
  auto header = ParseScriptHeader(body);
  if (!header.ok() || !header->has_shebang) return std::nullopt;
  return !(header->flags & kScriptNoWrites);
}

void ScriptEngine::FCall(commands::CommandContext& ctx, commands::Args args, bool read_only) {
  const std::string name = absl::AsciiStrToLower(std::string(args[1]));
  auto it = function_library_.find(name);
  if (it == function_library_.end()) return ctx.reply.Error("ERR Function not found");
  const unsigned flags = libraries_[it->second].functions[name].flags;
  int64_t numkeys;
  if (!NumKeysOrReply(ctx, args, "ERR Bad number of keys provided", &numkeys)) return;
  const bool oom = OutOfMemory(ctx);
  const std::string refusal = RefusalBeforeRun(ctx, flags, read_only, oom, StaleReplica(ctx));
  if (!refusal.empty()) return ctx.reply.Error(refusal);
  Run run{&ctx, args};
  run.name = name;
  run.is_function = true;
  Start(ctx, run, flags, read_only, oom, args.subspan(3, numkeys),
        args.subspan(3 + numkeys));
}

void ScriptEngine::Start(commands::CommandContext& ctx, Run& run, unsigned flags,
                         bool read_only, bool oom, commands::Args keys, commands::Args argv) {
  run.client.db = ctx.client.db;
  run.client.authenticated = true;
  run.client.user = ctx.client.user;  // a script's commands are its caller's, for ACL
  run.client.is_script = true;
  run.client.addr = "lua";  // as MONITOR names a script's commands
  run.client.is_master = ctx.client.is_master;
  run.read_only = read_only || (flags & kScriptNoWrites);
  run.allow_oom = flags & kScriptAllowOom;
  run.oom_at_start = oom;
  run.start_ms = core::MonotonicUs() / 1000;
  RunScript(run, keys, argv);
}

void ScriptEngine::RunScript(Run& run, commands::Args keys, commands::Args argv) {
  lua_State* L = run.is_function ? functions_lua_ : lua_;
  const int base = lua_gettop(L);
  lua_getfield(L, LUA_REGISTRYINDEX, "bazaar.globals");
  lua_getfield(L, -1, "__redis__err__handler");
  lua_remove(L, -2);
  const int handler = lua_gettop(L);
  lua_getfield(L, LUA_REGISTRYINDEX, run.is_function ? kFunctionsKey : kScriptsKey);
  lua_getfield(L, -1, run.name.c_str());
  lua_remove(L, -2);
  int nargs = 0;
  if (run.is_function) {
    // A function gets KEYS and ARGV as its arguments; a script sees them as globals.
    PushArray(L, keys);
    PushArray(L, argv);
    nargs = 2;
  } else {
    PushArray(L, keys);
    SetGlobalUnprotected(L, "KEYS");
    PushArray(L, argv);
    SetGlobalUnprotected(L, "ARGV");
  }
  run_ = &run;
  lua_sethook(L, Hook, LUA_MASKCOUNT, kHookInstructions);
  const int rc = lua_pcall(L, nargs, 1, handler);
  lua_sethook(L, nullptr, 0, 0);
  run_ = nullptr;
  protocol::ReplyBuilder& reply = run.caller->reply;
  if (rc == 0) {
    WriteLuaAsReply(L, reply, run.resp);
  } else if (lua_istable(L, -1)) {
    std::string error = StringField(L, "err");
    const std::string source = StringField(L, "source");
    const std::string line = StringField(L, "line");
    if (!source.empty() && !line.empty()) {
      error += " script: " + run.name + ", on " + source + ":" + line + ".";
    }
    WriteErrorTable(L, reply, error);
  } else {
    const char* message = lua_tostring(L, -1);
    reply.Error("ERR Error running script (call to f_" + run.name + "): @user_script: " +
                (message ? message : "?"));
  }
  lua_settop(L, base);
  if (run.busy) {
    core::Log(core::LogLevel::kWarning, "Slow script finished after %d milliseconds.",
              core::MonotonicUs() / 1000 - run.start_ms);
  }
}

void ScriptEngine::Hook(lua_State* L, lua_Debug*) {
  lua_getfield(L, LUA_REGISTRYINDEX, kEngineKey);
  auto* engine = static_cast<ScriptEngine*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  engine->OnHook(L);
}

void ScriptEngine::OnHook(lua_State* L) {
  Run& run = *run_;
  const int64_t elapsed = core::MonotonicUs() / 1000 - run.start_ms;
  if (!run.busy && elapsed >= run.caller->server.options.busy_reply_threshold) {
    run.busy = true;
    core::Log(core::LogLevel::kWarning,
              "Slow script detected: still in execution after %d milliseconds. You can try "
              "killing the script using the SCRIPT KILL command. Script name is: %s.",
              elapsed, run.name);
  }
  if (run.busy && serve_while_busy_) serve_while_busy_();
  if (run.kill) {
    core::Log(core::LogLevel::kWarning, "Lua script killed by user with SCRIPT KILL.");
    // Every line from now on raises again, so a pcall in the script cannot swallow the kill.
    lua_sethook(L, Hook, LUA_MASKLINE, 0);
    RaiseErrorTable(L, "ERR Script killed by user with SCRIPT KILL...");
  }
}

// Library code runs at most this long while it loads (it may only register functions).
void ScriptEngine::LoadHook(lua_State* L, lua_Debug*) {
  lua_getfield(L, LUA_REGISTRYINDEX, kEngineKey);
  auto* engine = static_cast<ScriptEngine*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  if (core::MonotonicUs() / 1000 - engine->load_start_ms_ > kLoadTimeoutMs) {
    lua_sethook(L, LoadHook, LUA_MASKLINE, 0);
    RaiseErrorTable(L, "ERR FUNCTION LOAD timeout");
  }
}

absl::StatusOr<std::string> ScriptEngine::LoadLibrary(std::string_view code, bool replace) {
  absl::StatusOr<LibraryHeader> header = ParseLibraryHeader(code);
  if (!header.ok()) return header.status();
  if (libraries_.count(header->name) && !replace) {
    return absl::InvalidArgumentError("ERR Library '" + header->name + "' already exists");
  }
  lua_State* L = functions_lua_;
  const std::string_view body = code.substr(header->code_offset);
  if (luaL_loadbuffer(L, body.data(), body.size(), "@user_function") != 0) {
    std::string error = std::string("ERR Error compiling function: ") + lua_tostring(L, -1);
    lua_pop(L, 1);
    return absl::InvalidArgumentError(error);
  }
  lua_getfield(L, LUA_REGISTRYINDEX, "bazaar.globals");
  lua_getfield(L, -1, "__redis__err__handler");
  lua_remove(L, -2);
  lua_insert(L, -2);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kPendingFunctionsKey);
  loading_ = LibraryInfo{header->name, std::string(code), {}};
  load_start_ms_ = core::MonotonicUs() / 1000;
  UseLoadingView(L, true);
  lua_sethook(L, LoadHook, LUA_MASKCOUNT, kHookInstructions);
  const int rc = lua_pcall(L, 0, 0, -2);
  lua_sethook(L, nullptr, 0, 0);
  UseLoadingView(L, false);
  LibraryInfo library = std::move(*loading_);
  loading_.reset();
  if (rc != 0) {
    std::string error = "ERR Error registering functions: ";
    if (lua_istable(L, -1)) {
      error += StringField(L, "err");
    } else if (const char* message = lua_tostring(L, -1)) {
      error += message;
    }
    lua_pop(L, 2);
    return absl::InvalidArgumentError(error);
  }
  lua_pop(L, 1);
  if (library.functions.empty()) return absl::InvalidArgumentError("ERR No functions registered");
  for (const auto& [name, info] : library.functions) {
    auto owner = function_library_.find(name);
    if (owner != function_library_.end() && owner->second != library.name) {
      return absl::InvalidArgumentError("ERR Function " + name + " already exists");
    }
  }
  DeleteLibrary(library.name);
  lua_getfield(L, LUA_REGISTRYINDEX, kFunctionsKey);
  lua_getfield(L, LUA_REGISTRYINDEX, kPendingFunctionsKey);
  for (const auto& [name, info] : library.functions) {
    lua_getfield(L, -1, name.c_str());
    lua_setfield(L, -3, name.c_str());
    function_library_[name] = library.name;
  }
  lua_pop(L, 2);
  std::string name = library.name;
  libraries_[name] = std::move(library);
  return name;
}

std::string ScriptEngine::RegisterFunction(const std::string& name, unsigned flags,
                                           const std::string* description) {
  if (!loading_) return "ERR redis.register_function can only be called on FUNCTION LOAD command";
  if (!IsValidFunctionName(name)) {
    return "ERR Library names can only contain letters, numbers, or underscores(_) and must be "
           "at least one character long";
  }
  const std::string key = absl::AsciiStrToLower(name);  // names ignore case, as in Redis
  if (loading_->functions.count(key)) return "ERR Function already exists in the library";
  FunctionInfo& info = loading_->functions[key];
  info.name = name;
  info.flags = flags;
  if (description) info.description = *description;
  return "";
}

bool ScriptEngine::DeleteLibrary(std::string_view name) {
  auto it = libraries_.find(std::string(name));
  if (it == libraries_.end()) return false;
  lua_getfield(functions_lua_, LUA_REGISTRYINDEX, kFunctionsKey);
  for (const auto& [function, info] : it->second.functions) {
    lua_pushnil(functions_lua_);
    lua_setfield(functions_lua_, -2, function.c_str());
    function_library_.erase(function);
  }
  lua_pop(functions_lua_, 1);
  libraries_.erase(it);
  return true;
}

void ScriptEngine::FlushLibraries() {
  libraries_.clear();
  function_library_.clear();
  lua_close(functions_lua_);
  functions_lua_ = NewState(true);
}

std::optional<ScriptEngine::RunningFunction> ScriptEngine::running_function() const {
  if (!run_ || !run_->is_function) return std::nullopt;
  RunningFunction running{run_->name, {}, core::MonotonicUs() / 1000 - run_->start_ms};
  for (std::string_view arg : run_->command) running.command.emplace_back(arg);
  return running;
}

// The script rules for one command (Redis's scriptCall checks); "" when it may run.
std::string ScriptEngine::RefusalOfCommand(const Run& run, commands::CommandContext& ctx,
                                           const commands::CommandSpec& spec,
                                           commands::Args argv) const {
  if ((spec.flags & commands::kNoScript) && deny_script_commands_) {
    return "ERR This Redis command is not allowed from script";
  }
  // The caller's ACL rules, before the write and memory rules, as Redis orders them.
  if (run.client.user && !run.client.user->unrestricted()) {
    const acl::Verdict verdict = ctx.dispatcher.CheckAcl(run.client, spec, argv, "lua", ctx.client);
    if (!verdict.ok()) return "ERR " + commands::AclScriptDenialError(verdict.denial);
  }
  if (spec.flags & commands::kWrite) {
    if (run.read_only) return "ERR Write commands are not allowed from read-only scripts.";
    if (!run.client.is_master && ctx.server.replication &&
        ctx.server.replication->ReadOnlyReplica()) {
      return std::string(commands::kReadOnlyReplicaError);
    }
    if (!run.client.is_master && ctx.server.persistence) {
      std::string disk_error = ctx.server.persistence->DiskErrorRefusingWrites();
      if (!disk_error.empty()) return disk_error;
    }
    if (!commands::EnoughGoodReplicas(ctx.server)) return std::string(commands::kNoReplicasError);
  }
  // Until the script's first write, a deny-oom command is refused when memory was over the
  // limit as the script started (Redis's scriptVerifyOOM).
  if ((spec.flags & commands::kDenyOom) && run.oom_at_start && !run.allow_oom && !run.wrote &&
      !run.client.is_master) {
    return std::string(commands::kOutOfMemoryError);
  }
  return "";
}

std::string ScriptEngine::RunCommand(const std::vector<std::string_view>& argv,
                                     std::string* refusal) {
  Run& run = *run_;
  commands::CommandContext& ctx = *run.caller;
  commands::ServerStats& stats = ctx.server.stats;
  // Every error a script's command gets counts in the error statistics now, caught by
  // redis.pcall or not (Redis's rule); the script's own reply then does not count it again.
  auto refuse = [&](std::string text) {
    ++stats.total_error_replies;
    protocol::ReplyBuilder::CountByPrefix(&stats.errors_by_prefix, text);
    *refusal = std::move(text);
    return std::string();
  };
  std::string error;
  commands::CommandSpec* spec = ctx.dispatcher.Resolve(argv, &error);
  if (!spec) return refuse("ERR Unknown Redis command called from script");
  if (!spec->ArityAccepts(argv.size())) {
    ++spec->stats.rejected_calls;
    return refuse("ERR Wrong number of args calling Redis command from script");
  }
  if (std::string why = RefusalOfCommand(run, ctx, *spec, argv); !why.empty()) {
    ++spec->stats.rejected_calls;
    return refuse(std::move(why));
  }
  std::string out;
  protocol::ReplyBuilder reply(&out);
  reply.set_resp(run.resp);
  reply.set_error_counts(&stats.errors_by_prefix);
  run.client.resp = run.resp;
  const uint64_t dirty = ctx.keyspace.dirty();
  ctx.dispatcher.Call(*spec, run.client, reply, argv);
  stats.total_error_replies += reply.counted_error_count();
  if (ctx.keyspace.dirty() != dirty) run.wrote = true;
  return out;
}

}  // namespace bazaar::engine::scripting
