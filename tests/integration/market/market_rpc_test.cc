// Every RPC and every error code of bazaar-market, against a real store process.
#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include "absl/strings/str_format.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "harness/resp_client.h"
#include "market_fixture.h"
#include "resp/connection.h"

namespace bazaar::market::testing {
namespace {

namespace v1 = bazaar::market::v1;

class MarketRpcTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override { Start({}); }
  void Start(std::vector<std::string> flags) {
    market_.reset();
    if (!store_) store_ = std::make_unique<StoreProcess>(GetParam(), /*persistent=*/false);
    market_ = std::make_unique<MarketProcess>(store_->port(), std::move(flags));
    stub_ = market_->NewStub();
  }

  grpc::Status CreateUser(const std::string& id, int64_t funds, std::string* reason = nullptr) {
    v1::CreateUserRequest req;
    req.set_user_id(id);
    req.set_name("name of " + id);
    req.set_funds(funds);
    v1::CreateUserResponse resp;
    auto ctx = Ctx();
    grpc::Status s = stub_->CreateUser(ctx.get(), req, &resp);
    if (reason) *reason = Reason(*ctx);
    return s;
  }
  grpc::Status Grant(const std::string& user, const std::string& item,
                     std::string* reason = nullptr) {
    v1::GrantItemRequest req;
    req.set_user_id(user);
    req.set_item_id(item);
    v1::GrantItemResponse resp;
    auto ctx = Ctx();
    grpc::Status s = stub_->GrantItem(ctx.get(), req, &resp);
    if (reason) *reason = Reason(*ctx);
    return s;
  }
  grpc::Status List(const std::string& seller, const std::string& item, int64_t price,
                    std::string* reason = nullptr, const std::string& request_id = "",
                    v1::ListItemResponse* out = nullptr) {
    v1::ListItemRequest req;
    req.set_seller_id(seller);
    req.set_item_id(item);
    req.set_price(price);
    req.set_request_id(request_id);
    v1::ListItemResponse resp;
    auto ctx = Ctx();
    grpc::Status s = stub_->ListItem(ctx.get(), req, out ? out : &resp);
    if (reason) *reason = Reason(*ctx);
    return s;
  }
  grpc::Status Buy(const std::string& buyer, const std::string& seller, const std::string& item,
                   int64_t price, std::string* reason = nullptr,
                   const std::string& request_id = "", v1::PurchaseItemResponse* out = nullptr,
                   double deadline_s = 10) {
    v1::PurchaseItemRequest req;
    req.set_buyer_id(buyer);
    req.set_seller_id(seller);
    req.set_item_id(item);
    req.set_expected_price(price);
    req.set_request_id(request_id);
    v1::PurchaseItemResponse resp;
    auto ctx = Ctx(deadline_s);
    grpc::Status s = stub_->PurchaseItem(ctx.get(), req, out ? out : &resp);
    if (reason) *reason = Reason(*ctx);
    return s;
  }
  v1::User GetUser(const std::string& id) {
    v1::GetUserRequest req;
    req.set_user_id(id);
    v1::GetUserResponse resp;
    auto ctx = Ctx();
    EXPECT_TRUE(stub_->GetUser(ctx.get(), req, &resp).ok());
    return resp.user();
  }
  // Seller "s" with items, buyer "b" with 100.
  void Seed() {
    ASSERT_TRUE(CreateUser("s", 0).ok());
    ASSERT_TRUE(CreateUser("b", 100).ok());
    ASSERT_TRUE(Grant("s", "sword").ok());
    ASSERT_TRUE(List("s", "sword", 30).ok());
  }
  client::RespReply StoreCommand(const std::vector<std::string>& argv) {
    client::ConnectionOptions o;
    o.port = store_->port();
    auto conn = client::RespConnection::Connect(o);
    EXPECT_TRUE(conn.ok());
    return *(*conn)->Command(argv);
  }

