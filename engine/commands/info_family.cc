// INFO [section ...] with Redis's section and field names, plus our own "transactions" section:
// EXEC outcomes and the watched keys whose changes aborted the most transactions.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/dispatcher.h"
#include "engine/commands/families.h"
#include "engine/commands/memory_overview.h"
#include "engine/commands/migrate_sockets.h"
#include "engine/commands/replica_quorum.h"

namespace bazaar::engine::commands {
namespace {

constexpr size_t kTopAbortingKeys = 10;

std::string HumanBytes(uint64_t n) {
  const char* units[] = {"B", "K", "M", "G", "T"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? absl::StrFormat("%dB", n) : absl::StrFormat("%.2f%s", v, units[u]);
}

// Quotes a key the way Redis's sdscatrepr does, so a field never breaks a line.
std::string QuoteKey(std::string_view key) {
  std::string out = "\"";
  for (unsigned char c : key) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(c);
    } else {
      out += absl::StrFormat("\\x%02x", c);
    }
  }
  return out + "\"";
}

struct InfoWriter {
  std::string text;
  void Section(const char* name) {
    if (!text.empty()) text += "\r\n";
    text += absl::StrFormat("# %s\r\n", name);
  }
  template <typename T>
  void Field(std::string_view name, const T& value) {
    text += absl::StrCat(absl::string_view(name.data(), name.size()), ":", value, "\r\n");
  }
};

void ServerSection(CommandContext& ctx, InfoWriter& w) {
  utsname uts;
  uname(&uts);
  const int64_t now = ctx.keyspace.now_ms();
  const int64_t uptime = (now - ctx.server.stats.start_time_ms) / 1000;
  w.Section("Server");
  w.Field("redis_version", "7.0.15");
  w.Field("bazaar_version", "0.1.0");
  w.Field("redis_git_sha1", "00000000");
  w.Field("redis_git_dirty", 0);
  w.Field("redis_mode", "standalone");
  w.Field("os", absl::StrCat(uts.sysname, " ", uts.release, " ", uts.machine));
  w.Field("arch_bits", 64);
  w.Field("monotonic_clock", "POSIX clock_gettime");
  w.Field("multiplexing_api", "epoll");
  w.Field("gcc_version",
          absl::StrFormat("%d.%d.%d", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__));
  w.Field("process_id", static_cast<int64_t>(getpid()));
  w.Field("process_supervised", "no");
  w.Field("run_id", ctx.server.control->run_id());
  w.Field("tcp_port", ctx.server.options.port);
  w.Field("server_time_usec", now * 1000);
  w.Field("uptime_in_seconds", uptime);
  w.Field("uptime_in_days", uptime / 86400);
  w.Field("hz", ctx.server.options.hz);
  w.Field("configured_hz", ctx.server.options.hz);
  w.Field("lru_clock", (now / 1000) & ((1 << 24) - 1));  // Redis's 24-bit seconds clock
  w.Field("executable", ctx.server.control->executable());
  w.Field("config_file", ctx.server.control->config_file());
  w.Field("io_threads_active", 0);
}

void ClientsSection(CommandContext& ctx, InfoWriter& w) {
  w.Section("Clients");
  size_t max_input = 0, max_output = 0;
  ctx.server.clients->ForEachClient([&](const ClientState& c) {
    max_input = std::max(max_input, c.query_buffer_bytes + c.query_buffer_free);
    max_output = std::max(max_output, c.output_buffer_bytes);
  });
  w.Field("connected_clients", ctx.server.clients->client_count());
  w.Field("cluster_connections", 0);
  w.Field("maxclients", ctx.server.options.maxclients);
  // Redis keeps these over the last few seconds; ours are the largest buffers right now.
  w.Field("client_recent_max_input_buffer", max_input);
  w.Field("client_recent_max_output_buffer", max_output);
  w.Field("blocked_clients", ctx.server.blocking->blocked_client_count());
  const TrackingControl::Figures tracking =
      ctx.server.tracking ? ctx.server.tracking->figures() : TrackingControl::Figures();
  w.Field("tracking_clients", tracking.clients);
  w.Field("clients_in_timeout_table", 0);
}

void MemorySection(CommandContext& ctx, InfoWriter& w) {
  const MemoryOverview m = CollectMemoryOverview(ctx);
  const uint64_t used = m.total, peak = m.peak, rss = m.rss;
  w.Section("Memory");
  w.Field("used_memory", used);
  w.Field("used_memory_human", HumanBytes(used));
  w.Field("used_memory_rss", rss);
  w.Field("used_memory_rss_human", HumanBytes(rss));
  w.Field("used_memory_peak", peak);
  w.Field("used_memory_peak_human", HumanBytes(peak));
  w.Field("used_memory_peak_perc", absl::StrFormat("%.2f%%", m.peak_percentage()));
  w.Field("used_memory_overhead", m.overhead_total);
  w.Field("used_memory_startup", m.startup);
  w.Field("used_memory_dataset", m.dataset);
  w.Field("used_memory_dataset_perc", absl::StrFormat("%.2f%%", m.dataset_percentage()));
  const uint64_t system =
      static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  w.Field("total_system_memory", system);
  w.Field("total_system_memory_human", HumanBytes(system));
  const ScriptingInfo scripts =
      ctx.server.scripting ? ctx.server.scripting->scripting_info() : ScriptingInfo{};
  w.Field("used_memory_lua", scripts.eval_vm_bytes);
  w.Field("number_of_cached_scripts", scripts.cached_scripts);
  w.Field("number_of_functions", scripts.functions);
  w.Field("number_of_libraries", scripts.libraries);
  const auto maxmemory = static_cast<uint64_t>(ctx.server.options.maxmemory);
  w.Field("maxmemory", maxmemory);
  w.Field("maxmemory_human", HumanBytes(maxmemory));
  w.Field("maxmemory_policy", ctx.server.options.maxmemory_policy);
  w.Field("mem_fragmentation_ratio", absl::StrFormat("%.2f", m.fragmentation()));
  w.Field("mem_fragmentation_bytes", static_cast<int64_t>(rss) - static_cast<int64_t>(used));
  // Eviction weighs all used memory: no buffer is left out of it.
  w.Field("mem_not_counted_for_evict", 0);
  w.Field("mem_replication_backlog", m.replication_backlog);
  w.Field("mem_clients_slaves", m.clients_replicas);
  w.Field("mem_clients_normal", m.clients_normal);
  w.Field("mem_aof_buffer", m.aof_buffer);
  w.Field("mem_allocator", "libc");
  // Frees are synchronous (UNLINK, FLUSHALL ASYNC included) and there is no defragmenter.
  w.Field("active_defrag_running", 0);
  w.Field("lazyfree_pending_objects", 0);
  w.Field("lazyfreed_objects", 0);
}

void PersistenceSection(CommandContext& ctx, InfoWriter& w) {
  const persistence::PersistenceInfo p = ctx.server.persistence->persistence_info();
  w.Section("Persistence");
  w.Field("loading", 0);
  w.Field("async_loading", 0);
  w.Field("rdb_changes_since_last_save", p.rdb.changes_since_last_save);
  w.Field("rdb_bgsave_in_progress", p.rdb.bgsave_in_progress ? 1 : 0);
  w.Field("rdb_last_save_time", p.rdb.last_save_time);
  w.Field("rdb_last_bgsave_status", p.rdb.last_bgsave_ok ? "ok" : "err");
  w.Field("rdb_last_bgsave_time_sec", p.rdb.last_bgsave_seconds);
  w.Field("rdb_current_bgsave_time_sec", p.rdb.current_bgsave_seconds);
  w.Field("rdb_saves", p.rdb.saves);
  w.Field("rdb_last_load_keys_expired", p.rdb.last_load_keys_expired);
  w.Field("rdb_last_load_keys_loaded", p.rdb.last_load_keys_loaded);
  w.Field("aof_enabled", p.aof.enabled ? 1 : 0);
  w.Field("aof_rewrite_in_progress", p.aof.rewrite_in_progress ? 1 : 0);
  w.Field("aof_rewrite_scheduled", p.aof.rewrite_scheduled ? 1 : 0);
  w.Field("aof_last_rewrite_time_sec", p.aof.last_rewrite_seconds);
  w.Field("aof_current_rewrite_time_sec", p.aof.current_rewrite_seconds);
  w.Field("aof_last_bgrewrite_status", p.aof.last_rewrite_ok ? "ok" : "err");
  w.Field("aof_rewrites", p.aof.rewrites);
  w.Field("aof_rewrites_consecutive_failures", p.aof.rewrites_consecutive_failures);
  w.Field("aof_last_write_status", p.aof.last_write_ok ? "ok" : "err");
  if (p.aof.enabled) {
    w.Field("aof_current_size", p.aof.current_size);
    w.Field("aof_base_size", p.aof.base_size);
    w.Field("aof_pending_bio_fsync", p.aof.pending_fsync ? 1 : 0);
    w.Field("aof_delayed_fsync", p.aof.delayed_fsync);
  }
}

void StatsSection(CommandContext& ctx, InfoWriter& w) {
  const ServerStats& s = ctx.server.stats;
  const core::KeyspaceStats& k = ctx.keyspace.stats();
  w.Section("Stats");
  w.Field("total_connections_received", s.total_connections_received);
  w.Field("total_commands_processed", s.total_commands_processed);
  w.Field("instantaneous_ops_per_sec",
          static_cast<int64_t>(ctx.server.control->instantaneous_ops_per_sec()));
  w.Field("total_net_input_bytes", s.total_net_input_bytes);
  w.Field("total_net_output_bytes", s.total_net_output_bytes);
  w.Field("rejected_connections", s.rejected_connections);
  w.Field("sync_full", s.sync_full);
  w.Field("sync_partial_ok", s.sync_partial_ok);
  w.Field("sync_partial_err", s.sync_partial_err);
  w.Field("expired_keys", k.expired_keys);
  // No MIGRATE, defragmentation, RESTORE sanitizing or I/O threads here: their counters are
  // truly zero.
  w.Field("evicted_keys", k.evicted_keys);
  w.Field("evicted_clients", 0);
  w.Field("total_eviction_exceeded_time", 0);
  w.Field("current_eviction_exceeded_time", 0);
  w.Field("keyspace_hits", k.keyspace_hits);
  w.Field("keyspace_misses", k.keyspace_misses);
  PubSubControl* pubsub = ctx.server.pubsub;
  w.Field("pubsub_channels", pubsub ? pubsub->ChannelCount(false) : 0);
  w.Field("pubsub_patterns", pubsub ? pubsub->PatternCount() : 0);
  w.Field("pubsubshard_channels", pubsub ? pubsub->ChannelCount(true) : 0);
  w.Field("latest_fork_usec", ctx.server.persistence->persistence_info().rdb.latest_fork_usec);
  w.Field("total_forks", ctx.server.persistence->persistence_info().total_forks);
  w.Field("migrate_cached_sockets", ctx.server.migrate ? ctx.server.migrate->size() : 0);
  w.Field("slave_expires_tracked_keys", 0);
  w.Field("active_defrag_hits", 0);
  w.Field("active_defrag_misses", 0);
  w.Field("active_defrag_key_hits", 0);
  w.Field("active_defrag_key_misses", 0);
  w.Field("total_active_defrag_time", 0);
  w.Field("current_active_defrag_time", 0);
  const TrackingControl::Figures tracking =
      ctx.server.tracking ? ctx.server.tracking->figures() : TrackingControl::Figures();
  w.Field("tracking_total_keys", tracking.keys);
  w.Field("tracking_total_items", tracking.items);
  w.Field("tracking_total_prefixes", tracking.prefixes);
  w.Field("total_error_replies", s.total_error_replies);
  w.Field("dump_payload_sanitizations", 0);
  w.Field("total_reads_processed", s.total_commands_processed);
  w.Field("io_threaded_reads_processed", 0);
  w.Field("io_threaded_writes_processed", 0);
  w.Field("client_query_buffer_limit_disconnections", s.client_query_buffer_limit_disconnections);
  w.Field("protocol_errors", s.protocol_errors);
}

void ReplicationSection(CommandContext& ctx, InfoWriter& w) {
  const ReplicationInfo r = ctx.server.replication->replication_info();
  w.Section("Replication");
  w.Field("role", r.is_replica ? "slave" : "master");
  if (r.is_replica) {
    w.Field("master_host", r.master_host);
    w.Field("master_port", r.master_port);
    w.Field("master_link_status", r.link_up ? "up" : "down");
    w.Field("master_last_io_seconds_ago", r.master_last_io_seconds_ago);
    w.Field("master_sync_in_progress", r.sync_in_progress ? 1 : 0);
    w.Field("slave_read_repl_offset", r.link_up ? r.master_repl_offset : r.slave_repl_offset);
    w.Field("slave_repl_offset", r.link_up ? r.master_repl_offset : r.slave_repl_offset);
    if (r.sync_in_progress) {
      w.Field("master_sync_total_bytes", r.sync_total_bytes);
      w.Field("master_sync_read_bytes", r.sync_read_bytes);
      w.Field("master_sync_left_bytes",
              r.sync_total_bytes < 0 ? -1 : r.sync_total_bytes - r.sync_read_bytes);
    }
    if (!r.link_up) w.Field("master_link_down_since_seconds", r.link_down_since_seconds);
    w.Field("slave_priority", ctx.server.options.replica_priority);
    w.Field("slave_read_only", ctx.server.options.replica_read_only ? 1 : 0);
    w.Field("replica_announced", ctx.server.options.replica_announced ? 1 : 0);
  }
  w.Field("connected_slaves", r.replicas.size());
  if (ReplicaQuorumOn(ctx.server.options)) {
    w.Field("min_slaves_good_slaves", GoodReplicaCount(r, ctx.server.options));
  }
  for (size_t i = 0; i < r.replicas.size(); ++i) {
    const ReplicaInfo& s = r.replicas[i];
    w.Field("slave" + std::to_string(i),
            absl::StrFormat("ip=%s,port=%d,state=%s,offset=%d,lag=%d", s.ip, s.port, s.state,
                            s.offset, s.lag_seconds));
  }
  w.Field("master_failover_state", "no-failover");
  w.Field("master_replid", r.replid);
  w.Field("master_replid2", r.replid2);
  w.Field("master_repl_offset", r.master_repl_offset);
  w.Field("second_repl_offset", r.second_repl_offset);
  w.Field("repl_backlog_active", r.backlog_active ? 1 : 0);
  w.Field("repl_backlog_size", r.backlog_size);
  w.Field("repl_backlog_first_byte_offset", r.backlog_first_byte_offset);
  w.Field("repl_backlog_histlen", r.backlog_histlen);
}

void CpuSection(CommandContext&, InfoWriter& w) {
  rusage self, children;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  auto tv = [](const timeval& t) {
    return absl::StrFormat("%d.%06d", static_cast<int64_t>(t.tv_sec),
                           static_cast<int64_t>(t.tv_usec));
  };
  w.Section("CPU");
  w.Field("used_cpu_sys", tv(self.ru_stime));
  w.Field("used_cpu_user", tv(self.ru_utime));
  w.Field("used_cpu_sys_children", tv(children.ru_stime));
  w.Field("used_cpu_user_children", tv(children.ru_utime));
  rusage main_thread;  // INFO runs on the event-loop thread
  getrusage(RUSAGE_THREAD, &main_thread);
  w.Field("used_cpu_sys_main_thread", tv(main_thread.ru_stime));
  w.Field("used_cpu_user_main_thread", tv(main_thread.ru_utime));
}

void ModulesSection(CommandContext&, InfoWriter& w) { w.Section("Modules"); }

void ErrorStatsSection(CommandContext& ctx, InfoWriter& w) {
  w.Section("Errorstats");
  for (const auto& [prefix, count] : ctx.server.stats.errors_by_prefix) {
    w.Field("errorstat_" + prefix, absl::StrCat("count=", count));
  }
}

void ClusterSection(CommandContext&, InfoWriter& w) {
  w.Section("Cluster");
  w.Field("cluster_enabled", 0);
}

void CommandStatsSection(CommandContext& ctx, InfoWriter& w) {
  w.Section("Commandstats");
  auto emit = [&](const CommandSpec& spec) {
    const CommandStats& s = spec.stats;
    if (s.calls == 0 && s.rejected_calls == 0 && s.failed_calls == 0) return;
    w.Field("cmdstat_" + spec.name,
            absl::StrFormat("calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,"
                            "failed_calls=%d",
                            s.calls, s.usec, s.calls ? static_cast<double>(s.usec) / s.calls : 0.0,
                            s.rejected_calls, s.failed_calls));
  };
  ctx.dispatcher.table().ForEach([&](const CommandSpec& spec) {
    emit(spec);
    for (const auto& sub : spec.subcommands) emit(*sub);
  });
}

// latency-tracking: each called command's percentiles (latency-tracking-info-percentiles), µs.
void LatencyStatsSection(CommandContext& ctx, InfoWriter& w) {
  w.Section("Latencystats");
  const auto& percentiles = ctx.server.options.latency_tracking_info_percentiles;
  auto emit = [&](const CommandSpec& spec) {
    const core::LatencyHistogram& h = spec.stats.latency;
    if (h.empty()) return;
    std::string value;
    for (double p : percentiles) {
      if (!value.empty()) value += ",";
      value += absl::StrFormat("p%s=%.3f", config::FormatPercentile(p),
                               static_cast<double>(h.ValueAtPercentile(p)) / 1000.0);
    }
    w.Field("latency_percentiles_usec_" + spec.name, value);
  };
  ctx.dispatcher.table().ForEach([&](const CommandSpec& spec) {
    emit(spec);
    for (const auto& sub : spec.subcommands) emit(*sub);
  });
}

void KeyspaceSection(CommandContext& ctx, InfoWriter& w) {
  w.Section("Keyspace");
  for (int db = 0; db < ctx.keyspace.num_dbs(); ++db) {
    size_t keys = ctx.keyspace.DbSize(db);
    if (keys == 0) continue;
    w.Field(absl::StrCat("db", db),
            absl::StrFormat("keys=%d,expires=%d,avg_ttl=0", keys, ctx.keyspace.ExpiresCount(db)));
  }
}

void TransactionsSection(CommandContext& ctx, InfoWriter& w) {
  const ServerStats& s = ctx.server.stats;
  w.Section("Transactions");
  w.Field("exec_count", s.exec_count);
  w.Field("exec_aborted_watch", s.exec_aborted_watch);
  w.Field("exec_aborted_error", s.exec_aborted_error);
  w.Field("discard_count", s.discard_count);
  w.Field("watched_keys", ctx.watches.watched_key_count());
  auto top = ctx.watches.TopAbortingKeys(kTopAbortingKeys);
  for (size_t i = 0; i < top.size(); ++i) {
    w.Field(
        absl::StrCat("top_aborting_key_", i),
        absl::StrFormat("db=%d,key=%s,aborts=%d", top[i].db, QuoteKey(top[i].key), top[i].aborts));
  }
  auto classes = ctx.watches.AbortsByKeyClass();
  for (size_t i = 0; i < classes.size(); ++i) {
    w.Field(
        absl::StrCat("aborting_key_class_", i),
        absl::StrFormat("class=%s,aborts=%d", QuoteKey(classes[i].key_class), classes[i].aborts));
  }
}

struct Section {
  const char* name;
  bool in_default;
  void (*write)(CommandContext&, InfoWriter&);
};

constexpr Section kSections[] = {
    {"server", true, ServerSection},
    {"clients", true, ClientsSection},
    {"memory", true, MemorySection},
    {"persistence", true, PersistenceSection},
    {"stats", true, StatsSection},
    {"replication", true, ReplicationSection},
    {"cpu", true, CpuSection},
    {"modules", true, ModulesSection},
    {"commandstats", false, CommandStatsSection},
    {"errorstats", true, ErrorStatsSection},
    {"latencystats", false, LatencyStatsSection},
    {"cluster", true, ClusterSection},
    {"keyspace", true, KeyspaceSection},
    {"transactions", true, TransactionsSection},
};

void InfoCommand(CommandContext& ctx, Args args) {
  bool all = false, everything_default = args.size() == 1;
  std::vector<std::string> wanted;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string s = absl::AsciiStrToLower(std::string(args[i]));
    if (s == "all" || s == "everything")
      all = true;
    else if (s == "default")
      everything_default = true;
    else
      wanted.push_back(s);
  }
  InfoWriter w;
  for (const Section& section : kSections) {
    bool pick = all || (everything_default && section.in_default) ||
                std::find(wanted.begin(), wanted.end(), section.name) != wanted.end();
    if (pick) section.write(ctx, w);
  }
  ctx.reply.Verbatim(w.text);
}

}  // namespace

void RegisterInfoFamily(CommandTable& table) {
  table.Add({"info", -1, kLoading | kStale, 0, 0, 0, InfoCommand});
}

}  // namespace bazaar::engine::commands
