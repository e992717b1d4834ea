// The server's options and the table that names them for the config file, the command line and
// CONFIG GET / SET. Names, value syntax and error texts follow redis.conf and Redis 7.0.
#ifndef BAZAAR_ENGINE_CONFIG_OPTIONS_H_
#define BAZAAR_ENGINE_CONFIG_OPTIONS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace bazaar::engine::config {

// One class of client-output-buffer-limit: bytes (0 = none) and how long the soft limit may be
// exceeded.
struct OutputBufferLimit {
  int64_t hard = 0;
  int64_t soft = 0;
  int64_t soft_seconds = 0;
};

struct Options {
  // The config file the server was started with, made absolute ("" when none): CONFIG REWRITE
  // writes there.
  std::string config_file;
  int64_t port = 6379;
  std::vector<std::string> bind = {"127.0.0.1"};
  bool protected_mode = true;
  // A Unix socket to listen on as well ("" = none), and its file mode (octal, as redis.conf
  // writes it). Port 0 means no TCP at all, as in Redis.
  std::string unixsocket;
  // TLS (Redis 7.0's tls-* options): a second port whose clients speak TLS (0 = none), the
  // server's certificate and key, the CA that client certificates must chain to, and whether
  // clients must show one (yes, no, optional). tls-replication: our link to a primary uses TLS.
  int64_t tls_port = 0;
  std::string tls_cert_file, tls_key_file, tls_key_file_pass;
  std::string tls_client_cert_file, tls_client_key_file, tls_client_key_file_pass;
  std::string tls_ca_cert_file, tls_ca_cert_dir, tls_dh_params_file;
  std::string tls_auth_clients = "yes";
  std::string tls_protocols, tls_ciphers, tls_ciphersuites;
  bool tls_replication = false, tls_cluster = false, tls_prefer_server_ciphers = false;
  bool tls_session_caching = true;
  int64_t tls_session_cache_size = 20480, tls_session_cache_timeout = 300;
  int64_t unixsocketperm = 0;
  std::string requirepass;
  std::string dir = ".";
  std::string loglevel = "notice";
  std::string logfile;
  std::string pidfile;
  bool daemonize = false;
  int64_t databases = 16;
  int64_t maxclients = 10000;
  int64_t timeout = 0;  // idle client timeout in seconds, 0 = never
  int64_t tcp_keepalive = 300;
  int64_t tcp_backlog = 511;
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;
  int64_t client_query_buffer_limit = 1024LL * 1024 * 1024;
  std::string enable_debug_command = "no";  // no | yes | local
  std::string enable_module_command = "no";  // no | yes | local (there are no modules to load)
  // What a replica (panic-on-replicas, panic) or an AOF load (panic) does when a command it
  // applies fails: ignore logs it; panic stops the process, as Redis does.
  std::string propagation_error_behavior = "ignore";
  bool always_show_logo = false;  // the startup banner (with " PID: n") even when not a tty
  bool activerehashing = true;    // our tables rehash in one step: nothing to spread
  // Who may CONFIG SET the protected options (dir, dbfilename): no | yes | local.
  std::string enable_protected_configs = "no";
  int64_t hz = 10;
  // RDB snapshots: "seconds changes" pairs, "" for none.
  std::string save = "3600 1 300 100 60 10000";
  std::string dbfilename = "dump.rdb";
  bool rdbcompression = true;
  bool rdbchecksum = true;
  bool stop_writes_on_bgsave_error = true;
  // RESTORE's deep check of compact encodings: no | yes | clients (all but our primary).
  std::string sanitize_dump_payload = "no";
  // The append-only file (Redis 7 multi-part layout).
  bool appendonly = false;
  std::string appendfilename = "appendonly.aof";
  std::string appenddirname = "appendonlydir";
  std::string appendfsync = "everysec";  // always | everysec | no
  bool aof_use_rdb_preamble = true;
  bool aof_load_truncated = true;
  bool no_appendfsync_on_rewrite = false;
  int64_t auto_aof_rewrite_percentage = 100;
  int64_t auto_aof_rewrite_min_size = 64LL * 1024 * 1024;
  // Replication.
  std::string replicaof;  // "host port" of our primary, "" when we are a primary
  std::string masterauth;
  std::string masteruser;
  // ACL: the ACL file (ACL LOAD / SAVE; fixed at startup), the config file's `user` lines (each
  // "user <name> <rules...>", applied at startup; not with an ACL file), and whether new users
  // and selectors start with every channel.
  std::string aclfile;
  std::vector<std::string> user_lines;
  std::string acl_pubsub_default = "resetchannels";
  bool replica_read_only = true;
  bool replica_serve_stale_data = true;
  int64_t repl_backlog_size = 1024 * 1024;
  bool repl_diskless_sync = true;
  int64_t repl_diskless_sync_delay = 5;
  std::string repl_diskless_load = "disabled";  // accepted; we always load from memory
  int64_t repl_ping_replica_period = 10;
  int64_t repl_timeout = 60;
  // What Sentinel reads of a replica: its priority (0 = never promote), whether it is announced,
  // and the address it gives its primary instead of its own ("" / 0 = the real one).
  int64_t replica_priority = 100;
  bool replica_announced = true;
  std::string replica_announce_ip;
  int64_t replica_announce_port = 0;
  // min-replicas-to-write / -max-lag: a primary with fewer good replicas refuses writes
  // (commands/replica_quorum.h); 0 = off.
  int64_t min_replicas_to_write = 0;
  int64_t min_replicas_max_lag = 10;
  // client-output-buffer-limit classes normal, replica, pubsub (server/output_limits enforces
  // normal and pubsub, replication/replica_set the replica class).
  OutputBufferLimit normal_output_limit;
  OutputBufferLimit replica_output_limit{256LL << 20, 64LL << 20, 60};
  OutputBufferLimit pubsub_output_limit{32LL << 20, 8LL << 20, 60};
  // Encodings (Redis 7.0's names; the old *-ziplist-* names are aliases). Hashes, sorted sets
  // and integer sets leave their compact encoding past these (core/encoding_limits.h); the list
  // ones are accepted with Redis's ranges but change nothing yet (no list compression, fixed
  // list chunks).
  int64_t hash_max_listpack_entries = 512;
  int64_t hash_max_listpack_value = 64;
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;
  int64_t set_max_intset_entries = 512;
  int64_t stream_node_max_bytes = 4096;
  int64_t stream_node_max_entries = 100;
  int64_t list_max_listpack_size = -2;
  int64_t list_compress_depth = 0;
  // Memory limit and eviction (core/eviction.h). maxmemory 0: no limit.
  int64_t maxmemory = 0;
  std::string maxmemory_policy = "noeviction";
  int64_t maxmemory_samples = 5;
  int64_t busy_reply_threshold = 5000;  // ms a script runs before -BUSY
  int64_t maxmemory_eviction_tenacity = 10;  // accepted: our eviction is never time-sliced
  // Client eviction's budget ("0", bytes, or "N%" of maxmemory): accepted, not enforced yet.
  std::string maxmemory_clients = "0";
  bool replica_ignore_maxmemory = true;
  int64_t lfu_log_factor = 10;
  int64_t lfu_decay_time = 1;
  // A sparse HyperLogLog becomes dense rather than grow past this many bytes.
  int64_t hll_sparse_max_bytes = 3000;
  // Keyspace notifications: the enabled classes (core/keyspace_events.h), 0 = none.
  int notify_keyspace_events = 0;
  // Client tracking: the most keys the tracking table remembers (0 = no limit).
  int64_t tracking_table_max_keys = 1000000;
  // Introspection: the slow log (µs, -1 = off), the latency monitor (ms, 0 = off) and the
  // per-command latency histograms behind INFO latencystats.
  int64_t slowlog_log_slower_than = 10000;
  int64_t slowlog_max_len = 128;
  int64_t acllog_max_len = 128;  // ACL LOG entries kept
  int64_t latency_monitor_threshold = 0;
  bool latency_tracking = true;
  std::vector<double> latency_tracking_info_percentiles = {50, 99, 99.9};
};

struct OptionSpec {
  std::string name;
  bool mutable_at_runtime;
  bool multi_arg;  // takes several arguments (bind, save)
  std::function<std::string(const Options&)> get;
  // Returns "" on success, else Redis's reason text (e.g. "argument must be 'yes' or 'no'").
  std::function<std::string(Options&, const std::vector<std::string>&)> set;
  // CONFIG SET needs enable-protected-configs (options that choose where files are written).
  bool protected_config = false;
  // The canonical name when this entry is an old alias ("slave-read-only"); CONFIG REWRITE
  // writes the canonical entry only.
  std::string alias_of;
};

// Every option we have, in a stable order.
const std::vector<OptionSpec>& OptionTable();
// Case-insensitive lookup; nullptr if unknown.
const OptionSpec* FindOption(const std::string& name);

// Parses a redis.conf memory value ("100mb", "1gb", "4096"); false if malformed.
bool ParseMemory(const std::string& text, int64_t* out);
// A percentile as CONFIG GET and INFO latencystats print it ("50", "99.9").
std::string FormatPercentile(double p);

}  // namespace bazaar::engine::config

#endif  // BAZAAR_ENGINE_CONFIG_OPTIONS_H_
