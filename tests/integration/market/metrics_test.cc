// bazaar-market's Prometheus endpoint (--metrics_listen): the text format over HTTP, counting the
// calls made through gRPC, and 404 elsewhere.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>
#include <thread>

#include "market_fixture.h"

namespace bazaar::market::testing {
namespace {

namespace v1 = bazaar::market::v1;
using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

// One HTTP/1.0 GET on loopback; the whole response ("" when it cannot connect).
std::string HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "";
  }
  const std::string req = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
  if (write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return "";
  }
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, n);
  close(fd);
  return out;
}

// The port the market logged for its metrics endpoint; 0 when it said nothing within 5 s.
int MetricsPort(MarketProcess& market) {
  const std::regex line(R"(metrics on \S+ \(port (\d+)\))");
  for (int i = 0; i < 100; ++i) {
    std::smatch m;
    const std::string log = market.Log();
    if (std::regex_search(log, m, line)) return std::stoi(m[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

class MetricsTest : public ::testing::TestWithParam<StoreKind> {};

TEST_P(MetricsTest, ServesTheStatsCountersInPrometheusTextFormat) {
  StoreProcess store(GetParam(), /*persistent=*/false);
  MarketProcess market(store.port(), {"--metrics_listen=127.0.0.1:0"});
  const int port = MetricsPort(market);
  ASSERT_GT(port, 0) << market.Log();
  auto stub = market.NewStub();
  for (const char* id : {"m1", "m1"}) {  // one success, one USER_EXISTS
    v1::CreateUserRequest req;
    req.set_user_id(id);
    req.set_funds(5);
    v1::CreateUserResponse resp;
    auto ctx = Ctx();
    stub->CreateUser(ctx.get(), req, &resp);
  }
  const std::string page = HttpGet(port, "/metrics");
  EXPECT_THAT(
      page,
      AllOf(
          HasSubstr(" 200 OK"), HasSubstr("text/plain; version=0.0.4"),
          HasSubstr("# TYPE bazaar_market_requests_total counter"),
          HasSubstr(R"(bazaar_market_requests_total{method="CreateUser",code="OK"} 1)"),
          HasSubstr(R"(bazaar_market_requests_total{method="CreateUser",code="ALREADY_EXISTS"} 1)"),
          HasSubstr(R"(bazaar_market_errors_total{method="CreateUser",reason="USER_EXISTS"} 1)"),
          HasSubstr(R"(bazaar_market_transaction_attempts_total{method="CreateUser"} 2)"),
          HasSubstr(
              R"(bazaar_market_request_duration_seconds_bucket{method="CreateUser",le="+Inf"} 2)"),
          HasSubstr(R"(bazaar_market_request_duration_seconds_count{method="CreateUser"} 2)"),
          HasSubstr("bazaar_market_store_reconnects_total "),
          HasSubstr("bazaar_market_store_connections_max 8\n"),
          HasSubstr("bazaar_market_store_waiting_calls 0\n"),
          // A connection goes back just after its call answered: it may still be lent.
          ContainsRegex(R"(bazaar_market_store_connections\{state="idle"\} [0-8])"),
          ContainsRegex(R"(bazaar_market_store_connections\{state="lent"\} [0-8])"),
          ContainsRegex("bazaar_market_uptime_seconds [0-9.]+")));
  // Buckets are cumulative: each is at most the next, and the last finite one at most +Inf.
  std::regex bucket(R"(_bucket\{method="CreateUser",le="[^"]+"\} (\d+))");
  int64_t last = 0;
  for (std::sregex_iterator it(page.begin(), page.end(), bucket), end; it != end; ++it) {
    const int64_t n = std::stoll((*it)[1]);
    EXPECT_GE(n, last);
    last = n;
  }
  EXPECT_EQ(last, 2);
  EXPECT_THAT(HttpGet(port, "/other"), HasSubstr("404"));
}

INSTANTIATE_TEST_SUITE_P(Stores, MetricsTest, ::testing::ValuesIn(StoreKinds()),
                         [](const auto& info) { return StoreKindName(info.param); });

}  // namespace
}  // namespace bazaar::market::testing
