// bazaar-market-demo: a small buyers-and-sellers run against a running bazaar-market, until the
// load tool (bazaar-load) takes over. Sellers grant themselves fresh items and list them at random
// prices; buyers browse the cheapest page and buy from it. Prints a report and, with --store,
// checks the invariants straight from the store. Exits 1 if an invariant fails.
//   bazaar-market-demo --market=127.0.0.1:50051 --store=127.0.0.1:6379 --sellers=5 --buyers=5
//       --duration=10s
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "market/stats.h"
#include "market/v1/market.grpc.pb.h"
#include "resp/connection.h"

ABSL_FLAG(std::string, market, "127.0.0.1:50051", "bazaar-market address");
ABSL_FLAG(std::string, store, "", "Store address for the invariant check (empty: skip)");
ABSL_FLAG(std::string, key_prefix, "", "The market's key prefix (for the invariant check)");
ABSL_FLAG(int, sellers, 5, "Seller threads");
ABSL_FLAG(int, buyers, 5, "Buyer threads");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "How long to run");
ABSL_FLAG(std::string, run_id, "", "Prefix of user ids (default: time-based, so runs never clash)");

namespace bazaar::market {
namespace {

namespace v1 = bazaar::market::v1;
using Clock = std::chrono::steady_clock;

struct Totals {
  std::atomic<int64_t> listed{0}, bought{0}, retries{0}, lost{0}, failed{0};
  absl::Mutex mu;
  LatencyHistogram buy_latency;
};

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return c;
}

void Seller(v1::Market::Stub* stub, std::string me, Clock::time_point end, Totals* t) {
  std::mt19937 rng(std::hash<std::string>()(me));
  for (int i = 0; Clock::now() < end; ++i) {
    std::string item = me + "-item" + std::to_string(i);  // unique: buyers never hold two
    v1::GrantItemRequest g;
    g.set_user_id(me);
    g.set_item_id(item);
    v1::GrantItemResponse gr;
    if (!stub->GrantItem(Ctx().get(), g, &gr).ok()) {
      ++t->failed;
      continue;
    }
    v1::ListItemRequest l;
    l.set_seller_id(me);
    l.set_item_id(item);
    l.set_price(1 + rng() % 100);
    v1::ListItemResponse lr;
    if (stub->ListItem(Ctx().get(), l, &lr).ok()) ++t->listed; else ++t->failed;
  }
}

void Buyer(v1::Market::Stub* stub, std::string me, Clock::time_point end, Totals* t) {
  std::mt19937 rng(std::hash<std::string>()(me));
  while (Clock::now() < end) {
    v1::BrowseMarketRequest b;
    b.set_page_size(10);
    v1::BrowseMarketResponse page;
    if (!stub->BrowseMarket(Ctx().get(), b, &page).ok() || page.listings_size() == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    const v1::Listing& l = page.listings(rng() % page.listings_size());
    v1::PurchaseItemRequest p;
    p.set_buyer_id(me);
    p.set_seller_id(l.seller_id());
    p.set_item_id(l.item_id());
    p.set_expected_price(l.price());
    v1::PurchaseItemResponse pr;
    absl::Time start = absl::Now();
    grpc::Status s = stub->PurchaseItem(Ctx().get(), p, &pr);
    if (s.ok()) {
      ++t->bought;
      t->retries += pr.info().attempts() - 1;
      absl::MutexLock lock(&t->mu);
      t->buy_latency.Record(absl::Now() - start);
    } else if (s.error_code() == grpc::StatusCode::NOT_FOUND ||
               s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
      ++t->lost;  // someone else bought it first
    } else {
      ++t->failed;
    }
  }
}

// Sum of funds == sum of initial funds; items + listings == grants; no negative balance.
bool CheckStore(const std::string& address, const std::string& prefix) {
  auto opts = client::ParseAddress(address);
  if (!opts.ok()) return false;
  auto conn = client::RespConnection::Connect(*opts);
  if (!conn.ok()) {
    printf("invariants: cannot reach the store: %s\n", std::string(conn.status().message()).c_str());
    return false;
  }
  auto num = [](const client::RespReply& r) {
    int64_t v = 0;
    if (r.type == client::RespReply::Type::kInteger) return r.integer;
    (void)absl::SimpleAtoi(r.str, &v);
    return v;
  };
  int64_t funds = 0, initial = 0, granted = 0, items = 0, negative = 0;
  auto keys = (*conn)->Command({"KEYS", prefix + "users:*"});
  if (!keys.ok()) return false;
  for (const auto& k : keys->elements) {
    auto f = (*conn)->Command({"HMGET", k.str, "funds", "initial_funds", "items_granted"});
    if (!f.ok()) return false;
    int64_t fu = num(f->elements[0]);
    funds += fu;
    negative += fu < 0;
    initial += num(f->elements[1]);
    granted += num(f->elements[2]);
    auto n = (*conn)->Command({"SCARD", prefix + "inventory:" + k.str.substr(prefix.size() + 6)});
    if (!n.ok()) return false;
    items += n->integer;
  }
  auto listings = (*conn)->Command({"ZCARD", prefix + "market:"});
  if (!listings.ok()) return false;
  bool ok = funds == initial && negative == 0 && items + listings->integer == granted;
  printf("invariants: funds %ld (initial %ld), negative balances %ld, items %ld + listings %ld "
         "(granted %ld): %s\n",
         long(funds), long(initial), long(negative), long(items), long(listings->integer),
         long(granted), ok ? "OK" : "VIOLATED");
  return ok;
}

int Run(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int sellers = absl::GetFlag(FLAGS_sellers), buyers = absl::GetFlag(FLAGS_buyers);
  std::string run = absl::GetFlag(FLAGS_run_id);
  if (run.empty()) run = "demo" + std::to_string(absl::ToUnixMillis(absl::Now()) % 100000000);
  auto channel = grpc::CreateChannel(absl::GetFlag(FLAGS_market), grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(5))) {
    fprintf(stderr, "bazaar-market-demo: cannot reach %s\n", absl::GetFlag(FLAGS_market).c_str());
    return 2;
  }
  auto stub = v1::Market::NewStub(channel);
  for (int i = 0; i < sellers + buyers; ++i) {
    v1::CreateUserRequest c;
    c.set_user_id(run + (i < sellers ? "-s" : "-b") + std::to_string(i));
    c.set_name(c.user_id());
    c.set_funds(i < sellers ? 0 : 1'000'000'000);
    v1::CreateUserResponse cr;
    grpc::Status s = stub->CreateUser(Ctx().get(), c, &cr);
    if (!s.ok()) {
      fprintf(stderr, "CreateUser: %s\n", s.error_message().c_str());
      return 2;
    }
  }
  Totals totals;
  auto start = Clock::now();
  auto end = start + absl::ToChronoMilliseconds(absl::GetFlag(FLAGS_duration));
  std::vector<std::thread> threads;
  for (int i = 0; i < sellers + buyers; ++i) {
    std::string me = run + (i < sellers ? "-s" : "-b") + std::to_string(i);
    if (i < sellers) threads.emplace_back(Seller, stub.get(), me, end, &totals);
    else threads.emplace_back(Buyer, stub.get(), me, end, &totals);
  }
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  printf("%d sellers x %d buyers for %.1f s against %s\n", sellers, buyers, secs,
         absl::GetFlag(FLAGS_market).c_str());
  printf("  listed %ld (%.0f/s), bought %ld (%.0f/s), purchase retries %ld, lost races %ld, "
         "failures %ld\n",
         long(totals.listed.load()), totals.listed / secs, long(totals.bought.load()),
         totals.bought / secs, long(totals.retries.load()), long(totals.lost.load()),
         long(totals.failed.load()));
  printf("  purchase latency: avg %.2f ms, p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
         totals.buy_latency.MeanMs(), totals.buy_latency.PercentileMs(0.5),
         totals.buy_latency.PercentileMs(0.99), totals.buy_latency.MaxMs());
  if (!absl::GetFlag(FLAGS_store).empty() &&
      !CheckStore(absl::GetFlag(FLAGS_store), absl::GetFlag(FLAGS_key_prefix))) {
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace bazaar::market

int main(int argc, char** argv) { return bazaar::market::Run(argc, argv); }
