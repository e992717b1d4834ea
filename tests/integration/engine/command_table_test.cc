// COMMAND as clients read it (redis-py's cluster client and others take key positions and flags
// from it): every command and subcommand we have must show Redis 7.0's arity, flags, key range
// and ACL categories, compared with real redis-server in the same run. Only the commands we do not
// have yet may be missing, and they are listed by name so that adding one is noticed. And CONFIG
// SET port, which clients see as the server moving.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "harness/process.h"
#include "harness/resp_client.h"
#include "resp/connection.h"

namespace bazaar::testing {
namespace {

using Kind = ServerUnderTest::Kind;

struct Entry {
  int64_t arity = 0;
  std::vector<std::string> flags;
  int64_t first = 0, last = 0, step = 0;
  std::vector<std::string> categories;  // ACL categories, in order
  bool operator==(const Entry& o) const {
    return arity == o.arity && flags == o.flags && first == o.first && last == o.last &&
           step == o.step && categories == o.categories;
  }
};

void Add(const client::RespReply& info, std::map<std::string, Entry>* out) {
  Entry e;
  e.arity = info.elements[1].integer;
  for (const auto& f : info.elements[2].elements) e.flags.push_back(f.str);
  e.first = info.elements[3].integer;
  e.last = info.elements[4].integer;
  e.step = info.elements[5].integer;
  for (const auto& c : info.elements[6].elements) e.categories.push_back(c.str);
  (*out)[info.elements[0].str] = e;
  for (const auto& sub : info.elements[9].elements) Add(sub, out);
}

std::map<std::string, Entry> CommandTable(int port) {
  client::ConnectionOptions o;
  o.port = port;
  auto conn = client::RespConnection::Connect(o);
  EXPECT_TRUE(conn.ok()) << conn.status();
  std::map<std::string, Entry> table;
  if (!conn.ok()) return table;
  auto reply = (*conn)->Command({"COMMAND"});
  EXPECT_TRUE(reply.ok()) << reply.status();
  if (reply.ok()) {
    for (const auto& info : reply->elements) Add(info, &table);
  }
  return table;
}

std::string Describe(const Entry& e) {
  std::string s = "arity " + std::to_string(e.arity) + " flags [";
  for (const auto& f : e.flags) s += f + " ";
  s += "] keys " + std::to_string(e.first) + "," + std::to_string(e.last) + "," +
       std::to_string(e.step) + " categories [";
  for (const auto& c : e.categories) s += c + " ";
  return s + "]";
}

TEST(CommandTableTest, EveryCommandShowsRedissArityFlagsKeysAndAclCategories) {
  ServerUnderTest ours(Kind::kBazaarEngine);
  ServerUnderTest redis(Kind::kRealRedis);
  const auto mine = CommandTable(ours.port());
  const auto theirs = CommandTable(redis.port());
  ASSERT_GT(theirs.size(), 300u);
  std::set<std::string> missing;
  for (const auto& [name, want] : theirs) {
    auto it = mine.find(name);
    if (it == mine.end()) {
      missing.insert(name);
      continue;
    }
    EXPECT_EQ(Describe(it->second), Describe(want)) << name;
  }
  for (const auto& [name, entry] : mine) {
    EXPECT_TRUE(theirs.count(name)) << name << " is not a Redis 7.0 command";
  }
  // Not built yet (FAILOVER, modules, ...): see the open issues.
  const std::set<std::string> not_yet = {"command|getkeysandflags",
                                         "failover",
                                         "lolwut",
                                         "module",
                                         "module|help",
                                         "module|list",
                                         "module|load",
                                         "module|loadex",
                                         "module|unload",
                                         "script|debug"};
  EXPECT_EQ(missing, not_yet);
}

// CONFIG SET port moves the server: the new port answers, the old one no longer does, and the
// connection that asked stays open. Both servers, so the test holds Redis to it too.
TEST(ConfigSetPortTest, TheServerMovesToTheNewPortAndKeepsItsConnections) {
  for (Kind kind : {Kind::kRealRedis, Kind::kBazaarEngine}) {
    ServerUnderTest server(kind);
    const int moved = FreeLoopbackPort();
    RespClient c(server.port());
    ASSERT_EQ(c.Command({"CONFIG", "SET", "port", std::to_string(moved)}), "+OK\r\n");
    EXPECT_EQ(c.Command({"PING"}), "+PONG\r\n");
    EXPECT_EQ(RespClient(moved).Command({"PING"}), "+PONG\r\n");
    EXPECT_THROW(RespClient{server.port()}, std::runtime_error);
    c.Command({"CONFIG", "SET", "port", std::to_string(server.port())});
  }
}

}  // namespace
}  // namespace bazaar::testing
