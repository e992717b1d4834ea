// Where the engine's memory goes, as MEMORY STATS, MEMORY DOCTOR and INFO memory report it:
// Redis's breakdown of used_memory into a fixed overhead (the empty server, buffers, caches, the
// key tables) and the dataset, plus the process's RSS. The engine runs on glibc's malloc, which
// has no allocator statistics, so the allocator figures are derived as Redis derives them when
// its allocator gives none (active = resident = RSS less Lua's heap, allocated = used_memory).
// Collected on the loop thread, on request.
#ifndef BAZAAR_ENGINE_COMMANDS_MEMORY_OVERVIEW_H_
#define BAZAAR_ENGINE_COMMANDS_MEMORY_OVERVIEW_H_

#include <cstddef>
#include <vector>

#include "engine/commands/command_context.h"

namespace bazaar::engine::commands {

struct MemoryOverview {
  size_t peak = 0;
  size_t total = 0;    // used_memory
  size_t startup = 0;  // used_memory of the set-up server before it loaded data
  size_t replication_backlog = 0;
  size_t clients_replicas = 0;  // replicas' buffers and client state
  size_t clients_normal = 0;    // every other client's
  size_t replicas = 0, normal_clients = 0;  // how many of each
  size_t aof_buffer = 0;
  size_t lua_caches = 0;
  size_t functions_caches = 0;
  struct DbTables {
    int db = 0;
    size_t main = 0;     // the key table's buckets and entries
    size_t expires = 0;  // the expiry table's
  };
  std::vector<DbTables> dbs;  // databases holding keys only, as Redis lists them
  size_t overhead_total = 0;
  size_t keys = 0;
  size_t dataset = 0;  // total - overhead_total
  size_t lua_vm = 0;
  size_t rss = 0;

  size_t net() const { return total > startup ? total - startup : 0; }
  size_t bytes_per_key() const { return keys ? net() / keys : 0; }
  // Ratios as Redis computes them, in single precision (it keeps them as floats).
  float dataset_percentage() const;
  float peak_percentage() const;
  size_t allocator_resident() const { return rss > lua_vm ? rss - lua_vm : 0; }
  float fragmentation() const;  // rss / used_memory
};

MemoryOverview CollectMemoryOverview(CommandContext& ctx);

// /proc/self/statm's resident set, in bytes.
size_t ProcessRssBytes();

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_MEMORY_OVERVIEW_H_
