// The economy's RPCs (wallets, stacks, stack listings, the reaper) through bazaar-market, against
// real redis-server and bazaar-engine: every call and error with its reason, and the races the
// issue names: many buyers on one listing of 10 sell exactly 10, and reapers in two market
// processes racing buyers on expiring listings never hand out an item twice.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "market_fixture.h"
#include "resp/connection.h"

namespace bazaar::market::testing {
namespace {

namespace v1 = bazaar::market::v1;

const std::vector<std::string> kEconomyFlags = {"--currencies=gold,gems", "--fee_bps=500",
                                                "--fee_min=1", "--reap_interval=50ms"};

// Reads the store directly over RESP.
class StoreReader {
 public:
  explicit StoreReader(int port) {
    client::ConnectionOptions o;
    o.port = port;
    conn_ = std::move(*client::RespConnection::Connect(o));
  }
  client::RespReply Cmd(const std::vector<std::string>& argv) {
    auto r = conn_->Command(argv);
    return r.ok() ? *r : client::RespReply::Error("io");
  }
  int64_t Int(const std::vector<std::string>& argv) {
    client::RespReply r = Cmd(argv);
    if (r.type == client::RespReply::Type::kInteger) return r.integer;
    int64_t v = 0;
    if (r.is_string()) absl::SimpleAtoi(r.str, &v);
    return v;
  }
  std::vector<std::string> Keys(const std::string& pattern) {
    std::vector<std::string> out;
    for (const auto& e : Cmd({"KEYS", pattern}).elements) out.push_back(e.str);
    return out;
  }
  // Per currency, wallets + sink == initial + credited - debited; per item type, stacks +
  // listed == granted; instances held or listed == granted; no negative balance or stack. ""
  // when all hold.
  std::string CheckEconomy() {
    std::string problems;
    std::map<std::string, int64_t> money, sources, items, granted;
    for (const std::string& key : Keys("users:*")) {
      auto h = Cmd({"HGETALL", key});
      for (size_t i = 0; i + 1 < h.elements.size(); i += 2) {
        const std::string& f = h.elements[i].str;
        int64_t v = 0;
        absl::SimpleAtoi(h.elements[i + 1].str, &v);
        if (f == "funds" || absl::StartsWith(f, "funds:")) {
          if (v < 0) absl::StrAppend(&problems, key, " ", f, " < 0; ");
          money[f == "funds" ? "gold" : f.substr(6)] += v;
        } else if (f == "initial_funds") {
          sources["gold"] += v;
        } else if (absl::StartsWith(f, "credited:")) {
          sources[f.substr(9)] += v;
        } else if (absl::StartsWith(f, "debited:")) {
          sources[f.substr(8)] -= v;
        }
      }
    }
    auto sink = Cmd({"HGETALL", "sink:"});
    for (size_t i = 0; i + 1 < sink.elements.size(); i += 2) {
      money[sink.elements[i].str] += std::stoll(sink.elements[i + 1].str);
    }
    for (const char* prefix : {"stacks:*", "granted:*"}) {
      for (const std::string& key : Keys(prefix)) {
        auto h = Cmd({"HGETALL", key});
        for (size_t i = 0; i + 1 < h.elements.size(); i += 2) {
          int64_t v = std::stoll(h.elements[i + 1].str);
          if (v < 0) absl::StrAppend(&problems, key, " ", h.elements[i].str, " < 0; ");
          (prefix[0] == 's' ? items : granted)[h.elements[i].str] += v;
        }
      }
    }
    // Instances: in inventories, v1 listings or the economy's instance listings, as granted.
    int64_t instances = Int({"ZCARD", "market:"}), instances_granted = 0;
    for (const std::string& key : Keys("lot:*")) {
      auto h = Cmd({"HMGET", key, "type", "quantity", "item"});
      if (!h.elements[2].is_nil()) {
        ++instances;
        if (h.elements[1].str != "1") absl::StrAppend(&problems, key, " quantity != 1; ");
        continue;
      }
      items[h.elements[0].str] += std::stoll(h.elements[1].str);
    }
    for (const std::string& key : Keys("users:*")) {
      instances_granted += Int({"HGET", key, "items_granted"});
      instances += Int({"SCARD", "inventory:" + key.substr(6)});
    }
    if (instances != instances_granted) {
      absl::StrAppend(&problems, instances, " instances held or listed, ", instances_granted,
                      " granted; ");
    }
    for (const auto& [c, total] : sources) {
      if (money[c] != total)
        absl::StrAppend(&problems, c, ": ", money[c], " held, ", total, " put in; ");
    }
    for (const auto& [t, total] : granted) {
      if (items[t] != total)
        absl::StrAppend(&problems, t, ": ", items[t], " held, ", total, " granted; ");
    }
    return problems;
  }

