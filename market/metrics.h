// Prometheus metrics of bazaar-market: the text exposition format (version 0.0.4) of the same
// counters the Stats RPC returns, and a small HTTP server (libmicrohttpd) that serves it at
// GET /metrics on its own address (--metrics_listen), so operators scrape the market without
// speaking gRPC.
//
//   bazaar_market_requests_total{method,code}                counter  finished RPCs
//   bazaar_market_errors_total{method,reason}                counter  failed RPCs by reason
//   bazaar_market_transaction_attempts_total{method}          counter
//   bazaar_market_aborted_attempts_total{method,cause}        counter  watch_conflict, store_error
//   bazaar_market_request_duration_seconds{method} histogram          _bucket{le}, _sum, _count
//   bazaar_market_store_up                                    gauge    1 while the store answers
//   bazaar_market_store_reconnects_total                      counter
//   bazaar_market_store_connections{state}                    gauge    idle, lent, connecting
//   bazaar_market_store_connections_max                       gauge    --threads
//   bazaar_market_store_waiting_calls                         gauge    waiting for a connection
//   bazaar_market_uptime_seconds                              gauge
//
// Thread: MetricsServer answers on libmicrohttpd's own thread; `source` must be thread-safe.
#ifndef BAZAAR_MARKET_METRICS_H_
#define BAZAAR_MARKET_METRICS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "market/service.h"
#include "market/stats.h"

struct MHD_Daemon;

namespace bazaar::market {

std::string PrometheusText(const std::vector<MethodSnapshot>& methods, const StoreStatus& store,
                           double uptime_seconds);

class MetricsServer {
 public:
  // OK when `listen` is a numeric IPv4 "host:port" the server can bind (port 0 allowed).
  static absl::Status CheckListen(const std::string& listen);
  // Serves source() at GET /metrics on `listen` ("host:port"; port 0 picks a free one).
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const std::string& listen,
                                                              std::function<std::string()> source);
  ~MetricsServer();  // stops the server
  int port() const { return port_; }

 private:
  MetricsServer() = default;
  std::function<std::string()> source_;
  MHD_Daemon* daemon_ = nullptr;
  int port_ = 0;
};

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_METRICS_H_
