// MEMORY USAGE, STATS, DOCTOR, PURGE, MALLOC-STATS and HELP. The engine runs on glibc's malloc,
// so PURGE is malloc_trim and MALLOC-STATS answers as Redis does when built without jemalloc.
#include <malloc.h>

#include <string>

#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/commands/memory_overview.h"
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

// The fields and order of Redis 7.0's MEMORY STATS.
void MemoryStatsCommand(CommandContext& ctx, Args) {
  const MemoryOverview m = CollectMemoryOverview(ctx);
  auto& r = ctx.reply;
  auto integer = [&](const char* name, size_t v) {
    r.Bulk(name);
    r.Integer(static_cast<int64_t>(v));
  };
  auto ratio = [&](const char* name, float v) {
    r.Bulk(name);
    r.Double(v);
  };
  const size_t allocated = m.total;
  const size_t resident = m.allocator_resident();
  const size_t active = resident;  // glibc gives no active figure: Redis then uses the resident one
  r.MapHeader(27 + m.dbs.size());
  integer("peak.allocated", m.peak);
  integer("total.allocated", m.total);
  integer("startup.allocated", m.startup);
  integer("replication.backlog", m.replication_backlog);
  integer("clients.slaves", m.clients_replicas);
  integer("clients.normal", m.clients_normal);
  integer("cluster.links", 0);
  integer("aof.buffer", m.aof_buffer);
  integer("lua.caches", m.lua_caches);
  integer("functions.caches", m.functions_caches);
  for (const MemoryOverview::DbTables& t : m.dbs) {
    r.Bulk("db." + std::to_string(t.db));
    r.MapHeader(3);
    integer("overhead.hashtable.main", t.main);
    integer("overhead.hashtable.expires", t.expires);
    integer("overhead.hashtable.slot-to-keys", 0);  // no cluster mode
  }
  integer("overhead.total", m.overhead_total);
  integer("keys.count", m.keys);
  integer("keys.bytes-per-key", m.bytes_per_key());
  integer("dataset.bytes", m.dataset);
  ratio("dataset.percentage", m.dataset_percentage());
  ratio("peak.percentage", m.peak_percentage());
  integer("allocator.allocated", allocated);
  integer("allocator.active", active);
  integer("allocator.resident", resident);
  ratio("allocator-fragmentation.ratio",
        allocated ? static_cast<float>(active) / static_cast<float>(allocated) : 0);
  integer("allocator-fragmentation.bytes", active > allocated ? active - allocated : 0);
  ratio("allocator-rss.ratio", active ? static_cast<float>(resident) / static_cast<float>(active) : 0);
  integer("allocator-rss.bytes", resident - active);
  ratio("rss-overhead.ratio",
        resident ? static_cast<float>(m.rss) / static_cast<float>(resident) : 0);
  integer("rss-overhead.bytes", m.rss > resident ? m.rss - resident : 0);
  ratio("fragmentation", m.fragmentation());
  integer("fragmentation.bytes", m.rss > m.total ? m.rss - m.total : 0);
}

// MEMORY DOCTOR: Redis's verdicts for an instance too small to judge and for one with nothing to
// report; when something is found, a line per finding with its figures. The thresholds are
// Redis's: judged only from 5 MB allocated; a peak 1.5x today's; RSS 1.4x used_memory and 10 MB
// over it; replicas' buffers over 10 MB each; other clients' over 200 kB each; 1000 cached scripts.
void MemoryDoctorCommand(CommandContext& ctx, Args) {
  const MemoryOverview m = CollectMemoryOverview(ctx);
  std::string report;
  if (m.total < 5 * 1024 * 1024) {
    report =
        "Hi Sam, this instance is empty or is using very little memory, my issues detector can't "
        "be used in these conditions. Please, leave for your mission on Earth and fill it with some "
        "data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
  } else {
    std::string findings;
    auto finding = [&](const std::string& line) { findings += " * " + line + "\n\n"; };
    if (static_cast<double>(m.peak) > 1.5 * static_cast<double>(m.total)) {
      finding("Peak memory: the peak (" + std::to_string(m.peak) +
              " bytes) is over 1.5 times today's use (" + std::to_string(m.total) +
              " bytes). Fragmentation figures can mislead after a peak; MEMORY PURGE returns free "
              "pages to the system.");
    }
    const size_t rss_over = m.rss > m.total ? m.rss - m.total : 0;
    if (m.fragmentation() > 1.4f && rss_over > 10 * 1024 * 1024) {
      finding("High fragmentation: the process holds " + std::to_string(m.rss) +
              " bytes of RAM for " + std::to_string(m.total) +
              " bytes in use. MEMORY PURGE may return some of it.");
    }
    if (m.replicas && m.clients_replicas / m.replicas > 10 * 1024 * 1024) {
      finding("Big replica buffers: replicas' output buffers average " +
              std::to_string(m.clients_replicas / m.replicas) +
              " bytes each. A replica may be slow or its link congested.");
    }
    if (m.normal_clients && m.clients_normal / m.normal_clients > 200 * 1024) {
      finding("Big client buffers: clients' buffers average " +
              std::to_string(m.clients_normal / m.normal_clients) +
              " bytes each. Clients may be reading replies slowly or sending large pipelines "
              "(see CLIENT LIST, and client-output-buffer-limit).");
    }
    if (ctx.server.scripting && ctx.server.scripting->scripting_info().cached_scripts > 1000) {
      finding("Many scripts: over 1000 EVAL scripts are cached. Scripts built from changing "
              "text each take a cache slot; pass values as arguments, or SCRIPT FLUSH.");
    }
    report = findings.empty()
                 ? "Hi Sam, I can't find any memory issue in your instance. I can only account for "
                   "what occurs on this base.\n"
                 : "Sam, I detected a few issues in this Redis instance memory implants:\n\n" +
                       findings + "I'm here to keep you safe, Sam. I want to help you.\n";
  }
  ctx.reply.Verbatim(report);
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
      "DOCTOR",
      "    Return memory problems reports.",
      "MALLOC-STATS",
      "    Return internal statistics report from the memory allocator.",
      "PURGE",
      "    Attempt to purge dirty pages for reclamation by the allocator.",
      "STATS",
      "    Return information about the memory usage of the server.",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
  });
}

}  // namespace

void RegisterMemoryFamily(CommandTable& table) {
  CommandSpec* memory = table.Add({"memory", -2, 0, 0, 0, 0, nullptr});
  table.AddSubcommand(memory, {"usage", -3, kReadOnly, 2, 2, 1, MemoryUsageCommand});
  table.AddSubcommand(memory, {"stats", 2, 0, 0, 0, 0, MemoryStatsCommand});
  table.AddSubcommand(memory, {"doctor", 2, 0, 0, 0, 0, MemoryDoctorCommand});
  table.AddSubcommand(memory, {"purge", 2, 0, 0, 0, 0, MemoryPurgeCommand});
  table.AddSubcommand(memory, {"malloc-stats", 2, 0, 0, 0, 0, MemoryMallocStatsCommand});
  table.AddSubcommand(memory, {"help", 2, kLoading | kStale, 0, 0, 0, MemoryHelpCommand});
}

}  // namespace bazaar::engine::commands
