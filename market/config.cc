#include "market/config.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <tuple>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "market/metrics.h"
#include "market/validation.h"

ABSL_FLAG(std::string, config, "", "Config file of 'name value' lines (flags override it)");
ABSL_FLAG(std::string, listen, "0.0.0.0:50051", "gRPC listen address host:port");
ABSL_FLAG(std::string, store, "127.0.0.1:6379", "Store (bazaar-engine or Redis) host:port");
ABSL_FLAG(std::string, sentinels, "",
          "Sentinels host:port,... to ask for the primary (replaces --store; needs --sentinel_master)");
ABSL_FLAG(std::string, sentinel_master, "", "Master name the sentinels monitor");
ABSL_FLAG(std::string, store_user, "",
          "ACL user for the store, with --store_password (default: $BAZAAR_STORE_USER; empty: "
          "the default user)");
ABSL_FLAG(std::string, store_password, "",
          "AUTH password for the store (default: $BAZAAR_STORE_PASSWORD, which stays out of ps; "
          "empty: none)");
ABSL_FLAG(int, threads, 8,
          "Store connections: transactions in flight at once (no thread per call)");
ABSL_FLAG(int, max_rpc_threads, 256,
          "Upper bound on gRPC's sync-API threads (the health service; market calls use none)");
ABSL_FLAG(absl::Duration, store_connect_timeout, absl::Milliseconds(500),
          "Timeout to connect to the store");
ABSL_FLAG(absl::Duration, store_command_timeout, absl::Seconds(2),
          "Timeout of one store round trip; the connection is closed when it passes");
ABSL_FLAG(int, replica_acks, 0,
          "Replicas that must acknowledge a change (WAIT) before a call succeeds; a change too few "
          "acknowledge in time fails UNAVAILABLE/OUTCOME_UNKNOWN (0: the primary's answer is enough)");
ABSL_FLAG(absl::Duration, replica_ack_timeout, absl::Milliseconds(500),
          "How long a change waits for --replica_acks replicas (less than --store_command_timeout)");
ABSL_FLAG(absl::Duration, reconnect_backoff_max, absl::Seconds(2),
          "Longest wait between reconnect attempts while the store is down");
ABSL_FLAG(std::string, mode, "fine", "Contention mode: fine (default), book or script");
ABSL_FLAG(std::string, key_prefix, "", "Prefix of every key, e.g. {realm1}: for Redis Cluster");
ABSL_FLAG(absl::Duration, idempotency_ttl, absl::Hours(24), "Lifetime of request_id records");
ABSL_FLAG(int64_t, events_maxlen, 0,
          "Trim the event streams (events:, history:<user>) to about this many entries; 0 keeps all");
ABSL_FLAG(std::string, currencies, "gold",
          "Comma-separated currencies of the wallets; the first is the default (a user's funds)");
ABSL_FLAG(int64_t, fee_bps, 0, "Fee on stack sales in 1/10000 of the total, to the fee sink");
ABSL_FLAG(int64_t, fee_min, 0, "Smallest fee per stack sale (never above the sale's total)");
ABSL_FLAG(absl::Duration, listing_duration, absl::Hours(24),
          "Lifetime of a stack listing whose request gives none");
ABSL_FLAG(absl::Duration, max_listing_duration, absl::Hours(24 * 30),
          "Longest lifetime a stack listing may ask for");
ABSL_FLAG(int, max_listings_per_seller, 100, "Open stack listings per seller, 1..1000");
ABSL_FLAG(absl::Duration, reap_interval, absl::Seconds(1),
          "Period of the expiry reaper, which returns expired stack listings (0: no reaper)");
ABSL_FLAG(int, max_attempts, 100, "Transaction attempts per call before ABORTED");
ABSL_FLAG(absl::Duration, max_retry_time, absl::Seconds(5),
          "Time budget of one call's retries (the client's deadline wins when sooner)");
ABSL_FLAG(absl::Duration, backoff_base, absl::Microseconds(500), "First retry backoff cap");
ABSL_FLAG(absl::Duration, backoff_max, absl::Milliseconds(50), "Largest retry backoff cap");
ABSL_FLAG(double, chaos_conflict_rate, 0.0,
          "Fault injection: fraction of EXECs turned into watch conflicts (0 = off; drills/tests)");
