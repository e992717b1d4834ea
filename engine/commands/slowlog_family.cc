// SLOWLOG GET / LEN / RESET / HELP over the dispatcher's slow log (core/slow_log.h); the
// dispatcher decides what is logged.
#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/dispatcher.h"
#include "engine/commands/families.h"

namespace bazaar::engine::commands {
namespace {

void SlowlogGetCommand(CommandContext& ctx, Args args) {
  if (args.size() > 3) {
    return ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                           std::string(args[1]) + "'. Try SLOWLOG HELP.");
  }
  int64_t count = 10;
  if (args.size() == 3 && (!protocol::ParseInt64(args[2], &count) || count < -1)) {
    return ctx.reply.Error("ERR count should be greater than or equal to -1");
  }
  const auto& entries = ctx.dispatcher.slowlog().entries();
  size_t n = count == -1 ? entries.size() : std::min<size_t>(count, entries.size());
  ctx.reply.ArrayHeader(n);
  for (size_t i = 0; i < n; ++i) {
    const core::SlowLogEntry& e = entries[i];
    ctx.reply.ArrayHeader(6);
    ctx.reply.Integer(e.id);
    ctx.reply.Integer(e.time);
    ctx.reply.Integer(e.duration_us);
    ctx.reply.ArrayHeader(e.args.size());
    for (const auto& arg : e.args) ctx.reply.Bulk(arg);
    ctx.reply.Bulk(e.client_addr);
    ctx.reply.Bulk(e.client_name);
  }
}

void SlowlogLenCommand(CommandContext& ctx, Args) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.dispatcher.slowlog().entries().size()));
}

void SlowlogResetCommand(CommandContext& ctx, Args) {
  ctx.dispatcher.slowlog().Reset();
  ctx.reply.Ok();
}

void SlowlogHelpCommand(CommandContext& ctx, Args) {
  ReplyHelp(ctx.reply, {
      "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET [<count>]",
      "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
      "    Entries are made of:",
      "    id, timestamp, time in microseconds, arguments array, client IP and port,",
      "    client name",
      "LEN",
      "    Return the length of the slowlog.",
      "RESET",
      "    Reset the slowlog.",
  });
}

}  // namespace

void RegisterSlowlogFamily(CommandTable& table) {
  const uint32_t kFlags = kAdmin | kLoading | kStale;
  CommandSpec* slowlog = table.Add({"slowlog", -2, 0, 0, 0, 0, nullptr});
  table.AddSubcommand(slowlog, {"get", -2, kFlags, 0, 0, 0, SlowlogGetCommand});
  table.AddSubcommand(slowlog, {"len", 2, kFlags, 0, 0, 0, SlowlogLenCommand});
  table.AddSubcommand(slowlog, {"reset", 2, kFlags, 0, 0, 0, SlowlogResetCommand});
  table.AddSubcommand(slowlog, {"help", 2, kLoading | kStale, 0, 0, 0, SlowlogHelpCommand});
}

}  // namespace bazaar::engine::commands
