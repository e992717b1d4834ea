// Server commands: TIME, SHUTDOWN, the persistence commands (SAVE BGSAVE BGREWRITEAOF LASTSAVE)
// and MONITOR. DEBUG is in debug_family.cc.

#include <string>

#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/commands/status_reply.h"
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
  ShutdownSave save = ShutdownSave::kDefault;
  bool force = false, abort = false;
  for (size_t i = 1; i < args.size(); ++i) {
    if (IsOption(args[i], "nosave") && save == ShutdownSave::kDefault)
      save = ShutdownSave::kNoSave;
    else if (IsOption(args[i], "save") && save == ShutdownSave::kDefault)
      save = ShutdownSave::kSave;
    else if (IsOption(args[i], "now")) {
    }  // we never wait for replicas: always "now"
    else if (IsOption(args[i], "force"))
      force = true;
    else if (IsOption(args[i], "abort"))
      abort = true;
    else
      return ctx.reply.Error(kSyntaxError);
  }
  if (abort) {
    if (args.size() > 2) return ctx.reply.Error(kSyntaxError);
    return ctx.reply.Error("ERR No shutdown in progress.");
  }
  // During a slow script only SHUTDOWN NOSAVE may stop the server (it saves nothing half-done).
  if (ctx.server.scripting && !ctx.server.scripting->busy_error().empty() &&
      save != ShutdownSave::kNoSave) {
    return ctx.reply.Error(ctx.server.scripting->busy_error());
  }
  core::Log(core::LogLevel::kWarning, "User requested shutdown...");
  if (!ctx.server.control->Shutdown(save, force)) {
    return ctx.reply.Error("ERR Errors trying to SHUTDOWN. Check logs.");
  }
  // Like Redis, no reply: the connection closes as the server exits.
}

void SaveCommand(CommandContext& ctx, Args) {
  absl::Status status = ctx.server.persistence->SaveSnapshot();
  status.ok() ? ctx.reply.Ok() : ReplyError(ctx.reply, status);
}

void BgsaveCommand(CommandContext& ctx, Args args) {
  if (args.size() > 2 || (args.size() == 2 && !IsOption(args[1], "schedule"))) {
    return ctx.reply.Error(kSyntaxError);
  }
  // Queued commands run with the transaction still open: tx.in_multi says we are inside EXEC.
  auto started =
      ctx.server.persistence->StartBackgroundSave(args.size() == 2, ctx.client.tx.in_multi);
  if (!started.ok()) return ReplyError(ctx.reply, started.status());
  ctx.reply.SimpleString(*started);
}

void BgrewriteaofCommand(CommandContext& ctx, Args) {
  auto started = ctx.server.persistence->StartAofRewrite(ctx.client.tx.in_multi);
  if (!started.ok()) return ReplyError(ctx.reply, started.status());
  ctx.reply.SimpleString(*started);
}

void LastsaveCommand(CommandContext& ctx, Args) {
  ctx.reply.Integer(ctx.server.persistence->persistence_info().rdb.last_save_time);
}

void MonitorCommand(CommandContext& ctx, Args) {
  // Inside EXEC the client expects one reply per command, which a monitor never gives.
  if (ctx.client.tx.in_multi) {
    return ctx.reply.Error("ERR MONITOR isn't allowed for DENY BLOCKING client");
  }
  // Already a monitor (or a replica): ignored, without a reply, as in Redis.
  if (ctx.client.is_monitor || ctx.client.is_replica) return;
  ctx.server.monitors->AddMonitor(ctx.client);
  ctx.reply.Ok();
}

}  // namespace

void RegisterServerFamily(CommandTable& table) {
  table.Add({"time", 1, kLoading | kStale | kFast, 0, 0, 0, TimeCommand});
  table.Add({"shutdown", -1, kAdmin | kNoScript | kLoading | kStale | kNoMulti | kAllowBusy, 0, 0,
             0, ShutdownCommand});
  table.Add({"save", 1, kAdmin | kNoScript | kNoAsyncLoading | kNoMulti, 0, 0, 0, SaveCommand});
  table.Add({"bgsave", -1, kAdmin | kNoScript | kNoAsyncLoading, 0, 0, 0, BgsaveCommand});
  table.Add(
      {"bgrewriteaof", 1, kAdmin | kNoScript | kNoAsyncLoading, 0, 0, 0, BgrewriteaofCommand});
  table.Add({"lastsave", 1, kLoading | kStale | kFast, 0, 0, 0, LastsaveCommand});
  table.Add({"monitor", 1, kAdmin | kNoScript | kLoading | kStale, 0, 0, 0, MonitorCommand});
}

}  // namespace bazaar::engine::commands
