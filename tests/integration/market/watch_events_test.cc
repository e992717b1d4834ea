// WatchEvents and the event ids of mutating responses, against real bazaar-market and store
// processes (bazaar-engine and real redis-server): every event once and in commit order while a
// load runs, also across a watcher's reconnect from its last id; a slow watcher ends with
// RESOURCE_EXHAUSTED and the id to resume from; a shutdown ends watchers with UNAVAILABLE;
// responses carry the id of the stream entry they wrote, and a replay the original one.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <map>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "client/market_client.h"
#include "market_fixture.h"
#include "resp/connection.h"

namespace bazaar::market::testing {
namespace {

namespace v1 = bazaar::market::v1;
using Clock = std::chrono::steady_clock;

std::string Trailer(const grpc::ClientContext& ctx, const std::string& key) {
  auto it = ctx.GetServerTrailingMetadata().find(key);
  if (it == ctx.GetServerTrailingMetadata().end()) return "<none>";
  return std::string(it->second.data(), it->second.size());
}

// One WatchEvents stream read on its own thread until it ends or is cancelled.
class Watcher {
 public:
  Watcher(v1::Market::Stub* stub, const std::string& from_id, size_t stop_after = 0)
      : stop_after_(stop_after) {
    v1::WatchEventsRequest req;
    req.set_from_id(from_id);
    thread_ = std::thread([this, stub, req] {
      auto reader = stub->WatchEvents(&ctx_, req);
      v1::Event e;
      while (reader->Read(&e)) {
        absl::MutexLock lock(&mu_);
        ids_.push_back(e.id());
        if (stop_after_ > 0 && ids_.size() == stop_after_) ctx_.TryCancel();
      }
      status_ = reader->Finish();
      done_ = true;
    });
  }
  ~Watcher() { Stop(); }
  void Stop() {
    if (!thread_.joinable()) return;
    ctx_.TryCancel();
    thread_.join();
  }
  void Join() { thread_.join(); }
  std::vector<std::string> ids() {
    absl::MutexLock lock(&mu_);
    return ids_;
  }
  // Waits until the last id read is `id` (or `timeout`).
  bool WaitFor(const std::string& id, absl::Duration timeout = absl::Seconds(20)) {
    absl::MutexLock lock(&mu_);
    auto reached = [&] { return !ids_.empty() && ids_.back() == id; };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
  }
  bool done() const { return done_; }
  const grpc::Status& status() const { return status_; }
  const grpc::ClientContext& ctx() const { return ctx_; }

 private:
  const size_t stop_after_;
  grpc::ClientContext ctx_;
  absl::Mutex mu_;
  std::vector<std::string> ids_;
  grpc::Status status_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

class WatchEventsTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override { Start({}); }
  void Start(std::vector<std::string> flags) {
    market_.reset();
    if (!store_) store_ = std::make_unique<StoreProcess>(GetParam(), /*persistent=*/false);
    market_ = std::make_unique<MarketProcess>(store_->port(), std::move(flags));
    stub_ = market_->NewStub();
  }
  std::unique_ptr<client::RespConnection> Store() {
    client::ConnectionOptions o;
    o.port = store_->port();
    auto conn = client::RespConnection::Connect(o);
    EXPECT_TRUE(conn.ok()) << conn.status();
    return std::move(*conn);
  }
  // The ids of events:, oldest first.
  std::vector<std::string> LogIds() {
    auto r = Store()->Command({"XRANGE", "events:", "-", "+"});
    EXPECT_TRUE(r.ok());
    std::vector<std::string> ids;
    for (const auto& e : r->elements) ids.push_back(e.elements[0].str);
    return ids;
  }
  // Events written straight to the log (the hub tails the stream whoever writes it): many of
  // them fast, to outrun a watcher.
  void FloodLog(int n) {
    auto conn = Store();
    std::vector<std::vector<std::string>> batch;
    for (int i = 0; i < n; ++i) {
      batch.push_back({"XADD", "events:", "*", "type", "flood", "request_id", "", "n",
                       std::to_string(i), "pad", std::string(200, 'x')});
      if (batch.size() == 500) {
        ASSERT_TRUE(conn->Pipeline(batch).ok());
        batch.clear();
      }
    }
    if (!batch.empty()) {
      ASSERT_TRUE(conn->Pipeline(batch).ok());
    }
  }
  grpc::Status Create(const std::string& user, int64_t funds, v1::CreateUserResponse* resp,
                      const std::string& request_id = "") {
    v1::CreateUserRequest req;
    req.set_user_id(user);
    req.set_funds(funds);
    req.set_request_id(request_id);
    auto ctx = Ctx();
    ctx->set_wait_for_ready(true);
    return stub_->CreateUser(ctx.get(), req, resp);
  }
  grpc::Status Grant(v1::Market::Stub* stub, const std::string& user, const std::string& item,
                     v1::GrantItemResponse* resp) {
    v1::GrantItemRequest req;
    req.set_user_id(user);
    req.set_item_id(item);
    auto ctx = Ctx();
    ctx->set_wait_for_ready(true);
    return stub->GrantItem(ctx.get(), req, resp);
  }
  grpc::Status List(v1::Market::Stub* stub, const std::string& user, const std::string& item,
                    int64_t price, v1::ListItemResponse* resp) {
    v1::ListItemRequest req;
    req.set_seller_id(user);
    req.set_item_id(item);
    req.set_price(price);
    auto ctx = Ctx();
    ctx->set_wait_for_ready(true);
    return stub->ListItem(ctx.get(), req, resp);
  }
  grpc::Status Buy(v1::Market::Stub* stub, const std::string& buyer, const std::string& seller,
                   const std::string& item, int64_t price, v1::PurchaseItemResponse* resp,
                   const std::string& request_id = "") {
    v1::PurchaseItemRequest req;
    req.set_buyer_id(buyer);
    req.set_seller_id(seller);
    req.set_item_id(item);
    req.set_expected_price(price);
    req.set_request_id(request_id);
    auto ctx = Ctx();
    ctx->set_wait_for_ready(true);
    return stub->PurchaseItem(ctx.get(), req, resp);
  }

