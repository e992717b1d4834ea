// bazaar-load's live-game scenarios against real processes (bazaar-engine, bazaar-market): each
// runs for a few seconds with its invariant check, and reports its own figures; the report
// records the commit, the machine and the flags. Each test has a fresh store, so no other run's
// listings share the book.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "market_fixture.h"
#include "tool_runner.h"

namespace bazaar::load::testing {
namespace {

using bazaar::market::testing::CheckInvariants;
using bazaar::market::testing::MarketProcess;
using bazaar::market::testing::StoreKind;
using bazaar::market::testing::StoreProcess;
using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

class ScenariosTest : public ::testing::Test {
 protected:
  ScenariosTest()
      : store_(StoreKind::kBazaarEngine, false), market_(store_.port(), {"--mode=fine"}) {}
  bazaar::testing::CommandResult Load(std::vector<std::string> args) {
    args.push_back("--market=" + market_.address());
    args.push_back("--store=127.0.0.1:" + std::to_string(store_.port()));
    args.push_back("--html=" + dir_.path() + "/report.html");
    args.push_back("--json_out=" + json());
    args.push_back("--progress=false");
    return RunTool("bazaar-load", args);
  }
  std::string json() const { return dir_.path() + "/report.json"; }
  std::string html() const { return ReadFile(dir_.path() + "/report.html"); }
  // The integer after "key": in the JSON report (the first one).
  int64_t Number(const std::string& key) {
    const std::string text = ReadFile(json());
    size_t at = text.find("\"" + key + "\":");
    EXPECT_NE(at, std::string::npos) << key;
    return at == std::string::npos ? -1 : std::stoll(text.substr(at + key.size() + 3));
  }

  bazaar::testing::TempDir dir_;
  StoreProcess store_;
  MarketProcess market_;
};

TEST_F(ScenariosTest, DropSellsEveryUnitOnceAndSaysHowFairlyItWent) {
  auto r = Load({"--scenario=drop@3x150", "--drop_units=10", "--duration=20s"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("invariants: OK"),
                              HasSubstr("drop: 30 of 150 buyers won one of 30 units"),
                              HasSubstr("120 buyers saw it sold out"),
                              ContainsRegex("fairness: [0-9]+% of the winners were among the first "
                                            "30 to arrive; rank correlation of arrival and "
                                            "winning order -?[0-9.]+")));
  EXPECT_EQ(Number("winners"), 30);
  EXPECT_EQ(Number("bought"), 30) << "each winner bought one unit, and no unit sold twice";
  EXPECT_GT(Number("sold_out_ms"), 0);
  EXPECT_EQ(CheckInvariants(store_.port()), "");
}

TEST_F(ScenariosTest, PriceWarDrivesPricesDownAndBuyersTakeTheCheapest) {
  auto r = Load({"--scenario=pricewar", "--duration=3s", "--price_max=1000"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("invariants: OK"), HasSubstr("undercut by 1")));
  const int64_t bought = Number("bought");
  ASSERT_GT(bought, 0);
  // Every list undercuts the cheapest, so the run's average sale is well below the top price.
  const size_t at = r.output.find("sellers earned ");
  ASSERT_NE(at, std::string::npos) << r.output;
  const int64_t earned = std::stoll(r.output.substr(at + 15));
  EXPECT_LT(earned / bought, 990) << r.output;
  EXPECT_THAT(ReadFile(json()), HasSubstr(R"("median_price":)"));
  EXPECT_EQ(CheckInvariants(store_.port()), "");
}

TEST_F(ScenariosTest, SteadyAtAFixedRateOffersWhatWasAsked) {
  auto r = Load({"--scenario=steady@6x40", "--rate=150", "--duration=3s"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("invariants: OK"), HasSubstr("150 sessions/s offered"),
                              ContainsRegex("rate +150 +1[0-9][0-9] +1[0-9][0-9] ")));
  EXPECT_THAT(html(), HasSubstr("Open loop: sessions per second"));
  EXPECT_EQ(CheckInvariants(store_.port()), "");
}

TEST_F(ScenariosTest, SteadyWithoutARateMeasuresTheSustainedRateThenRunsThreeShares) {
  auto r = Load({"--scenario=steady@6x40", "--duration=4s"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("invariants: OK"), ContainsRegex("calibrate +closed"),
                              ContainsRegex("50% +[0-9]+ "), ContainsRegex("80% +[0-9]+ "),
                              ContainsRegex("100% +[0-9]+ ")));
}

TEST_F(ScenariosTest, WhalesMakeMostPurchasesAndContendOnTheirOwnFunds) {
  auto r = Load(
      {"--scenario=whales", "--duration=3s", "--accounts=40", "--whales=2", "--whale_share=0.8"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("invariants: OK"), HasSubstr("40 accounts of which 2")));
  const int64_t whales = Number("whale_purchases"), others = Number("other_purchases");
  EXPECT_GT(whales, 2 * others) << r.output;
  EXPECT_EQ(CheckInvariants(store_.port()), "");
}

TEST_F(ScenariosTest, TheReportRecordsCommitMachineFlagsAndTheStoresAbortsByKeyClass) {
  auto r = Load({"--scenario=5x5", "--duration=2s", "--seed=7"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string text = ReadFile(json());
  EXPECT_THAT(text,
              AllOf(ContainsRegex(R"("commit":"[0-9a-f]{7,})"), ContainsRegex(R"("cores":[1-9])"),
                    HasSubstr(R"("seed":"7")"), HasSubstr(R"("scenario":"5x5")"),
                    HasSubstr(R"("timeline":[{)"), HasSubstr(R"("aborts_by_key_class":{)")));
  // 5x5 in fine mode aborts on the sellers' and buyers' funds and on listings: the engine's
  // classes sum to its exec_aborted_watch.
  EXPECT_THAT(r.output, ContainsRegex("watch aborts by key class \\(the store's INFO "
                                      "transactions\\): [^\\n]*users:="));
  EXPECT_THAT(html(), HasSubstr("Watch aborts by key class"));
}

}  // namespace
}  // namespace bazaar::load::testing
