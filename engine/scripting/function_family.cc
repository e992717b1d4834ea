// Functions: FCALL FCALL_RO and FUNCTION LOAD/DELETE/FLUSH/LIST/KILL/STATS/HELP (DUMP and RESTORE
// in function_payload.cc). Argument
// parsing and replies only; libraries live in ScriptEngine. LOAD, DELETE and FLUSH count as
// writes, so they reach the AOF and the replicas as typed.
#include "engine/commands/arg_util.h"
#include "engine/core/glob.h"
#include "engine/scripting/script_body.h"
#include "engine/scripting/scripting_family.h"

namespace bazaar::engine::scripting {
namespace {

using commands::Args;
using commands::CommandContext;

void ReplyStatusError(CommandContext& ctx, const absl::Status& status) {
  const absl::string_view message = status.message();
  ctx.reply.Error(std::string_view(message.data(), message.size()));
}

void FCallCommand(CommandContext& ctx, Args args) { EngineOf(ctx).FCall(ctx, args, false); }
void FCallRoCommand(CommandContext& ctx, Args args) { EngineOf(ctx).FCall(ctx, args, true); }

// FUNCTION LOAD [REPLACE] code
void FunctionLoadCommand(CommandContext& ctx, Args args) {
  bool replace = false;
  size_t i = 2;
  for (; i + 1 < args.size(); ++i) {
    if (!commands::IsOption(args[i], "replace")) {
      return ctx.reply.Error("ERR Unknown option given: " + std::string(args[i]));
    }
    replace = true;
  }
  absl::StatusOr<std::string> name = EngineOf(ctx).LoadLibrary(args[i], replace);
  if (!name.ok()) return ReplyStatusError(ctx, name.status());
  ctx.keyspace.AddDirty(1);
  ctx.reply.Bulk(*name);
}

void FunctionDeleteCommand(CommandContext& ctx, Args args) {
  if (!EngineOf(ctx).DeleteLibrary(args[2])) return ctx.reply.Error("ERR Library not found");
  ctx.keyspace.AddDirty(1);
  ctx.reply.Ok();
}

void FunctionFlushCommand(CommandContext& ctx, Args args) {
  if (args.size() > 3) {
    return ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                           std::string(args[1]) + "'. Try FUNCTION HELP.");
  }
  if (args.size() == 3 && !commands::IsOption(args[2], "sync") &&
      !commands::IsOption(args[2], "async")) {
    return ctx.reply.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
  }
  EngineOf(ctx).FlushLibraries();
  ctx.keyspace.AddDirty(1);
  ctx.reply.Ok();
}

// FUNCTION LIST [WITHCODE] [LIBRARYNAME pattern]
void FunctionListCommand(CommandContext& ctx, Args args) {
  bool with_code = false;
  std::optional<std::string_view> pattern;
  for (size_t i = 2; i < args.size(); ++i) {
    if (commands::IsOption(args[i], "withcode") && !with_code) {
      with_code = true;
    } else if (commands::IsOption(args[i], "libraryname") && !pattern) {
      if (i + 1 >= args.size()) {
        return ctx.reply.Error("ERR library name argument was not given");
      }
      pattern = args[++i];
    } else {
      return ctx.reply.Error("ERR Unknown argument " + std::string(args[i]));
    }
  }
  std::vector<const LibraryInfo*> listed;
  for (const auto& [name, library] : EngineOf(ctx).libraries()) {
    if (!pattern || core::GlobMatch(*pattern, name)) listed.push_back(&library);
  }
  protocol::ReplyBuilder& r = ctx.reply;
  r.ArrayHeader(listed.size());
  for (const LibraryInfo* library : listed) {
    r.MapHeader(with_code ? 4 : 3);
    r.Bulk("library_name");
    r.Bulk(library->name);
    r.Bulk("engine");
    r.Bulk("LUA");
    r.Bulk("functions");
    r.ArrayHeader(library->functions.size());
    for (const auto& [key, function] : library->functions) {
      r.MapHeader(3);
      r.Bulk("name");
      r.Bulk(function.name);
      r.Bulk("description");
      function.description ? r.Bulk(*function.description) : r.NullBulk();
      r.Bulk("flags");
      const std::vector<std::string_view> flags = ScriptFlagNames(function.flags);
      r.SetHeader(flags.size());
      for (std::string_view flag : flags) r.SimpleString(flag);
    }
    if (with_code) {
      r.Bulk("library_code");
      r.Bulk(library->code);
    }
  }
}

void FunctionKillCommand(CommandContext& ctx, Args) {
  const std::string error = EngineOf(ctx).Kill(/*eval=*/false);
  if (!error.empty()) return ctx.reply.Error(error);
  ctx.reply.Ok();
}

void FunctionStatsCommand(CommandContext& ctx, Args) {
  ScriptEngine& engine = EngineOf(ctx);
  protocol::ReplyBuilder& r = ctx.reply;
  r.MapHeader(2);
  r.Bulk("running_script");
  if (auto running = engine.running_function()) {
    r.MapHeader(3);
    r.Bulk("name");
    r.Bulk(running->name);
    r.Bulk("command");
    r.ArrayHeader(running->command.size());
    for (const std::string& arg : running->command) r.Bulk(arg);
    r.Bulk("duration_ms");
    r.Integer(running->duration_ms);
  } else {
    r.NullBulk();
  }
  r.Bulk("engines");
  r.MapHeader(1);
  r.Bulk("LUA");
  r.MapHeader(2);
  r.Bulk("libraries_count");
  r.Integer(static_cast<int64_t>(engine.libraries().size()));
  r.Bulk("functions_count");
  r.Integer(static_cast<int64_t>(engine.function_count()));
}

void FunctionHelpCommand(CommandContext& ctx, Args) {
  commands::ReplyHelp(
      ctx.reply,
      {"FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
       "LOAD [REPLACE] <FUNCTION CODE>",
       "    Create a new library with the given library name and code.",
       "DELETE <LIBRARY NAME>", "    Delete the given library.",
       "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
       "    Return general information on all the libraries:", "    * Library name",
       "    * The engine used to run the Library", "    * Library description",
       "    * Functions list", "    * Library code (if WITHCODE is given)",
       "    It also possible to get only function that matches a pattern using LIBRARYNAME "
       "argument.",
       "STATS", "    Return information about the current function running:",
       "    * Function name", "    * Command used to run the function",
       "    * Duration in MS that the function is running", "    If no function is running, return nil",
       "    In addition, returns a list of available engines.", "KILL",
       "    Kill the current running function.", "FLUSH [ASYNC|SYNC]",
       "    Delete all the libraries.",
       "    When called without the optional mode argument, the behavior is determined by the",
       "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
       "    * ASYNC: Asynchronously flush the libraries.",
       "    * SYNC: Synchronously flush the libraries.", "DUMP",
       "    Return a serialized payload representing the current libraries, can be restored "
       "using FUNCTION RESTORE command",
       "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
       "    Restore the libraries represented by the given payload, it is possible to give a "
       "restore policy to",
       "    control how to handle existing libraries (default APPEND):",
       "    * FLUSH: delete all existing libraries.",
       "    * APPEND: appends the restored libraries to the existing libraries. On collision, "
       "abort.",
       "    * REPLACE: appends the restored libraries to the existing libraries, On collision, "
       "replace the old",
       "      libraries with the new libraries (notice that even on this option there is a "
       "chance of failure",
       "      in case of functions name collision with another library)."});
}

}  // namespace

