// MULTI EXEC DISCARD WATCH UNWATCH. Queueing happens in the dispatcher; invalidation in the
// watch table. Here: the EXEC outcome rules of Redis 7.0.
#include "engine/commands/acl_request.h"
#include "engine/commands/command_context.h"
#include "engine/commands/dispatcher.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"

namespace bazaar::engine::commands {
namespace {

void EndTransaction(CommandContext& ctx) {
  ctx.client.tx.EndMulti();
  ctx.watches.UnwatchAll(&ctx.client.tx);
}

void MultiCommand(CommandContext& ctx, Args) {
  if (ctx.client.tx.in_multi) {
    ctx.reply.Error(kNestedMultiError);
    return;
  }
  ctx.client.tx.in_multi = true;
  ctx.reply.Ok();
}

void ExecCommand(CommandContext& ctx, Args) {
  txn::TransactionState& tx = ctx.client.tx;
  if (!tx.in_multi) {
    ctx.reply.Error(kExecWithoutMultiError);
    return;
  }
  ServerStats& stats = ctx.server.stats;
  ctx.watches.WatchedKeyExpired(&tx);
  if (tx.dirty_exec) {
    ctx.reply.Error(kExecAbortError);
    ++stats.exec_aborted_error;
    EndTransaction(ctx);
    return;
  }
  if (tx.dirty_cas) {
    ctx.reply.NullArray();
    ++stats.exec_aborted_watch;
    ctx.watches.RecordAbort(tx);
    EndTransaction(ctx);
    return;
  }
  // Unwatch first: our own writes must not flag us (and nothing can abort us now).
  ctx.watches.UnwatchAll(&tx);
  std::vector<txn::QueuedCommand> queued = std::move(tx.queued);
  tx.queued.clear();
  ctx.reply.ArrayHeader(queued.size());
  std::vector<std::string_view> argv;
  for (const auto& command : queued) {
    argv.assign(command.argv.begin(), command.argv.end());
    // The rules may have changed since the command was queued (Redis checks again here).
    if (ctx.client.user && !ctx.client.user->unrestricted()) {
      const acl::Verdict verdict =
          ctx.dispatcher.CheckAcl(ctx.client, *command.spec, argv, "multi");
      if (!verdict.ok()) {
        ctx.reply.Error(AclExecDenialError(verdict.denial));
        continue;
      }
    }
    ctx.dispatcher.Call(*command.spec, ctx.client, ctx.reply, argv);
  }
  ++stats.exec_count;
  tx.EndMulti();
}

void DiscardCommand(CommandContext& ctx, Args) {
  if (!ctx.client.tx.in_multi) {
    ctx.reply.Error(kDiscardWithoutMultiError);
    return;
  }
  EndTransaction(ctx);
  ++ctx.server.stats.discard_count;
  ctx.reply.Ok();
}

void WatchCommand(CommandContext& ctx, Args args) {
  if (ctx.client.tx.in_multi) {
    ctx.reply.Error(kWatchInMultiError);
    return;
  }
  // A client already flagged dirty gains nothing from watching more (Redis does the same).
  if (!ctx.client.tx.dirty_cas) {
    for (size_t i = 1; i < args.size(); ++i) ctx.watches.Watch(&ctx.client.tx, ctx.db(), args[i]);
  }
  ctx.reply.Ok();
}

void UnwatchCommand(CommandContext& ctx, Args) {
  ctx.watches.UnwatchAll(&ctx.client.tx);
  ctx.client.tx.dirty_cas = false;
  ctx.reply.Ok();
}

}  // namespace

void RegisterTransactionFamily(CommandTable& table) {
  const uint32_t kTxFlags = kNoScript | kLoading | kStale | kFast | kAllowBusy;
  table.Add({"multi", 1, kTxFlags, 0, 0, 0, MultiCommand});
  table.Add({"exec", 1, kNoScript | kLoading | kStale | kSkipSlowlog, 0, 0, 0, ExecCommand});
  table.Add({"discard", 1, kTxFlags, 0, 0, 0, DiscardCommand});
  table.Add({"watch", -2, kTxFlags, 1, -1, 1, WatchCommand});
  table.Add({"unwatch", 1, kTxFlags, 0, 0, 0, UnwatchCommand});
}

}  // namespace bazaar::engine::commands
