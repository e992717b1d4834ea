#include "engine/commands/migrate_sockets.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace bazaar::engine::commands {

TargetLink::~TargetLink() {
  if (fd_ >= 0) close(fd_);
}

bool TargetLink::Connect(const std::string& host, const std::string& port, int timeout_ms) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return false;
  for (addrinfo* a = found; a != nullptr && fd_ < 0; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    fd_ = fd;
    // As Redis: a connection the target refused shows when writing to it, not here.
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 &&
        !(errno == EINPROGRESS && Wait(POLLOUT, timeout_ms))) {
      close(fd);
      fd_ = -1;
    }
  }
  freeaddrinfo(found);
  return fd_ >= 0;
}

bool TargetLink::WriteAll(std::string_view data, int timeout_ms) {
  timed_out_ = false;
  while (!data.empty()) {
    ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      if (!Wait(POLLOUT, timeout_ms)) return false;
    } else {
      return false;
    }
  }
  return true;
}

std::optional<std::string> TargetLink::ReadLine(int timeout_ms) {
  timed_out_ = false;
  while (true) {
    size_t end = in_.find("\r\n");
    if (end != std::string::npos) {
      std::string line = in_.substr(0, end);
      in_.erase(0, end + 2);
      return line;
    }
    char buf[4096];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      in_.append(buf, static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      if (!Wait(POLLIN, timeout_ms)) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
}

bool TargetLink::Wait(short events, int timeout_ms) {
  pollfd p{fd_, events, 0};
  int r;
  do {
    r = poll(&p, 1, timeout_ms);
  } while (r < 0 && errno == EINTR);
  timed_out_ = r == 0;
  return r > 0;
}

MigrateSockets::Socket* MigrateSockets::Get(const std::string& host, const std::string& port,
                                            int timeout_ms, int64_t now_ms) {
  const std::string name = host + ":" + port;
  auto it = sockets_.find(name);
  if (it != sockets_.end()) {
    it->second.last_use_ms = now_ms;
    return &it->second;
  }
  if (sockets_.size() >= kMaxSockets) sockets_.erase(sockets_.begin());  // Redis: a random one
  auto link = std::make_unique<TargetLink>();
  if (!link->Connect(host, port, timeout_ms)) return nullptr;
  Socket& s = sockets_[name];
  s.link = std::move(link);
  s.last_use_ms = now_ms;
  return &s;
}

void MigrateSockets::Close(const std::string& host, const std::string& port) {
  sockets_.erase(host + ":" + port);
}

void MigrateSockets::CloseIdle(int64_t now_ms) {
  for (auto it = sockets_.begin(); it != sockets_.end();) {
    it = now_ms - it->second.last_use_ms > kMaxIdleMs ? sockets_.erase(it) : std::next(it);
  }
}

}  // namespace bazaar::engine::commands
