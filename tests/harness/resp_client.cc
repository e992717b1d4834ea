#include "harness/resp_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>

namespace bazaar::testing {

std::string EncodeCommand(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) {
    out += "$" + std::to_string(a.size()) + "\r\n";
    out += a;
    out += "\r\n";
  }
  return out;
}

namespace {

// Position just after the CRLF that ends the line starting at `pos`, or npos.
size_t LineEnd(std::string_view buf, size_t pos) {
  size_t crlf = buf.find("\r\n", pos);
  return crlf == std::string_view::npos ? crlf : crlf + 2;
}

long ValueLengthAt(std::string_view buf, size_t pos);

// Length of `count` consecutive values starting at pos (0 incomplete, -1 bad).
long SequenceLength(std::string_view buf, size_t pos, long count) {
  size_t start = pos;
  for (long i = 0; i < count; ++i) {
    long n = ValueLengthAt(buf, pos);
    if (n <= 0) return n;
    pos += n;
  }
  return static_cast<long>(pos - start);
}

long ValueLengthAt(std::string_view buf, size_t pos) {
  if (pos >= buf.size()) return 0;
  size_t end = LineEnd(buf, pos);
  if (end == std::string_view::npos) return 0;
  char type = buf[pos];
  std::string header(buf.substr(pos + 1, end - pos - 3));
  long header_len = static_cast<long>(end - pos);
  switch (type) {
    case '+': case '-': case ':': case '_': case ',': case '#': case '(':
      return header_len;
    case '$': case '!': case '=': {
      long n = std::strtol(header.c_str(), nullptr, 10);
      if (header.rfind("EOF:", 0) == 0) return -1;
      if (n < 0) return header_len;
      if (buf.size() < end + n + 2) return 0;
      return header_len + n + 2;
    }
    case '*': case '~': case '>': case '%': case '|': {
      long n = std::strtol(header.c_str(), nullptr, 10);
      if (n < 0) return header_len;
      if (type == '%' || type == '|') n *= 2;
      long body = SequenceLength(buf, end, n);
      if (body < 0) return -1;
      if (body == 0 && n > 0) return 0;
      long total = header_len + body;
      // A RESP3 attribute (|) precedes the value it describes.
      if (type == '|') {
        long next = ValueLengthAt(buf, pos + total);
        if (next <= 0) return next;
        total += next;
      }
      return total;
    }
    default:
      return -1;
  }
}

}  // namespace

long RespValueLength(std::string_view buf) { return ValueLengthAt(buf, 0); }

RespClient::RespClient(int port) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd_);
    fd_ = -1;
    throw std::runtime_error("connect to port " + std::to_string(port) + " failed");
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

RespClient::~RespClient() {
  if (fd_ >= 0) close(fd_);
}

void RespClient::SendRaw(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      closed_ = true;
      return;
    }
    bytes.remove_prefix(n);
  }
}

bool RespClient::FillBuffer(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  int r = poll(&p, 1, static_cast<int>(timeout.count()));
  if (r <= 0) return false;
  char chunk[16384];
  ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
  if (n <= 0) {
    closed_ = true;
    return false;
  }
  buffer_.append(chunk, n);
  return true;
}

std::optional<std::string> RespClient::ReadReply(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    long n = RespValueLength(buffer_);
    if (n < 0) {
      // Not RESP: hand back what we have so the test shows it.
      std::string bad = std::move(buffer_);
      buffer_.clear();
      return bad;
    }
    if (n > 0) {
      std::string reply = buffer_.substr(0, n);
      buffer_.erase(0, n);
      return reply;
    }
    if (closed_) return std::nullopt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    if (!FillBuffer(left) && !closed_ &&
        std::chrono::steady_clock::now() >= deadline) {
      return std::nullopt;
    }
  }
}

std::string RespClient::Command(const std::vector<std::string>& args,
                                std::chrono::milliseconds timeout) {
  SendRaw(EncodeCommand(args));
  return ReadReply(timeout).value_or("");
}

bool RespClient::WaitClosed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    FillBuffer(left);
    buffer_.clear();
  }
  return true;
}

}  // namespace bazaar::testing
