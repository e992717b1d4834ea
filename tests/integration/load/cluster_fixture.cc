#include "cluster_fixture.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "resp/cluster.h"
#include "resp/connection.h"

namespace bazaar::load::testing {

using bazaar::testing::ServerUnderTest;

RedisCluster::RedisCluster(int primaries, int replicas) {
  std::vector<std::string> addresses;
  for (int i = 0; i < primaries * (1 + replicas); ++i) {
    // The cluster bus gets a free port of its own (its default, port + 10000, may be taken or
    // out of range).
    nodes_.push_back(std::make_unique<ServerUnderTest>(
        ServerUnderTest::Kind::kRealRedis,
        std::vector<std::string>{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                                 "--cluster-port",
                                 std::to_string(bazaar::testing::FreeLoopbackPort()),
                                 "--cluster-node-timeout", "2000"}));
    addresses.push_back(absl::StrCat("127.0.0.1:", nodes_.back()->port()));
  }
  auto created = bazaar::testing::RunCommand(absl::StrCat(
      bazaar::testing::RedisCliBinary(), " --cluster create ", absl::StrJoin(addresses, " "),
      " --cluster-replicas ", replicas, " --cluster-yes 2>&1"));
  if (created.exit_code != 0) {
    throw std::runtime_error("redis-cli --cluster create failed: " + created.output);
  }
  if (!WaitUntilOk(std::chrono::seconds(30))) {
    throw std::runtime_error("the cluster did not become ok");
  }
}

bool RedisCluster::WaitUntilOk(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const auto& node : nodes_) {
    if (!node->process().running()) continue;
    for (;;) {
      // The cluster serves every slot, and a replica has its primary's data (so WAIT works).
      auto info = Command(node->port(), {"CLUSTER", "INFO"});
      auto replication = Command(node->port(), {"INFO", "replication"});
      const bool replica = replication.str.find("role:slave") != std::string::npos;
      if (info.str.find("cluster_state:ok") != std::string::npos &&
          (!replica || replication.str.find("master_link_status:up") != std::string::npos)) {
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  return true;
}

void RedisCluster::Kill(int port) {
  for (const auto& node : nodes_) {
    if (node->port() == port) node->process().Stop(SIGKILL);
  }
}

client::RespReply RedisCluster::Command(int port, const std::vector<std::string>& argv) {
  client::ConnectionOptions o;
  o.port = port;
  o.command_timeout = std::chrono::seconds(10);
  auto conn = client::RespConnection::Connect(o);
  if (!conn.ok()) throw std::runtime_error(std::string(conn.status().message()));
  auto reply = (*conn)->Command(argv);
  if (!reply.ok()) throw std::runtime_error(std::string(reply.status().message()));
  return *reply;
}

std::string RedisCluster::Seeds() const {
  std::vector<std::string> out;
  for (const auto& n : nodes_) out.push_back(absl::StrCat("127.0.0.1:", n->port()));
  return "cluster://" + absl::StrJoin(out, ",");
}

int RedisCluster::PortOfSlot(int slot) {
  auto ranges = client::ParseClusterSlots(Command(LivePort(), {"CLUSTER", "SLOTS"}));
  if (!ranges.ok()) throw std::runtime_error(std::string(ranges.status().message()));
  for (const auto& r : *ranges) {
    if (r.first <= slot && slot <= r.last) return r.port;
  }
  return -1;
}

int RedisCluster::LivePort() {
  for (const auto& node : nodes_) {
    if (node->process().running()) return node->port();
  }
  throw std::runtime_error("no cluster node is running");
}

std::vector<int> RedisCluster::PrimaryPorts() {
  auto ranges = client::ParseClusterSlots(Command(LivePort(), {"CLUSTER", "SLOTS"}));
  std::vector<int> out;
  for (const auto& r : *ranges) {
    if (std::find(out.begin(), out.end(), r.port) == out.end()) out.push_back(r.port);
  }
  return out;
}

std::string RedisCluster::IdOf(int port) { return Command(port, {"CLUSTER", "MYID"}).str; }

void RedisCluster::MigrateSlot(int slot, int to_port) {
  const int from_port = PortOfSlot(slot);
  const std::string from = IdOf(from_port), to = IdOf(to_port), s = std::to_string(slot);
  Command(to_port, {"CLUSTER", "SETSLOT", s, "IMPORTING", from});
  Command(from_port, {"CLUSTER", "SETSLOT", s, "MIGRATING", to});
  for (;;) {
    auto keys = Command(from_port, {"CLUSTER", "GETKEYSINSLOT", s, "20"});
    if (keys.elements.empty()) break;
    std::vector<std::string> migrate = {"MIGRATE", "127.0.0.1", std::to_string(to_port), "", "0",
                                        "5000",    "KEYS"};
    for (const auto& k : keys.elements) migrate.push_back(k.str);
    auto moved = Command(from_port, migrate);
    if (moved.is_error()) throw std::runtime_error("MIGRATE: " + moved.str);
  }
  Command(to_port, {"CLUSTER", "SETSLOT", s, "NODE", to});
  Command(from_port, {"CLUSTER", "SETSLOT", s, "NODE", to});
  for (int port : PrimaryPorts()) Command(port, {"CLUSTER", "SETSLOT", s, "NODE", to});
}

}  // namespace bazaar::load::testing
