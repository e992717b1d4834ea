#include "link_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace bazaar::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

}  // namespace

LinkProxy::LinkProxy(int target_port) : target_port_(target_port) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = Loopback(0);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      listen(listen_fd_, 16) != 0) {
    throw std::runtime_error("proxy: cannot listen");
  }
  socklen_t len = sizeof(a);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

LinkProxy::~LinkProxy() {
  stop_ = true;
  Cut();
  shutdown(listen_fd_, SHUT_RDWR);
  close(listen_fd_);
  acceptor_.join();
  for (auto& t : threads_) t.join();
  for (auto& [a, b] : pairs_) {
    close(a);
    close(b);
  }
}

void LinkProxy::AcceptLoop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    int client = accept(listen_fd_, nullptr, nullptr);
    if (client < 0) continue;
    if (cut_) {
      close(client);
      continue;
    }
    int upstream = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = Loopback(target_port_);
    if (connect(upstream, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
      close(client);
      close(upstream);
      continue;
    }
    std::lock_guard<std::mutex> lock(mu_);
    pairs_.emplace_back(client, upstream);
    threads_.emplace_back([this, client, upstream] { Pump(client, upstream); });
  }
}

void LinkProxy::Pump(int a, int b) {
  char buf[65536];
  pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
  while (!stop_) {
    if (poll(fds, 2, 100) < 0) break;
    bool done = false;
    for (int i = 0; i < 2 && !done; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n <= 0) {
        done = true;
        break;
      }
      for (ssize_t off = 0; off < n;) {
        ssize_t w = write(fds[1 - i].fd, buf + off, n - off);
        if (w <= 0) {
          done = true;
          break;
        }
        off += w;
      }
    }
    if (done) break;
  }
  // Both ends learn the link is gone.
  shutdown(a, SHUT_RDWR);
  shutdown(b, SHUT_RDWR);
}

void LinkProxy::Cut() {
  cut_ = true;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [a, b] : pairs_) {
    shutdown(a, SHUT_RDWR);
    shutdown(b, SHUT_RDWR);
  }
}

void LinkProxy::Heal() { cut_ = false; }

}  // namespace bazaar::testing
