// CLUSTER (every subcommand), READONLY, READWRITE and ASKING, as Redis 7.0 answers them when
// started without cluster-enabled, which bazaar-engine always is: the dispatcher applies each
// subcommand's arity and flags (CLUSTER RESET is refused inside scripts), then the handler says
// cluster support is disabled. Clients probe these to tell a cluster from a single server.
#include "engine/commands/command_context.h"
#include "engine/commands/families.h"

namespace bazaar::engine::commands {
namespace {

void ClusterDisabled(CommandContext& ctx, Args) {
  ctx.reply.Error("ERR This instance has cluster support disabled");
}

}  // namespace

void RegisterClusterFamily(CommandTable& table) {
  const uint32_t kAdminStale = kAdmin | kStale;
  const uint32_t kAdminStaleSync = kAdminStale | kNoAsyncLoading;
  struct Sub {
    const char* name;
    int arity;
    uint32_t flags;
  };
  static constexpr Sub kSubs[] = {
      {"addslots", -3, kAdminStaleSync},
      {"addslotsrange", -4, kAdminStaleSync},
      {"bumpepoch", 2, kAdminStaleSync},
      {"count-failure-reports", 3, kAdminStale},
      {"countkeysinslot", 3, kStale},
      {"delslots", -3, kAdminStaleSync},
      {"delslotsrange", -4, kAdminStaleSync},
      {"failover", -2, kAdminStaleSync},
      {"flushslots", 2, kAdminStaleSync},
      {"forget", 3, kAdminStaleSync},
      {"getkeysinslot", 4, kStale},
      {"help", 2, kLoading | kStale},
      {"info", 2, kStale},
      {"keyslot", 3, kStale},
      {"links", 2, kStale},
      {"meet", -4, kAdminStaleSync},
      {"myid", 2, kStale},
      {"nodes", 2, kStale},
      {"replicas", 3, kAdminStale},
      {"replicate", 3, kAdminStaleSync},
      {"reset", -2, kAdminStale | kNoScript},
      {"saveconfig", 2, kAdminStaleSync},
      {"set-config-epoch", 3, kAdminStaleSync},
      {"setslot", -4, kAdminStaleSync},
      {"shards", 2, kStale},
      {"slaves", 3, kAdminStale},
      {"slots", 2, kStale},
  };
  CommandSpec* cluster = table.Add({"cluster", -2, 0, 0, 0, 0, nullptr});
  for (const Sub& s : kSubs) {
    table.AddSubcommand(cluster, {s.name, s.arity, s.flags, 0, 0, 0, ClusterDisabled});
  }
  table.Add({"asking", 1, kFast, 0, 0, 0, ClusterDisabled});
  table.Add({"readonly", 1, kLoading | kStale | kFast, 0, 0, 0, ClusterDisabled});
  table.Add({"readwrite", 1, kLoading | kStale | kFast, 0, 0, 0, ClusterDisabled});
}

}  // namespace bazaar::engine::commands
