#include "resp/async_connection.h"

#include <hiredis/hiredis.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "resp/hiredis_glue.h"

namespace bazaar::client {
namespace {

constexpr size_t kReadChunk = 16 * 1024;

absl::Duration ToDuration(std::chrono::milliseconds ms) { return absl::Milliseconds(ms.count()); }

void AppendCommand(const std::vector<std::string>& argv, std::string* out) {
  HiredisArgv args(argv);
  char* cmd = nullptr;
  const int len = redisFormatCommandArgv(&cmd, args.argc(), args.ptrs.data(), args.lens.data());
  if (len > 0) out->append(cmd, static_cast<size_t>(len));
  redisFreeCommand(cmd);
}

}  // namespace

AsyncConnection::AsyncConnection(AsyncLoop* loop, const ConnectionOptions& options)
    : loop_(loop), options_(options), reader_(redisReaderCreate()) {}

AsyncConnection::~AsyncConnection() { redisReaderFree(reader_); }

AsyncConnection* AsyncConnection::Connect(AsyncLoop* loop, const ConnectionOptions& options,
                                          std::function<void(absl::Status)> ready) {
  auto* conn = new AsyncConnection(loop, options);
  conn->StartConnect(std::move(ready));
  return conn;
}

void AsyncConnection::StartConnect(std::function<void(absl::Status)> ready) {
  ready_ = std::move(ready);
  const std::string where = absl::StrCat("store ", options_.host, ":", options_.port);
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  const std::string port = std::to_string(options_.port);
  if (getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &res) != 0 || res == nullptr) {
    // Reported from the loop, never from inside Connect.
    loop_->Post([this, where] { Fail(where + " unreachable: cannot resolve the host"); });
    return;
  }
  fd_ = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int rc = fd_ < 0 ? -1 : connect(fd_, res->ai_addr, res->ai_addrlen);
  const int err = errno;
  freeaddrinfo(res);
  if (fd_ < 0 || (rc != 0 && err != EINPROGRESS)) {
    loop_->Post([this, where, err] { Fail(absl::StrCat(where, " unreachable: ", strerror(err))); });
    return;
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  connect_timer_ = loop_->After(ToDuration(options_.connect_timeout), [this, where] {
    connect_timer_ = 0;
    Fail(where + " unreachable: connect timed out");
  });
  if (!options_.password.empty()) {
    // First in the queue, so every later batch runs authenticated.
    std::vector<std::string> auth = {"AUTH", options_.password};
    if (!options_.user.empty()) auth = {"AUTH", options_.user, options_.password};
    Send({std::move(auth)}, [this](Replies r) {
      if (r.ok() && (*r)[0].is_error()) Fail("store AUTH failed: " + (*r)[0].str);
    });
  }
  UpdateInterest();
}

void AsyncConnection::Connected() {
  connecting_ = false;
  if (connect_timer_ != 0) loop_->Cancel(connect_timer_);
  connect_timer_ = 0;
  if (ready_) {
    auto ready = std::move(ready_);
    ready_ = nullptr;
    ready(absl::OkStatus());
  }
}

void AsyncConnection::Close() {
  if (closed_) return;
  closed_ = true;
  Fail("connection closed");
  // Events already taken for this connection in this loop turn still arrive: free it after.
  loop_->Post([this] { delete this; });
}

void AsyncConnection::Fail(const std::string& why) {
  if (broken_) return;
  broken_ = true;
  broken_reason_ = why;
  if (connect_timer_ != 0) loop_->Cancel(connect_timer_);
  connect_timer_ = 0;
  if (fd_ >= 0) {
    loop_->Unwatch(fd_);
    close(fd_);
    fd_ = -1;
  }
  const absl::Status status = absl::UnavailableError(why);
  if (ready_) {
    auto ready = std::move(ready_);
    ready_ = nullptr;
    ready(status);
  }
  // Callbacks may send more (to this broken connection: they fail at once) or close it.
  while (!batches_.empty()) {
    Batch batch = std::move(batches_.front());
    batches_.pop_front();
    if (batch.timer != 0) loop_->Cancel(batch.timer);
    batch.done(status);
  }
}

void AsyncConnection::Send(std::vector<Argv> commands, BatchDone done) {
  if (broken_) {
    done(absl::UnavailableError(broken_reason_));
    return;
  }
  for (const Argv& argv : commands) AppendCommand(argv, &out_);
  Batch batch{commands.size(), {}, std::move(done)};
  batch.replies.reserve(commands.size());
  batch.timer = loop_->After(ToDuration(options_.command_timeout), [this] {
    batches_.front().timer = 0;  // the oldest batch's timer fires first
    Fail(absl::StrCat("store ", options_.host, ":", options_.port, ": command timed out"));
  });
  batches_.push_back(std::move(batch));
  if (!connecting_) WriteOut();
  UpdateInterest();
}

void AsyncConnection::UpdateInterest() {
  if (fd_ < 0) return;
  const uint32_t want = EPOLLIN | (connecting_ || out_pos_ < out_.size() ? EPOLLOUT : 0u);
  if (want == interest_) return;
  interest_ = want;
  loop_->Watch(fd_, want, this);
}

void AsyncConnection::OnEvents(uint32_t events) {
  if (broken_) return;
  if (connecting_) {
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      return Fail(absl::StrCat("store ", options_.host, ":", options_.port,
                               " unreachable: ", strerror(err)));
    }
    if (!(events & (EPOLLOUT | EPOLLIN))) return;
    Connected();
    if (broken_) return;
  }
  if (events & EPOLLIN) ReadIn();
  if (!broken_ && (events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLIN)) {
    return Fail("store connection lost");
  }
  if (!broken_) WriteOut();
  UpdateInterest();
}

void AsyncConnection::WriteOut() {
  while (out_pos_ < out_.size()) {
    const ssize_t n = write(fd_, out_.data() + out_pos_, out_.size() - out_pos_);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      return Fail(absl::StrCat("store write failed: ", strerror(errno)));
    }
    out_pos_ += static_cast<size_t>(n);
  }
  out_.clear();
  out_pos_ = 0;
}

void AsyncConnection::ReadIn() {
  char buf[kReadChunk];
  for (;;) {
    const ssize_t n = read(fd_, buf, sizeof(buf));
    if (n == 0) return Fail("store closed the connection");
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      return Fail(absl::StrCat("store read failed: ", strerror(errno)));
    }
    redisReaderFeed(reader_, buf, static_cast<size_t>(n));
    if (static_cast<size_t>(n) < sizeof(buf)) break;
  }
  for (;;) {
    void* raw = nullptr;
    if (redisReaderGetReply(reader_, &raw) != REDIS_OK) {
      return Fail("store protocol error");
    }
    if (raw == nullptr) return;
    RespReply reply = FromHiredis(static_cast<redisReply*>(raw));
    freeReplyObject(raw);
    if (batches_.empty()) return Fail("store sent a reply nobody asked for");
    Batch& batch = batches_.front();
    batch.replies.push_back(std::move(reply));
    if (batch.replies.size() < batch.expected) continue;
    Batch done = std::move(batch);
    batches_.pop_front();
    if (done.timer != 0) loop_->Cancel(done.timer);
    done.done(std::move(done.replies));
    if (broken_) return;  // the callback closed us
  }
}

}  // namespace bazaar::client
