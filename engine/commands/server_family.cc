// Server commands: TIME SHUTDOWN DEBUG (SLEEP, SET-ACTIVE-EXPIRE).
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/core/clock.h"
#include "engine/core/log.h"

namespace bazaar::engine::commands {
namespace {

void TimeCommand(CommandContext& ctx, Args) {
  int64_t us = core::UnixTimeUs();
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(us / 1000000));
  ctx.reply.Bulk(std::to_string(us % 1000000));
}

void ShutdownCommand(CommandContext& ctx, Args args) {
  for (size_t i = 1; i < args.size(); ++i) {
    if (!(IsOption(args[i], "nosave") || IsOption(args[i], "save") || IsOption(args[i], "now") ||
          IsOption(args[i], "force") || IsOption(args[i], "abort"))) {
      return ctx.reply.Error(kSyntaxError);
    }
    if (IsOption(args[i], "abort")) {
      // Nothing to abort: shutdown here never waits for replicas.
      return ctx.reply.Error("ERR No shutdown in progress.");
    }
  }
  core::Log(core::LogLevel::kWarning, "User requested shutdown...");
  ctx.server.RequestShutdown();
  // Like Redis, no reply: the connection closes as the server exits.
}

void DebugCommand(CommandContext& ctx, Args args) {
  if (IsOption(args[1], "sleep") && args.size() == 3) {
    // Like Redis (strtod with no error check), junk sleeps for zero seconds.
    double seconds = std::strtod(std::string(args[2]).c_str(), nullptr);
    if (seconds > 0) usleep(static_cast<useconds_t>(seconds * 1e6));
    return ctx.reply.Ok();
  }
  if (IsOption(args[1], "set-active-expire") && args.size() == 3) {
    ctx.server.set_active_expire(args[2] != "0");
    return ctx.reply.Ok();
  }
  ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                  std::string(args[1]) + "'. Try DEBUG HELP.");
}

}  // namespace

void RegisterServerFamily(CommandTable& table) {
  table.Add({"time", 1, kLoading | kStale | kFast, 0, 0, 0, TimeCommand});
  table.Add({"shutdown", -1, kAdmin | kNoScript | kLoading | kStale | kNoMulti | kAllowBusy, 0,
             0, 0, ShutdownCommand});
  table.Add({"debug", -2, kAdmin | kNoScript | kLoading | kStale | kProtected, 0, 0, 0,
             DebugCommand});
}

void RegisterAllCommands(CommandTable& table) {
  RegisterStringFamily(table);
  RegisterGenericFamily(table);
  RegisterTransactionFamily(table);
  RegisterConnectionFamily(table);
  RegisterClientFamily(table);
  RegisterConfigFamily(table);
  RegisterCommandFamily(table);
  RegisterInfoFamily(table);
  RegisterServerFamily(table);
  RegisterHashFamily(table);
  RegisterSetFamily(table);
  RegisterZSetFamily(table);
  RegisterListFamily(table);
  RegisterBlockingFamily(table);
}

}  // namespace bazaar::engine::commands
