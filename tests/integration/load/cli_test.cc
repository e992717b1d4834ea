// bazaar-cli against a real bazaar-market and store: every command, tables and --json, and the
// exit codes that say what failed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "market_fixture.h"
#include "tool_runner.h"

namespace bazaar::load::testing {
namespace {

using bazaar::market::testing::MarketProcess;
using bazaar::market::testing::StoreKind;
using bazaar::market::testing::StoreKinds;
using bazaar::market::testing::StoreProcess;
using ::testing::AllOf;
using ::testing::HasSubstr;

class CliTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    store_ = std::make_unique<StoreProcess>(GetParam(), false);
    market_ = std::make_unique<MarketProcess>(store_->port());
  }
  bazaar::testing::CommandResult Cli(std::vector<std::string> args, bool json = false) {
    args.insert(args.begin(), "--market=" + market_->address());
    if (json) args.insert(args.begin(), "--json");
    return RunTool("bazaar-cli", args, /*with_stderr=*/true);
  }
  std::unique_ptr<StoreProcess> store_;
  std::unique_ptr<MarketProcess> market_;
};

TEST_P(CliTest, CreateGrantListBuyAndShowPrintTables) {
  auto r = Cli({"user", "create", "alice", "100", "Alice"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("alice"), HasSubstr("Alice"), HasSubstr("100")));
  ASSERT_EQ(Cli({"user", "create", "bob", "50"}).exit_code, 0);
  ASSERT_EQ(Cli({"grant", "alice", "sword"}).exit_code, 0);
  r = Cli({"list", "alice", "sword", "30"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("listed"), HasSubstr("sword"), HasSubstr("30")));
  r = Cli({"buy", "bob", "alice", "sword", "30"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("buyer funds now 20"));
  r = Cli({"user", "show", "bob"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("20"), HasSubstr("inventory: sword")));
  r = Cli({"user", "show", "alice"});
  EXPECT_THAT(r.output, HasSubstr("130"));
}

TEST_P(CliTest, AdminFreezesThawsAndCancelsForTheSeller) {
  ASSERT_EQ(Cli({"user", "create", "fay", "50"}).exit_code, 0);
  ASSERT_EQ(Cli({"grant", "fay", "helm"}).exit_code, 0);
  ASSERT_EQ(Cli({"list", "fay", "helm", "5"}).exit_code, 0);
  auto r = Cli({"admin", "freeze", "fay", "chargeback"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("froze fay"));
  EXPECT_THAT(Cli({"user", "show", "fay"}).output, HasSubstr("frozen"));
  r = Cli({"cancel", "fay", "helm"}, /*json=*/true);
  EXPECT_EQ(r.exit_code, 6) << r.output;  // FAILED_PRECONDITION
  EXPECT_THAT(r.output, HasSubstr(R"("reason":"USER_FROZEN")"));
  r = Cli({"admin", "cancel", "fay", "helm"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("helm"));
  ASSERT_EQ(Cli({"admin", "thaw", "fay"}).exit_code, 0);
  r = Cli({"user", "show", "fay"}, /*json=*/true);
  EXPECT_THAT(r.output,
              AllOf(HasSubstr(R"("frozen":false)"), HasSubstr(R"("inventory":["helm"])")));
  EXPECT_EQ(Cli({"admin", "unknown"}).exit_code, 2);
}

TEST_P(CliTest, StackAndWalletCommands) {
  ASSERT_EQ(Cli({"user", "create", "dan", "0"}).exit_code, 0);
  ASSERT_EQ(Cli({"user", "create", "eve", "100"}).exit_code, 0);
  auto r = Cli({"stack", "grant", "dan", "potion", "12"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("held 12"));
  r = Cli({"stack", "list", "dan", "potion", "10", "3"}, /*json=*/true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const size_t at = r.output.find(R"("listing_id":")");
  ASSERT_NE(at, std::string::npos) << r.output;
  const std::string id = r.output.substr(at + 14, 17);
  r = Cli({"stack", "buy", "eve", id, "4", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("bought 4 potion from dan for 12 gold (fee 0); 6 left"));
  r = Cli({"stack", "buy", "eve", id, "7", "3"}, /*json=*/true);
  EXPECT_EQ(r.exit_code, 6) << r.output;  // FAILED_PRECONDITION: INSUFFICIENT_QUANTITY
  EXPECT_THAT(r.output, AllOf(HasSubstr(R"("reason":"INSUFFICIENT_QUANTITY")"),
                              HasSubstr(R"("metadata":{"available":"6","requested":"7"})")));
  r = Cli({"stack", "show", id});
  EXPECT_THAT(r.output, AllOf(HasSubstr(id), HasSubstr("3 gold")));
  ASSERT_EQ(Cli({"stack", "cancel", "dan", id}).exit_code, 0);
  ASSERT_EQ(Cli({"stack", "list", "dan", "potion", "5", "2"}).exit_code, 0);
  r = Cli({"stack", "buy-quantity", "eve", "potion", "3", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("bought 3 for 6 (fee 0)"));
  r = Cli({"credit", "eve", "gold", "5", "daily quest"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("balance 87"));
  r = Cli({"user", "show", "dan"});
  EXPECT_THAT(r.output, AllOf(HasSubstr("wallet: gold=18"), HasSubstr("stacks: potion=3")));
  EXPECT_EQ(Cli({"debit", "eve", "gold", "1000"}).exit_code, 6);
  // A unique item listed as the economy lists it, found among its kind, bought by listing id.
  ASSERT_EQ(Cli({"grant", "dan", "sword-1"}).exit_code, 0);
  r = Cli({"stack", "list-item", "dan", "sword-1", "sword", "9"}, /*json=*/true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const size_t sword_at = r.output.find(R"("listing_id":")");
  ASSERT_NE(sword_at, std::string::npos) << r.output;
  const std::string sword = r.output.substr(sword_at + 14, 17);
  r = Cli({"stack", "browse-items", "sword"});
  EXPECT_THAT(r.output, AllOf(HasSubstr("sword sword-1"), HasSubstr(sword), HasSubstr("1 of 1")));
  r = Cli({"stack", "buy", "eve", sword, "1", "9"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(Cli({"user", "show", "eve"}).output, HasSubstr("sword-1"));
}

TEST_P(CliTest, JsonOutputCarriesResultsAndErrors) {
  ASSERT_EQ(Cli({"user", "create", "carol", "10"}).exit_code, 0);
  auto r = Cli({"user", "show", "carol"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr(R"("user":{"user_id":"carol","name":"carol","funds":10,)"));
  r = Cli({"user", "show", "nobody"}, true);
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.output, HasSubstr(R"({"ok":false,"code":"NOT_FOUND","reason":"USER_NOT_FOUND")"));
}

TEST_P(CliTest, ExitCodesSayWhatFailed) {
  ASSERT_EQ(Cli({"user", "create", "dave", "5"}).exit_code, 0);
  ASSERT_EQ(Cli({"user", "create", "erin", "0"}).exit_code, 0);
  EXPECT_EQ(Cli({"user", "create", "dave", "5"}).exit_code, 5);       // ALREADY_EXISTS
  EXPECT_EQ(Cli({"list", "dave", "ghost", "1"}).exit_code, 6);        // not in inventory
  EXPECT_EQ(Cli({"buy", "dave", "erin", "ghost", "1"}).exit_code, 4);  // NOT_FOUND
  ASSERT_EQ(Cli({"grant", "erin", "gem"}).exit_code, 0);
  ASSERT_EQ(Cli({"list", "erin", "gem", "9"}).exit_code, 0);
  EXPECT_EQ(Cli({"buy", "dave", "erin", "gem", "8"}).exit_code, 6);   // PRICE_CHANGED
  EXPECT_EQ(Cli({"buy", "dave", "erin", "gem", "9"}).exit_code, 6);   // INSUFFICIENT_FUNDS
  EXPECT_EQ(Cli({"user", "create", "", "1"}).exit_code, 3);           // INVALID_ARGUMENT
  EXPECT_EQ(Cli({"frobnicate"}).exit_code, 2);                        // usage
  EXPECT_EQ(Cli({"list", "erin", "gem", "cheap"}).exit_code, 2);      // usage
  auto r = RunTool("bazaar-cli", {"--market=127.0.0.1:1", "--timeout=1s", "--retries=0", "stats"},
                   true);
  EXPECT_EQ(r.exit_code, 8) << r.output;  // UNAVAILABLE
}

TEST_P(CliTest, CancelReturnsTheItemAndBrowseAllFollowsTheCursor) {
  ASSERT_EQ(Cli({"user", "create", "frank", "0"}).exit_code, 0);
  for (int i = 0; i < 5; ++i) {
    std::string item = "it" + std::to_string(i);
    ASSERT_EQ(Cli({"grant", "frank", item}).exit_code, 0);
    ASSERT_EQ(Cli({"list", "frank", item, std::to_string(10 + i)}).exit_code, 0);
  }
  auto r = Cli({"browse", "--page_size=2"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("2 listings"), HasSubstr("--cursor=")));
  r = Cli({"browse", "--page_size=2", "--all"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (int i = 0; i < 5; ++i) EXPECT_THAT(r.output, HasSubstr("\"it" + std::to_string(i) + "\""));
  EXPECT_THAT(r.output, HasSubstr(R"("next_cursor":"")"));
  r = Cli({"cancel", "frank", "it0"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(Cli({"user", "show", "frank"}).output, HasSubstr("inventory: it0"));
  EXPECT_EQ(Cli({"cancel", "frank", "it0"}).exit_code, 4);
}

TEST_P(CliTest, StatsShowsModeAndMethods) {
  ASSERT_EQ(Cli({"user", "create", "gina", "1"}).exit_code, 0);
  auto r = Cli({"stats"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("mode fine"), HasSubstr("CreateUser")));
  r = Cli({"stats"}, true);
  EXPECT_THAT(r.output, AllOf(HasSubstr(R"("mode":"fine")"), HasSubstr(R"("store_up":true)")));
}

TEST_P(CliTest, RequestIdReplaysTheFirstOutcome) {
  ASSERT_EQ(Cli({"user", "create", "hank", "0"}).exit_code, 0);
  ASSERT_EQ(Cli({"--request_id=grant-1", "grant", "hank", "orb"}, true).exit_code, 0);
  auto r = Cli({"--request_id=grant-1", "grant", "hank", "orb"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr(R"("replayed":true)"));
}

TEST_P(CliTest, HistoryAndWatchPrintTheEventLog) {
  ASSERT_EQ(Cli({"user", "create", "ida", "100"}).exit_code, 0);
  ASSERT_EQ(Cli({"user", "create", "jon", "0"}).exit_code, 0);
  auto g = Cli({"--json", "grant", "jon", "gem"});
  ASSERT_EQ(g.exit_code, 0) << g.output;
  ASSERT_EQ(Cli({"list", "jon", "gem", "7"}).exit_code, 0);
  ASSERT_EQ(Cli({"--request_id=b1", "buy", "ida", "jon", "gem", "7"}).exit_code, 0);
  auto r = Cli({"history", "jon"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Newest first: the sale, then listed, granted, created.
  const size_t sold = r.output.find(" sold "), listed = r.output.find(" listed "),
               created = r.output.find(" user_created ");
  ASSERT_NE(sold, std::string::npos) << r.output;
  EXPECT_LT(sold, listed);
  EXPECT_LT(listed, created);
  EXPECT_THAT(r.output, AllOf(HasSubstr("buyer=ida"), HasSubstr("(request b1)")));
  // watch from the start, stopping after the five events, in commit order.
  r = Cli({"watch", "--count=5"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const size_t first = r.output.find("user_created currency=gold funds=100 name=ida user=ida"),
               last = r.output.find(" sold ");
  ASSERT_NE(first, std::string::npos) << r.output;
  EXPECT_LT(first, last);
  // The grant's event id (printed by the mutating command) is where a later watch resumes.
  const std::string key = R"("event_id":")";
  const size_t at = g.output.find(key);
  ASSERT_NE(at, std::string::npos) << g.output;
  const std::string grant_id = g.output.substr(at + key.size(),
                                               g.output.find('"', at + key.size()) - at - key.size());
  r = Cli({"watch", "--from=" + grant_id, "--count=1", "--types=sold"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr(R"("type":"sold")"), HasSubstr(R"("request_id":"b1")")));
}

INSTANTIATE_TEST_SUITE_P(Stores, CliTest, ::testing::ValuesIn(StoreKinds()));

}  // namespace
}  // namespace bazaar::load::testing
