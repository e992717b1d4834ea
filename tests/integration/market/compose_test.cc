// docker-compose.yml: it validates (Debian's docker-compose v1 needs no Docker engine for that),
// and its service command lines work: the engine primary, the engine replica and the market are
// started here as local processes with exactly the compose arguments, only the host names, ports
// and paths mapped onto this machine.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <sstream>
#include <thread>
#include <string>
#include <vector>

#include "harness/process.h"
#include "harness/resp_client.h"
#include "market/v1/market.grpc.pb.h"
#include "market_fixture.h"

namespace {

using bazaar::market::testing::WaitForMarketPort;
using bazaar::testing::ChildProcess;
using bazaar::testing::FreeLoopbackPort;
using bazaar::testing::RespClient;
using bazaar::testing::RunCommand;
using bazaar::testing::TempDir;

const std::string kCompose = "docker-compose -f " BAZAAR_SOURCE_DIR "/docker-compose.yml";

// The `command` list of one service after compose's interpolation, one argument per element.
std::vector<std::string> ServiceCommand(const std::string& service) {
  auto r = RunCommand(kCompose + " config | /usr/bin/python3 -c 'import sys, yaml; print(\"\\n\".join("
                      "yaml.safe_load(sys.stdin)[\"services\"][\"" + service + "\"][\"command\"]))'");
  std::vector<std::string> args;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) args.push_back(line);
  return args;
}

// Maps compose's names onto this machine: service hosts to loopback, the container's fixed
// ports to free ones, /data and /etc/bazaar to local paths.
std::vector<std::string> Localize(std::vector<std::string> args, int port, int primary_port,
                                  const std::string& data_dir) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string& a = args[i];
    if (a == "--port") args[i + 1] = std::to_string(port);
    if (a == "--replicaof") {
      EXPECT_EQ(args[i + 1], "engine-primary");
      args[i + 1] = "127.0.0.1";
      args[i + 2] = std::to_string(primary_port);
    }
    if (a == "/data") a = data_dir;
    if (a.rfind("--listen=", 0) == 0) a = "--listen=127.0.0.1:" + std::to_string(port);
    if (a.rfind("--metrics_listen=", 0) == 0) a = "--metrics_listen=127.0.0.1:0";
    if (a.rfind("--store=engine-primary:", 0) == 0) {
      a = "--store=127.0.0.1:" + std::to_string(primary_port);
    }
    if (a.rfind("--config=/etc/bazaar/", 0) == 0) {
      a = "--config=" BAZAAR_SOURCE_DIR "/conf/" + a.substr(std::string("--config=/etc/bazaar/").size());
    }
  }
  return args;
}

ChildProcess Start(std::vector<std::string> args, const TempDir& dir) {
  std::string exe = bazaar::testing::BinaryDir() + "/" + args[0];
  args.erase(args.begin());
  return ChildProcess(exe, args, dir.path() + "/log", dir.path());
}

std::string InfoField(int port, const std::string& field) {
  RespClient c(port);
  std::string info = c.Command({"INFO", "replication"});
  size_t at = info.find(field + ":");
  return at == std::string::npos ? "" : info.substr(at + field.size() + 1, info.find("\r\n", at) - at - field.size() - 1);
}

TEST(ComposeTest, ComposeFileValidates) {
  auto r = RunCommand(kCompose + " config --quiet");
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(ComposeTest, LoadServiceRunsOnlyWithItsProfile) {
  auto r = RunCommand(kCompose + " config");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  size_t load = r.output.find("\n  load:");
  ASSERT_NE(load, std::string::npos);
  size_t next = r.output.find("\n  market:", load);
  EXPECT_NE(r.output.substr(load, next - load).find("profiles:\n    - load"), std::string::npos);
}

TEST(ComposeTest, ServiceCommandLinesStartAWorkingDeployment) {
  TempDir primary_dir, replica_dir, market_dir;
  const int primary_port = FreeLoopbackPort(), replica_port = FreeLoopbackPort();
  auto primary_args = Localize(ServiceCommand("engine-primary"), primary_port, 0, primary_dir.path());
  auto replica_args =
      Localize(ServiceCommand("engine-replica"), replica_port, primary_port, replica_dir.path());
  auto market_args = Localize(ServiceCommand("market"), 0, primary_port, "");
  ASSERT_FALSE(primary_args.empty());
  ASSERT_EQ(primary_args[0], "bazaar-engine");
  ASSERT_EQ(market_args[0], "bazaar-market");

  // The engines keep the compose file's fixed-port form; a port another test took meanwhile
  // shows as our process exiting, never as a stranger counted as ours.
  ChildProcess primary = Start(primary_args, primary_dir);
  ASSERT_TRUE(bazaar::testing::WaitUntilServing(primary_port, primary)) << primary.ReadLog();
  ChildProcess replica = Start(replica_args, replica_dir);
  ASSERT_TRUE(bazaar::testing::WaitUntilServing(replica_port, replica)) << replica.ReadLog();
  ChildProcess market = Start(market_args, market_dir);
  const int market_port = WaitForMarketPort(market);
  ASSERT_GT(market_port, 0) << market.ReadLog();
  ASSERT_TRUE(bazaar::testing::WaitForPort(market_port)) << market.ReadLog();

  // Other containers reach the engines over the compose network, not loopback.
  EXPECT_EQ(RespClient(primary_port).Command({"CONFIG", "GET", "protected-mode"}),
            "*2\r\n$14\r\nprotected-mode\r\n$2\r\nno\r\n");

  auto stub = bazaar::market::v1::Market::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(market_port), grpc::InsecureChannelCredentials()));
  bazaar::market::v1::CreateUserRequest req;
  req.set_user_id("compose-user");
  req.set_name("Ann");
  req.set_funds(100);
  bazaar::market::v1::CreateUserResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  ctx.set_wait_for_ready(true);
  grpc::Status status = stub->CreateUser(&ctx, req, &resp);
  ASSERT_TRUE(status.ok()) << status.error_message() << "\n" << market.ReadLog();

  // The user the market wrote on the primary reaches the replica.
  bool replicated = false;
  for (int i = 0; i < 100 && !replicated; ++i) {
    replicated = RespClient(replica_port).Command({"HGET", "users:compose-user", "funds"}) ==
                 "$3\r\n100\r\n";
    if (!replicated) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(replicated) << replica.ReadLog();
  EXPECT_EQ(InfoField(replica_port, "master_link_status"), "up");
}

}  // namespace
