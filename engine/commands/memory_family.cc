// MEMORY USAGE, PURGE, MALLOC-STATS and HELP. The engine runs on glibc's malloc, so PURGE is
// malloc_trim and MALLOC-STATS answers as Redis does when built without jemalloc. DOCTOR and
// STATS are not here yet.
#include <malloc.h>

#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/core/memory_usage.h"

namespace bazaar::engine::commands {
namespace {

constexpr int64_t kDefaultSamples = 5;  // Redis's OBJ_COMPUTE_SIZE_DEF_SAMPLES

// MEMORY USAGE key [SAMPLES count]: an expired key not yet deleted still counts, as in Redis.
void MemoryUsageCommand(CommandContext& ctx, Args args) {
  int64_t samples = kDefaultSamples;
  for (size_t i = 3; i < args.size(); ++i) {
    if (IsOption(args[i], "samples") && i + 1 < args.size()) {
      if (!IntArgOrReply(ctx.reply, args[++i], &samples)) return;
      if (samples < 0) return ctx.reply.Error(kSyntaxError);
    } else {
      return ctx.reply.Error(kSyntaxError);
    }
  }
  const core::Value* v = ctx.keyspace.Peek(ctx.db(), args[2]);
  if (v == nullptr) return ctx.reply.NullBulk();
  ctx.reply.Integer(static_cast<int64_t>(
      core::MemoryUsage(args[2], *v, static_cast<size_t>(samples))));
}

void MemoryPurgeCommand(CommandContext& ctx, Args) {
  malloc_trim(0);
  ctx.reply.SimpleString("OK");
}

void MemoryMallocStatsCommand(CommandContext& ctx, Args) {
  ctx.reply.Bulk("Stats not supported for the current allocator");
}

void MemoryHelpCommand(CommandContext& ctx, Args) {
  ReplyHelp(ctx.reply, {
      "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "MALLOC-STATS",
      "    Return internal statistics report from the memory allocator.",
      "PURGE",
      "    Attempt to purge dirty pages for reclamation by the allocator.",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
  });
}

}  // namespace

void RegisterMemoryFamily(CommandTable& table) {
  CommandSpec* memory = table.Add({"memory", -2, 0, 0, 0, 0, nullptr});
  table.AddSubcommand(memory, {"usage", -3, kReadOnly, 2, 2, 1, MemoryUsageCommand});
  table.AddSubcommand(memory, {"purge", 2, 0, 0, 0, 0, MemoryPurgeCommand});
  table.AddSubcommand(memory, {"malloc-stats", 2, 0, 0, 0, 0, MemoryMallocStatsCommand});
  table.AddSubcommand(memory, {"help", 2, kLoading | kStale, 0, 0, 0, MemoryHelpCommand});
}

}  // namespace bazaar::engine::commands
