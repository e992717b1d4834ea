#include "market/metrics.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace bazaar::market {
namespace {

// Bucket bounds of the latency histogram, in seconds.
constexpr double kBucketsSeconds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                      0.1,    0.25,  0.5,    1,     2.5,  5,     10};

void Header(std::string* out, const char* name, const char* type, const char* help) {
  absl::StrAppend(out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

// Method names and codes are ours ([A-Za-z_]), so label values need no escaping.
std::string Labels(const std::string& method) { return "method=\"" + method + "\""; }

MHD_Result Answer(void* cls, MHD_Connection* connection, const char* url, const char* method,
                  const char*, const char*, size_t*, void**) {
  auto* source = static_cast<std::function<std::string()>*>(cls);
  const bool found = std::strcmp(method, "GET") == 0 && std::strcmp(url, "/metrics") == 0;
  const std::string body = found ? (*source)() : "not found: try GET /metrics\n";
  MHD_Response* response = MHD_create_response_from_buffer(
      body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY);
  MHD_add_response_header(response, "Content-Type",
                          found ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain");
  MHD_Result r = MHD_queue_response(connection, found ? MHD_HTTP_OK : MHD_HTTP_NOT_FOUND, response);
  MHD_destroy_response(response);
  return r;
}

}  // namespace

std::string PrometheusText(const std::vector<MethodSnapshot>& methods, const StoreStatus& store,
                           double uptime_seconds) {
  std::string out;
  Header(&out, "bazaar_market_requests_total", "counter", "RPCs finished, by method and code.");
  for (const auto& m : methods) {
    absl::StrAppend(&out, "bazaar_market_requests_total{", Labels(m.method), ",code=\"OK\"} ", m.ok,
                    "\n");
    for (const auto& [code, n] : m.errors) {
      absl::StrAppend(&out, "bazaar_market_requests_total{", Labels(m.method), ",code=\"", code,
                      "\"} ", n, "\n");
    }
  }
  Header(&out, "bazaar_market_errors_total", "counter",
         "Failed RPCs by method and reason (the bazaar-reason trailer).");
  for (const auto& m : methods) {
    for (const auto& [why, n] : m.reasons) {
      absl::StrAppend(&out, "bazaar_market_errors_total{", Labels(m.method), ",reason=\"", why,
                      "\"} ", n, "\n");
    }
  }
  Header(&out, "bazaar_market_transaction_attempts_total", "counter",
         "Transaction attempts over all calls, by method.");
  for (const auto& m : methods) {
    absl::StrAppend(&out, "bazaar_market_transaction_attempts_total{", Labels(m.method), "} ",
                    m.attempts, "\n");
  }
  Header(&out, "bazaar_market_aborted_attempts_total", "counter",
         "Attempts that did not commit, by method and cause (watch_conflict, store_error).");
  for (const auto& m : methods) {
    for (const auto& [cause, n] : m.aborts) {
      absl::StrAppend(&out, "bazaar_market_aborted_attempts_total{", Labels(m.method), ",cause=\"",
                      cause, "\"} ", n, "\n");
    }
  }
  Header(&out, "bazaar_market_request_duration_seconds", "histogram",
         "RPC latency in the market, by method (buckets to ~6%).");
  for (const auto& m : methods) {
    for (double le : kBucketsSeconds) {
      absl::StrAppend(&out, "bazaar_market_request_duration_seconds_bucket{", Labels(m.method),
                      ",le=\"", le, "\"} ", m.latency.CountAtMostUs(le * 1e6), "\n");
    }
    absl::StrAppend(&out, "bazaar_market_request_duration_seconds_bucket{", Labels(m.method),
                    ",le=\"+Inf\"} ", m.latency.count(), "\n");
    absl::StrAppend(&out, "bazaar_market_request_duration_seconds_sum{", Labels(m.method), "} ",
                    absl::StrFormat("%.6f", m.latency.SumUs() / 1e6), "\n");
    absl::StrAppend(&out, "bazaar_market_request_duration_seconds_count{", Labels(m.method), "} ",
                    m.latency.count(), "\n");
  }
  Header(&out, "bazaar_market_store_up", "gauge", "1 while the store answers the health probe.");
  absl::StrAppend(&out, "bazaar_market_store_up ", store.up ? 1 : 0, "\n");
  Header(&out, "bazaar_market_store_reconnects_total", "counter",
         "Store connections reopened after a failure.");
  absl::StrAppend(&out, "bazaar_market_store_reconnects_total ", store.reconnects, "\n");
  Header(&out, "bazaar_market_store_connections", "gauge",
         "Store connections by state (idle, lent to a call, being opened).");
  for (const auto& [state, n] :
       {std::pair{"idle", store.pool.idle}, std::pair{"lent", store.pool.lent()},
        std::pair{"connecting", store.pool.connecting}}) {
    absl::StrAppend(&out, "bazaar_market_store_connections{state=\"", state, "\"} ", n, "\n");
  }
  Header(&out, "bazaar_market_store_connections_max", "gauge",
         "The most store connections this process opens (--threads).");
  absl::StrAppend(&out, "bazaar_market_store_connections_max ", store.pool.size, "\n");
  Header(&out, "bazaar_market_store_waiting_calls", "gauge",
         "Calls waiting for a free store connection.");
  absl::StrAppend(&out, "bazaar_market_store_waiting_calls ", store.pool.waiting, "\n");
  Header(&out, "bazaar_market_uptime_seconds", "gauge", "Seconds since the process started.");
  absl::StrAppend(&out, "bazaar_market_uptime_seconds ", absl::StrFormat("%.3f", uptime_seconds),
                  "\n");
  return out;
}

namespace {

bool ParseListen(const std::string& listen, sockaddr_in* addr) {
  const size_t colon = listen.rfind(':');
  int port = -1;
  *addr = sockaddr_in{};
  addr->sin_family = AF_INET;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535 ||
      inet_pton(AF_INET, listen.substr(0, colon).c_str(), &addr->sin_addr) != 1) {
    return false;
  }
  addr->sin_port = htons(static_cast<uint16_t>(port));
  return true;
}

}  // namespace

absl::Status MetricsServer::CheckListen(const std::string& listen) {
  sockaddr_in addr;
  if (!ParseListen(listen, &addr)) {
    return absl::InvalidArgumentError("--metrics_listen must be IPv4 host:port, not '" + listen +
                                      "'");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& listen, std::function<std::string()> source) {
  if (absl::Status s = CheckListen(listen); !s.ok()) return s;
  sockaddr_in addr;
  ParseListen(listen, &addr);
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  server->source_ = std::move(source);
  server->daemon_ = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, nullptr, nullptr, &Answer,
      &server->source_, MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr*>(&addr),
      MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_END);
  if (server->daemon_ == nullptr) {
    return absl::UnavailableError("cannot serve metrics on " + listen);
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(server->daemon_, MHD_DAEMON_INFO_BIND_PORT);
  server->port_ = info != nullptr ? info->port : ntohs(addr.sin_port);
  return server;
}

MetricsServer::~MetricsServer() {
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
}

}  // namespace bazaar::market