 private:
  std::unique_ptr<client::RespConnection> conn_;
};

class EconomyRpcTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    store_ = std::make_unique<StoreProcess>(GetParam(), /*persistent=*/false);
    market_ = std::make_unique<MarketProcess>(store_->port(), kEconomyFlags);
    stub_ = market_->NewStub();
  }
  // Runs one call; returns "" on success, else the reason the market gave.
  template <typename Req, typename Resp, typename Method>
  std::string Call(Method method, const Req& req, Resp* resp) {
    auto ctx = Ctx();
    last_ = ((*stub_).*method)(ctx.get(), req, resp);
    return last_.ok() ? "" : Reason(*ctx);
  }
  // The ErrorInfo in the last call's status details, as a client in any language reads it.
  google::rpc::ErrorInfo LastErrorInfo() {
    google::rpc::Status details;
    google::rpc::ErrorInfo info;
    EXPECT_TRUE(details.ParseFromString(last_.error_details()));
    EXPECT_EQ(details.code(), last_.error_code());
    EXPECT_EQ(details.details_size(), 1);
    if (details.details_size() > 0) EXPECT_TRUE(details.details(0).UnpackTo(&info));
    return info;
  }
  void NewUser(const std::string& id, int64_t funds) {
    v1::CreateUserRequest req;
    req.set_user_id(id);
    req.set_funds(funds);
    v1::CreateUserResponse resp;
    ASSERT_EQ(Call(&v1::Market::Stub::CreateUser, req, &resp), "");
  }
  std::string GrantStack(const std::string& user, const std::string& type, int64_t q) {
    v1::GrantItemRequest req;
    req.set_user_id(user);
    req.set_item_type(type);
    req.set_quantity(q);
    v1::GrantItemResponse resp;
    return Call(&v1::Market::Stub::GrantItem, req, &resp);
  }
  std::string ListStack(const std::string& seller, const std::string& type, int64_t q,
                        int64_t price, v1::ListItemResponse* resp, const std::string& currency = "",
                        int64_t duration_s = 0) {
    v1::ListItemRequest req;
    req.set_seller_id(seller);
    req.set_item_type(type);
    req.set_quantity(q);
    req.set_price(price);
    req.set_currency(currency);
    req.set_duration_seconds(duration_s);
    return Call(&v1::Market::Stub::ListItem, req, resp);
  }
  std::string Buy(const std::string& buyer, const std::string& id, int64_t q, int64_t max,
                  v1::PurchaseItemResponse* resp) {
    v1::PurchaseItemRequest req;
    req.set_buyer_id(buyer);
    req.set_listing_id(id);
    req.set_quantity(q);
    req.set_max_unit_price(max);
    return Call(&v1::Market::Stub::PurchaseItem, req, resp);
  }
  std::string GrantInstance(const std::string& user, const std::string& item) {
    v1::GrantItemRequest req;
    req.set_user_id(user);
    req.set_item_id(item);
    v1::GrantItemResponse resp;
    return Call(&v1::Market::Stub::GrantItem, req, &resp);
  }
  // The economy's instance listing: item_id with its kind in item_type.
  std::string ListInstance(const std::string& seller, const std::string& item,
                           const std::string& kind, int64_t price, v1::ListItemResponse* resp,
                           const std::string& currency = "", int64_t duration_s = 0) {
    v1::ListItemRequest req;
    req.set_seller_id(seller);
    req.set_item_id(item);
    req.set_item_type(kind);
    req.set_price(price);
    req.set_currency(currency);
    req.set_duration_seconds(duration_s);
    return Call(&v1::Market::Stub::ListItem, req, resp);
  }
  v1::User GetUser(const std::string& id) {
    v1::GetUserRequest req;
    req.set_user_id(id);
    v1::GetUserResponse resp;
    EXPECT_EQ(Call(&v1::Market::Stub::GetUser, req, &resp), "");
    return resp.user();
  }

  std::unique_ptr<StoreProcess> store_;
  std::unique_ptr<MarketProcess> market_;
  std::unique_ptr<v1::Market::Stub> stub_;
  grpc::Status last_;
};

