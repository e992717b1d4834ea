// Configuration of bazaar-market: command-line flags, optionally preloaded from a config file.
//
// The file (--config=<path>) holds one "name value" or "name = value" per line, names being flag
// names; '#' starts a comment. Values from the file are applied first, so flags given on the
// command line win. See conf/market.conf.
#ifndef BAZAAR_MARKET_CONFIG_H_
#define BAZAAR_MARKET_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "market/chaos_store.h"
#include "market/log.h"
#include "market/market_ops.h"
#include "market/rate_limit.h"
#include "market/redis_store.h"
#include "market/transport_security.h"

namespace bazaar::market {

struct ServerConfig {
  std::string listen = "0.0.0.0:50051";
  std::string store = "127.0.0.1:6379";
  std::string store_password;
  std::string store_user;  // an ACL user for the store ("": the default user)
  // Sentinel mode: the primary is whatever these sentinels name for sentinel_master.
  std::string sentinels;
  std::string sentinel_master;
  int threads = 8;            // store connections (the pool): transactions in flight at once
  int max_rpc_threads = 256;  // cap on gRPC's sync-API threads (only the health service)
  absl::Duration store_connect_timeout = absl::Milliseconds(500);
  absl::Duration store_command_timeout = absl::Seconds(2);
  absl::Duration reconnect_backoff_max = absl::Seconds(2);
  ReplicaAcks replica_acks;  // WAIT after every change (market/redis_store.h)
  MarketOptions market;
  ChaosOptions chaos;  // fault injection (ChaosStore), off by default
  LogLevel log_level = LogLevel::kInfo;
  absl::Duration stats_interval = absl::Seconds(10);
  absl::Duration health_interval = absl::Milliseconds(500);
  absl::Duration shutdown_grace = absl::Seconds(10);
  int64_t watch_queue_limit = 1000;  // per WatchEvents watcher (market/event_hub.h)
  std::string metrics_listen;        // Prometheus /metrics (market/metrics.h); empty: none
  TransportSecurity transport;       // TLS or plaintext (market/transport_security.h)
  std::string api_keys;              // key file (market/auth.h); empty: no authentication
  RateLimits rate_limits;            // per player and per key (market/rate_limit.h)
  absl::Duration reap_interval = absl::Seconds(1);  // expiry reaper (market/reaper.h); 0: off
};

// Parses argv (and the --config file). Errors are INVALID_ARGUMENT with a readable message.
absl::StatusOr<ServerConfig> LoadConfig(int argc, char** argv);

// Applies "name value" lines to the registered flags (exposed for tests).
absl::Status ApplyConfigText(const std::string& text);

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_CONFIG_H_
