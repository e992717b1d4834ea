// ACL users in files, with real redis-server as the other side: an ACL file that bazaar-engine
// saves loads into real Redis (and back) with the same ACL LIST, users given as `user` lines in
// a config file exist from the start, and a Unix socket serves clients as Redis's does.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "harness/process.h"
#include "harness/resp_client.h"

namespace bazaar::testing {
namespace {

using Kind = ServerUnderTest::Kind;

std::string Cli(int port, const std::string& args) {
  return RunCommand("timeout 20 " + RedisCliBinary() + " -p " + std::to_string(port) + " " + args)
      .output;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One server of each kind, each loading `file` as its ACL file.
std::unique_ptr<ServerUnderTest> StartWithAclFile(Kind kind, const std::string& file) {
  return std::make_unique<ServerUnderTest>(kind, std::vector<std::string>{"--aclfile", file});
}

TEST(AclFileTest, AFileOneSavesTheOtherLoadsWithTheSameUsers) {
  TempDir dir;
  const std::string ours = dir.path() + "/ours.acl", theirs = dir.path() + "/theirs.acl";
  std::ofstream(ours) << "user default on nopass ~* &* +@all\n";
  auto engine = StartWithAclFile(Kind::kBazaarEngine, ours);
  for (const char* setuser :
       {"ACL SETUSER ann on '>s3cret' '~ann:*' '%R~shared:*' '&chat.*' -@all +@read +@string",
        "ACL SETUSER bob off nopass '(~b* +get)' '(%W~log:* +@write)' +@all -@dangerous",
        "ACL SETUSER cid on '#5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8' "
        "'+select|0' resetchannels"}) {
    ASSERT_EQ(Cli(engine->port(), setuser), "OK\n") << setuser;
  }
  ASSERT_EQ(Cli(engine->port(), "ACL SAVE"), "OK\n");
  const std::string saved = ReadFile(ours);
  const std::string our_list = Cli(engine->port(), "ACL LIST");
  EXPECT_NE(saved.find("user ann on #"), std::string::npos) << saved;

  // Real Redis starts from our file and lists the same users, rule for rule.
  std::ofstream(theirs) << saved;
  auto redis = StartWithAclFile(Kind::kRealRedis, theirs);
  EXPECT_EQ(Cli(redis->port(), "ACL LIST"), our_list);
  EXPECT_EQ(Cli(redis->port(), "--user ann --pass s3cret --no-auth-warning GET ann:x"), "\n");
  EXPECT_EQ(Cli(redis->port(), "--user ann --pass s3cret --no-auth-warning GET other"),
            "NOPERM this user has no permissions to access one of the keys used as arguments\n\n");
  // What real Redis saves, we load (ACL LOAD) to the same list.
  ASSERT_EQ(Cli(redis->port(), "ACL SETUSER dee on nopass '~*' +@all"), "OK\n");
  ASSERT_EQ(Cli(redis->port(), "ACL SAVE"), "OK\n");
  std::ofstream(ours) << ReadFile(theirs);
  ASSERT_EQ(Cli(engine->port(), "ACL LOAD"), "OK\n");
  EXPECT_EQ(Cli(engine->port(), "ACL LIST"), Cli(redis->port(), "ACL LIST"));
  EXPECT_EQ(Cli(engine->port(), "--user ann --pass s3cret --no-auth-warning GET ann:x"), "\n");
}

TEST(AclFileTest, ABadFileStopsTheServerFromStartingAsRedisDoes) {
  TempDir dir;
  const std::string file = dir.path() + "/bad.acl";
  std::ofstream(file) << "user ann on bogus\n";
  for (Kind kind : {Kind::kRealRedis, Kind::kBazaarEngine}) {
    const std::string exe =
        kind == Kind::kRealRedis ? RedisServerBinary() : BinaryDir() + "/bazaar-engine";
    CommandResult r = RunCommand("timeout 20 " + exe + " --port 0 --unixsocket " + dir.path() +
                                 "/s.sock --aclfile " + file + " 2>&1");
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("Aborting Redis startup because of ACL errors"), std::string::npos)
        << r.output;
  }
}

TEST(AclFileTest, UserLinesInTheConfigFileAndTheUnixSocket) {
  TempDir dir;
  const std::string conf = dir.path() + "/server.conf", sock = dir.path() + "/server.sock";
  std::ofstream(conf) << "user default on nopass ~* &* +@all\n"
                      << "user market on >mpw ~{realm1}:* &* -@all +@read +@write\n"
                      << "unixsocket " << sock << "\nunixsocketperm 700\nport 0\n";
  for (Kind kind : {Kind::kRealRedis, Kind::kBazaarEngine}) {
    const std::string exe =
        kind == Kind::kRealRedis ? RedisServerBinary() : BinaryDir() + "/bazaar-engine";
    ChildProcess server(exe, {conf}, dir.path() + "/log", dir.path());
    std::string list;
    for (int i = 0; i < 100 && list.empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      list = RunCommand("timeout 5 " + RedisCliBinary() + " -s " + sock + " ACL LIST 2>/dev/null")
                 .output;
    }
    EXPECT_EQ(list,
              // A config file's `user default` starts from a reset user (sanitize-payload set).
              "user default on nopass sanitize-payload ~* &* +@all\n"
              "user market on #d31d8844e59384352a4d092648661934eedbea937053b712e7cd04ff045c4c12 "
              "~{realm1}:* &* -@all +@write +@read\n")
        << server.ReadLog();
    const std::string info =
        RunCommand("timeout 5 " + RedisCliBinary() + " -s " + sock + " CLIENT INFO").output;
    EXPECT_NE(info.find("addr=" + sock + ":0 laddr=" + sock + ":0"), std::string::npos) << info;
    EXPECT_NE(info.find("flags=U "), std::string::npos) << info;
    RunCommand("timeout 5 " + RedisCliBinary() + " -s " + sock + " SHUTDOWN NOSAVE");
    server.Wait(std::chrono::seconds(10));
    EXPECT_NE(access(sock.c_str(), F_OK), 0) << "the socket file stays after shutdown";
  }
}

}  // namespace
}  // namespace bazaar::testing
