#include "engine/tls/transport.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace bazaar::engine::tls {
namespace {

class Plain : public Transport {
 public:
  explicit Plain(int fd) : fd_(fd) {}
  IoResult Read(char* data, size_t size) override {
    while (true) {
      const ssize_t n = read(fd_, data, size);
      if (n > 0) return {IoResult::kDone, static_cast<size_t>(n), {}};
      if (n == 0) return {IoResult::kClosed, 0, {}};
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return {IoResult::kWantRead, 0, {}};
      return {IoResult::kError, 0, strerror(errno)};
    }
  }
  IoResult Write(const char* data, size_t size) override {
    while (true) {
      const ssize_t n = write(fd_, data, size);
      if (n >= 0) return {IoResult::kDone, static_cast<size_t>(n), {}};
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return {IoResult::kWantWrite, 0, {}};
      return {IoResult::kError, 0, strerror(errno)};
    }
  }

 private:
  int fd_;
};

}  // namespace

std::unique_ptr<Transport> PlainTransport(int fd) { return std::make_unique<Plain>(fd); }

}  // namespace bazaar::engine::tls
