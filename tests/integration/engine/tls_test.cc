// TLS as Redis 7.0 serves it (tls-port and friends), with real redis-server beside bazaar-engine
// under the same options and the same certificates (made by the real openssl tool): real
// redis-cli and redis-benchmark over TLS get the same answers from both, clients without a
// certificate of the CA are refused (unless tls-auth-clients says otherwise), and replication
// runs over TLS in both directions between real Redis and bazaar-engine.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "harness/certificates.h"
#include "harness/process.h"

namespace bazaar::testing {
namespace {

using Kind = ServerUnderTest::Kind;

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(MakeTestCertificates(certs_.path()), ""); }
  std::string Cert(const std::string& name) const { return certs_.path() + "/" + name; }
  // A server of `kind` with a TLS port besides its plain one.
  std::unique_ptr<ServerUnderTest> Start(Kind kind, std::vector<std::string> more = {}) {
    std::vector<std::string> args = {
        "--tls-port",     ServerUnderTest::kFreePort, "--tls-cert-file",    Cert("server.pem"),
        "--tls-key-file", Cert("server.key"),         "--tls-ca-cert-file", Cert("ca.pem")};
    args.insert(args.end(), more.begin(), more.end());
    return std::make_unique<ServerUnderTest>(kind, args);
  }
  // redis-cli over TLS to `port` showing certificate `as` ("" none); what it printed.
  std::string Cli(int port, const std::string& as, const std::string& command) {
    std::string cert;
    if (!as.empty()) cert = " --cert " + Cert(as + ".pem") + " --key " + Cert(as + ".key");
    return RunCommand("timeout 20 " + RedisCliBinary() + " -p " + std::to_string(port) +
                      " --tls --cacert " + Cert("ca.pem") + cert + " " + command)
        .output;
  }
  TempDir certs_;
};

TEST_F(TlsTest, RedisCliGetsTheSameAnswersOverTlsAndStrangersAreRefused) {
  auto redis = Start(Kind::kRealRedis);
  auto engine = Start(Kind::kBazaarEngine);
  // Larger than a TLS record (16 KB) and a socket write; under the kernel's 128 KB limit on one
  // command-line argument.
  const std::string big(100000, 'x');
  for (const std::string& command :
       {std::string("PING"), std::string("SET k v"), std::string("GET k"), "SET big " + big,
        std::string("STRLEN big"), std::string("CONFIG GET tls-auth-clients"),
        std::string("DEL k big")}) {
    EXPECT_EQ(Cli(engine->second_port(), "client", command),
              Cli(redis->second_port(), "client", command))
        << command.substr(0, 40);
  }
  EXPECT_EQ(Cli(engine->second_port(), "client", "SET big " + big), "OK\n");
  EXPECT_EQ(Cli(engine->second_port(), "client", "STRLEN big"), "100000\n");
  EXPECT_EQ(Cli(engine->second_port(), "client", "GET big"), big + "\n");
  // No client certificate, or one of another CA: the handshake fails on both.
  for (const char* who : {"", "stranger"}) {
    for (ServerUnderTest* s : {redis.get(), engine.get()}) {
      EXPECT_THAT(Cli(s->second_port(), who, "PING"), ::testing::HasSubstr("Error"))
          << s->name() << " let in '" << who << "'";
    }
  }
  // Plaintext on the TLS port gets nothing; the plain port still speaks plaintext.
  for (ServerUnderTest* s : {redis.get(), engine.get()}) {
    EXPECT_THAT(RunCommand("timeout 20 " + RedisCliBinary() + " -p " +
                           std::to_string(s->second_port()) + " PING")
                    .output,
                ::testing::HasSubstr("Error"));
    EXPECT_EQ(
        RunCommand("timeout 20 " + RedisCliBinary() + " -p " + std::to_string(s->port()) + " PING")
            .output,
        "PONG\n");
  }
}

