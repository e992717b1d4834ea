// docker-compose.yml: it validates (Debian's docker-compose v1 needs no Docker engine for that),
// and its service command lines work: the engine primary, the engine replica and the market are
// started here as local processes with exactly the compose arguments, only the host names, ports
// and paths mapped onto this machine; the stores want their password and the market its keys,
// and the market logs into the engines as its own ACL user, which reaches only its realm.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness/process.h"
#include "harness/resp_client.h"
#include "market/auth.h"
#include "market/v1/market.grpc.pb.h"
#include "market_fixture.h"

namespace {

using bazaar::market::testing::WaitForMarketPort;
using bazaar::testing::ChildProcess;
using bazaar::testing::FreeLoopbackPort;
using bazaar::testing::RespClient;
using bazaar::testing::RunCommand;
using bazaar::testing::TempDir;

// The secrets compose insists on (docker/README.md); the key file is replaced below.
constexpr char kStorePassword[] = "compose-test-secret";
constexpr char kMarketStorePassword[] = "compose-test-market-secret";
constexpr char kAdminKey[] = "compose-test-admin-key";
const std::string kStoreSecret = std::string("BAZAAR_STORE_PASSWORD=") + kStorePassword;
const std::string kMarketStoreSecret =
    std::string("BAZAAR_MARKET_STORE_PASSWORD=") + kMarketStorePassword;
const std::string kKeysSecret = "BAZAAR_API_KEYS_FILE=/dev/null";
const std::string kComposeFile = "docker-compose -f " BAZAAR_SOURCE_DIR "/docker-compose.yml";
const std::string kCompose =
    kStoreSecret + " " + kMarketStoreSecret + " " + kKeysSecret + " " + kComposeFile;

// One field of one service after compose's interpolation, one line per element (a map's keys).
std::vector<std::string> ServiceField(const std::string& service, const std::string& field) {
  auto r = RunCommand(kCompose +
                      " config | /usr/bin/python3 -c 'import sys, yaml; print(\"\\n\".join("
                      "yaml.safe_load(sys.stdin)[\"services\"][\"" +
                      service + "\"][\"" + field + "\"]))'");
  std::vector<std::string> args;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) args.push_back(line);
  return args;
}

// The `command` list of one service, one argument per element.
std::vector<std::string> ServiceCommand(const std::string& service) {
  return ServiceField(service, "command");
}

// Maps compose's names onto this machine: service hosts to loopback, the container's fixed
// ports to free ones, /data, /etc/bazaar and the key secret to local paths.
std::vector<std::string> Localize(std::vector<std::string> args, int port, int primary_port,
                                  const std::string& data_dir, const std::string& keys = "") {
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
    if (a == "--api_keys=/run/secrets/bazaar_api_keys") a = "--api_keys=" + keys;
    if (a.rfind("--config=/etc/bazaar/", 0) == 0) {
      a = "--config=" BAZAAR_SOURCE_DIR "/conf/" + a.substr(std::string("--config=/etc/bazaar/").size());
    }
  }
  return args;
}

