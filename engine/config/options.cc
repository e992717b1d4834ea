#include "engine/config/options.h"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <climits>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/core/keyspace_events.h"

namespace bazaar::engine::config {
namespace {

bool ParseBool(const std::string& s, bool* out) {
  std::string l = absl::AsciiStrToLower(s);
  if (l == "yes") *out = true;
  else if (l == "no") *out = false;
  else return false;
  return true;
}

std::string IntToString(int64_t v) { return std::to_string(v); }

OptionSpec IntOption(std::string name, int64_t Options::*field, int64_t min, int64_t max,
                     bool runtime = true, bool memory = false) {
  return OptionSpec{
      name, runtime, false,
      [field](const Options& o) { return IntToString(o.*field); },
      [field, min, max, memory](Options& o, const std::vector<std::string>& args) -> std::string {
        int64_t v;
        if (memory) {
          if (!ParseMemory(args[0], &v)) return "argument must be a memory value";
        } else if (!absl::SimpleAtoi(args[0], &v)) {
          return "argument couldn't be parsed into an integer";
        }
        if (v < min || v > max) {
          return "argument must be between " + IntToString(min) + " and " + IntToString(max) +
                 " inclusive";
        }
        o.*field = v;
        return "";
      }};
}

OptionSpec BoolOption(std::string name, bool Options::*field, bool runtime = true) {
  return OptionSpec{name, runtime, false,
                    [field](const Options& o) { return std::string(o.*field ? "yes" : "no"); },
                    [field](Options& o, const std::vector<std::string>& args) -> std::string {
                      bool v;
                      if (!ParseBool(args[0], &v)) return "argument must be 'yes' or 'no'";
                      o.*field = v;
                      return "";
                    }};
}

OptionSpec StringOption(std::string name, std::string Options::*field, bool runtime = true) {
  return OptionSpec{name, runtime, false, [field](const Options& o) { return o.*field; },
                    [field](Options& o, const std::vector<std::string>& args) -> std::string {
                      o.*field = args[0];
                      return "";
                    }};
}

// A file or directory name inside `dir`: never a path (Redis's pathIsBaseName).
OptionSpec BaseNameOption(std::string name, std::string Options::*field, const char* what,
                          bool runtime = true) {
  return OptionSpec{name, runtime, false, [field](const Options& o) { return o.*field; },
                    [field, name, what](Options& o, const std::vector<std::string>& args)
                        -> std::string {
                      if (args[0].find_first_of("/\\") != std::string::npos) {
                        return name + " can't be a path, just a " + what;
                      }
                      o.*field = args[0];
                      return "";
                    }};
}

OptionSpec EnumOption(std::string name, std::string Options::*field,
                      std::vector<std::string> values, bool runtime = true) {
  return OptionSpec{
      name, runtime, false, [field](const Options& o) { return o.*field; },
      [field, values](Options& o, const std::vector<std::string>& args) -> std::string {
        std::string v = absl::AsciiStrToLower(args[0]);
        for (const auto& allowed : values) {
          if (v == allowed) {
            o.*field = v;
            return "";
          }
        }
        return "argument(s) must be one of the following: " + absl::StrJoin(values, ", ");
      }};
}

std::vector<OptionSpec> BuildTable() {
  std::vector<OptionSpec> t;
  // Both take effect at once (the server listens anew), as in Redis.
  t.push_back(IntOption("port", &Options::port, 0, 65535));
  t.push_back(OptionSpec{"bind", true, true,
                         [](const Options& o) { return absl::StrJoin(o.bind, " "); },
                         [](Options& o, const std::vector<std::string>& args) -> std::string {
                           if (args.empty() || args.size() > 16)
                             return "Too many bind addresses specified.";
                           o.bind = args;
                           return "";
                         }});
  t.push_back(BoolOption("protected-mode", &Options::protected_mode));
  t.push_back(StringOption("unixsocket", &Options::unixsocket, /*runtime=*/false));
  t.push_back(IntOption("tls-port", &Options::tls_port, 0, 65535));  // listens anew, as port
  for (auto [name, field] : std::initializer_list<std::pair<const char*, std::string Options::*>>{
           {"tls-cert-file", &Options::tls_cert_file},
           {"tls-key-file", &Options::tls_key_file},
           {"tls-key-file-pass", &Options::tls_key_file_pass},
           {"tls-client-cert-file", &Options::tls_client_cert_file},
           {"tls-client-key-file", &Options::tls_client_key_file},
           {"tls-client-key-file-pass", &Options::tls_client_key_file_pass},
           {"tls-dh-params-file", &Options::tls_dh_params_file},
           {"tls-ca-cert-file", &Options::tls_ca_cert_file},
           {"tls-ca-cert-dir", &Options::tls_ca_cert_dir},
           {"tls-protocols", &Options::tls_protocols},
           {"tls-ciphers", &Options::tls_ciphers},
           {"tls-ciphersuites", &Options::tls_ciphersuites}}) {
    t.push_back(StringOption(name, field));
  }
  t.push_back(
      EnumOption("tls-auth-clients", &Options::tls_auth_clients, {"no", "yes", "optional"}));
  t.push_back(BoolOption("tls-replication", &Options::tls_replication));
  t.push_back(BoolOption("tls-cluster", &Options::tls_cluster));
  t.push_back(BoolOption("tls-prefer-server-ciphers", &Options::tls_prefer_server_ciphers));
  t.push_back(BoolOption("tls-session-caching", &Options::tls_session_caching));
  t.push_back(IntOption("tls-session-cache-size", &Options::tls_session_cache_size, 0, INT_MAX));
  t.push_back(
      IntOption("tls-session-cache-timeout", &Options::tls_session_cache_timeout, 0, INT_MAX));
  t.push_back(OptionSpec{"unixsocketperm", false, false,
                         [](const Options& o) { return absl::StrFormat("%o", o.unixsocketperm); },
                         [](Options& o, const std::vector<std::string>& args) -> std::string {
                           char* end = nullptr;
                           const long mode = strtol(args[0].c_str(), &end, 8);
                           if (args[0].empty() || *end != '\0' || mode < 0 || mode > 0777) {
                             return "argument couldn't be parsed into an integer";
                           }
                           o.unixsocketperm = mode;
                           return "";
                         }});
  t.push_back(StringOption("requirepass", &Options::requirepass));
  t.push_back(OptionSpec{"dir", true, false,
                         [](const Options&) {
                           char buf[4096];
                           return std::string(getcwd(buf, sizeof(buf)) ? buf : "");
                         },
                         [](Options& o, const std::vector<std::string>& args) -> std::string {
                           if (chdir(args[0].c_str()) != 0) return std::string(strerror(errno));
                           o.dir = args[0];
                           return "";
                         },
                         /*protected_config=*/true});
  t.push_back(EnumOption("loglevel", &Options::loglevel,
                         {"debug", "verbose", "notice", "warning"}));
  t.push_back(StringOption("logfile", &Options::logfile, false));
  t.push_back(StringOption("pidfile", &Options::pidfile, false));
  t.push_back(OptionSpec{"daemonize", false, false,
                         [](const Options& o) { return std::string(o.daemonize ? "yes" : "no"); },
                         [](Options& o, const std::vector<std::string>& args) -> std::string {
                           bool v;
                           if (!ParseBool(args[0], &v)) return "argument must be 'yes' or 'no'";
                           if (v) return "daemonize yes is not supported: run under a supervisor";
                           o.daemonize = false;
                           return "";
                         }});
  t.push_back(IntOption("databases", &Options::databases, 1, INT_MAX, false));
  t.push_back(IntOption("maxclients", &Options::maxclients, 1, INT_MAX));
  t.push_back(IntOption("timeout", &Options::timeout, 0, INT_MAX));
  t.push_back(IntOption("tcp-keepalive", &Options::tcp_keepalive, 0, INT_MAX));
  t.push_back(IntOption("tcp-backlog", &Options::tcp_backlog, 0, INT_MAX, false));
  t.push_back(IntOption("proto-max-bulk-len", &Options::proto_max_bulk_len, 1024 * 1024,
                        LLONG_MAX, true, true));
  t.push_back(IntOption("client-query-buffer-limit", &Options::client_query_buffer_limit,
                        1024 * 1024, LLONG_MAX, true, true));
  t.push_back(EnumOption("enable-debug-command", &Options::enable_debug_command,
                         {"no", "yes", "local"}, false));
  t.push_back(EnumOption("enable-protected-configs", &Options::enable_protected_configs,
                         {"no", "yes", "local"}, false));
  t.push_back(EnumOption("enable-module-command", &Options::enable_module_command,
                         {"no", "yes", "local"}, false));
  t.push_back(EnumOption("propagation-error-behavior", &Options::propagation_error_behavior,
                         {"ignore", "panic", "panic-on-replicas"}));
  t.push_back(BoolOption("always-show-logo", &Options::always_show_logo, false));
  t.push_back(BoolOption("activerehashing", &Options::activerehashing));
  t.push_back(IntOption("hz", &Options::hz, 1, 500));
  t.push_back(OptionSpec{"save", true, true, [](const Options& o) { return o.save; },
                         [](Options& o, const std::vector<std::string>& args) -> std::string {
                           // "save ''" turns snapshots off; otherwise pairs of positive ints.
                           if (args.size() == 1 && args[0].empty()) {
                             o.save.clear();
                             return "";
                           }
                           // "--save '3600 1'" arrives as one argument, as Redis allows.
                           std::vector<std::string> words;
                           for (const auto& a : args) {
                             for (auto w : absl::StrSplit(a, ' ', absl::SkipEmpty())) {
                               words.emplace_back(w);
                             }
                           }
                           if (words.size() % 2) return "Invalid save parameters";
                           std::string joined;
                           for (const auto& a : words) {
                             int64_t v;
                             if (!absl::SimpleAtoi(a, &v) || v < 0) {
                               return "Invalid save parameters";
                             }
                             joined += (joined.empty() ? "" : " ") + std::to_string(v);
                           }
                           o.save = joined;
                           return "";
                         }});
  OptionSpec dbfilename = BaseNameOption("dbfilename", &Options::dbfilename, "filename");
  dbfilename.protected_config = true;
  t.push_back(dbfilename);
  t.push_back(BoolOption("rdbcompression", &Options::rdbcompression));
  t.push_back(BoolOption("rdbchecksum", &Options::rdbchecksum, false));
  t.push_back(BoolOption("stop-writes-on-bgsave-error", &Options::stop_writes_on_bgsave_error));
  t.push_back(EnumOption("sanitize-dump-payload", &Options::sanitize_dump_payload,
                         {"no", "yes", "clients"}));
  t.push_back(BoolOption("appendonly", &Options::appendonly));
  t.push_back(BaseNameOption("appendfilename", &Options::appendfilename, "filename", false));
  t.push_back(BaseNameOption("appenddirname", &Options::appenddirname, "dirname", false));
  t.push_back(EnumOption("appendfsync", &Options::appendfsync, {"always", "everysec", "no"}));
  t.push_back(BoolOption("aof-use-rdb-preamble", &Options::aof_use_rdb_preamble));
  t.push_back(BoolOption("aof-load-truncated", &Options::aof_load_truncated));
  t.push_back(BoolOption("no-appendfsync-on-rewrite", &Options::no_appendfsync_on_rewrite));
  t.push_back(IntOption("auto-aof-rewrite-percentage", &Options::auto_aof_rewrite_percentage, 0,
                        INT_MAX));
  t.push_back(IntOption("auto-aof-rewrite-min-size", &Options::auto_aof_rewrite_min_size, 0,
                        LLONG_MAX, true, true));
  OptionSpec replicaof{"replicaof", false, true, [](const Options& o) { return o.replicaof; },
                         [](Options& o, const std::vector<std::string>& args) -> std::string {
                           int64_t port;
                           if (args.size() != 2) return "wrong number of arguments";
                           if (!absl::SimpleAtoi(args[1], &port) || port < 0 || port > 65535) {
                             return "Invalid master port";
                           }
                           o.replicaof = args[0] + " " + args[1];
                           return "";
                         }};
  t.push_back(replicaof);
  replicaof.name = "slaveof";
  replicaof.alias_of = "replicaof";
  t.push_back(replicaof);
  t.push_back(StringOption("masterauth", &Options::masterauth));
  t.push_back(StringOption("masteruser", &Options::masteruser));
  t.push_back(StringOption("aclfile", &Options::aclfile, /*runtime=*/false));
  t.push_back(EnumOption("acl-pubsub-default", &Options::acl_pubsub_default,
                         {"allchannels", "resetchannels"}));
  // Redis keeps the old "slave-" names as aliases of the "replica-" ones.
  for (const char* name : {"replica-read-only", "slave-read-only"}) {
    t.push_back(BoolOption(name, &Options::replica_read_only));
    if (std::string(name) != "replica-read-only") t.back().alias_of = "replica-read-only";
  }
  for (const char* name : {"replica-serve-stale-data", "slave-serve-stale-data"}) {
    t.push_back(BoolOption(name, &Options::replica_serve_stale_data));
    if (std::string(name) != "replica-serve-stale-data") t.back().alias_of = "replica-serve-stale-data";
  }
  t.push_back(IntOption("repl-backlog-size", &Options::repl_backlog_size, 1, LLONG_MAX, true,
                        true));
  t.push_back(BoolOption("repl-diskless-sync", &Options::repl_diskless_sync));
  t.push_back(IntOption("repl-diskless-sync-delay", &Options::repl_diskless_sync_delay, 0,
                        INT_MAX));
  t.push_back(EnumOption("repl-diskless-load", &Options::repl_diskless_load,
                         {"disabled", "on-empty-db", "swapdb"}));
  for (const char* name : {"repl-ping-replica-period", "repl-ping-slave-period"}) {
    t.push_back(IntOption(name, &Options::repl_ping_replica_period, 1, INT_MAX));
    if (std::string(name) != "repl-ping-replica-period") t.back().alias_of = "repl-ping-replica-period";
  }
  t.push_back(IntOption("repl-timeout", &Options::repl_timeout, 1, INT_MAX));
  for (const char* name : {"replica-priority", "slave-priority"}) {
    t.push_back(IntOption(name, &Options::replica_priority, 0, INT_MAX));
    if (std::string(name) != "replica-priority") t.back().alias_of = "replica-priority";
  }
  t.push_back(BoolOption("replica-announced", &Options::replica_announced));
  for (const char* name : {"replica-announce-ip", "slave-announce-ip"}) {
    t.push_back(StringOption(name, &Options::replica_announce_ip));
    if (std::string(name) != "replica-announce-ip") t.back().alias_of = "replica-announce-ip";
  }
  for (const char* name : {"replica-announce-port", "slave-announce-port"}) {
    t.push_back(IntOption(name, &Options::replica_announce_port, 0, 65535));
    if (std::string(name) != "replica-announce-port") t.back().alias_of = "replica-announce-port";
  }
  for (const char* name : {"min-replicas-to-write", "min-slaves-to-write"}) {
    t.push_back(IntOption(name, &Options::min_replicas_to_write, 0, INT_MAX));
    if (std::string(name) != "min-replicas-to-write") t.back().alias_of = "min-replicas-to-write";
  }
  for (const char* name : {"min-replicas-max-lag", "min-slaves-max-lag"}) {
    t.push_back(IntOption(name, &Options::min_replicas_max_lag, 0, INT_MAX));
    if (std::string(name) != "min-replicas-max-lag") t.back().alias_of = "min-replicas-max-lag";
  }
  // Encodings: Redis 7.0 names first, then the *-ziplist-* aliases it still accepts.
  for (const char* name : {"hash-max-listpack-entries", "hash-max-ziplist-entries"}) {
    t.push_back(IntOption(name, &Options::hash_max_listpack_entries, 0, LLONG_MAX));
    if (std::string(name) != "hash-max-listpack-entries") t.back().alias_of = "hash-max-listpack-entries";
  }
  for (const char* name : {"hash-max-listpack-value", "hash-max-ziplist-value"}) {
    t.push_back(IntOption(name, &Options::hash_max_listpack_value, 0, LLONG_MAX, true, true));
    if (std::string(name) != "hash-max-listpack-value") t.back().alias_of = "hash-max-listpack-value";
  }
  for (const char* name : {"zset-max-listpack-entries", "zset-max-ziplist-entries"}) {
    t.push_back(IntOption(name, &Options::zset_max_listpack_entries, 0, LLONG_MAX));
    if (std::string(name) != "zset-max-listpack-entries") t.back().alias_of = "zset-max-listpack-entries";
  }
  for (const char* name : {"zset-max-listpack-value", "zset-max-ziplist-value"}) {
    t.push_back(IntOption(name, &Options::zset_max_listpack_value, 0, LLONG_MAX, true, true));
    if (std::string(name) != "zset-max-listpack-value") t.back().alias_of = "zset-max-listpack-value";
  }
  t.push_back(IntOption("set-max-intset-entries", &Options::set_max_intset_entries, 0, LLONG_MAX));
  t.push_back(IntOption("stream-node-max-bytes", &Options::stream_node_max_bytes, 0, LLONG_MAX,
                        true, true));
  t.push_back(
      IntOption("stream-node-max-entries", &Options::stream_node_max_entries, 0, LLONG_MAX));
  for (const char* name : {"list-max-listpack-size", "list-max-ziplist-size"}) {
    t.push_back(IntOption(name, &Options::list_max_listpack_size, INT_MIN, INT_MAX));
    if (std::string(name) != "list-max-listpack-size") t.back().alias_of = "list-max-listpack-size";
  }
  t.push_back(IntOption("list-compress-depth", &Options::list_compress_depth, 0, INT_MAX));
  t.push_back(IntOption("maxmemory", &Options::maxmemory, 0, LLONG_MAX, true, true));
  t.push_back(EnumOption("maxmemory-policy", &Options::maxmemory_policy,
                         {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
                          "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"}));
  t.push_back(IntOption("maxmemory-samples", &Options::maxmemory_samples, 1, INT_MAX));
  // How long (ms) a script runs before other clients get -BUSY; lua-time-limit is the old name.
  for (const char* name : {"busy-reply-threshold", "lua-time-limit"}) {
    t.push_back(IntOption(name, &Options::busy_reply_threshold, 0, LLONG_MAX));
    if (std::string(name) != "busy-reply-threshold") t.back().alias_of = "busy-reply-threshold";
  }
  t.push_back(OptionSpec{"maxmemory-clients", true, false,
                         [](const Options& o) { return o.maxmemory_clients; },
                         [](Options& o, const std::vector<std::string>& args) -> std::string {
                           const std::string& v = args[0];
                           int64_t n;
                           if (!v.empty() && v.back() == '%') {
                             if (!absl::SimpleAtoi(v.substr(0, v.size() - 1), &n) || n < 0) {
                               return "argument must be a memory or percent value";
                             }
                             if (n > 100) return "percentage argument must be less or equal to 100";
                             o.maxmemory_clients = std::to_string(n) + "%";
                             return "";
                           }
                           if (!ParseMemory(v, &n) || n < 0) {
                             return "argument must be a memory or percent value";
                           }
                           o.maxmemory_clients = std::to_string(n);
                           return "";
                         }});
  t.push_back(IntOption("maxmemory-eviction-tenacity", &Options::maxmemory_eviction_tenacity, 0,
                        100));
  for (const char* name : {"replica-ignore-maxmemory", "slave-ignore-maxmemory"}) {
    t.push_back(BoolOption(name, &Options::replica_ignore_maxmemory));
    if (std::string(name) != "replica-ignore-maxmemory") t.back().alias_of = "replica-ignore-maxmemory";
  }
  t.push_back(IntOption("lfu-log-factor", &Options::lfu_log_factor, 0, INT_MAX));
  t.push_back(IntOption("lfu-decay-time", &Options::lfu_decay_time, 0, INT_MAX));
  t.push_back(OptionSpec{
      "notify-keyspace-events", true, false,
      [](const Options& o) { return core::events::FormatClasses(o.notify_keyspace_events); },
      [](Options& o, const std::vector<std::string>& args) -> std::string {
        std::optional<int> classes = core::events::ParseClasses(args[0]);
        if (!classes) return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
        o.notify_keyspace_events = *classes;
        return "";
      }});
  t.push_back(IntOption("tracking-table-max-keys", &Options::tracking_table_max_keys, 0,
                        LLONG_MAX));
  t.push_back(IntOption("hll-sparse-max-bytes", &Options::hll_sparse_max_bytes, 0, LLONG_MAX,
                        true, true));
  t.push_back(IntOption("slowlog-log-slower-than", &Options::slowlog_log_slower_than, -1,
                        LLONG_MAX));
  t.push_back(IntOption("slowlog-max-len", &Options::slowlog_max_len, 0, LLONG_MAX));
  t.push_back(IntOption("acllog-max-len", &Options::acllog_max_len, 0, LLONG_MAX));
  t.push_back(IntOption("latency-monitor-threshold", &Options::latency_monitor_threshold, 0,
                        LLONG_MAX));
  t.push_back(BoolOption("latency-tracking", &Options::latency_tracking));
  t.push_back(OptionSpec{
      "latency-tracking-info-percentiles", true, true,
      [](const Options& o) {
        std::vector<std::string> words;
        for (double p : o.latency_tracking_info_percentiles) words.push_back(FormatPercentile(p));
        return absl::StrJoin(words, " ");
      },
      [](Options& o, const std::vector<std::string>& args) -> std::string {
        std::vector<double> percentiles;
        for (const auto& a : args) {
          for (auto w : absl::StrSplit(a, ' ', absl::SkipEmpty())) {
            std::string word(w);
            char* end = nullptr;
            double p = std::strtod(word.c_str(), &end);
            if (end == word.c_str() || *end != '\0') {
              return "Invalid latency-tracking-info-percentiles parameters";
            }
            if (p < 0 || p > 100) {
              return "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
            }
            percentiles.push_back(p);
          }
        }
        o.latency_tracking_info_percentiles = std::move(percentiles);
        return "";
      }});
  t.push_back(OptionSpec{
      "client-output-buffer-limit", true, true,
      [](const Options& o) {
        auto text = [](const char* name, const OutputBufferLimit& l) {
          return absl::StrCat(name, " ", l.hard, " ", l.soft, " ", l.soft_seconds);
        };
        return absl::StrJoin({text("normal", o.normal_output_limit),
                              text("slave", o.replica_output_limit),
                              text("pubsub", o.pubsub_output_limit)},
                             " ");
      },
      [](Options& o, const std::vector<std::string>& args) -> std::string {
        // "class hard soft seconds" groups; one argument may hold them all, as in Redis.
        std::vector<std::string> words;
        for (const auto& a : args) {
          for (auto w : absl::StrSplit(a, ' ', absl::SkipEmpty())) words.emplace_back(w);
        }
        if (words.size() % 4 != 0) {
          return "Wrong number of arguments in buffer limit configuration.";
        }
        Options updated = o;
        for (size_t i = 0; i < words.size(); i += 4) {
          const std::string cls = absl::AsciiStrToLower(words[i]);
          OutputBufferLimit* target =
              cls == "normal"                     ? &updated.normal_output_limit
              : cls == "replica" || cls == "slave" ? &updated.replica_output_limit
              : cls == "pubsub"                   ? &updated.pubsub_output_limit
                                                  : nullptr;
          if (target == nullptr) {
            return "Invalid client class specified in buffer limit configuration.";
          }
          OutputBufferLimit l;
          if (!ParseMemory(words[i + 1], &l.hard) || !ParseMemory(words[i + 2], &l.soft) ||
              !absl::SimpleAtoi(words[i + 3], &l.soft_seconds) || l.soft_seconds < 0) {
            return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
          }
          *target = l;
        }
        o.normal_output_limit = updated.normal_output_limit;
        o.replica_output_limit = updated.replica_output_limit;
        o.pubsub_output_limit = updated.pubsub_output_limit;
        return "";
      }});
  return t;
}

}  // namespace

const std::vector<OptionSpec>& OptionTable() {
  static const std::vector<OptionSpec>* table = new std::vector<OptionSpec>(BuildTable());
  return *table;
}

const OptionSpec* FindOption(const std::string& name) {
  std::string lower = absl::AsciiStrToLower(name);
  for (const auto& spec : OptionTable()) {
    if (spec.name == lower) return &spec;
  }
  return nullptr;
}

std::string FormatPercentile(double p) {
  // "%f" without its trailing zeros, as Redis prints percentiles.
  std::string text = absl::StrFormat("%f", p);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

bool ParseMemory(const std::string& text, int64_t* out) {
  std::string s = absl::AsciiStrToLower(text);
  int64_t mul = 1;
  auto ends_with = [&](const char* suffix) {
    size_t n = strlen(suffix);
    return s.size() > n && s.compare(s.size() - n, n, suffix) == 0;
  };
  size_t cut = 0;
  if (ends_with("kb")) mul = 1024, cut = 2;
  else if (ends_with("mb")) mul = 1024LL * 1024, cut = 2;
  else if (ends_with("gb")) mul = 1024LL * 1024 * 1024, cut = 2;
  else if (ends_with("k")) mul = 1000, cut = 1;
  else if (ends_with("m")) mul = 1000LL * 1000, cut = 1;
  else if (ends_with("g")) mul = 1000LL * 1000 * 1000, cut = 1;
  s.resize(s.size() - cut);
  int64_t v;
  if (s.empty() || !absl::SimpleAtoi(s, &v) || v < 0) return false;
  if (v > LLONG_MAX / mul) return false;
  *out = v * mul;
  return true;
}

}  // namespace bazaar::engine::config