// CONFIG SET of an unusable tls-* file is refused in Redis's words, the old value stays and
// TLS goes on serving (a bad client key once freed the context twice).
TEST_F(TlsTest, AnUnusableTlsFileIsRefusedAndTheOldOneKeepsServing) {
  auto redis = Start(Kind::kRealRedis);
  auto engine = Start(Kind::kBazaarEngine);
  // A certificate that is not there; a client key that is not there for a client certificate
  // that is (the client context fails after the server's was made).
  for (const std::string& pairs :
       {std::string("tls-cert-file /nonexistent/file"),
        "tls-client-cert-file " + Cert("client.pem") + " tls-client-key-file /nonexistent/file"}) {
    const std::string want = Cli(redis->second_port(), "client", "CONFIG SET " + pairs);
    EXPECT_THAT(want, ::testing::HasSubstr("Unable to update TLS configuration"));
    EXPECT_EQ(Cli(engine->second_port(), "client", "CONFIG SET " + pairs), want) << pairs;
    for (const char* option : {"tls-cert-file", "tls-client-cert-file", "tls-client-key-file"}) {
      const std::string get = std::string("CONFIG GET ") + option;
      EXPECT_EQ(Cli(engine->second_port(), "client", get),
                Cli(redis->second_port(), "client", get));
    }
    EXPECT_EQ(Cli(engine->second_port(), "client", "PING"), "PONG\n");
  }
}

TEST_F(TlsTest, ClientsNeedNoCertificateWhenTlsAuthClientsIsNo) {
  auto engine = Start(Kind::kBazaarEngine, {"--tls-auth-clients", "no"});
  EXPECT_EQ(Cli(engine->second_port(), "", "PING"), "PONG\n");
}

TEST_F(TlsTest, RedisBenchmarkRunsOverTls) {
  auto engine = Start(Kind::kBazaarEngine);
  CommandResult r = RunCommand(
      "timeout 60 " + RedisBenchmarkBinary() + " -p " + std::to_string(engine->second_port()) +
      " --tls --cacert " + Cert("ca.pem") + " --cert " + Cert("client.pem") + " --key " +
      Cert("client.key") + " -t set,get,lpush,lrange_100 -n 5000 -c 20 -P 4 -d 2000 -q");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, ::testing::HasSubstr("LRANGE_100"));
  EXPECT_THAT(r.output, ::testing::Not(::testing::HasSubstr("rror"))) << r.output;
}

TEST_F(TlsTest, ReplicationRunsOverTlsBothWays) {
  const std::vector<std::string> as_replica = {"--tls-replication", "yes",
                                               "--repl-diskless-sync-delay", "0"};
  for (auto [primary_kind, replica_kind] : {std::pair{Kind::kRealRedis, Kind::kBazaarEngine},
                                            std::pair{Kind::kBazaarEngine, Kind::kRealRedis}}) {
    auto primary = Start(primary_kind, {"--repl-diskless-sync-delay", "0"});
    auto replica = Start(replica_kind, as_replica);
    ASSERT_EQ(Cli(primary->second_port(), "client", "SET before-sync 1"), "OK\n");
    const std::string on_replica =
        "timeout 5 " + RedisCliBinary() + " -p " + std::to_string(replica->port()) + " ";
    ASSERT_EQ(
        RunCommand(on_replica + "REPLICAOF 127.0.0.1 " + std::to_string(primary->second_port()))
            .output,
        "OK\n");
    bool up = false;
    for (int i = 0; i < 200 && !up; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      up = RunCommand(on_replica + "INFO replication").output.find("master_link_status:up") !=
           std::string::npos;
    }
    ASSERT_TRUE(up) << primary->name() << " -> " << replica->name() << "\n"
                    << replica->process().ReadLog();
    EXPECT_EQ(RunCommand(on_replica + "GET before-sync").output, "1\n");
    ASSERT_EQ(Cli(primary->second_port(), "client", "SET after-sync 2"), "OK\n");
    std::string got;
    for (int i = 0; i < 100 && got != "2\n"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      got = RunCommand(on_replica + "GET after-sync").output;
    }
    EXPECT_EQ(got, "2\n") << primary->name() << " -> " << replica->name();
  }
}

}  // namespace
}  // namespace bazaar::testing