  std::unique_ptr<StoreProcess> store_;
  std::unique_ptr<MarketProcess> market_;
  std::unique_ptr<v1::Market::Stub> stub_;
};

TEST_P(WatchEventsTest, ResponsesCarryTheirStreamEntryAndAReplayTheOriginalId) {
  v1::CreateUserResponse s, b, again;
  ASSERT_TRUE(Create("s", 0, &s, "create-s").ok());
  ASSERT_TRUE(Create("b", 100, &b).ok());
  v1::GrantItemResponse g;
  ASSERT_TRUE(Grant(stub_.get(), "s", "sword", &g).ok());
  v1::ListItemResponse l;
  ASSERT_TRUE(List(stub_.get(), "s", "sword", 30, &l).ok());
  v1::PurchaseItemResponse p, p2;
  ASSERT_TRUE(Buy(stub_.get(), "b", "s", "sword", 30, &p, "buy-1").ok());
  const std::vector<std::string> ids = LogIds();
  ASSERT_EQ(ids.size(), 5u);
  EXPECT_EQ(s.info().event_id(), ids[0]);
  EXPECT_EQ(b.info().event_id(), ids[1]);
  EXPECT_EQ(g.info().event_id(), ids[2]);
  EXPECT_EQ(l.info().event_id(), ids[3]);
  EXPECT_EQ(p.info().event_id(), ids[4]);
  auto sold = Store()->Command({"XRANGE", "events:", ids[4], ids[4]});
  ASSERT_TRUE(sold.ok());
  EXPECT_EQ(sold->elements[0].elements[1].elements[1].str, "sold");
  // Replays: the original ids, and nothing new in the log.
  ASSERT_TRUE(Buy(stub_.get(), "b", "s", "sword", 30, &p2, "buy-1").ok());
  EXPECT_TRUE(p2.info().replayed());
  EXPECT_EQ(p2.info().event_id(), p.info().event_id());
  ASSERT_TRUE(Create("s", 0, &again, "create-s").ok());
  EXPECT_TRUE(again.info().replayed());
  EXPECT_EQ(again.info().event_id(), s.info().event_id());
  EXPECT_EQ(LogIds().size(), 5u);
  // A definite failure wrote no event and carries none.
  v1::PurchaseItemResponse failed;
  EXPECT_FALSE(Buy(stub_.get(), "b", "s", "sword", 30, &failed).ok());
  EXPECT_EQ(failed.info().event_id(), "");
}

TEST_P(WatchEventsTest, EveryEventOnceInCommitOrderWhileLoadRunsAcrossAReconnect) {
  constexpr int kSellers = 3, kItems = 15;
  v1::CreateUserResponse ignored;
  ASSERT_TRUE(Create("early", 5, &ignored).ok());  // before any watcher: replayed
  Watcher full(stub_.get(), "");
  Watcher first_half(stub_.get(), "", /*stop_after=*/20);
  std::vector<std::thread> load;
  std::atomic<int> failures{0};
  for (int t = 0; t < kSellers; ++t) {
    load.emplace_back([&, t] {
      auto stub = market_->NewStub();
      const std::string me = "u" + std::to_string(t);
      const std::string next = "u" + std::to_string((t + 1) % kSellers);
      v1::CreateUserResponse c;
      if (!Create(me, 1000, &c).ok()) ++failures;
      for (int k = 0; k < kItems; ++k) {
        v1::GrantItemResponse g;
        v1::ListItemResponse l;
        const std::string item = me + "-i" + std::to_string(k);
        if (!Grant(stub.get(), me, item, &g).ok() || !List(stub.get(), me, item, k + 1, &l).ok()) {
          ++failures;
        }
      }
      // Buy what the next seller listed, as far as it got.
      for (int k = 0; k < kItems; ++k) {
        v1::PurchaseItemResponse p;
        Buy(stub.get(), me, next, next + "-i" + std::to_string(k), k + 1, &p);
      }
    });
  }
  // The second watcher drops out after 20 events and resumes from the last id it got, while the
  // load goes on.
  first_half.Join();
  const std::vector<std::string> before = first_half.ids();
  ASSERT_EQ(before.size(), 20u);
  Watcher second_half(stub_.get(), before.back());
  for (auto& th : load) th.join();
  EXPECT_EQ(failures.load(), 0);
  const std::vector<std::string> log = LogIds();
  ASSERT_GT(log.size(), 1u + kSellers * (1 + 2 * kItems));
  ASSERT_TRUE(full.WaitFor(log.back()));
  ASSERT_TRUE(second_half.WaitFor(log.back()));
  EXPECT_EQ(full.ids(), log);
  std::vector<std::string> joined = before;
  const std::vector<std::string> after = second_half.ids();
  joined.insert(joined.end(), after.begin(), after.end());
  EXPECT_EQ(joined, log);
}

TEST_P(WatchEventsTest, ASlowWatcherEndsWithResourceExhaustedAndResumesWithoutGapOrRepeat) {
  Start({"--watch_queue_limit=10"});
  v1::CreateUserResponse c;
  ASSERT_TRUE(Create("a", 1, &c).ok());
  // The watcher reads one event and then stops reading: gRPC's own buffers fill, then the
  // hub's queue of 10.
  grpc::ClientContext ctx;
  v1::WatchEventsRequest req;
  auto reader = stub_->WatchEvents(&ctx, req);
  v1::Event e;
  ASSERT_TRUE(reader->Read(&e));
  std::vector<std::string> got = {e.id()};
  FloodLog(20000);
  // Now read what was sent before the end.
  while (reader->Read(&e)) got.push_back(e.id());
  grpc::Status s = reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  EXPECT_EQ(Trailer(ctx, "bazaar-reason"), "WATCHER_TOO_SLOW");
  EXPECT_EQ(Trailer(ctx, "bazaar-last-event-id"), got.back());
  const std::vector<std::string> log = LogIds();
  ASSERT_LT(got.size(), log.size());
  // Resuming from the trailer's id gets exactly the rest.
  Watcher rest(stub_.get(), Trailer(ctx, "bazaar-last-event-id"));
  ASSERT_TRUE(rest.WaitFor(log.back()));
  const std::vector<std::string> after = rest.ids();
  got.insert(got.end(), after.begin(), after.end());
  EXPECT_EQ(got, log);
}

TEST_P(WatchEventsTest, TheClientResumesAfterFallingBehindAndDeliversEachEventOnce) {
  Start({"--watch_queue_limit=10"});
  v1::CreateUserResponse c;
  ASSERT_TRUE(Create("a", 1, &c).ok());
  client::MarketClientOptions o;
  o.address = market_->address();
  client::MarketClient mc(o);
  std::vector<std::string> got;
  std::string final_id;
  std::atomic<bool> flooded{false};
  std::thread flood;
  auto r = mc.WatchEvents("", {}, [&](const client::MarketEventView& e) {
    if (got.empty()) {
      // The watcher is live now; it holds the stream still while the log grows past every
      // buffer. (A flood before it caught up would only be replayed, which reads no faster
      // than the watcher takes.)
      flood = std::thread([&] {
        FloodLog(20000);
        final_id = LogIds().back();
        flooded = true;
      });
      while (!flooded) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    got.push_back(e.id);
    return e.id != final_id;
  });
  flood.join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, final_id);
  EXPECT_GE(mc.watch_resumes(), 1);
  EXPECT_EQ(got, LogIds());
}

TEST_P(WatchEventsTest, FiltersByTypeAndUser) {
  v1::CreateUserResponse c;
  ASSERT_TRUE(Create("s", 0, &c).ok());
  ASSERT_TRUE(Create("b", 100, &c).ok());
  v1::GrantItemResponse g;
  ASSERT_TRUE(Grant(stub_.get(), "s", "sword", &g).ok());
  v1::ListItemResponse l;
  ASSERT_TRUE(List(stub_.get(), "s", "sword", 30, &l).ok());
  v1::PurchaseItemResponse p;
  ASSERT_TRUE(Buy(stub_.get(), "b", "s", "sword", 30, &p).ok());
  client::MarketClientOptions o;
  o.address = market_->address();
  client::MarketClient mc(o);
  std::vector<std::string> types;
  auto r = mc.WatchEvents("", {{}, "b"}, [&](const client::MarketEventView& e) {
    types.push_back(e.type);
    return e.id != p.info().event_id();
  });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(types, (std::vector<std::string>{"user_created", "sold"}));
  std::vector<std::string> ids;
  r = mc.WatchEvents("", {{"listed", "sold"}, ""}, [&](const client::MarketEventView& e) {
    ids.push_back(e.id);
    return e.id != p.info().event_id();
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(ids, (std::vector<std::string>{l.info().event_id(), p.info().event_id()}));
  // A bad from_id is refused.
  grpc::ClientContext ctx;
  v1::WatchEventsRequest req;
  req.set_from_id("nope");
  auto reader = stub_->WatchEvents(&ctx, req);
  v1::Event e;
  EXPECT_FALSE(reader->Read(&e));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_P(WatchEventsTest, AResumeIdAheadOfTheHubSkipsEverythingUpToIt) {
  // An id the hub has not read (as from another market process): nothing at or before it comes.
  const std::string ahead = "99999999999999-3";
  Watcher w(stub_.get(), ahead);
  v1::CreateUserResponse c;
  ASSERT_TRUE(Create("a", 1, &c).ok());
  for (const char* id : {"99999999999999-2", "99999999999999-3", "99999999999999-4"}) {
    auto r = Store()->Command({"XADD", "events:", id, "type", "test", "request_id", ""});
    ASSERT_TRUE(r.ok() && !r->is_error()) << (r.ok() ? r->str : r.status().ToString());
  }
  ASSERT_TRUE(w.WaitFor("99999999999999-4"));
  EXPECT_EQ(w.ids(), std::vector<std::string>{"99999999999999-4"});
}

TEST_P(WatchEventsTest, ShutdownEndsWatchersWithUnavailableAndTheirResumeId) {
  v1::CreateUserResponse c;
  ASSERT_TRUE(Create("a", 1, &c).ok());
  Watcher all(stub_.get(), "");
  Watcher fresh(stub_.get(), "$");
  ASSERT_TRUE(all.WaitFor(c.info().event_id()));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the hub resolves "$"
  const auto start = Clock::now();
  const int status = market_->process().Stop(SIGTERM, std::chrono::seconds(10));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
  all.Join();
  fresh.Join();
  EXPECT_EQ(all.status().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Trailer(all.ctx(), "bazaar-reason"), "SHUTTING_DOWN");
  EXPECT_EQ(Trailer(all.ctx(), "bazaar-last-event-id"), c.info().event_id());
  EXPECT_EQ(fresh.status().error_code(), grpc::StatusCode::UNAVAILABLE);
  // Nothing was sent from "$": the resume id is where it started, the log's end.
  EXPECT_EQ(Trailer(fresh.ctx(), "bazaar-last-event-id"), c.info().event_id());
}

TEST_P(WatchEventsTest, StatsCountsEachWatcherWhenItEnds) {
  v1::CreateUserResponse c;
  ASSERT_TRUE(Create("a", 1, &c).ok());
  {
    Watcher cancelled(stub_.get(), "", /*stop_after=*/1);
    cancelled.Join();
    Watcher refused(stub_.get(), "not-an-id");
    refused.Join();
  }
  // The server records a watcher as its stream finishes, which may come just after the client
  // saw the end.
  v1::StatsResponse resp;
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  const v1::MethodStats* watch = nullptr;
  while (Clock::now() < deadline) {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->Stats(&ctx, v1::StatsRequest(), &resp).ok());
    watch = nullptr;
    for (const auto& m : resp.methods()) {
      if (m.method() == "WatchEvents") watch = &m;
    }
    if (watch != nullptr && watch->calls() == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_NE(watch, nullptr);
  EXPECT_EQ(watch->calls(), 2);
  EXPECT_EQ(watch->ok(), 0);
  std::map<std::string, int64_t> errors;
  for (const auto& e : watch->errors()) errors[e.name()] = e.count();
  EXPECT_EQ(errors, (std::map<std::string, int64_t>{{"CANCELLED", 1}, {"INVALID_ARGUMENT", 1}}));
}

INSTANTIATE_TEST_SUITE_P(Stores, WatchEventsTest, ::testing::ValuesIn(StoreKinds()),
                         [](const auto& info) { return StoreKindName(info.param); });

}  // namespace
}  // namespace bazaar::market::testing
