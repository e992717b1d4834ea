// Scripting commands: EVAL EVALSHA EVAL_RO EVALSHA_RO and SCRIPT LOAD/EXISTS/FLUSH/KILL/HELP.
// Argument parsing and replies only; the Lua runtime is ScriptEngine.
#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/scripting/scripting_family.h"

namespace bazaar::engine::scripting {
namespace {

using commands::Args;
using commands::CommandContext;

void EvalCommand(CommandContext& ctx, Args args) { EngineOf(ctx).Eval(ctx, args, false, false); }
void EvalShaCommand(CommandContext& ctx, Args args) { EngineOf(ctx).Eval(ctx, args, true, false); }
void EvalRoCommand(CommandContext& ctx, Args args) { EngineOf(ctx).Eval(ctx, args, false, true); }
void EvalShaRoCommand(CommandContext& ctx, Args args) {
  EngineOf(ctx).Eval(ctx, args, true, true);
}

void ScriptLoadCommand(CommandContext& ctx, Args args) {
  absl::StatusOr<std::string> sha = EngineOf(ctx).Load(args[2]);
  if (!sha.ok()) {
    const absl::string_view message = sha.status().message();
    return ctx.reply.Error(std::string_view(message.data(), message.size()));
  }
  ctx.reply.Bulk(*sha);
}

void ScriptExistsCommand(CommandContext& ctx, Args args) {
  ctx.reply.ArrayHeader(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) ctx.reply.Integer(EngineOf(ctx).Exists(args[i]));
}

// SCRIPT FLUSH [ASYNC|SYNC]: both empty the cache at once here (there is no lazy-free thread).
void ScriptFlushCommand(CommandContext& ctx, Args args) {
  if (args.size() > 3 ||
      (args.size() == 3 && !commands::IsOption(args[2], "sync") &&
       !commands::IsOption(args[2], "async"))) {
    return ctx.reply.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
  }
  EngineOf(ctx).Flush();
  ctx.reply.Ok();
}

void ScriptKillCommand(CommandContext& ctx, Args) {
  const std::string error = EngineOf(ctx).Kill(/*eval=*/true);
  if (!error.empty()) return ctx.reply.Error(error);
  ctx.reply.Ok();
}

void ScriptHelpCommand(CommandContext& ctx, Args) {
  commands::ReplyHelp(
      ctx.reply,
      {"SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
       "DEBUG (YES|SYNC|NO)", "    Set the debug mode for subsequent scripts executed.",
       "EXISTS <sha1> [<sha1> ...]",
       "    Return information about the existence of the scripts in the script cache.",
       "FLUSH [ASYNC|SYNC]", "    Flush the Lua scripts cache. Very dangerous on replicas.",
       "    When called without the optional mode argument, the behavior is determined by the",
       "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
       "    * ASYNC: Asynchronously flush the scripts cache.",
       "    * SYNC: Synchronously flush the scripts cache.", "KILL",
       "    Kill the currently executing Lua script.", "LOAD <script>",
       "    Load a script into the scripts cache without executing it."});
}

}  // namespace

void RegisterScriptingFamily(commands::CommandTable& table) {
  using commands::CommandSpec;
  // Scripts are shown to MONITOR as they start, before the commands they run.
  const uint32_t kScriptCall = commands::kNoScript | commands::kStale | commands::kSkipMonitor |
                               commands::kNoMandatoryKeys | commands::kMovableKeys;
  const uint32_t kEval = kScriptCall | commands::kMayReplicate;
  const uint32_t kEvalRo = kScriptCall | commands::kReadOnly;
  table.Add({"eval", -3, kEval, 0, 0, 0, EvalCommand});
  table.Add({"evalsha", -3, kEval, 0, 0, 0, EvalShaCommand});
  table.Add({"eval_ro", -3, kEvalRo, 0, 0, 0, EvalRoCommand});
  table.Add({"evalsha_ro", -3, kEvalRo, 0, 0, 0, EvalShaRoCommand});
  CommandSpec* script = table.Add({"script", -2, 0, 0, 0, 0, nullptr});
  const uint32_t kScript = commands::kNoScript;
  table.AddSubcommand(script, {"load", 3, kScript | commands::kStale, 0, 0, 0, ScriptLoadCommand});
  table.AddSubcommand(script, {"exists", -3, kScript, 0, 0, 0, ScriptExistsCommand});
  table.AddSubcommand(script,
                      {"flush", -2, kScript | commands::kMayReplicate, 0, 0, 0, ScriptFlushCommand});
  table.AddSubcommand(script,
                      {"kill", 2, kScript | commands::kAllowBusy, 0, 0, 0, ScriptKillCommand});
  table.AddSubcommand(script, {"help", 2, commands::kLoading | commands::kStale, 0, 0, 0,
                               ScriptHelpCommand});
}

}  // namespace bazaar::engine::scripting