ABSL_FLAG(bool, test_fault_skip_watch, false,
          "FAULT INJECTION FOR TESTS ONLY: transactions WATCH nothing (double sales; breaks "
          "invariants)");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error");
ABSL_FLAG(std::string, metrics_listen, "",
          "host:port of the Prometheus /metrics endpoint (port 0: a free one; empty: none)");
ABSL_FLAG(bool, plaintext, false,
          "Serve gRPC without TLS (command line only; logged as a warning). Without it the market "
          "needs --tls_cert_file and --tls_key_file");
ABSL_FLAG(std::string, tls_cert_file, "", "PEM certificate chain of the gRPC server (TLS)");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA: clients must present a certificate it signed (mutual TLS); empty: not asked");
ABSL_FLAG(std::string, api_keys, "",
          "API key file, '<name> <role> sha256:<hex>' lines (market/auth.h); re-read on SIGHUP. "
          "Empty: no authentication, every caller is admin");
ABSL_FLAG(double, player_rate_limit, 0,
          "Calls per second each player may make (list, cancel, purchase, buy), shared by every "
          "market on the store; 0: no limit");
ABSL_FLAG(int32_t, player_rate_burst, 20, "Calls a player may make at once, above the rate");
ABSL_FLAG(double, key_rate_limit, 0,
          "Calls per second each API key may make, shared by every market on the store; 0: no "
          "limit");
ABSL_FLAG(int32_t, key_rate_burst, 200, "Calls a key may make at once, above the rate");
ABSL_FLAG(absl::Duration, stats_interval, absl::Seconds(10),
          "Period of the stats log line (0: never)");
ABSL_FLAG(absl::Duration, health_interval, absl::Milliseconds(500), "Store health probe period");
ABSL_FLAG(int64_t, watch_queue_limit, 1000,
          "events queued per WatchEvents watcher; a watcher that falls further behind ends "
          "with RESOURCE_EXHAUSTED (and resumes from bazaar-last-event-id)");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "On SIGTERM, how long in-flight calls may take before they are cancelled");

namespace bazaar::market {
namespace {

absl::Status Invalid(const std::string& text) { return absl::InvalidArgumentError(text); }

absl::Status LoadEconomy(EconomyOptions* e) {
  e->currencies.clear();
  for (absl::string_view c : absl::StrSplit(absl::GetFlag(FLAGS_currencies), ',')) {
    std::string name(c);
    if (!ValidateCurrencyName(name).ok()) {
      return Invalid("--currencies: '" + name + "' is not 1..32 of a-z, 0-9, _");
    }
    if (e->HasCurrency(name)) return Invalid("--currencies: '" + name + "' given twice");
    e->currencies.push_back(name);
  }
  e->fee_bps = absl::GetFlag(FLAGS_fee_bps);
  e->fee_min = absl::GetFlag(FLAGS_fee_min);
  if (e->fee_bps < 0 || e->fee_bps > 10000) return Invalid("--fee_bps must be 0..10000");
  if (e->fee_min < 0 || e->fee_min > kMaxAmount) return Invalid("--fee_min must be 0..10^15");
  e->listing_duration = absl::GetFlag(FLAGS_listing_duration);
  e->max_listing_duration = absl::GetFlag(FLAGS_max_listing_duration);
  if (e->max_listing_duration < absl::Seconds(1) || e->listing_duration < absl::Seconds(1) ||
      e->listing_duration > e->max_listing_duration) {
    return Invalid("--listing_duration must be 1s..--max_listing_duration");
  }
  e->max_listings_per_seller = absl::GetFlag(FLAGS_max_listings_per_seller);
  // The cap also bounds what cancels and expiries can pile onto one stack (market_ops.h).
  if (e->max_listings_per_seller < 1 || e->max_listings_per_seller > 1000) {
    return Invalid("--max_listings_per_seller must be 1..1000");
  }
  return absl::OkStatus();
}

std::string ConfigPathFromArgv(int argc, char** argv) {
  std::string path;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") break;
    for (const char* p : {"--config=", "-config="}) {
      if (absl::StartsWith(a, p)) path = a.substr(strlen(p));
    }
    if ((a == "--config" || a == "-config") && i + 1 < argc) path = argv[i + 1];
  }
  return path;
}

}  // namespace