TEST_P(EconomyRpcTest, EveryEconomyCallAndItsErrors) {
  NewUser("ann", 0);
  NewUser("bob", 500);
  // Wallets: a credit and a debit in gems, each with its ledger event id.
  v1::WalletRequest w;
  w.set_user_id("bob");
  w.set_currency("gems");
  w.set_amount(80);
  w.set_memo("quest 12");
  v1::WalletResponse wr;
  google::rpc::ErrorInfo info;
  ASSERT_EQ(Call(&v1::Market::Stub::Credit, w, &wr), "");
  EXPECT_EQ(wr.balance(), 80);
  EXPECT_FALSE(wr.info().event_id().empty());
  w.set_amount(30);
  ASSERT_EQ(Call(&v1::Market::Stub::Debit, w, &wr), "");
  EXPECT_EQ(wr.balance(), 50);
  w.set_amount(51);
  w.set_request_id("debit-51");
  EXPECT_EQ(Call(&v1::Market::Stub::Debit, w, &wr), "INSUFFICIENT_FUNDS");
  // The same failure replayed from its request id carries the same figures.
  for (int replay = 0; replay < 2; ++replay) {
    if (replay == 1) EXPECT_EQ(Call(&v1::Market::Stub::Debit, w, &wr), "INSUFFICIENT_FUNDS");
    info = LastErrorInfo();
    EXPECT_EQ(info.metadata().at("balance"), "50");
    EXPECT_EQ(info.metadata().at("needed"), "51");
    EXPECT_EQ(info.metadata().at("currency"), "gems");
  }
  w.set_request_id("");
  w.set_currency("silver");
  EXPECT_EQ(Call(&v1::Market::Stub::Credit, w, &wr), "INVALID_ARGUMENT");

  // Stacks: a grant by type, a revoke, and a request naming both an instance and a type.
  ASSERT_EQ(GrantStack("ann", "potion", 12), "");
  v1::RevokeItemRequest rv;
  rv.set_user_id("ann");
  rv.set_item_type("potion");
  rv.set_quantity(2);
  v1::RevokeItemResponse rvr;
  ASSERT_EQ(Call(&v1::Market::Stub::RevokeItem, rv, &rvr), "");
  EXPECT_EQ(rvr.quantity(), 10);
  rv.set_quantity(11);
  EXPECT_EQ(Call(&v1::Market::Stub::RevokeItem, rv, &rvr), "INSUFFICIENT_QUANTITY");
  v1::GrantItemRequest both;
  both.set_user_id("ann");
  both.set_item_id("sword");
  both.set_item_type("potion");
  both.set_quantity(1);
  v1::GrantItemResponse gr;
  EXPECT_EQ(Call(&v1::Market::Stub::GrantItem, both, &gr), "INVALID_ARGUMENT");

  // A stack listing in gems, looked up by id, bought in part, then cancelled.
  v1::ListItemResponse listed;
  ASSERT_EQ(ListStack("ann", "potion", 10, 4, &listed, "gems"), "");
  const v1::Listing& l = listed.listing();
  EXPECT_THAT(l.listing_id(), ::testing::StartsWith("L"));
  EXPECT_EQ(l.quantity(), 10);
  EXPECT_EQ(l.currency(), "gems");
  EXPECT_EQ(l.expires_ms() - l.created_ms(), 24 * 3600 * 1000);
  EXPECT_EQ(ListStack("ann", "potion", 1, 4, &listed), "INSUFFICIENT_QUANTITY");
  v1::GetListingRequest gl;
  gl.set_listing_id(l.listing_id());
  v1::GetListingResponse glr;
  ASSERT_EQ(Call(&v1::Market::Stub::GetListing, gl, &glr), "");
  EXPECT_EQ(glr.listing().seller_id(), "ann");
  v1::PurchaseItemResponse bought;
  EXPECT_EQ(Buy("bob", l.listing_id(), 3, 3, &bought), "PRICE_CHANGED");
  info = LastErrorInfo();
  EXPECT_EQ(info.reason(), "PRICE_CHANGED");
  EXPECT_EQ(info.domain(), "bazaar.market");
  EXPECT_EQ(info.metadata().at("unit_price"), "4");
  EXPECT_EQ(info.metadata().at("max_unit_price"), "3");
  EXPECT_EQ(Buy("bob", l.listing_id(), 13, 4, &bought), "INSUFFICIENT_QUANTITY");
  EXPECT_EQ(Buy("ann", l.listing_id(), 1, 4, &bought), "OWN_LISTING");
  EXPECT_EQ(Buy("bob", l.listing_id(), 13, 4, &bought), "INSUFFICIENT_QUANTITY");
  ASSERT_EQ(Buy("bob", l.listing_id(), 6, 5, &bought), "");
  EXPECT_EQ(bought.total_price(), 24);
  EXPECT_EQ(bought.fee(), 1);
  EXPECT_EQ(bought.buyer_funds(), 26);
  EXPECT_EQ(bought.listing().quantity(), 4);
  EXPECT_EQ(Buy("bob", l.listing_id(), 5, 4, &bought), "INSUFFICIENT_QUANTITY");
  info = LastErrorInfo();
  EXPECT_EQ(info.metadata().at("available"), "4");
  EXPECT_EQ(info.metadata().at("requested"), "5");
  v1::CancelListingRequest cancel;
  cancel.set_seller_id("ann");
  cancel.set_listing_id(l.listing_id());
  v1::CancelListingResponse cr;
  ASSERT_EQ(Call(&v1::Market::Stub::CancelListing, cancel, &cr), "");
  EXPECT_EQ(cr.listing().quantity(), 4);
  EXPECT_EQ(Call(&v1::Market::Stub::CancelListing, cancel, &cr), "LISTING_NOT_FOUND");

  v1::User ann = GetUser("ann"), bob = GetUser("bob");
  EXPECT_EQ(ann.stacks().at("potion"), 4);
  EXPECT_EQ(ann.wallet().at("gems"), 23);
  EXPECT_EQ(ann.wallet().at("gold"), 0);
  EXPECT_EQ(bob.stacks().at("potion"), 6);
  EXPECT_EQ(bob.wallet().at("gems"), 26);
  EXPECT_EQ(bob.funds(), 500);

  // A listing that expires: refused to buyers, then the reaper brings it home.
  ASSERT_EQ(ListStack("ann", "potion", 4, 1, &listed, "", /*duration_s=*/1), "");
  EXPECT_EQ(ListStack("ann", "potion", 1, 1, &listed, "", 31 * 24 * 3600), "INVALID_ARGUMENT");
  StoreReader store(store_->port());
  for (int i = 0; i < 100 && store.Int({"ZCARD", "lot_expiry:"}) > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(store.Int({"ZCARD", "lot_expiry:"}), 0);
  EXPECT_EQ(GetUser("ann").stacks().at("potion"), 4);
  EXPECT_EQ(store.CheckEconomy(), "");
}

TEST_P(EconomyRpcTest, InstanceListingsOfTheEconomy) {
  NewUser("ann", 0);
  NewUser("bob", 500);
  ASSERT_EQ(GrantInstance("ann", "sword-7"), "");
  ASSERT_EQ(GrantInstance("ann", "sword-8"), "");
  ASSERT_EQ(GrantInstance("bob", "sword-8"), "");
  v1::WalletRequest w;
  w.set_user_id("bob");
  w.set_currency("gems");
  w.set_amount(300);
  v1::WalletResponse wr;
  ASSERT_EQ(Call(&v1::Market::Stub::Credit, w, &wr), "");

  // Refusals before anything is listed.
  v1::ListItemResponse listed;
  EXPECT_EQ(ListInstance("ann", "sword-9", "sword", 100, &listed, "gems"), "ITEM_NOT_IN_INVENTORY");
  EXPECT_EQ(LastErrorInfo().metadata().at("item_id"), "sword-9");
  v1::ListItemRequest v1_with_currency;
  v1_with_currency.set_seller_id("ann");
  v1_with_currency.set_item_id("sword-7");
  v1_with_currency.set_price(1);
  v1_with_currency.set_currency("gems");
  EXPECT_EQ(Call(&v1::Market::Stub::ListItem, v1_with_currency, &listed), "INVALID_ARGUMENT");

  // Listed in gems: an id, an expiry, the kind; out of ann's inventory, still hers.
  ASSERT_EQ(ListInstance("ann", "sword-7", "sword", 100, &listed, "gems"), "");
  const v1::Listing l = listed.listing();
  EXPECT_EQ(l.item_id(), "sword-7");
  EXPECT_EQ(l.item_type(), "sword");
  EXPECT_EQ(l.quantity(), 1);
  EXPECT_EQ(l.currency(), "gems");
  EXPECT_GT(l.expires_ms(), l.created_ms());
  EXPECT_THAT(GetUser("ann").inventory(), ::testing::ElementsAre("sword-8"));
  EXPECT_EQ(GrantInstance("ann", "sword-7"), "ITEM_ALREADY_OWNED");

  // Browsing: under the kind's instances, not its stacks; in the seller's listings.
  v1::BrowseStackListingsRequest browse;
  browse.set_item_type("sword");
  browse.set_currency("gems");
  v1::BrowseStackListingsResponse page;
  ASSERT_EQ(Call(&v1::Market::Stub::BrowseStackListings, browse, &page), "");
  EXPECT_EQ(page.total(), 0);
  browse.set_instances(true);
  ASSERT_EQ(Call(&v1::Market::Stub::BrowseStackListings, browse, &page), "");
  ASSERT_EQ(page.listings_size(), 1);
  EXPECT_EQ(page.listings(0).item_id(), "sword-7");
  v1::BrowseStackListingsRequest mine;
  mine.set_seller_id("ann");
  ASSERT_EQ(Call(&v1::Market::Stub::BrowseStackListings, mine, &page), "");
  ASSERT_EQ(page.listings_size(), 1);
  EXPECT_EQ(page.listings(0).listing_id(), l.listing_id());
  v1::BuyQuantityRequest bq;
  bq.set_buyer_id("bob");
  bq.set_item_type("sword");
  bq.set_currency("gems");
  bq.set_quantity(1);
  bq.set_max_unit_price(1000);
  v1::BuyQuantityResponse bqr;
  EXPECT_EQ(Call(&v1::Market::Stub::BuyQuantity, bq, &bqr), "INSUFFICIENT_QUANTITY");

  // Bought by listing id: the fee to the sink, the sword to bob.
  v1::PurchaseItemResponse bought;
  EXPECT_EQ(Buy("bob", l.listing_id(), 1, 99, &bought), "PRICE_CHANGED");
  EXPECT_EQ(Buy("ann", l.listing_id(), 1, 100, &bought), "OWN_LISTING");
  ASSERT_EQ(Buy("bob", l.listing_id(), 1, 100, &bought), "");
  EXPECT_EQ(bought.listing().item_id(), "sword-7");
  EXPECT_EQ(bought.total_price(), 100);
  EXPECT_EQ(bought.fee(), 5);
  EXPECT_EQ(bought.buyer_funds(), 200);
  EXPECT_EQ(Buy("bob", l.listing_id(), 1, 100, &bought), "LISTING_NOT_FOUND");
  EXPECT_THAT(GetUser("bob").inventory(), ::testing::ElementsAre("sword-7", "sword-8"));
  EXPECT_EQ(GetUser("ann").wallet().at("gems"), 95);

  // A buyer holding the same id, in the inventory or listed, is refused.
  ASSERT_EQ(ListInstance("ann", "sword-8", "sword", 10, &listed), "");
  const std::string eight = listed.listing().listing_id();
  EXPECT_EQ(Buy("bob", eight, 1, 10, &bought), "BUYER_OWNS_ITEM");
  EXPECT_EQ(LastErrorInfo().metadata().at("item_id"), "sword-8");
  v1::ListItemResponse bobs;
  ASSERT_EQ(ListInstance("bob", "sword-8", "sword", 12, &bobs), "");
  EXPECT_EQ(Buy("bob", eight, 1, 10, &bought), "BUYER_OWNS_ITEM");

  // Cancelled by id: back to the inventory.
  v1::CancelListingRequest cancel;
  cancel.set_seller_id("bob");
  cancel.set_listing_id(bobs.listing().listing_id());
  v1::CancelListingResponse cr;
  ASSERT_EQ(Call(&v1::Market::Stub::CancelListing, cancel, &cr), "");
  EXPECT_EQ(cr.listing().item_id(), "sword-8");
  EXPECT_THAT(GetUser("bob").inventory(), ::testing::ElementsAre("sword-7", "sword-8"));

  // Expired: the reaper brings it home to ann.
  ASSERT_EQ(GrantInstance("ann", "axe"), "");
  ASSERT_EQ(ListInstance("ann", "axe", "axe", 10, &listed, "", /*duration_s=*/1), "");
  StoreReader store(store_->port());
  for (int i = 0;
       i < 100 && store.Int({"ZSCORE", "lot_expiry:", listed.listing().listing_id()}) > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_THAT(GetUser("ann").inventory(), ::testing::ElementsAre("axe"));
  EXPECT_EQ(store.CheckEconomy(), "");
}

TEST_P(EconomyRpcTest, ScriptModesV1PurchaseRefusesABuyerWhoListedTheSameId) {
  MarketProcess scripted(store_->port(), {"--mode=script", "--currencies=gold,gems"});
  auto script_stub = scripted.NewStub();
  NewUser("ann", 0);
  NewUser("bob", 500);
  ASSERT_EQ(GrantInstance("ann", "ring"), "");
  ASSERT_EQ(GrantInstance("bob", "ring"), "");
  v1::ListItemRequest v1_list;
  v1_list.set_seller_id("ann");
  v1_list.set_item_id("ring");
  v1_list.set_price(5);
  v1::ListItemResponse listed;
  ASSERT_EQ(Call(&v1::Market::Stub::ListItem, v1_list, &listed), "");
  ASSERT_EQ(ListInstance("bob", "ring", "ring", 9, &listed), "");
  v1::PurchaseItemRequest buy;
  buy.set_buyer_id("bob");
  buy.set_seller_id("ann");
  buy.set_item_id("ring");
  buy.set_expected_price(5);
  v1::PurchaseItemResponse bought;
  auto ctx = Ctx();
  grpc::Status s = script_stub->PurchaseItem(ctx.get(), buy, &bought);
  EXPECT_EQ(Reason(*ctx), "BUYER_OWNS_ITEM") << s.error_message();
  EXPECT_EQ(StoreReader(store_->port()).CheckEconomy(), "");
}

TEST_P(EconomyRpcTest, ManyBuyersOnOneInstanceListingOnlyOneWins) {
  NewUser("seller", 0);
  ASSERT_EQ(GrantInstance("seller", "crown"), "");
  v1::ListItemResponse listed;
  ASSERT_EQ(ListInstance("seller", "crown", "crown", 50, &listed), "");
  const std::string id = listed.listing().listing_id();
  constexpr int kBuyers = 8;
  for (int b = 0; b < kBuyers; ++b) NewUser(absl::StrCat("b", b), 100);
  std::atomic<int> won{0}, gone{0};
  std::mutex mu;
  std::vector<std::string> others;  // what the calls that neither won nor found it gone said
  std::vector<std::thread> threads;
  for (int b = 0; b < kBuyers; ++b) {
    threads.emplace_back([&, b] {
      auto stub = market_->NewStub();
      v1::PurchaseItemRequest req;
      req.set_buyer_id(absl::StrCat("b", b));
      req.set_listing_id(id);
      req.set_quantity(1);
      req.set_max_unit_price(50);
      for (int attempt = 0; attempt < 20; ++attempt) {
        v1::PurchaseItemResponse resp;
        auto ctx = Ctx();
        ctx->set_wait_for_ready(true);  // fresh channels connect at once: a transient failure
        grpc::Status s = stub->PurchaseItem(ctx.get(), req, &resp);
        if (s.ok()) return void(++won);
        if (Reason(*ctx) == "LISTING_NOT_FOUND") return void(++gone);
        if (Reason(*ctx) != "CONTENTION") {  // anything else fails the counts below
          std::lock_guard lock(mu);
          others.push_back(absl::StrCat(Reason(*ctx), ": ", s.error_message()));
          return;
        }
      }
      std::lock_guard lock(mu);
      others.push_back("still CONTENTION after 20 tries");
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(gone.load(), kBuyers - 1) << absl::StrJoin(others, "; ");
  int holders = 0;
  for (int b = 0; b < kBuyers; ++b) {
    v1::User u = GetUser(absl::StrCat("b", b));
    holders += u.inventory_size();
    EXPECT_EQ(u.funds(), u.inventory_size() == 1 ? 50 : 100);
  }
  EXPECT_EQ(holders, 1);
  EXPECT_EQ(StoreReader(store_->port()).CheckEconomy(), "");
}

TEST_P(EconomyRpcTest, ManyBuyersOnOneListingOfTenSellExactlyTen) {
  NewUser("seller", 0);
  ASSERT_EQ(GrantStack("seller", "ore", 10), "");
  v1::ListItemResponse listed;
  ASSERT_EQ(ListStack("seller", "ore", 10, 20, &listed), "");
  const std::string id = listed.listing().listing_id();
  constexpr int kBuyers = 8;
  for (int b = 0; b < kBuyers; ++b) NewUser("b" + std::to_string(b), 1000);
  std::atomic<int64_t> bought{0}, fees{0};
  std::vector<std::thread> threads;
  for (int b = 0; b < kBuyers; ++b) {
    threads.emplace_back([&, b] {
      auto stub = market_->NewStub();
      for (;;) {
        v1::PurchaseItemRequest req;
        req.set_buyer_id("b" + std::to_string(b));
        req.set_listing_id(id);
        req.set_quantity(1 + b % 2);  // some buy one, some two
        req.set_max_unit_price(20);
        v1::PurchaseItemResponse resp;
        auto ctx = Ctx();
        ctx->set_wait_for_ready(true);  // fresh channels connect at once: a transient failure
        grpc::Status s = stub->PurchaseItem(ctx.get(), req, &resp);
        if (s.ok()) {
          bought += resp.quantity();
          fees += resp.fee();
          continue;
        }
        const std::string why = Reason(*ctx);
        if (why == "INSUFFICIENT_QUANTITY" && req.quantity() == 2) {
          continue;  // one may be left for a single buyer
        }
        if (why == "CONTENTION") continue;  // the market's retries ran out: nothing applied
        EXPECT_THAT(why, ::testing::AnyOf("INSUFFICIENT_QUANTITY", "LISTING_NOT_FOUND"));
        return;
      }
    });
  }
  for (auto& t : threads) t.join();
  StoreReader store(store_->port());
  EXPECT_EQ(bought.load(), 10);
  int64_t held = 0;
  for (int b = 0; b < kBuyers; ++b) {
    held += store.Int({"HGET", "stacks:b" + std::to_string(b), "ore"});
  }
  EXPECT_EQ(held, 10);
  EXPECT_EQ(store.Int({"EXISTS", "lot:" + id}), 0);
  EXPECT_EQ(store.Int({"HGET", "users:seller", "funds"}), 200 - fees.load());
  EXPECT_EQ(store.Int({"HGET", "sink:", "gold"}), fees.load());
  EXPECT_EQ(store.CheckEconomy(), "");
}

TEST_P(EconomyRpcTest, TwoReapersAndBuyersOnExpiringListingsNeverHandOutAnItemTwice) {
  MarketProcess second(store_->port(), kEconomyFlags);
  NewUser("seller", 0);
  NewUser("buyer", 1'000'000);
  ASSERT_EQ(GrantStack("seller", "ore", 400), "");
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) {
    v1::ListItemResponse listed;
    ASSERT_EQ(ListStack("seller", "ore", 10, 1, &listed, "", /*duration_s=*/1), "");
    ids.push_back(listed.listing().listing_id());
  }
  // The buyer keeps buying through the second market while both reapers run.
  std::atomic<int64_t> bought{0};
  std::thread buyer([&] {
    auto stub = second.NewStub();
    for (int round = 0; round < 400; ++round) {
      v1::PurchaseItemRequest req;
      req.set_buyer_id("buyer");
      req.set_listing_id(ids[round % ids.size()]);
      req.set_quantity(1);
      req.set_max_unit_price(1);
      v1::PurchaseItemResponse resp;
      auto ctx = Ctx();
      if (stub->PurchaseItem(ctx.get(), req, &resp).ok()) bought += 1;
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
    }
  });
  buyer.join();
  StoreReader store(store_->port());
  for (int i = 0; i < 100 && store.Int({"ZCARD", "lot_expiry:"}) > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(store.Int({"ZCARD", "lot_expiry:"}), 0);
  EXPECT_EQ(store.Keys("lot:*").size(), 0u);
  EXPECT_GT(bought.load(), 0);
  EXPECT_EQ(store.Int({"HGET", "stacks:buyer", "ore"}), bought.load());
  EXPECT_EQ(store.Int({"HGET", "stacks:seller", "ore"}), 400 - bought.load());
  // Each listing ended once: sold out, or expired with what was left.
  int64_t expired_events = 0, returned = 0;
  for (const auto& e : store.Cmd({"XRANGE", "events:", "-", "+"}).elements) {
    const auto& f = e.elements[1].elements;
    if (f[1].str != "expired") continue;
    ++expired_events;
    for (size_t i = 0; i + 1 < f.size(); i += 2) {
      if (f[i].str == "quantity") returned += std::stoll(f[i + 1].str);
    }
  }
  EXPECT_EQ(returned, 400 - bought.load());
  EXPECT_GT(expired_events, 0);  // the race happened: some listings outlived the buying
  EXPECT_LE(expired_events, 40);
  EXPECT_EQ(store.CheckEconomy(), "");
}

TEST_P(EconomyRpcTest, ConcurrentQuantityBuysAcrossSellersSellEachUnitOnce) {
  // Four sellers list 5 listings of 6 ore each (120 units) at prices 1..5; six buyers each ask
  // for 7 at a time until the market cannot fill them.
  for (int s = 0; s < 4; ++s) {
    const std::string seller = "s" + std::to_string(s);
    NewUser(seller, 0);
    ASSERT_EQ(GrantStack(seller, "ore", 30), "");
    for (int l = 0; l < 5; ++l) {
      v1::ListItemResponse listed;
      ASSERT_EQ(ListStack(seller, "ore", 6, 1 + l, &listed), "");
    }
  }
  constexpr int kBuyers = 6;
  for (int b = 0; b < kBuyers; ++b) NewUser("b" + std::to_string(b), 10'000);
  std::atomic<int64_t> bought{0}, paid{0};
  std::vector<std::thread> threads;
  for (int b = 0; b < kBuyers; ++b) {
    threads.emplace_back([&, b] {
      auto stub = market_->NewStub();
      for (;;) {
        v1::BuyQuantityRequest req;
        req.set_buyer_id("b" + std::to_string(b));
        req.set_item_type("ore");
        req.set_quantity(7);
        req.set_max_unit_price(5);
        v1::BuyQuantityResponse resp;
        auto ctx = Ctx(20);
        ctx->set_wait_for_ready(true);  // fresh channels connect at once: a transient failure
        grpc::Status s = stub->BuyQuantity(ctx.get(), req, &resp);
        if (!s.ok()) {
          if (Reason(*ctx) == "CONTENTION") continue;  // nothing applied: try again
          EXPECT_EQ(Reason(*ctx), "INSUFFICIENT_QUANTITY") << s.error_message();
          return;
        }
        int64_t q = 0, total = 0;
        for (const auto& f : resp.fills()) {
          q += f.quantity();
          total += f.quantity() * f.unit_price();
        }
        EXPECT_EQ(q, 7);
        EXPECT_EQ(resp.total_price(), total);
        bought += q;
        paid += total;
      }
    });
  }
  for (auto& t : threads) t.join();
  StoreReader store(store_->port());
  // 120 units, 7 at a time: 17 buys take 119, and 1 is left that nobody can fill.
  EXPECT_EQ(bought.load(), 119);
  int64_t held = 0, funds = 0;
  for (int b = 0; b < kBuyers; ++b) {
    held += store.Int({"HGET", "stacks:b" + std::to_string(b), "ore"});
    funds += store.Int({"HGET", "users:b" + std::to_string(b), "funds"});
  }
  EXPECT_EQ(held, 119);
  EXPECT_EQ(funds, kBuyers * 10'000 - paid.load());
  EXPECT_EQ(store.CheckEconomy(), "");
}

TEST_P(EconomyRpcTest, BrowsingStackListingsByPriceNewestEndingSoonAndSeller) {
  NewUser("s1", 0);
  NewUser("s2", 0);
  NewUser("buyer", 10'000);
  ASSERT_EQ(GrantStack("s1", "ore", 100), "");
  ASSERT_EQ(GrantStack("s2", "ore", 100), "");
  ASSERT_EQ(GrantStack("s2", "gem", 10), "");
  // Prices 5 5 5 7 9 (three at one price) and durations so that expiry order differs.
  std::vector<std::string> ids;
  const std::vector<std::tuple<std::string, int64_t, int64_t>> plan = {
      {"s1", 5, 500}, {"s2", 5, 100}, {"s1", 9, 300}, {"s2", 7, 200}, {"s1", 5, 400}};
  for (const auto& [seller, price, duration] : plan) {
    v1::ListItemResponse listed;
    ASSERT_EQ(ListStack(seller, "ore", 2, price, &listed, "", duration), "");
    ids.push_back(listed.listing().listing_id());
    std::this_thread::sleep_for(std::chrono::milliseconds(3));  // distinct created times
  }
  v1::ListItemResponse other;
  ASSERT_EQ(ListStack("s2", "gem", 1, 1, &other), "");  // another market: never seen below
  auto page = [&](v1::BrowseStackListingsRequest req, std::string* why = nullptr) {
    v1::BrowseStackListingsResponse resp;
    std::string r = Call(&v1::Market::Stub::BrowseStackListings, req, &resp);
    if (why) *why = r;
    EXPECT_TRUE(why || r.empty()) << r;
    return resp;
  };
  v1::BrowseStackListingsRequest q;
  q.set_item_type("ore");
  q.set_page_size(2);
  auto p1 = page(q);
  EXPECT_EQ(p1.total(), 5);
  ASSERT_EQ(p1.listings_size(), 2);
  EXPECT_EQ(p1.listings(0).price(), 5);
  EXPECT_FALSE(p1.next_cursor().empty());
  // Between pages: the last listing shown sells out, and a new one at 5 appears. Every listing
  // there all along is seen exactly once, in price order.
  v1::PurchaseItemResponse bought;
  ASSERT_EQ(Buy("buyer", p1.listings(1).listing_id(), 2, 5, &bought), "");
  std::vector<std::string> seen = {p1.listings(0).listing_id(), p1.listings(1).listing_id()};
  std::vector<int64_t> prices = {5, 5};
  q.set_cursor(p1.next_cursor());
  for (int guard = 0; guard < 10 && !q.cursor().empty(); ++guard) {
    auto p = page(q);
    for (const auto& l : p.listings()) {
      seen.push_back(l.listing_id());
      prices.push_back(l.price());
    }
    q.set_cursor(p.next_cursor());
  }
  EXPECT_TRUE(std::is_sorted(prices.begin(), prices.end()));
  for (const std::string& id : ids) {
    EXPECT_EQ(std::count(seen.begin(), seen.end(), id), 1) << id;
  }
  // Price bounds, with their count.
  v1::BrowseStackListingsRequest ranged;
  ranged.set_item_type("ore");
  ranged.set_min_price(6);
  ranged.set_max_price(9);
  auto r = page(ranged);
  EXPECT_EQ(r.total(), 2);
  ASSERT_EQ(r.listings_size(), 2);
  EXPECT_EQ(r.listings(0).price(), 7);
  // Newest first; ending soon first.
  v1::BrowseStackListingsRequest newest;
  newest.set_item_type("ore");
  newest.set_sort(v1::BrowseStackListingsRequest::NEWEST);
  auto n = page(newest);
  ASSERT_EQ(n.listings_size(), 4);
  const std::string sold = p1.listings(1).listing_id();
  EXPECT_EQ(n.listings(0).listing_id(), ids[4] == sold ? ids[3] : ids[4]);
  for (int i = 1; i < n.listings_size(); ++i) {
    EXPECT_GE(n.listings(i - 1).created_ms(), n.listings(i).created_ms());
  }
  newest.set_sort(v1::BrowseStackListingsRequest::ENDING_SOON);
  auto e = page(newest);
  ASSERT_EQ(e.listings_size(), 4);
  for (int i = 1; i < e.listings_size(); ++i) {
    EXPECT_LE(e.listings(i - 1).expires_ms(), e.listings(i).expires_ms());
  }
  // A seller's own listings, every market, newest first.
  v1::BrowseStackListingsRequest mine;
  mine.set_seller_id("s2");
  auto m = page(mine);
  EXPECT_EQ(m.total(), 2 + 1 - (p1.listings(1).seller_id() == "s2" ? 1 : 0));
  EXPECT_EQ(m.listings(0).listing_id(), other.listing().listing_id());
  // Refusals: a cursor from another query, a range without the price order, nothing named.
  std::string why;
  mine.set_cursor(p1.next_cursor());
  page(mine, &why);
  EXPECT_EQ(why, "BAD_CURSOR");
  newest.set_max_price(3);
  page(newest, &why);
  EXPECT_EQ(why, "INVALID_ARGUMENT");
  page(v1::BrowseStackListingsRequest(), &why);
  EXPECT_EQ(why, "INVALID_ARGUMENT");
}

INSTANTIATE_TEST_SUITE_P(Stores, EconomyRpcTest, ::testing::ValuesIn(StoreKinds()),
                         [](const auto& info) { return StoreKindName(info.param); });

}  // namespace
}  // namespace bazaar::market::testing