void RegisterFunctionFamily(commands::CommandTable& table) {
  using commands::CommandSpec;
  using commands::kNoScript;
  const uint32_t kFunctionCall = kNoScript | commands::kStale | commands::kSkipMonitor |
                                 commands::kNoMandatoryKeys | commands::kMovableKeys;
  table.Add({"fcall", -3, kFunctionCall | commands::kMayReplicate, 0, 0, 0, FCallCommand});
  table.Add({"fcall_ro", -3, kFunctionCall | commands::kReadOnly, 0, 0, 0, FCallRoCommand});
  CommandSpec* function = table.Add({"function", -2, 0, 0, 0, 0, nullptr});
  const uint32_t kWrite = kNoScript | commands::kWrite;
  table.AddSubcommand(function,
                      {"load", -3, kWrite | commands::kDenyOom, 0, 0, 0, FunctionLoadCommand});
  table.AddSubcommand(function, {"delete", 3, kWrite, 0, 0, 0, FunctionDeleteCommand});
  table.AddSubcommand(function, {"flush", -2, kWrite, 0, 0, 0, FunctionFlushCommand});
  table.AddSubcommand(function, {"list", -2, kNoScript, 0, 0, 0, FunctionListCommand});
  table.AddSubcommand(function,
                      {"kill", 2, kNoScript | commands::kAllowBusy, 0, 0, 0, FunctionKillCommand});
  table.AddSubcommand(
      function, {"stats", 2, kNoScript | commands::kAllowBusy, 0, 0, 0, FunctionStatsCommand});
  RegisterFunctionPayloadCommands(table, function);
  table.AddSubcommand(function, {"help", 2, commands::kLoading | commands::kStale, 0, 0, 0,
                                 FunctionHelpCommand});
}

}  // namespace bazaar::engine::scripting
