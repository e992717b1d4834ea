// MIGRATE's connection cache: one connection per target, reused, closed after 10 s unused or
// on request, at most 64. A plain listening socket stands in for the targets (connecting needs
// nothing more).
#include "engine/commands/migrate_sockets.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace bazaar::engine::commands {
namespace {

// A loopback listener on a port the kernel picks; its backlog accepts the connections.
class Listener {
 public:
  Listener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd_, 128);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = std::to_string(ntohs(a.sin_port));
  }
  ~Listener() { close(fd_); }
  const std::string& port() const { return port_; }

 private:
  int fd_;
  std::string port_;
};

TEST(MigrateSocketsTest, ReusesOneConnectionPerTargetAndDropsItAfterTenIdleSeconds) {
  Listener target, other;
  MigrateSockets cache;
  MigrateSockets::Socket* first = cache.Get("127.0.0.1", target.port(), 1000, 0);
  ASSERT_NE(first, nullptr);
  first->last_db = 5;
  EXPECT_EQ(cache.Get("127.0.0.1", target.port(), 1000, 4000), first);
  EXPECT_EQ(first->last_db, 5) << "the database it selected is remembered";
  ASSERT_NE(cache.Get("127.0.0.1", other.port(), 1000, 9000), nullptr);
  EXPECT_EQ(cache.size(), 2u);
  cache.CloseIdle(14000);  // the first was last used at 4 s: 10 s exactly is not yet idle
  EXPECT_EQ(cache.size(), 2u);
  cache.CloseIdle(14001);
  EXPECT_EQ(cache.size(), 1u);
  cache.Close("127.0.0.1", other.port());
  EXPECT_EQ(cache.size(), 0u);
  MigrateSockets::Socket* fresh = cache.Get("127.0.0.1", target.port(), 1000, 20000);
  ASSERT_NE(fresh, nullptr);
  EXPECT_EQ(fresh->last_db, -1) << "a new connection selects again";
}

TEST(MigrateSocketsTest, KeepsAtMost64Targets) {
  std::vector<std::unique_ptr<Listener>> targets;
  MigrateSockets cache;
  for (int i = 0; i < 70; ++i) {
    targets.push_back(std::make_unique<Listener>());
    ASSERT_NE(cache.Get("127.0.0.1", targets.back()->port(), 1000, i), nullptr);
  }
  EXPECT_EQ(cache.size(), MigrateSockets::kMaxSockets);
}

}  // namespace
}  // namespace bazaar::engine::commands
