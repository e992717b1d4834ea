// bazaar-market under concurrency, in the three contention modes: one listing and many buyers, money
// and item conservation after a mixed run, a store restart in the middle of a run, and health
// following the store.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <random>
#include <thread>

#include "grpc/health/v1/health.grpc.pb.h"
#include "market_fixture.h"

namespace bazaar::market::testing {
namespace {

namespace v1 = bazaar::market::v1;
using Clock = std::chrono::steady_clock;

using Param = StoreAndMode;

grpc::Status Call(v1::Market::Stub* stub, const std::string& user, int64_t funds) {
  v1::CreateUserRequest req;
  req.set_user_id(user);
  req.set_funds(funds);
  v1::CreateUserResponse resp;
  auto ctx = Ctx();
  return stub->CreateUser(ctx.get(), req, &resp);
}

grpc::Status Grant(v1::Market::Stub* stub, const std::string& user, const std::string& item) {
  v1::GrantItemRequest req;
  req.set_user_id(user);
  req.set_item_id(item);
  v1::GrantItemResponse resp;
  auto ctx = Ctx();
  return stub->GrantItem(ctx.get(), req, &resp);
}

grpc::Status List(v1::Market::Stub* stub, const std::string& user, const std::string& item,
                  int64_t price) {
  v1::ListItemRequest req;
  req.set_seller_id(user);
  req.set_item_id(item);
  req.set_price(price);
  v1::ListItemResponse resp;
  auto ctx = Ctx();
  return stub->ListItem(ctx.get(), req, &resp);
}

grpc::Status Buy(v1::Market::Stub* stub, const std::string& buyer, const v1::Listing& l,
                 int* attempts = nullptr) {
  v1::PurchaseItemRequest req;
  req.set_buyer_id(buyer);
  req.set_seller_id(l.seller_id());
  req.set_item_id(l.item_id());
  req.set_expected_price(l.price());
  v1::PurchaseItemResponse resp;
  auto ctx = Ctx();
  // The buyers' fresh channels all connect at the same moment; under ctest -j2 one connect
  // attempt can fail transiently ("failed to connect to all addresses"), which fails a call
  // fast unless it waits for the channel to be ready (client::MarketClient retries it instead).
  ctx->set_wait_for_ready(true);
  grpc::Status s = stub->PurchaseItem(ctx.get(), req, &resp);
  if (attempts) *attempts = resp.info().attempts();
  return s;
}

// Sellers grant themselves fresh items and list them; buyers browse a page and buy from it.
struct RunCounts {
  std::atomic<int64_t> listed{0}, bought{0}, spent{0}, retries{0}, unavailable{0}, other{0};
};

void RunSeller(v1::Market::Stub* stub, const std::string& me, Clock::time_point end,
               RunCounts* c, std::atomic<bool>* stop) {
  std::mt19937 rng(std::hash<std::string>()(me));
  for (int i = 0; Clock::now() < end && !*stop; ++i) {
    std::string item = me + "-item" + std::to_string(i);
    grpc::Status g = Grant(stub, me, item);
    if (!g.ok()) {
      (g.error_code() == grpc::StatusCode::UNAVAILABLE ? c->unavailable : c->other)++;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    grpc::Status s = List(stub, me, item, 1 + rng() % 20);
    if (s.ok()) {
      ++c->listed;
    } else {
      (s.error_code() == grpc::StatusCode::UNAVAILABLE ? c->unavailable : c->other)++;
    }
  }
}

void RunBuyer(v1::Market::Stub* stub, const std::string& me, Clock::time_point end, RunCounts* c,
              std::atomic<bool>* stop) {
  std::mt19937 rng(std::hash<std::string>()(me));
  while (Clock::now() < end && !*stop) {
    v1::BrowseMarketRequest req;
    req.set_page_size(20);
    v1::BrowseMarketResponse page;
    auto ctx = Ctx();
    grpc::Status s = stub->BrowseMarket(ctx.get(), req, &page);
    if (!s.ok() || page.listings_size() == 0) {
      if (!s.ok() && s.error_code() == grpc::StatusCode::UNAVAILABLE) ++c->unavailable;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      continue;
    }
    const v1::Listing& l = page.listings(rng() % page.listings_size());
    int attempts = 0;
    grpc::Status b = Buy(stub, me, l, &attempts);
    if (b.ok()) {
      ++c->bought;
      c->spent += l.price();
      c->retries += attempts - 1;
    } else if (b.error_code() == grpc::StatusCode::UNAVAILABLE) {
      ++c->unavailable;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } else if (b.error_code() != grpc::StatusCode::NOT_FOUND &&
               b.error_code() != grpc::StatusCode::FAILED_PRECONDITION) {
      ++c->other;
    }
  }
}

class MarketConcurrencyTest : public ::testing::TestWithParam<Param> {};

TEST_P(MarketConcurrencyTest, ManyBuyersOneListingExactlyOneWins) {
  StoreProcess store(GetParam().store, false);
  MarketProcess market(store.port(), {"--mode=" + GetParam().mode, "--threads=8"});
  auto stub = market.NewStub();
  ASSERT_TRUE(Call(stub.get(), "seller", 0).ok());
  ASSERT_TRUE(Grant(stub.get(), "seller", "relic").ok());
  ASSERT_TRUE(List(stub.get(), "seller", "relic", 50).ok());
  constexpr int kBuyers = 24;
  for (int i = 0; i < kBuyers; ++i) ASSERT_TRUE(Call(stub.get(), "b" + std::to_string(i), 100).ok());
  v1::Listing listing;
  listing.set_seller_id("seller");
  listing.set_item_id("relic");
  listing.set_price(50);
  std::atomic<int> ready{0}, wins{0}, lost{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kBuyers; ++i) {
    threads.emplace_back([&, i] {
      auto my_stub = market.NewStub();
      ++ready;
      while (ready < kBuyers) std::this_thread::yield();
      grpc::Status s = Buy(my_stub.get(), "b" + std::to_string(i), listing);
      if (s.ok()) {
        ++wins;
      } else if (s.error_code() == grpc::StatusCode::NOT_FOUND ||
                 s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
        ++lost;
      } else {
        ++other;
        ADD_FAILURE() << s.error_code() << " " << s.error_message();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins, 1);
  EXPECT_EQ(lost, kBuyers - 1);
  StoreTotals totals;
  EXPECT_EQ(CheckInvariants(store.port(), "", &totals), "");
  EXPECT_EQ(totals.funds, kBuyers * 100);
  EXPECT_EQ(totals.listings, 0);
}

TEST_P(MarketConcurrencyTest, ConcurrentRunConservesMoneyAndItems) {
  StoreProcess store(GetParam().store, false);
  MarketProcess market(store.port(), {"--mode=" + GetParam().mode, "--threads=8"});
  auto stub = market.NewStub();
  constexpr int kSellers = 4, kBuyers = 4;
  constexpr int64_t kFunds = 1'000'000;
  for (int i = 0; i < kSellers; ++i) ASSERT_TRUE(Call(stub.get(), "s" + std::to_string(i), 0).ok());
  for (int i = 0; i < kBuyers; ++i) {
    ASSERT_TRUE(Call(stub.get(), "b" + std::to_string(i), kFunds).ok());
  }
  RunCounts counts;
  std::atomic<bool> stop{false};
  auto start = Clock::now();
  auto end = start + std::chrono::milliseconds(1500);
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<v1::Market::Stub>> stubs;
  for (int i = 0; i < kSellers + kBuyers; ++i) stubs.push_back(market.NewStub());
  for (int i = 0; i < kSellers; ++i) {
    threads.emplace_back(RunSeller, stubs[i].get(), "s" + std::to_string(i), end, &counts, &stop);
  }
  for (int i = 0; i < kBuyers; ++i) {
    threads.emplace_back(RunBuyer, stubs[kSellers + i].get(), "b" + std::to_string(i), end,
                         &counts, &stop);
  }
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  StoreTotals totals;
  EXPECT_EQ(CheckInvariants(store.port(), "", &totals), "");
  EXPECT_EQ(counts.other, 0);
  EXPECT_GT(counts.bought, 0);
  // What the clients saw is what the data says.
  EXPECT_EQ(totals.listings, counts.listed - counts.bought);
  int64_t seller_funds = 0;
  for (int i = 0; i < kSellers; ++i) {
    v1::GetUserRequest req;
    req.set_user_id("s" + std::to_string(i));
    v1::GetUserResponse resp;
    auto ctx = Ctx();
    ASSERT_TRUE(stub->GetUser(ctx.get(), req, &resp).ok());
    seller_funds += resp.user().funds();
  }
  EXPECT_EQ(seller_funds, counts.spent);
  printf("[ figures ] mode=%s store=%s %dx%d: listed %ld, bought %ld (%.0f/s), retries %ld\n",
         GetParam().mode.c_str(), StoreKindName(GetParam().store).c_str(), kSellers, kBuyers,
         static_cast<long>(counts.listed), static_cast<long>(counts.bought),
         counts.bought / secs, static_cast<long>(counts.retries));
}

INSTANTIATE_TEST_SUITE_P(Modes, MarketConcurrencyTest, ::testing::ValuesIn(StoresAndModes()),
                         StoreAndModeName);

class MarketRestartTest : public ::testing::TestWithParam<StoreKind> {};

grpc::health::v1::HealthCheckResponse::ServingStatus Health(grpc::health::v1::Health::Stub* h) {
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  auto ctx = Ctx(2);
  if (!h->Check(ctx.get(), req, &resp).ok()) return grpc::health::v1::HealthCheckResponse::UNKNOWN;
  return resp.status();
}

bool WaitHealth(grpc::health::v1::Health::Stub* h,
                grpc::health::v1::HealthCheckResponse::ServingStatus want) {
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    if (Health(h) == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST_P(MarketRestartTest, StoreRestartMidRunGivesUnavailableThenRecovers) {
  StoreProcess store(GetParam(), /*persistent=*/true);
  MarketProcess market(store.port(), {"--threads=8", "--store_command_timeout=500ms"});
  auto stub = market.NewStub();
  auto health = grpc::health::v1::Health::NewStub(market.NewChannel());
  EXPECT_TRUE(WaitHealth(health.get(), grpc::health::v1::HealthCheckResponse::SERVING));
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(Call(stub.get(), "s" + std::to_string(i), 0).ok());
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(Call(stub.get(), "b" + std::to_string(i), 1'000'000).ok());

  RunCounts counts;
  std::atomic<bool> stop{false};
  auto end = Clock::now() + std::chrono::seconds(30);
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<v1::Market::Stub>> stubs;
  for (int i = 0; i < 4; ++i) stubs.push_back(market.NewStub());
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back(RunSeller, stubs[i].get(), "s" + std::to_string(i), end, &counts, &stop);
    threads.emplace_back(RunBuyer, stubs[2 + i].get(), "b" + std::to_string(i), end, &counts,
                         &stop);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  store.Stop();
  EXPECT_TRUE(WaitHealth(health.get(), grpc::health::v1::HealthCheckResponse::NOT_SERVING));
  {
    v1::GetUserRequest req;
    req.set_user_id("b0");
    v1::GetUserResponse resp;
    auto ctx = Ctx();
    grpc::Status s = stub->GetUser(ctx.get(), req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_EQ(Reason(*ctx), "STORE_UNAVAILABLE");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  int64_t bought_before = counts.bought;
  store.Start();
  EXPECT_TRUE(WaitHealth(health.get(), grpc::health::v1::HealthCheckResponse::SERVING));
  auto recovered_by = Clock::now() + std::chrono::seconds(10);
  while (counts.bought < bought_before + 20 && Clock::now() < recovered_by) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_GE(counts.bought, bought_before + 20) << "purchases did not resume";
  EXPECT_GT(counts.unavailable, 0);
  EXPECT_EQ(CheckInvariants(store.port()), "");
}

INSTANTIATE_TEST_SUITE_P(Stores, MarketRestartTest, ::testing::ValuesIn(StoreKinds()),
                         [](const auto& info) { return StoreKindName(info.param); });

}  // namespace
}  // namespace bazaar::market::testing