absl::Status ApplyConfigText(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    size_t hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    std::string s(absl::StripAsciiWhitespace(line));
    if (s.empty()) continue;
    size_t sep = s.find_first_of(" \t=");
    std::string name = s.substr(0, sep);
    std::string value;
    if (sep != std::string::npos) {
      std::string rest(absl::StripAsciiWhitespace(s.substr(sep)));
      if (!rest.empty() && rest[0] == '=') rest = std::string(absl::StripAsciiWhitespace(rest.substr(1)));
      value = rest;
    }
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    for (char& c : name) {
      if (c == '-') c = '_';
    }
    if (name == "config") return Invalid(absl::StrCat("config line ", lineno, ": nested config"));
    // Giving up TLS is a choice made where it shows: on the command line, not in a shared file.
    if (name == "plaintext") {
      return Invalid(
          absl::StrCat("config line ", lineno, ": plaintext is given on the command line only"));
    }
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr) {
      return Invalid(absl::StrCat("config line ", lineno, ": unknown setting '", name, "'"));
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return Invalid(absl::StrCat("config line ", lineno, ": ", name, ": ", error));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ServerConfig> LoadConfig(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "bazaar-market: the Bazaar market gRPC service.\n"
      "  bazaar-market --listen=0.0.0.0:50051 --store=127.0.0.1:6379 [--config=market.conf]");
  std::string path = ConfigPathFromArgv(argc, argv);
  if (!path.empty()) {
    std::ifstream f(path);
    if (!f) return Invalid("cannot read config file " + path);
    std::stringstream ss;
    ss << f.rdbuf();
    if (absl::Status s = ApplyConfigText(ss.str()); !s.ok()) {
      return Invalid(absl::StrCat(path, ": ", s.message()));
    }
  }
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) return Invalid(absl::StrCat("unexpected argument '", rest[1], "'"));

  ServerConfig c;
  c.listen = absl::GetFlag(FLAGS_listen);
  c.store = absl::GetFlag(FLAGS_store);
  c.store_user = absl::GetFlag(FLAGS_store_user);
  if (const char* env = std::getenv("BAZAAR_STORE_USER"); c.store_user.empty() && env) {
    c.store_user = env;
  }
  c.store_password = absl::GetFlag(FLAGS_store_password);
  if (const char* env = std::getenv("BAZAAR_STORE_PASSWORD"); c.store_password.empty() && env) {
    c.store_password = env;
  }
  c.sentinels = absl::GetFlag(FLAGS_sentinels);
  c.sentinel_master = absl::GetFlag(FLAGS_sentinel_master);
  if (!c.sentinels.empty() && c.sentinel_master.empty()) {
    return Invalid("--sentinels needs --sentinel_master");
  }
  c.threads = absl::GetFlag(FLAGS_threads);
  c.max_rpc_threads = absl::GetFlag(FLAGS_max_rpc_threads);
  c.store_connect_timeout = absl::GetFlag(FLAGS_store_connect_timeout);
  c.store_command_timeout = absl::GetFlag(FLAGS_store_command_timeout);
  c.reconnect_backoff_max = absl::GetFlag(FLAGS_reconnect_backoff_max);
  c.replica_acks.replicas = absl::GetFlag(FLAGS_replica_acks);
  c.replica_acks.timeout = absl::GetFlag(FLAGS_replica_ack_timeout);
  if (c.replica_acks.replicas < 0) return Invalid("--replica_acks must be 0 or more");
  // WAIT blocks its connection; the round trip's own timeout must not fire first.
  if (c.replica_acks.replicas > 0 && (c.replica_acks.timeout < absl::Milliseconds(1) ||
                                      c.replica_acks.timeout >= c.store_command_timeout)) {
    return Invalid("--replica_ack_timeout must be at least 1ms and less than --store_command_timeout");
  }
  if (!ParseContentionMode(absl::GetFlag(FLAGS_mode), &c.market.mode)) {
    return Invalid("--mode must be fine, book or script");
  }
  c.market.key_prefix = absl::GetFlag(FLAGS_key_prefix);
  c.market.idempotency_ttl = absl::GetFlag(FLAGS_idempotency_ttl);
  c.market.events_max_len = absl::GetFlag(FLAGS_events_maxlen);
  if (absl::Status s = LoadEconomy(&c.market.economy); !s.ok()) return s;
  c.reap_interval = absl::GetFlag(FLAGS_reap_interval);
  if (c.reap_interval < absl::ZeroDuration()) return Invalid("--reap_interval must be >= 0");
  c.market.retry.max_attempts = absl::GetFlag(FLAGS_max_attempts);
  c.market.retry.max_time = absl::GetFlag(FLAGS_max_retry_time);
  c.market.retry.backoff_base = absl::GetFlag(FLAGS_backoff_base);
  c.market.retry.backoff_max = absl::GetFlag(FLAGS_backoff_max);
  if (!ParseLogLevel(absl::GetFlag(FLAGS_log_level), &c.log_level)) {
    return Invalid("--log_level must be debug, info, warning or error");
  }
  c.chaos.skip_watch = absl::GetFlag(FLAGS_test_fault_skip_watch);
  c.chaos.conflict_rate = absl::GetFlag(FLAGS_chaos_conflict_rate);
  if (c.chaos.conflict_rate < 0 || c.chaos.conflict_rate > 1) {
    return Invalid("--chaos_conflict_rate must be in [0, 1]");
  }
  c.stats_interval = absl::GetFlag(FLAGS_stats_interval);
  c.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  if (!c.metrics_listen.empty()) {
    if (absl::Status s = MetricsServer::CheckListen(c.metrics_listen); !s.ok()) {
      return Invalid(std::string(s.message()));
    }
  }
  c.transport.plaintext = absl::GetFlag(FLAGS_plaintext);
  c.transport.cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  c.transport.key_file = absl::GetFlag(FLAGS_tls_key_file);
  c.transport.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  c.api_keys = absl::GetFlag(FLAGS_api_keys);
  c.rate_limits = {absl::GetFlag(FLAGS_player_rate_limit), absl::GetFlag(FLAGS_player_rate_burst),
                   absl::GetFlag(FLAGS_key_rate_limit), absl::GetFlag(FLAGS_key_rate_burst)};
  for (const auto& [name, rate, burst] :
       {std::tuple{"player", c.rate_limits.player_rate, c.rate_limits.player_burst},
        std::tuple{"key", c.rate_limits.key_rate, c.rate_limits.key_burst}}) {
    if (!(rate == 0 || (rate >= 0.001 && rate <= 1e6))) {
      return Invalid(
          absl::StrCat("--", name, "_rate_limit must be 0 (none) or 0.001..1000000 calls/s"));
    }
    if (burst < 1 || burst > 1000000) {
      return Invalid(absl::StrCat("--", name, "_rate_burst must be 1..1000000"));
    }
  }
  c.health_interval = absl::GetFlag(FLAGS_health_interval);
  c.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  c.watch_queue_limit = absl::GetFlag(FLAGS_watch_queue_limit);
  if (c.threads < 1 || c.threads > 4096) return Invalid("--threads must be 1..4096");
  if (c.max_rpc_threads < 2) return Invalid("--max_rpc_threads must be >= 2");
  if (c.market.retry.max_attempts < 1) return Invalid("--max_attempts must be >= 1");
  if (c.watch_queue_limit < 1) return Invalid("--watch_queue_limit must be 1 or more");
  if (c.market.events_max_len < 0) return Invalid("--events_maxlen must be 0 or more");
  if (c.market.idempotency_ttl < absl::Milliseconds(1)) {
    return Invalid("--idempotency_ttl must be at least 1ms");
  }
  if (c.health_interval <= absl::ZeroDuration()) return Invalid("--health_interval must be > 0");
  return c;
}

}  // namespace bazaar::market
