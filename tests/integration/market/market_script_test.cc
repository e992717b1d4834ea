// bazaar-market in --mode=script (ListItem, CancelListing, PurchaseItem as Redis FUNCTIONs of
// market/market.lua), against real redis-server and bazaar-engine: the same sequence of calls in
// fine and in script mode must give the same answers (codes, reasons, texts, replays) and leave
// the same data (keys, values, idempotency records, event fields); the library comes back by
// itself after FUNCTION FLUSH and FLUSHALL.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "market_fixture.h"
#include "resp/connection.h"

namespace bazaar::market::testing {
namespace {

namespace v1 = bazaar::market::v1;

std::string Describe(const grpc::Status& s, const grpc::ClientContext& ctx) {
  return absl::StrCat(s.error_code(), " ", s.error_message(), " [", Reason(ctx), "]");
}

class Client {
 public:
  explicit Client(const MarketProcess& m) : stub_(m.NewStub()) {}
  std::string CreateUser(const std::string& id, int64_t funds) {
    v1::CreateUserRequest req;
    req.set_user_id(id);
    req.set_name("n" + id);
    req.set_funds(funds);
    v1::CreateUserResponse resp;
    auto ctx = Ctx();
    return Describe(stub_->CreateUser(ctx.get(), req, &resp), *ctx);
  }
  std::string Grant(const std::string& id, const std::string& item) {
    v1::GrantItemRequest req;
    req.set_user_id(id);
    req.set_item_id(item);
    v1::GrantItemResponse resp;
    auto ctx = Ctx();
    return Describe(stub_->GrantItem(ctx.get(), req, &resp), *ctx);
  }
  std::string List(const std::string& seller, const std::string& item, int64_t price,
                   const std::string& rid = "") {
    v1::ListItemRequest req;
    req.set_seller_id(seller);
    req.set_item_id(item);
    req.set_price(price);
    req.set_request_id(rid);
    v1::ListItemResponse resp;
    auto ctx = Ctx();
    grpc::Status s = stub_->ListItem(ctx.get(), req, &resp);
    return Describe(s, *ctx) + " " + resp.ShortDebugString();
  }
  std::string Cancel(const std::string& seller, const std::string& item,
                     const std::string& rid = "") {
    v1::CancelListingRequest req;
    req.set_seller_id(seller);
    req.set_item_id(item);
    req.set_request_id(rid);
    v1::CancelListingResponse resp;
    auto ctx = Ctx();
    grpc::Status s = stub_->CancelListing(ctx.get(), req, &resp);
    return Describe(s, *ctx) + " " + resp.ShortDebugString();
  }
  std::string Buy(const std::string& buyer, const std::string& seller, const std::string& item,
                  int64_t price, const std::string& rid = "") {
    v1::PurchaseItemRequest req;
    req.set_buyer_id(buyer);
    req.set_seller_id(seller);
    req.set_item_id(item);
    req.set_expected_price(price);
    req.set_request_id(rid);
    v1::PurchaseItemResponse resp;
    auto ctx = Ctx();
    grpc::Status s = stub_->PurchaseItem(ctx.get(), req, &resp);
    return Describe(s, *ctx) + " " + resp.ShortDebugString();
  }