// An engine service is `sh -c <script>` (it writes the password into a file the engine reads
// first, so it is not on the engine's command line): the same replacements in the script, and
// compose's `$$` as the `$` the container gets.
std::vector<std::string> LocalizeScript(std::vector<std::string> args, int port, int primary_port,
                                        const std::string& dir) {
  EXPECT_EQ(args.size(), 3u);
  if (args.size() != 3) return {};
  EXPECT_EQ(args[0], "sh");
  std::string script = args[2];
  // Replaces every `from`, which must stand exactly `times` times.
  auto replace = [&](const std::string& from, const std::string& to, int times = 1) {
    int seen = 0;
    for (size_t at = script.find(from); at != std::string::npos;
         at = script.find(from, at + to.size())) {
      script.replace(at, from.size(), to);
      ++seen;
    }
    EXPECT_EQ(seen, times) << from << " in " << script;
  };
  // The password is written as requirepass, and as masterauth by a replica; the market user's
  // in its user line.
  replace("$$BAZAAR_STORE_PASSWORD", "$BAZAAR_STORE_PASSWORD", primary_port != 0 ? 2 : 1);
  replace("$$BAZAAR_MARKET_STORE_PASSWORD", "$BAZAAR_MARKET_STORE_PASSWORD");
  replace("/run/bazaar-auth.conf", dir + "/auth.conf", 2);  // written, then read
  replace("exec bazaar-engine ", "exec " + bazaar::testing::BinaryDir() + "/bazaar-engine ");
  replace("--port 6379", "--port " + std::to_string(port));
  replace("--dir /data", "--dir " + dir);
  if (primary_port != 0) {
    replace("--replicaof engine-primary 6379",
            "--replicaof 127.0.0.1 " + std::to_string(primary_port));
  }
  return {"/bin/sh", "-c", script};
}

ChildProcess Start(std::vector<std::string> args, const TempDir& dir) {
  std::string exe = args[0][0] == '/' ? args[0] : bazaar::testing::BinaryDir() + "/" + args[0];
  args.erase(args.begin());
  return ChildProcess(exe, args, dir.path() + "/log", dir.path());
}

// A connection that has given the stores' password.
std::unique_ptr<RespClient> Authed(int port) {
  auto c = std::make_unique<RespClient>(port);
  EXPECT_EQ(c->Command({"AUTH", kStorePassword}), "+OK\r\n");
  return c;
}

std::string InfoField(int port, const std::string& field) {
  auto c = Authed(port);
  std::string info = c->Command({"INFO", "replication"});
  size_t at = info.find(field + ":");
  return at == std::string::npos ? "" : info.substr(at + field.size() + 1, info.find("\r\n", at) - at - field.size() - 1);
}

