// bazaar-market on a real Redis Cluster (3 primaries): a realm's keys share a hash tag, so the
// market's transactions run on the primary of that one slot; moving the slot to another primary
// while bazaar-load runs makes the cluster answer ASK/TRYAGAIN (retried) and then MOVED
// (followed), and the invariants hold afterwards, read from wherever the slot now is.
#include "resp/cluster.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <iostream>
#include <thread>

#include "cluster_fixture.h"
#include "market_fixture.h"
#include "tool_runner.h"

namespace bazaar::load::testing {
namespace {

using bazaar::market::testing::CheckInvariants;
using bazaar::market::testing::MarketProcess;
using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(ClusterTest, AMarketFollowsItsRealmsSlotWhenTheClusterMovesIt) {
  RedisCluster cluster(3, 0);
  const std::string prefix = "{realm1}:";
  const int slot = client::KeySlot(prefix);
  const int first_owner = cluster.PortOfSlot(slot);
  int target = -1;
  for (int port : cluster.PrimaryPorts()) {
    if (port != first_owner) target = port;
  }
  ASSERT_GT(target, 0);
  MarketProcess market(first_owner, {"--store=" + cluster.Seeds(), "--key_prefix=" + prefix});
  EXPECT_THAT(market.Log(), HasSubstr("slot " + std::to_string(slot) +
                                      " at 127.0.0.1:" + std::to_string(first_owner)));
  // A watcher of the event log, open across the move: it keeps receiving events.
  auto stub = market.NewStub();
  grpc::ClientContext watch_ctx;
  bazaar::market::v1::WatchEventsRequest watch_req;
  watch_req.set_from_id("$");
  std::atomic<int64_t> watched{0};
  auto watcher = std::async(std::launch::async, [&] {
    auto reader = stub->WatchEvents(&watch_ctx, watch_req);
    bazaar::market::v1::Event e;
    while (reader->Read(&e)) ++watched;
    return reader->Finish();
  });
  auto load = std::async(std::launch::async, [&] {
    return RunTool("bazaar-load", {"--market=" + market.address(), "--store=" + cluster.Seeds(),
                                   "--key_prefix=" + prefix, "--scenario=5x5", "--duration=6s",
                                   "--progress=false", "--html="});
  });
  std::this_thread::sleep_for(std::chrono::seconds(2));
  cluster.MigrateSlot(slot, target);
  const int64_t watched_at_move = watched.load();
  auto r = load.get();
  ASSERT_EQ(r.exit_code, 0) << r.output << market.Log();
  EXPECT_GT(watched.load(), watched_at_move + 100) << "the watcher follows the slot";
  watch_ctx.TryCancel();
  EXPECT_EQ(watcher.get().error_code(), grpc::StatusCode::CANCELLED);
  // The event hub met the MOVED itself at most a few times before it moved too.
  const std::string log = market.Log();
  size_t hub_moved = 0;
  for (size_t at = log.find("event hub: MOVED"); at != std::string::npos;
       at = log.find("event hub: MOVED", at + 1)) {
    ++hub_moved;
  }
  EXPECT_LE(hub_moved, 3u) << log;
  EXPECT_THAT(r.output, AllOf(HasSubstr("invariants: OK"), HasSubstr("event log: ")));
  EXPECT_EQ(cluster.PortOfSlot(slot), target);
  EXPECT_THAT(market.Log(), HasSubstr("cluster: slot " + std::to_string(slot) +
                                      " is now served by 127.0.0.1:" + std::to_string(target)));
  EXPECT_EQ(CheckInvariants(target, prefix), "");
  // The keys all moved: the old primary has none of the realm's.
  EXPECT_EQ(
      cluster.Command(first_owner, {"CLUSTER", "COUNTKEYSINSLOT", std::to_string(slot)}).integer,
      0);
}

// kill -9 of the realm's primary while bazaar-load runs: the cluster promotes its replica, the
// market finds it (the old one refuses connections; CLUSTER SLOTS names the new one), and with
// --replica_acks=1 no acknowledged change is lost: the invariants hold against the new primary.
TEST(ClusterTest, AMarketSurvivesTheClusterFailingOverItsRealmsPrimary) {
  RedisCluster cluster(3, 1);
  const std::string prefix = "{realm1}:";
  const int slot = client::KeySlot(prefix);
  const int first_owner = cluster.PortOfSlot(slot);
  MarketProcess market(first_owner, {"--store=" + cluster.Seeds(), "--key_prefix=" + prefix,
                                     "--replica_acks=1", "--replica_ack_timeout=500ms"});
  auto load = std::async(std::launch::async, [&] {
    return RunTool("bazaar-load", {"--market=" + market.address(), "--store=" + cluster.Seeds(),
                                   "--key_prefix=" + prefix, "--scenario=5x5", "--duration=12s",
                                   "--timeout=5s", "--progress=false", "--html=", "--json"});
  });
  std::this_thread::sleep_for(std::chrono::seconds(2));
  cluster.Kill(first_owner);
  auto r = load.get();
  ASSERT_EQ(r.exit_code, 0) << r.output << market.Log();
  EXPECT_THAT(r.output, HasSubstr(R"("invariants_ok":true)"));
  // For the record (the issue asks which calls failed during the failover, and how).
  for (const char* key : {R"("seconds":)", R"("calls_per_second":)"}) {
    const size_t at = r.output.find(key);
    if (at != std::string::npos) std::cout << r.output.substr(at, 30) << "\n";
  }
  for (size_t at = r.output.find(R"("failures":{)"); at != std::string::npos;
       at = r.output.find(R"("failures":{)", at + 1)) {
    std::cout << "failures by reason: " << r.output.substr(at, r.output.find('}', at) - at + 1)
              << "\n";
  }
  const int new_owner = cluster.PortOfSlot(slot);
  EXPECT_NE(new_owner, first_owner);
  EXPECT_THAT(market.Log(), HasSubstr("cluster: slot " + std::to_string(slot) +
                                      " is now served by 127.0.0.1:" + std::to_string(new_owner)));
  EXPECT_EQ(CheckInvariants(new_owner, prefix), "");
}

TEST(ClusterTest, AClusterStoreNeedsAHashTaggedKeyPrefix) {
  auto r = bazaar::testing::RunCommand(bazaar::testing::BinaryDir() +
                                       "/bazaar-market --listen=127.0.0.1:0 --plaintext "
                                       "--store=cluster://127.0.0.1:1 --key_prefix=realm1: 2>&1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("a cluster store needs --key_prefix with a hash tag"));
}

}  // namespace
}  // namespace bazaar::load::testing