 private:
  std::unique_ptr<v1::Market::Stub> stub_;
};

// Every answer of a sequence touching each success, failure and replay path.
std::vector<std::string> RunSequence(Client& c) {
  std::vector<std::string> out;
  out.push_back(c.CreateUser("s", 0));
  out.push_back(c.CreateUser("b", 100));
  out.push_back(c.CreateUser("poor", 5));
  out.push_back(c.CreateUser("rich", 1'000'000'000'000'000));
  for (const char* item : {"sword", "shield", "bow", "axe"}) out.push_back(c.Grant("s", item));
  out.push_back(c.Grant("b", "bow"));
  out.push_back(c.Grant("rich", "gem"));
  out.push_back(c.List("s", "sword", 30, "r-list"));
  out.push_back(c.List("s", "sword", 30, "r-list"));      // replayed
  out.push_back(c.List("s", "sword", 31, "r-list"));      // REQUEST_ID_REUSED
  out.push_back(c.List("s", "ghost", 30));                // ITEM_NOT_IN_INVENTORY
  out.push_back(c.List("nobody", "sword", 30));           // USER_NOT_FOUND
  out.push_back(c.List("s", "shield", 50));
  out.push_back(c.List("s", "bow", 10));
  out.push_back(c.List("s", "axe", 7));
  out.push_back(c.List("rich", "gem", 1));
  out.push_back(c.Buy("b", "s", "sword", 29));            // PRICE_CHANGED
  out.push_back(c.Buy("poor", "s", "sword", 30, "r-p"));  // INSUFFICIENT_FUNDS, recorded
  out.push_back(c.Buy("poor", "s", "sword", 30, "r-p"));  // the same failure, replayed
  out.push_back(c.Buy("b", "s", "bow", 10));              // BUYER_OWNS_ITEM
  out.push_back(c.Buy("nobody", "s", "sword", 30));       // USER_NOT_FOUND
  out.push_back(c.Buy("b", "s", "dagger", 30));           // LISTING_NOT_FOUND
  out.push_back(c.Buy("b", "rich", "gem", 1));            // FUNDS_LIMIT
  out.push_back(c.Buy("b", "s", "sword", 30, "r-buy"));
  out.push_back(c.Buy("b", "s", "sword", 30, "r-buy"));   // replayed
  out.push_back(c.Buy("b", "s", "shield", 50, "r-buy"));  // REQUEST_ID_REUSED
  out.push_back(c.Buy("b", "s", "sword", 30));            // sold already
  out.push_back(c.Buy("b", "s", "shield", 50));
  out.push_back(c.Cancel("s", "axe", "r-c"));
  out.push_back(c.Cancel("s", "axe", "r-c"));             // replayed
  out.push_back(c.Cancel("s", "axe"));                    // LISTING_NOT_FOUND
  out.push_back(c.Cancel("s", "bow"));
  return out;
}

// Every key with its type and value; stream entries without their ids.
std::map<std::string, std::string> Dump(int port) {
  client::ConnectionOptions o;
  o.port = port;
  auto conn = client::RespConnection::Connect(o);
  EXPECT_TRUE(conn.ok());
  auto cmd = [&](std::vector<std::string> argv) { return *(*conn)->Command(argv); };
  std::map<std::string, std::string> out;
  for (const auto& k : cmd({"KEYS", "*"}).elements) {
    const std::string type = cmd({"TYPE", k.str}).str;
    std::vector<std::string> parts;
    if (type == "hash" || type == "set") {
      for (const auto& e : cmd({type == "hash" ? "HGETALL" : "SMEMBERS", k.str}).elements) {
        parts.push_back(e.str);
      }
      if (type == "set") std::sort(parts.begin(), parts.end());
      if (type == "hash") {
        std::vector<std::string> pairs;
        for (size_t i = 0; i + 1 < parts.size(); i += 2) pairs.push_back(parts[i] + "=" + parts[i + 1]);
        std::sort(pairs.begin(), pairs.end());
        parts = pairs;
      }
    } else if (type == "zset") {
      for (const auto& e : cmd({"ZRANGE", k.str, "0", "-1", "WITHSCORES"}).elements) {
        parts.push_back(e.str);
      }
    } else if (type == "string") {
      parts.push_back(cmd({"GET", k.str}).str);
      parts.push_back(cmd({"PTTL", k.str}).integer > 0 ? "expires" : "persists");
    } else if (type == "stream") {
      for (const auto& entry : cmd({"XRANGE", k.str, "-", "+"}).elements) {
        std::vector<std::string> fv;
        for (const auto& f : entry.elements[1].elements) fv.push_back(f.str);
        parts.push_back("{" + absl::StrJoin(fv, ",") + "}");
      }
    }
    out[k.str] = type + ": " + absl::StrJoin(parts, " ");
  }
  return out;
}

// Event ids are times, so two runs never share them: each is replaced by its entry's position in
// events: ("#3"), which still checks that an answer or a record names the right entry.
std::string ById(std::string text, const std::map<std::string, std::string>& positions) {
  // Longest ids first, so that "5-1" never replaces the start of "5-10".
  std::vector<std::pair<std::string, std::string>> order(positions.begin(), positions.end());
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& [id, position] : order) {
    for (size_t at = 0; (at = text.find(id, at)) != std::string::npos; at += position.size()) {
      text.replace(at, id.size(), position);
    }
  }
  return text;
}

std::map<std::string, std::string> EventPositions(int port) {
  client::ConnectionOptions o;
  o.port = port;
  auto conn = client::RespConnection::Connect(o);
  EXPECT_TRUE(conn.ok());
  std::map<std::string, std::string> out;
  int n = 0;
  auto range = (*conn)->Command({"XRANGE", "events:", "-", "+"});
  EXPECT_TRUE(range.ok());
  if (!range.ok()) return out;
  for (const auto& entry : range->elements) {
    if (!entry.elements.empty() && !entry.elements[0].str.empty()) {
      out[entry.elements[0].str] = "#" + std::to_string(n);
    }
    ++n;
  }
  EXPECT_GT(out.size(), 0u);
  return out;
}

class MarketScriptTest : public ::testing::TestWithParam<StoreKind> {};

TEST_P(MarketScriptTest, ScriptModeAnswersAndWritesExactlyAsFineMode) {
  std::map<std::string, std::vector<std::string>> answers;
  std::map<std::string, std::map<std::string, std::string>> data;
  for (const char* mode : {"fine", "script"}) {
    StoreProcess store(GetParam(), false);
    MarketProcess market(store.port(), {std::string("--mode=") + mode});
    Client c(market);
    const std::vector<std::string> raw = RunSequence(c);
    const auto positions = EventPositions(store.port());
    for (const auto& answer : raw) answers[mode].push_back(ById(answer, positions));
    for (const auto& [key, value] : Dump(store.port())) data[mode][key] = ById(value, positions);
    EXPECT_EQ(CheckInvariants(store.port()), "") << mode;
  }
  ASSERT_EQ(answers["fine"].size(), answers["script"].size());
  for (size_t i = 0; i < answers["fine"].size(); ++i) {
    EXPECT_EQ(answers["script"][i], answers["fine"][i]) << "call " << i;
  }
  EXPECT_EQ(data["script"], data["fine"]);
  // The sequence did reach the paths it means to.
  const std::string all = absl::StrJoin(answers["script"], "\n");
  for (const char* reason : {"REQUEST_ID_REUSED", "ITEM_NOT_IN_INVENTORY", "USER_NOT_FOUND",
                             "PRICE_CHANGED", "INSUFFICIENT_FUNDS", "BUYER_OWNS_ITEM",
                             "LISTING_NOT_FOUND", "FUNDS_LIMIT", "replayed: true"}) {
    EXPECT_NE(all.find(reason), std::string::npos) << reason;
  }
  EXPECT_EQ(data["script"].count("events:"), 1u);
}

TEST_P(MarketScriptTest, TheLibraryIsLoadedAtStartAndReloadedAfterAFlush) {
  StoreProcess store(GetParam(), false);
  MarketProcess market(store.port(), {"--mode=script", "--key_prefix={r1}:"});
  client::ConnectionOptions o;
  o.port = store.port();
  auto conn = client::RespConnection::Connect(o);
  ASSERT_TRUE(conn.ok());
  auto listed = (*conn)->Command({"FUNCTION", "LIST", "LIBRARYNAME", "bazaar_market_v2"});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->elements.size(), 1u) << listed->DebugString();  // loaded at start-up
  Client c(market);
  ASSERT_EQ(c.CreateUser("s", 0), "0  []");
  ASSERT_EQ(c.CreateUser("b", 100), "0  []");
  ASSERT_EQ(c.Grant("s", "a"), "0  []");
  ASSERT_EQ(c.Grant("s", "z"), "0  []");
  EXPECT_EQ((*conn)->Command({"FUNCTION", "FLUSH"})->str, "OK");
  EXPECT_EQ(c.List("s", "a", 10).substr(0, 3), "0  ");
  EXPECT_EQ(c.Buy("b", "s", "a", 10).substr(0, 3), "0  ");
  EXPECT_EQ((*conn)->Command({"FLUSHALL"})->str, "OK");  // the data goes, functions stay
  EXPECT_EQ((*conn)->Command({"FUNCTION", "FLUSH"})->str, "OK");
  EXPECT_EQ(c.CreateUser("s", 0), "0  []");
  EXPECT_EQ(c.Grant("s", "z"), "0  []");
  EXPECT_EQ(c.List("s", "z", 5).substr(0, 3), "0  ");
  EXPECT_EQ(c.Cancel("s", "z").substr(0, 3), "0  ");
  EXPECT_EQ(CheckInvariants(store.port(), "{r1}:"), "");
  // Every key the functions wrote is under the prefix (they are all declared as KEYS).
  auto keys = (*conn)->Command({"KEYS", "*"});
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->elements.size(), 4u);  // users:s inventory:s events: history:s
  for (const auto& k : keys->elements) {
    EXPECT_EQ(k.str.rfind("{r1}:", 0), 0u) << k.str;
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, MarketScriptTest, ::testing::ValuesIn(StoreKinds()),
                         [](const auto& info) { return StoreKindName(info.param); });

}  // namespace
}  // namespace bazaar::market::testing
