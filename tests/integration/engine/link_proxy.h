// A loopback TCP proxy the test controls, to cut a replication link and heal it: while cut, it
// closes every connection it carries and refuses new ones.
#ifndef BAZAAR_TESTS_INTEGRATION_ENGINE_LINK_PROXY_H_
#define BAZAAR_TESTS_INTEGRATION_ENGINE_LINK_PROXY_H_

#include <atomic>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace bazaar::testing {

class LinkProxy {
 public:
  // Listens on a free loopback port and forwards to 127.0.0.1:target_port.
  explicit LinkProxy(int target_port);
  ~LinkProxy();
  int port() const { return port_; }
  void Cut();
  void Heal();

 private:
  void AcceptLoop();
  void Pump(int a, int b);

  int target_port_;
  int port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<bool> cut_{false};
  std::mutex mu_;
  std::vector<std::pair<int, int>> pairs_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace bazaar::testing

#endif  // BAZAAR_TESTS_INTEGRATION_ENGINE_LINK_PROXY_H_