  std::unique_ptr<StoreProcess> store_;
  std::unique_ptr<MarketProcess> market_;
  std::unique_ptr<v1::Market::Stub> stub_;
};

TEST_P(MarketRpcTest, CreateUserThenGetUser) {
  ASSERT_TRUE(CreateUser("u1", 500).ok());
  v1::User u = GetUser("u1");
  EXPECT_EQ(u.name(), "name of u1");
  EXPECT_EQ(u.funds(), 500);
  EXPECT_EQ(u.inventory_size(), 0);
  std::string reason;
  EXPECT_EQ(CreateUser("u1", 1, &reason).error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(reason, "USER_EXISTS");
  v1::GetUserRequest req;
  req.set_user_id("ghost");
  v1::GetUserResponse resp;
  auto ctx = Ctx();
  EXPECT_EQ(stub_->GetUser(ctx.get(), req, &resp).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Reason(*ctx), "USER_NOT_FOUND");
}

TEST_P(MarketRpcTest, GrantListGetListingPurchase) {
  Seed();
  v1::GetListingRequest greq;
  greq.set_seller_id("s");
  greq.set_item_id("sword");
  v1::GetListingResponse gresp;
  auto gctx = Ctx();
  ASSERT_TRUE(stub_->GetListing(gctx.get(), greq, &gresp).ok());
  EXPECT_EQ(gresp.listing().price(), 30);

  v1::PurchaseItemResponse bought;
  ASSERT_TRUE(Buy("b", "s", "sword", 30, nullptr, "", &bought).ok());
  EXPECT_EQ(bought.buyer_funds(), 70);
  EXPECT_EQ(bought.listing().item_id(), "sword");
  EXPECT_GE(bought.info().attempts(), 1);
  EXPECT_EQ(GetUser("s").funds(), 30);
  EXPECT_EQ(GetUser("b").inventory(0), "sword");

  auto ctx = Ctx();
  EXPECT_EQ(stub_->GetListing(ctx.get(), greq, &gresp).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Reason(*ctx), "LISTING_NOT_FOUND");
  EXPECT_EQ(CheckInvariants(store_->port()), "");
}

TEST_P(MarketRpcTest, CancelListingReturnsTheItem) {
  Seed();
  v1::CancelListingRequest req;
  req.set_seller_id("s");
  req.set_item_id("sword");
  v1::CancelListingResponse resp;
  auto ctx = Ctx();
  ASSERT_TRUE(stub_->CancelListing(ctx.get(), req, &resp).ok());
  EXPECT_EQ(resp.listing().price(), 30);
  EXPECT_EQ(GetUser("s").inventory(0), "sword");
  auto ctx2 = Ctx();
  EXPECT_EQ(stub_->CancelListing(ctx2.get(), req, &resp).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Reason(*ctx2), "LISTING_NOT_FOUND");
}

TEST_P(MarketRpcTest, FailedPreconditionsCarryTheirReasons) {
  Seed();
  std::string r;
  EXPECT_EQ(Buy("b", "s", "sword", 31, &r).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(r, "PRICE_CHANGED");
  EXPECT_EQ(Buy("s", "s", "sword", 30, &r).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(r, "OWN_LISTING");
  ASSERT_TRUE(Grant("s", "crown").ok());
  ASSERT_TRUE(List("s", "crown", 1000).ok());
  EXPECT_EQ(Buy("b", "s", "crown", 1000, &r).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(r, "INSUFFICIENT_FUNDS");
  EXPECT_EQ(List("b", "crown", 5, &r).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(r, "ITEM_NOT_IN_INVENTORY");
  ASSERT_TRUE(Grant("b", "sword").ok());
  EXPECT_EQ(Buy("b", "s", "sword", 30, &r).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(r, "BUYER_OWNS_ITEM");
  EXPECT_EQ(Grant("b", "sword", &r).error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(r, "ITEM_ALREADY_OWNED");
  EXPECT_EQ(Grant("nobody", "x", &r).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(r, "USER_NOT_FOUND");
  EXPECT_EQ(Buy("b", "s", "nothing", 1, &r).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(r, "LISTING_NOT_FOUND");
  EXPECT_EQ(CheckInvariants(store_->port()), "");
}

TEST_P(MarketRpcTest, InvalidArgumentsAreRejected) {
  std::string r;
  EXPECT_EQ(CreateUser("", 1, &r).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(r, "INVALID_ARGUMENT");
  EXPECT_EQ(CreateUser("a.b", 1).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(CreateUser(std::string(200, 'x'), 1).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(CreateUser("neg", -5).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(CreateUser("s", 0).ok());
  ASSERT_TRUE(Grant("s", "x").ok());
  EXPECT_EQ(List("s", "x", -1, &r).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(List("s", "x", int64_t{1} << 60).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(List("s", "", 1).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(List("s", "x", 1, nullptr, "bad id").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::BrowseMarketRequest breq;
  breq.set_page_size(5000);
  v1::BrowseMarketResponse bresp;
  auto ctx = Ctx();
  EXPECT_EQ(stub_->BrowseMarket(ctx.get(), breq, &bresp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_P(MarketRpcTest, IdempotentRetryReturnsTheFirstOutcome) {
  Seed();
  ASSERT_TRUE(Grant("s", "bow").ok());
  v1::ListItemResponse l1, l2;
  ASSERT_TRUE(List("s", "bow", 10, nullptr, "list-1", &l1).ok());
  ASSERT_TRUE(List("s", "bow", 10, nullptr, "list-1", &l2).ok());
  EXPECT_FALSE(l1.info().replayed());
  EXPECT_TRUE(l2.info().replayed());
  v1::PurchaseItemResponse p1, p2;
  ASSERT_TRUE(Buy("b", "s", "bow", 10, nullptr, "buy-1", &p1).ok());
  ASSERT_TRUE(Buy("b", "s", "bow", 10, nullptr, "buy-1", &p2).ok());
  EXPECT_TRUE(p2.info().replayed());
  EXPECT_EQ(p2.buyer_funds(), 90);
  EXPECT_EQ(GetUser("b").funds(), 90);
  EXPECT_EQ(GetUser("s").funds(), 10);
  std::string r;
  EXPECT_EQ(Buy("b", "s", "sword", 30, &r, "buy-1").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(r, "REQUEST_ID_REUSED");
  // The record expires (24 h by default).
  int64_t pttl = StoreCommand({"PTTL", "req:buy-1"}).integer;
  EXPECT_GT(pttl, 23 * 3600 * 1000LL);
  EXPECT_EQ(CheckInvariants(store_->port()), "");
}

TEST_P(MarketRpcTest, ContentionExhaustsAttemptsWithAborted) {
  // Every EXEC conflicts (fault injection), as under a writer that never lets go.
  Seed();
  Start({"--max_attempts=3", "--chaos_conflict_rate=1"});
  std::string r;
  grpc::Status s = Buy("b", "s", "sword", 30, &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED) << s.error_message();
  EXPECT_EQ(r, "CONTENTION");
  // Stats count the attempts and the aborts by cause.
  v1::StatsRequest req;
  v1::StatsResponse resp;
  auto ctx = Ctx();
  ASSERT_TRUE(stub_->Stats(ctx.get(), req, &resp).ok());
  ASSERT_EQ(resp.methods_size(), 1);
  EXPECT_EQ(resp.methods(0).method(), "PurchaseItem");
  EXPECT_EQ(resp.methods(0).attempts(), 3);
  ASSERT_EQ(resp.methods(0).aborts_size(), 1);
  EXPECT_EQ(resp.methods(0).aborts(0).name(), "watch_conflict");
  EXPECT_EQ(resp.methods(0).aborts(0).count(), 3);
  ASSERT_EQ(resp.methods(0).errors_size(), 1);
  EXPECT_EQ(resp.methods(0).errors(0).name(), "ABORTED");
}

TEST_P(MarketRpcTest, ClientDeadlineIsHonouredUnderContention) {
  Seed();
  Start({"--max_attempts=1000000", "--max_retry_time=60s", "--chaos_conflict_rate=1"});
  std::string reason;
  for (int i = 0; i < 3; ++i) {
    auto start = std::chrono::steady_clock::now();
    grpc::Status s = Buy("b", "s", "sword", 30, &reason, "", nullptr, 0.3);
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
    EXPECT_LT(took, std::chrono::seconds(2));
    // The market's own answer (with its reason), not the client library's: the retries stopped
    // early enough for the reply to arrive before the caller's deadline.
    EXPECT_EQ(reason, "DEADLINE") << "call " << i << ": " << s.error_message();
  }
}

TEST_P(MarketRpcTest, ASalePastTheFundsMaximumIsRefusedAndChangesNothing) {
  // Sales first drive the seller up to the bound, then one more would pass it.
  constexpr int64_t kMax = 1'000'000'000'000'000;
  ASSERT_TRUE(CreateUser("seller", kMax - 3'000).ok());
  for (int i = 0; i < 3; ++i) {
    const std::string buyer = "buyer" + std::to_string(i), item = "gem" + std::to_string(i);
    ASSERT_TRUE(CreateUser(buyer, kMax).ok());
    ASSERT_TRUE(Grant("seller", item).ok());
    ASSERT_TRUE(List("seller", item, 1'000).ok());
    ASSERT_TRUE(Buy(buyer, "seller", item, 1'000).ok());
  }
  EXPECT_EQ(GetUser("seller").funds(), kMax);
  ASSERT_TRUE(CreateUser("late", kMax).ok());
  ASSERT_TRUE(Grant("seller", "last-gem").ok());
  ASSERT_TRUE(List("seller", "last-gem", 1).ok());
  std::string reason;
  grpc::Status s = Buy("late", "seller", "last-gem", 1, &reason, "req-late");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_EQ(reason, "FUNDS_LIMIT");
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("seller seller has 1000000000000000"));
  // Nothing moved: the buyer's funds, the listing, the inventories.
  EXPECT_EQ(GetUser("late").funds(), kMax);
  EXPECT_EQ(GetUser("late").inventory_size(), 0);
  EXPECT_EQ(GetUser("seller").funds(), kMax);
  EXPECT_EQ(StoreCommand({"ZSCORE", "market:", "last-gem.seller"}).str, "1");
  // The refusal is definite: the same request id gives it again.
  EXPECT_EQ(Buy("late", "seller", "last-gem", 1, &reason, "req-late").error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(reason, "FUNDS_LIMIT");
}

TEST_P(MarketRpcTest, EqualPricesAreOrderedByTheMemberBytesEvenWhenOneItemIdPrefixesAnother) {
  // The documented order is (price, "<item>.<seller>" as bytes): "a-b.shop1" < "a.shop1"
  // because '-' < '.', although "a" < "a-b".
  ASSERT_TRUE(CreateUser("shop1", 0).ok());
  for (const char* item : {"a", "a-b", "a.b", "b"}) {
    ASSERT_TRUE(Grant("shop1", item).ok());
    ASSERT_TRUE(List("shop1", item, 5).ok());
  }
  v1::BrowseMarketRequest req;
  v1::BrowseMarketResponse resp;
  auto ctx = Ctx();
  ASSERT_TRUE(stub_->BrowseMarket(ctx.get(), req, &resp).ok());
  std::vector<std::string> items;
  for (const auto& l : resp.listings()) items.push_back(l.item_id());
  EXPECT_THAT(items, ::testing::ElementsAre("a-b", "a.b", "a", "b"));
}

TEST_P(MarketRpcTest, BrowsePagesInPriceOrderWhileTheMarketChanges) {
  ASSERT_TRUE(CreateUser("s1", 0).ok());
  ASSERT_TRUE(CreateUser("s2", 0).ok());
  std::set<std::string> all;
  for (int i = 0; i < 24; ++i) {
    std::string seller = i % 2 ? "s1" : "s2";
    std::string item = "it" + std::to_string(i);
    ASSERT_TRUE(Grant(seller, item).ok());
    ASSERT_TRUE(List(seller, item, 10 + (i % 5)).ok());  // many equal prices
    all.insert(item + "." + seller);
  }
  auto page = [&](const std::string& cursor, int size, const std::string& seller,
                  v1::BrowseMarketResponse* out) {
    v1::BrowseMarketRequest req;
    req.set_page_size(size);
    req.set_cursor(cursor);
    req.set_seller_id(seller);
    auto ctx = Ctx();
    return stub_->BrowseMarket(ctx.get(), req, out);
  };
  // First page, then change the market both before and after the cursor.
  v1::BrowseMarketResponse p;
  ASSERT_TRUE(page("", 7, "", &p).ok());
  ASSERT_EQ(p.listings_size(), 7);
  std::vector<std::string> seen;
  for (const auto& l : p.listings()) seen.push_back(l.item_id() + "." + l.seller_id());
  ASSERT_TRUE(Grant("s1", "cheap").ok());
  ASSERT_TRUE(List("s1", "cheap", 1).ok());  // before the cursor: not shown
  std::string cursor = p.next_cursor();
  while (!cursor.empty()) {
    v1::BrowseMarketResponse next;
    ASSERT_TRUE(page(cursor, 7, "", &next).ok());
    for (const auto& l : next.listings()) seen.push_back(l.item_id() + "." + l.seller_id());
    cursor = next.next_cursor();
  }
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "a listing was shown twice";
  EXPECT_EQ(unique, all);
  // Filter by seller, two at a time.
  cursor = "";
  int s1_count = 0;
  do {
    v1::BrowseMarketResponse next;
    ASSERT_TRUE(page(cursor, 2, "s1", &next).ok());
    for (const auto& l : next.listings()) {
      EXPECT_EQ(l.seller_id(), "s1");
      ++s1_count;
    }
    cursor = next.next_cursor();
  } while (!cursor.empty());
  EXPECT_EQ(s1_count, 13);
  // Filter by item.
  v1::BrowseMarketRequest req;
  req.set_item_id("it3");
  v1::BrowseMarketResponse one;
  auto ctx = Ctx();
  ASSERT_TRUE(stub_->BrowseMarket(ctx.get(), req, &one).ok());
  ASSERT_EQ(one.listings_size(), 1);
  EXPECT_EQ(one.listings(0).price(), 13);
  // Cursors are checked.
  v1::BrowseMarketResponse bad;
  EXPECT_EQ(page("garbage!", 5, "", &bad).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(page(p.next_cursor(), 5, "s2", &bad).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// A long run of equal prices (a price war at its floor) costs a filtered browse one read per
// chunk, since each read resumes at the position the last one reached; and a position that
// moved because entries before it went away is read again from the price's start, skipping
// nothing.
TEST_P(MarketRpcTest, FilteredBrowseOverALongRunOfEqualPricesReadsEachChunkOnce) {
  std::vector<std::string> zadd = {"ZADD", "market:"};
  for (int i = 0; i < 400; ++i) {
    zadd.push_back("1");
    zadd.push_back(absl::StrFormat("it%03d.%s", i, i % 100 == 99 ? "last" : "crowd"));
  }
  StoreCommand(zadd);
  auto reads = [&] {
    std::string info = StoreCommand({"INFO", "commandstats"}).str;
    size_t at = info.find("cmdstat_zrangebyscore:calls=");
    return at == std::string::npos ? 0 : std::stoll(info.substr(at + 28));
  };
  // Every page of a filtered browse (a page may come back short, with a cursor, when its scan
  // bound is reached, e.g. when entries vanish under it and it rereads from the price's start).
  auto browse = [&](const std::string& seller, int size) {
    v1::BrowseMarketRequest req;
    req.set_page_size(size);
    req.set_seller_id(seller);
    std::vector<std::string> items;
    for (int page = 0; page < 50; ++page) {
      v1::BrowseMarketResponse resp;
      auto ctx = Ctx();
      EXPECT_TRUE(stub_->BrowseMarket(ctx.get(), req, &resp).ok());
      for (const auto& l : resp.listings()) items.push_back(l.item_id());
      if (resp.next_cursor().empty()) break;
      req.set_cursor(resp.next_cursor());
    }
    return items;
  };
  const int64_t before = reads();
  EXPECT_THAT(browse("last", 10), ::testing::ElementsAre("it099", "it199", "it299", "it399"));
  // 400 entries in chunks of 16: 25 reads, one more for the end (was about 330).
  EXPECT_LE(reads() - before, 27);
  // Entries before the position vanish between two reads of one browse: run it while another
  // client deletes the crowd from the front; every "last" listing still shows.
  std::thread deleter([&] {
    for (int i = 0; i < 200; ++i) {
      StoreCommand({"ZREM", "market:", absl::StrFormat("it%03d.crowd", i)});
    }
  });
  for (int k = 0; k < 20; ++k) {
    EXPECT_THAT(browse("last", 10), ::testing::ElementsAre("it099", "it199", "it299", "it399"));
  }
  deleter.join();
}

TEST_P(MarketRpcTest, StatsReportCallsAttemptsAndLatency) {
  Seed();
  ASSERT_TRUE(Buy("b", "s", "sword", 30).ok());
  v1::StatsRequest req;
  v1::StatsResponse resp;
  auto ctx = Ctx();
  ASSERT_TRUE(stub_->Stats(ctx.get(), req, &resp).ok());
  EXPECT_EQ(resp.mode(), "fine");
  EXPECT_TRUE(resp.store_up());
  bool found = false;
  for (const auto& m : resp.methods()) {
    if (m.method() != "PurchaseItem") continue;
    found = true;
    EXPECT_EQ(m.calls(), 1);
    EXPECT_EQ(m.ok(), 1);
    EXPECT_GE(m.attempts(), 1);
    EXPECT_GT(m.latency_p50_ms(), 0);
    EXPECT_GE(m.latency_max_ms(), m.latency_p50_ms());
  }
  EXPECT_TRUE(found);
}

TEST_P(MarketRpcTest, HealthAndReflectionAreServed) {
  auto channel = market_->NewChannel();
  auto health = grpc::health::v1::Health::NewStub(channel);
  for (const char* service : {"", "bazaar.market.v1.Market"}) {
    grpc::health::v1::HealthCheckRequest req;
    req.set_service(service);
    grpc::health::v1::HealthCheckResponse resp;
    auto ctx = Ctx();
    ASSERT_TRUE(health->Check(ctx.get(), req, &resp).ok());
    EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  }
  // Reflection: a raw list_services request (field 7, empty string) over a generic stream.
  grpc::GenericStub generic(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  auto call = generic.PrepareCall(
      &ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  void* tag;
  bool ok;
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  std::string request("\x3a\x00", 2);
  grpc::Slice slice(request);
  grpc::ByteBuffer out(&slice, 1);
  call->Write(out, reinterpret_cast<void*>(2));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  grpc::ByteBuffer in;
  call->Read(&in, reinterpret_cast<void*>(3));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(in.Dump(&slices).ok());
  std::string reply;
  for (const auto& s : slices) reply.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_NE(reply.find("bazaar.market.v1.Market"), std::string::npos);
  EXPECT_NE(reply.find("grpc.health.v1.Health"), std::string::npos);
  call->WritesDone(reinterpret_cast<void*>(4));
  cq.Next(&tag, &ok);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  cq.Next(&tag, &ok);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

TEST_P(MarketRpcTest, KeyPrefixPutsEveryKeyUnderIt) {
  Start({"--key_prefix={realm1}:"});
  Seed();
  EXPECT_EQ(StoreCommand({"EXISTS", "{realm1}:users:s"}).integer, 1);
  EXPECT_EQ(StoreCommand({"ZCARD", "{realm1}:market:"}).integer, 1);
  EXPECT_EQ(StoreCommand({"EXISTS", "users:s"}).integer, 0);
  EXPECT_EQ(CheckInvariants(store_->port(), "{realm1}:"), "");
}

TEST_P(MarketRpcTest, SigtermLetsInFlightCallsFinish) {
  Seed();
  Start({"--max_attempts=1000000", "--max_retry_time=800ms", "--chaos_conflict_rate=1"});
  grpc::Status in_flight;
  {
    std::thread call([&] { in_flight = Buy("b", "s", "sword", 30, nullptr, "", nullptr, 5); });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    int status = -1;
    std::thread stop([&] { status = market_->process().Stop(SIGTERM, std::chrono::seconds(10)); });
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    // While the first call finishes, a new one is refused at once so it can go elsewhere.
    std::string reason;
    grpc::Status late = Buy("b", "s", "sword", 30, &reason, "", nullptr, 5);
    EXPECT_EQ(late.error_code(), grpc::StatusCode::UNAVAILABLE) << late.error_message();
    EXPECT_EQ(reason, "SHUTTING_DOWN");
    stop.join();
    call.join();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  // The call ran to its own end (retry budget) instead of being cut off.
  EXPECT_EQ(in_flight.error_code(), grpc::StatusCode::ABORTED) << in_flight.error_message();
  EXPECT_NE(market_->Log().find("shutting down"), std::string::npos);
}

TEST_P(MarketRpcTest, ConfigFileSetsFlagsAndCommandLineWins) {
  bazaar::testing::TempDir dir;
  std::string path = dir.path() + "/market.conf";
  FILE* f = fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs("# test config\nmode book\nkey_prefix = \"{cfg}:\"\nmax_attempts 7\n"
        "listen 127.0.0.1:1\n", f);
  fclose(f);
  Start({"--config=" + path});  // the fixture's --listen comes later on the command line: it wins
  Seed();
  v1::StatsResponse resp;
  auto ctx = Ctx();
  ASSERT_TRUE(stub_->Stats(ctx.get(), v1::StatsRequest(), &resp).ok());
  EXPECT_EQ(resp.mode(), "book");
  EXPECT_EQ(StoreCommand({"EXISTS", "{cfg}:users:s"}).integer, 1);
}

TEST_P(MarketRpcTest, BadConfigurationExitsWithUsageError) {
  bazaar::testing::TempDir conf;
  const std::string plaintext_conf = conf.path() + "/plaintext.conf";
  std::ofstream(plaintext_conf) << "plaintext true\n";
  const std::string bad_keys = conf.path() + "/keys";
  std::ofstream(bad_keys) << "ops owner sha256:00\n";
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"--mode=fast", "--plaintext"},
           {"--config=/nonexistent/market.conf", "--plaintext"},
           {"--threads=0", "--plaintext"},
           {"--metrics_listen=nowhere", "--plaintext"},
           {"--store=127.0.0.1:1"},  // neither TLS nor --plaintext
           {"--config=" + plaintext_conf},
           {"--plaintext", "--tls_cert_file=/etc/hostname", "--tls_key_file=/etc/hostname"},
           {"--tls_cert_file=/etc/hostname", "--tls_key_file=/etc/hostname"},  // not PEM
           {"--api_keys=" + bad_keys, "--plaintext"},
           {"--api_keys=/nonexistent/keys", "--plaintext"},
           {"--player_rate_limit=-1", "--plaintext"},
           {"--key_rate_limit=1", "--key_rate_burst=0", "--plaintext"}}) {
    bazaar::testing::TempDir dir;
    bazaar::testing::ChildProcess p(bazaar::testing::BinaryDir() + "/bazaar-market", args,
                                    dir.path() + "/log");
    int status = p.Wait(std::chrono::seconds(10));
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << args[0] << ": " << status;
  }
}

TEST_P(MarketRpcTest, HistoryPagesNewestFirstOverEveryEventOnce) {
  Seed();
  v1::PurchaseItemResponse bought;
  ASSERT_TRUE(Buy("b", "s", "sword", 30, nullptr, "buy-h", &bought).ok());
  for (const char* item : {"axe", "bow", "cap"}) {
    ASSERT_TRUE(Grant("s", item).ok());
    ASSERT_TRUE(List("s", item, 5).ok());
  }
  // s: created, granted+listed sword, sold, then 3 x (granted, listed): 10 events.
  std::vector<std::string> types, ids;
  v1::GetHistoryRequest req;
  req.set_user_id("s");
  req.set_page_size(3);
  for (int page = 0; page < 10; ++page) {
    v1::GetHistoryResponse resp;
    auto ctx = Ctx();
    ASSERT_TRUE(stub_->GetHistory(ctx.get(), req, &resp).ok());
    for (const auto& e : resp.events()) {
      types.push_back(e.type());
      ids.push_back(e.id());
      if (e.type() == "sold") {
        EXPECT_EQ(e.request_id(), "buy-h");
        EXPECT_EQ(e.fields().at("buyer"), "b");
        EXPECT_EQ(e.fields().at("price"), "30");
        EXPECT_EQ(e.fields().at("seller_funds"), "30");
      }
    }
    if (resp.next_cursor().empty()) break;
    req.set_cursor(resp.next_cursor());
  }
  EXPECT_THAT(types, ::testing::ElementsAre("listed", "item_granted", "listed", "item_granted",
                                            "listed", "item_granted", "sold", "listed",
                                            "item_granted", "user_created"));
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
  // The buyer's own history has the same sale.
  v1::GetHistoryRequest breq;
  breq.set_user_id("b");
  v1::GetHistoryResponse bresp;
  auto ctx = Ctx();
  ASSERT_TRUE(stub_->GetHistory(ctx.get(), breq, &bresp).ok());
  ASSERT_EQ(bresp.events_size(), 2);
  EXPECT_EQ(bresp.events(0).type(), "sold");
  EXPECT_TRUE(bresp.next_cursor().empty());
  // Refusals.
  breq.set_user_id("nobody");
  auto c2 = Ctx();
  EXPECT_EQ(stub_->GetHistory(c2.get(), breq, &bresp).error_code(), grpc::StatusCode::NOT_FOUND);
  breq.set_user_id("b");
  breq.set_cursor("not-a-cursor");
  auto c3 = Ctx();
  EXPECT_EQ(stub_->GetHistory(c3.get(), breq, &bresp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// --replica_acks: a change no replica holds is reported as OUTCOME_UNKNOWN (it is on the primary
// only), in the WATCH path and the scripted one; once a replica follows, changes succeed.
TEST_P(MarketRpcTest, ReplicaAcksReportAChangeNoReplicaHoldsAsOutcomeUnknown) {
  for (const std::string mode : {"fine", "script"}) {
    SCOPED_TRACE(mode);
    Start({"--replica_acks=1", "--replica_ack_timeout=50ms", "--mode=" + mode});
    std::string reason;
    grpc::Status alone = CreateUser("alone_" + mode, 5, &reason);
    EXPECT_EQ(alone.error_code(), grpc::StatusCode::UNAVAILABLE) << alone.error_message();
    EXPECT_EQ(reason, "OUTCOME_UNKNOWN");
    EXPECT_THAT(alone.error_message(), ::testing::HasSubstr("only 0 of 1 replicas"));
    EXPECT_EQ(GetUser("alone_" + mode).funds(), 5);  // applied on the primary all the same
  }
  // Both stores wait 5 s for more replicas before a diskless full sync by default.
  ASSERT_EQ(bazaar::testing::RespClient(store_->port())
                .Command({"CONFIG", "SET", "repl-diskless-sync-delay", "0"}),
            "+OK\r\n");
  StoreProcess replica(GetParam(), /*persistent=*/false);
  bazaar::testing::RespClient follow(replica.port());
  ASSERT_EQ(follow.Command({"REPLICAOF", "127.0.0.1", std::to_string(store_->port())}), "+OK\r\n");
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    up = follow.Command({"INFO", "replication"}).find("master_link_status:up") !=
         std::string::npos;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(up) << "the replica never synced";
  for (const std::string mode : {"fine", "script"}) {
    SCOPED_TRACE(mode);
    Start({"--replica_acks=1", "--replica_ack_timeout=1s", "--mode=" + mode});
    grpc::Status acked = CreateUser("acked_" + mode, 7);
    EXPECT_TRUE(acked.ok()) << acked.error_message();
    // A failed precondition still answers as itself, not as a replica problem.
    std::string reason;
    EXPECT_EQ(CreateUser("acked_" + mode, 7, &reason).error_code(),
              grpc::StatusCode::ALREADY_EXISTS);
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, MarketRpcTest, ::testing::ValuesIn(StoreKinds()),
                         [](const auto& info) { return StoreKindName(info.param); });

}  // namespace
}  // namespace bazaar::market::testing
