// bazaar-load against real processes: short runs in the three contention modes over gRPC and
// --direct keep the invariants; the invariant check fails a market whose purchases skip WATCH;
// the reports (table, JSON, HTML) are written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "harness/resp_client.h"
#include "market_fixture.h"
#include "tool_runner.h"

namespace bazaar::load::testing {
namespace {

using bazaar::market::testing::CheckInvariants;
using bazaar::market::testing::MarketProcess;
using bazaar::market::testing::StoreKind;
using bazaar::market::testing::StoreKinds;
using bazaar::market::testing::StoreProcess;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

class LoadTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override { store_ = std::make_unique<StoreProcess>(GetParam(), false); }
  std::string Store() const { return "127.0.0.1:" + std::to_string(store_->port()); }
  // bazaar-load with `args` plus --store and report files in the temp dir.
  bazaar::testing::CommandResult Load(std::vector<std::string> args) {
    args.push_back("--store=" + Store());
    args.push_back("--html=" + html());
    args.push_back("--json_out=" + json());
    args.push_back("--progress=false");
    return RunTool("bazaar-load", args);
  }
  std::string html() const { return dir_.path() + "/report.html"; }
  std::string json() const { return dir_.path() + "/report.json"; }

  bazaar::testing::TempDir dir_;
  std::unique_ptr<StoreProcess> store_;
};

TEST_P(LoadTest, GrpcRunKeepsInvariantsInEveryMode) {
  for (const char* mode : {"fine", "book", "script"}) {
    SCOPED_TRACE(mode);
    MarketProcess market(store_->port(), {std::string("--mode=") + mode});
    auto r = Load({"--market=" + market.address(), "--scenario=5x5", "--duration=2s"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, AllOf(HasSubstr("invariants: OK"), HasSubstr(std::string("mode ") + mode),
                                HasSubstr("book (60 s, WATCH)"), HasSubstr("206,000")));
    std::string report = ReadFile(json());
    EXPECT_THAT(report, AllOf(HasSubstr(R"("invariants_ok":true)"), HasSubstr(R"("backend":"grpc")"),
                              Not(HasSubstr(R"("bought":0,)"))));
    EXPECT_EQ(CheckInvariants(store_->port()), "");  // the test suite's own checker agrees
  }
}

// kill -9 of the store mid-run under appendfsync always, restarted on the same dir: every EXEC
// the store acknowledged is in its AOF with its event, so the event log replayed from empty
// still reproduces every user's funds and inventory.
TEST_P(LoadTest, EventLogReplayMatchesTheStoreAfterAKill9OfTheStore) {
  store_ = std::make_unique<StoreProcess>(GetParam(), /*persistent=*/true);
  MarketProcess market(store_->port(), {"--store_command_timeout=500ms"});
  bazaar::testing::CommandResult r;
  std::thread run([&] {
    r = Load({"--market=" + market.address(), "--scenario=5x5", "--duration=4s"});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  store_->Kill();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  store_->Start();
  run.join();
  EXPECT_THAT(r.output, AllOf(HasSubstr("invariants: OK"), HasSubstr("events replayed and compared")))
      << r.output;
  // The kill happened inside the run: some calls met the store down.
  EXPECT_THAT(r.output, HasSubstr("UNAVAILABLE")) << r.output;
  EXPECT_EQ(CheckInvariants(store_->port()), "");
}

TEST_P(LoadTest, DirectRunKeepsInvariantsInEveryMode) {
  for (const char* mode : {"fine", "book", "script"}) {
    SCOPED_TRACE(mode);
    auto r = Load({"--direct", std::string("--mode=") + mode, "--scenario=5x1,1x1",
                   "--duration=1s"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, AllOf(HasSubstr("scenario 5x1"), HasSubstr("scenario 1x1"),
                                HasSubstr("direct (mode " + std::string(mode))));
    EXPECT_THAT(ReadFile(json()), HasSubstr(R"("invariants_ok":true)"));
  }
}

TEST_P(LoadTest, RetriesCountEveryAbortedExecAsTheStoreDoes) {
  // Book mode aborts purchases often; many end LISTING_NOT_FOUND after a retry, and those
  // retries count too.
  MarketProcess market(store_->port(), {"--mode=book"});
  auto r = Load({"--market=" + market.address(), "--scenario=5x5", "--duration=2s"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string report = ReadFile(json());
  auto number_after = [&](const std::string& key, size_t from) -> int64_t {
    size_t at = report.find("\"" + key + "\":", from);
    if (at == std::string::npos) return -2;
    return std::stoll(report.substr(at + key.size() + 3));
  };
  const int64_t purchase_retries = number_after("purchase_retries", 0);
  const int64_t store_aborted = number_after("store_exec_aborted_watch", 0);
  EXPECT_GT(purchase_retries, 0) << report;
  int64_t all_retries = 0;
  for (size_t at = report.find("\"ops\":"); (at = report.find("\"retries\":", at)) != std::string::npos;
       ++at) {
    all_retries += number_after("retries", at);
  }
  if (GetParam() == StoreKind::kBazaarEngine) {
    // The market was the store's only client: every aborted EXEC is some call's retry.
    EXPECT_EQ(all_retries, store_aborted) << report;
    EXPECT_THAT(r.output, HasSubstr("exec_aborted_watch over the run: " +
                                    std::to_string(store_aborted)));
  } else {
    EXPECT_EQ(store_aborted, -1) << "real Redis has no INFO transactions";
  }
}

TEST_P(LoadTest, InvariantCheckCatchesPurchasesThatSkipWatch) {
  MarketProcess market(store_->port(), {"--test_fault_skip_watch"});
  // One seller, many buyers all going for the cheapest listing: double sales happen at once.
  auto r = Load({"--market=" + market.address(), "--scenario=1x8", "--hot_skew=8",
                 "--duration=3s"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("invariants: VIOLATED"), HasSubstr("places")));
  EXPECT_THAT(ReadFile(json()), HasSubstr(R"("invariants_ok":false)"));
}

// The economy scenario: two currencies, fees, quantity buys, unique items listed as the economy
// lists them, and listings that expire during the run; the check covers every currency, item
// type and unique item, and the event log replays them.
TEST_P(LoadTest, EconomyRunKeepsEveryCurrencyAndItemTypeConserved) {
  MarketProcess market(store_->port(), {"--currencies=gold,gems", "--fee_bps=300", "--fee_min=1",
                                        "--reap_interval=200ms"});
  auto r = Load({"--market=" + market.address(), "--scenario=economy", "--duration=3s",
                 "--short_listing=1s"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("invariants: OK"), HasSubstr("4 item types conserved"),
                              HasSubstr("held gems"), HasSubstr("event log:")));
  const std::string report = ReadFile(json());
  EXPECT_THAT(report, AllOf(HasSubstr(R"("invariants_ok":true)"), HasSubstr(R"("economy":{)"),
                            Not(HasSubstr(R"("units_bought":0,)")),
                            Not(HasSubstr(R"("expiring_listed":0,)")),
                            Not(HasSubstr(R"("instances_listed":0,)")),
                            Not(HasSubstr(R"("instances_bought":0})"))));
  // The reaper returned short-lived listings during the run.
  bazaar::testing::RespClient c(store_->port());
  EXPECT_THAT(c.Command({"XRANGE", "events:", "-", "+"}), HasSubstr("expired"));
}

TEST_P(LoadTest, DirectEconomyRunKeepsInvariants) {
  auto r = Load({"--direct", "--currencies=gold,gems", "--fee_bps=300", "--scenario=economy",
                 "--duration=2s", "--short_listing=1s"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("invariants: OK"), HasSubstr("direct")));
}

TEST_P(LoadTest, InvariantCheckCatchesStackPurchasesThatSkipWatch) {
  MarketProcess market(store_->port(), {"--test_fault_skip_watch", "--currencies=gold,gems"});
  // One item type, many buyers on the cheapest listings: listings oversell at once.
  auto r = Load({"--market=" + market.address(), "--scenario=economy@2x16", "--item_types=1",
                 "--hot_skew=8", "--duration=3s"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("invariants: VIOLATED"), HasSubstr("not conserved")));
}

TEST_P(LoadTest, WritesASelfContainedHtmlReport) {
  MarketProcess market(store_->port());
  auto r = Load({"--market=" + market.address(), "--sellers=2", "--buyers=2", "--duration=2s"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string page = ReadFile(html());
  EXPECT_THAT(page, AllOf(HasSubstr("<svg"), HasSubstr("<polyline"), HasSubstr("Throughput"),
                          HasSubstr("Latency"), HasSubstr("invariants OK")));
  // Nothing fetched from the network: no scripts, no external resources.
  EXPECT_THAT(page, AllOf(Not(HasSubstr("<script")), Not(HasSubstr("src=")),
                          Not(HasSubstr("href=")), Not(HasSubstr("@import"))));
}

TEST_P(LoadTest, OpCountEndsTheRun) {
  MarketProcess market(store_->port());
  auto r = Load({"--market=" + market.address(), "--scenario=2x2", "--ops=150",
                 "--duration=60s", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // listed + purchase calls stop at 150 (lists and purchases that lost races count as calls).
  EXPECT_THAT(r.output, HasSubstr(R"("invariants_ok":true)"));
  auto calls = [&](const std::string& op) {
    size_t at = r.output.find("\"" + op + "\":{\"calls\":");
    EXPECT_NE(at, std::string::npos) << op;
    return std::stoll(r.output.substr(r.output.find(':', at + op.size() + 3) + 1));
  };
  EXPECT_LE(calls("list") + calls("purchase"), 150);
  EXPECT_GE(calls("list") + calls("purchase"), 140);
}

// Several markets on one store: bazaar-load spreads its calls over both (gRPC round_robin), the
// invariants hold, and each market served a share.
TEST_P(LoadTest, SeveralMarketAddressesShareTheCalls) {
  MarketProcess a(store_->port()), b(store_->port());
  auto r = Load({"--market=" + a.address() + "," + b.address(), "--scenario=5x5", "--duration=2s"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("invariants: OK"), HasSubstr("purchase retries ?")));
  for (MarketProcess* m : {&a, &b}) {
    auto stub = m->NewStub();
    grpc::ClientContext ctx;
    bazaar::market::v1::StatsRequest req;
    bazaar::market::v1::StatsResponse stats;
    ASSERT_TRUE(stub->Stats(&ctx, req, &stats).ok());
    int64_t calls = 0;
    for (const auto& method : stats.methods()) calls += method.calls();
    EXPECT_GT(calls, 500) << m->address() << " got its share";
  }
  EXPECT_EQ(CheckInvariants(store_->port()), "");
}

TEST_P(LoadTest, BadArgumentsExitWithTwo) {
  EXPECT_EQ(RunTool("bazaar-load", {"--scenario=5y5"}).exit_code, 2);
  EXPECT_EQ(RunTool("bazaar-load", {"--direct"}).exit_code, 2);  // --direct needs --store
  EXPECT_EQ(RunTool("bazaar-load", {"--market=127.0.0.1:1", "--timeout=1s", "--html="}).exit_code,
            2);
}

INSTANTIATE_TEST_SUITE_P(Stores, LoadTest, ::testing::ValuesIn(StoreKinds()));

}  // namespace
}  // namespace bazaar::load::testing
