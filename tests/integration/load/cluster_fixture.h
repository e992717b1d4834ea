// RedisCluster: a real Redis Cluster for the tests: `primaries` redis-server processes with
// --cluster-enabled yes (each with `replicas` replicas) on free loopback ports, in temp dirs,
// joined by `redis-cli --cluster create`, and ready (cluster_state:ok on every node) when
// constructed. The nodes stop by PID when it is destroyed. Test thread only.
#ifndef BAZAAR_TESTS_INTEGRATION_LOAD_CLUSTER_FIXTURE_H_
#define BAZAAR_TESTS_INTEGRATION_LOAD_CLUSTER_FIXTURE_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "harness/process.h"
#include "resp/reply.h"

namespace bazaar::load::testing {

class RedisCluster {
 public:
  RedisCluster(int primaries, int replicas);
  // "cluster://127.0.0.1:p1,127.0.0.1:p2,..." (every node).
  std::string Seeds() const;
  // The port of the primary serving `slot` now, as CLUSTER SLOTS on the first node says.
  int PortOfSlot(int slot);
  std::vector<int> PrimaryPorts();
  // Moves `slot` and its keys to the primary on `to_port` the way `redis-cli --cluster reshard`
  // does: IMPORTING / MIGRATING, MIGRATE of the keys in batches, then SETSLOT NODE everywhere.
  // Clients meanwhile get -ASK and -TRYAGAIN, then -MOVED.
  void MigrateSlot(int slot, int to_port);
  client::RespReply Command(int port, const std::vector<std::string>& argv);
  // kill -9 of the node on `port`; the cluster promotes one of its replicas after the node
  // timeout (2 s here).
  void Kill(int port);
  // Waits until every live node says cluster_state:ok and every live replica's link to its
  // primary is up (false after `timeout`).
  bool WaitUntilOk(std::chrono::milliseconds timeout);

 private:
  std::string IdOf(int port);
  int LivePort();  // a node that runs, to ask
  std::vector<std::unique_ptr<bazaar::testing::ServerUnderTest>> nodes_;
};

}  // namespace bazaar::load::testing

#endif  // BAZAAR_TESTS_INTEGRATION_LOAD_CLUSTER_FIXTURE_H_