TEST(ComposeTest, ComposeFileValidates) {
  auto r = RunCommand(kCompose + " config --quiet");
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(ComposeTest, NothingStartsWithoutTheStorePasswordsAndAKeyFile) {
  const std::string unset =
      "env -u BAZAAR_STORE_PASSWORD -u BAZAAR_MARKET_STORE_PASSWORD -u BAZAAR_API_KEYS_FILE ";
  for (const auto& [missing, given] :
       {std::pair{"BAZAAR_STORE_PASSWORD", kKeysSecret + " " + kMarketStoreSecret},
        std::pair{"BAZAAR_MARKET_STORE_PASSWORD", kKeysSecret + " " + kStoreSecret},
        std::pair{"BAZAAR_API_KEYS_FILE", kStoreSecret + " " + kMarketStoreSecret}}) {
    auto r = RunCommand(unset + given + " " + kComposeFile + " config --quiet 2>&1");
    EXPECT_NE(r.exit_code, 0) << missing;
    EXPECT_NE(r.output.find(std::string("set ") + missing), std::string::npos) << r.output;
  }
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
  auto primary_args =
      LocalizeScript(ServiceCommand("engine-primary"), primary_port, 0, primary_dir.path());
  auto replica_args = LocalizeScript(ServiceCommand("engine-replica"), replica_port, primary_port,
                                     replica_dir.path());
  const std::string keys = market_dir.path() + "/api_keys";
  std::ofstream(keys) << "ops admin sha256:" << bazaar::market::HashApiKey(kAdminKey) << "\n";
  auto market_args = Localize(ServiceCommand("market"), 0, primary_port, "", keys);
  ASSERT_FALSE(primary_args.empty());
  ASSERT_FALSE(replica_args.empty());
  ASSERT_EQ(market_args[0], "bazaar-market");

  // The engines keep the compose file's fixed-port form; a port another test took meanwhile
  // shows as our process exiting, never as a stranger counted as ours.
  // Each service gets the environment compose gives it: the engines both passwords, the market
  // its own store user and password, and not the admin password.
  const std::vector<std::string> market_env = ServiceField("market", "environment");
  EXPECT_EQ(market_env, (std::vector<std::string>{"BAZAAR_STORE_PASSWORD", "BAZAAR_STORE_USER"}));
  setenv("BAZAAR_STORE_PASSWORD", kStorePassword, 1);
  setenv("BAZAAR_MARKET_STORE_PASSWORD", kMarketStorePassword, 1);
  ChildProcess primary = Start(primary_args, primary_dir);
  ChildProcess replica = Start(replica_args, replica_dir);
  unsetenv("BAZAAR_MARKET_STORE_PASSWORD");
  setenv("BAZAAR_STORE_USER", "market", 1);
  setenv("BAZAAR_STORE_PASSWORD", kMarketStorePassword, 1);
  ChildProcess market = Start(market_args, market_dir);
  unsetenv("BAZAAR_STORE_USER");
  unsetenv("BAZAAR_STORE_PASSWORD");
  ASSERT_TRUE(bazaar::testing::WaitUntilServing(primary_port, primary, kStorePassword))
      << primary.ReadLog();
  ASSERT_TRUE(bazaar::testing::WaitUntilServing(replica_port, replica, kStorePassword))
      << replica.ReadLog();
  // No password is in any process's command line.
  for (ChildProcess* p : {&primary, &replica, &market}) {
    std::ifstream cmdline("/proc/" + std::to_string(p->pid()) + "/cmdline");
    std::string all((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    EXPECT_EQ(all.find(kStorePassword), std::string::npos) << all;
    EXPECT_EQ(all.find(kMarketStorePassword), std::string::npos) << all;
  }
  const int market_port = WaitForMarketPort(market);
  ASSERT_GT(market_port, 0) << market.ReadLog();
  ASSERT_TRUE(bazaar::testing::WaitForPort(market_port)) << market.ReadLog();

  // Other containers reach the engines over the compose network, not loopback, and only with
  // the password.
  EXPECT_EQ(Authed(primary_port)->Command({"CONFIG", "GET", "protected-mode"}),
            "*2\r\n$14\r\nprotected-mode\r\n$2\r\nno\r\n");
  EXPECT_EQ(RespClient(primary_port).Command({"GET", "x"}).rfind("-NOAUTH", 0), 0u);
  // The market's user: its realm's keys, nothing beyond them, nothing dangerous.
  RespClient as_market(primary_port);
  EXPECT_EQ(as_market.Command({"AUTH", "market", kMarketStorePassword}), "+OK\r\n");
  EXPECT_EQ(as_market.Command({"EXISTS", "{realm1}:users:nobody"}), ":0\r\n");
  EXPECT_EQ(as_market.Command({"GET", "users:nobody"}).rfind("-NOPERM", 0), 0u);
  EXPECT_EQ(as_market.Command({"FLUSHALL"}).rfind("-NOPERM", 0), 0u);
  EXPECT_EQ(as_market.Command({"FUNCTION", "FLUSH"}).rfind("-NOPERM", 0), 0u);

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
  // Without a key the market refuses; with the admin key it writes.
  grpc::Status status = stub->CreateUser(&ctx, req, &resp);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << market.ReadLog();
  grpc::ClientContext authed;
  authed.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  authed.AddMetadata("authorization", std::string("Bearer ") + kAdminKey);
  status = stub->CreateUser(&authed, req, &resp);
  ASSERT_TRUE(status.ok()) << status.error_message() << "\n" << market.ReadLog();

  // The user the market wrote on the primary reaches the replica.
  bool replicated = false;
  for (int i = 0; i < 100 && !replicated; ++i) {
    replicated = Authed(replica_port)->Command({"HGET", "{realm1}:users:compose-user", "funds"}) ==
                 "$3\r\n100\r\n";
    if (!replicated) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(replicated) << replica.ReadLog();
  EXPECT_EQ(InfoField(replica_port, "master_link_status"), "up");
}

}  // namespace
