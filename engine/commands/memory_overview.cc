#include "engine/commands/memory_overview.h"

#include <unistd.h>

#include <fstream>

#include "engine/commands/client_state.h"
#include "engine/core/memory_accounting.h"
#include "engine/core/memory_usage.h"

namespace bazaar::engine::commands {

size_t ProcessRssBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, rss = 0;
  statm >> pages >> rss;
  return rss * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

float MemoryOverview::dataset_percentage() const {
  return net() ? static_cast<float>(dataset) * 100 / static_cast<float>(net()) : 0;
}

float MemoryOverview::peak_percentage() const {
  return peak ? static_cast<float>(total) * 100 / static_cast<float>(peak) : 0;
}

float MemoryOverview::fragmentation() const {
  return total ? static_cast<float>(rss) / static_cast<float>(total) : 0;
}

MemoryOverview CollectMemoryOverview(CommandContext& ctx) {
  MemoryOverview m;
  m.total = core::UsedMemory();
  m.peak = core::PeakMemory();
  m.startup = core::StartupMemory();
  m.rss = ProcessRssBytes();
  const ReplicationInfo r = ctx.server.replication->replication_info();
  m.replication_backlog = r.backlog_active ? r.backlog_size : 0;
  ctx.server.clients->ForEachClient([&](const ClientState& c) {
    const size_t bytes = core::MallocBlock(sizeof(ClientState)) + c.query_buffer_bytes +
                         c.query_buffer_free + c.output_buffer_bytes;
    (c.is_replica ? m.clients_replicas : m.clients_normal) += bytes;
    ++(c.is_replica ? m.replicas : m.normal_clients);
  });
  m.aof_buffer = ctx.server.persistence->persistence_info().aof.buffer_bytes;
  if (ctx.server.scripting) {
    const ScriptingInfo s = ctx.server.scripting->scripting_info();
    m.lua_caches = s.script_cache_bytes;
    m.functions_caches = s.library_code_bytes;
    m.lua_vm = s.eval_vm_bytes;
  }
  m.overhead_total = m.startup + m.replication_backlog + m.clients_replicas + m.clients_normal +
                     m.aof_buffer + m.lua_caches + m.functions_caches;
  for (int db = 0; db < ctx.keyspace.num_dbs(); ++db) {
    const size_t keys = ctx.keyspace.DbSize(db);
    if (keys == 0) continue;
    m.keys += keys;
    MemoryOverview::DbTables t;
    t.db = db;
    t.main = ctx.keyspace.KeysTableOverhead(db);
    t.expires = ctx.keyspace.ExpiresTableOverhead(db);
    m.overhead_total += t.main + t.expires;
    m.dbs.push_back(t);
  }
  m.dataset = m.total > m.overhead_total ? m.total - m.overhead_total : 0;
  return m;
}

}  // namespace bazaar::engine::commands
