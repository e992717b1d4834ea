#include "resp/connection.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/time.h>

#include <cerrno>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "resp/hiredis_glue.h"

namespace bazaar::client {
namespace {

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv;
  tv.tv_sec = ms.count() / 1000;
  tv.tv_usec = (ms.count() % 1000) * 1000;
  return tv;
}

void Append(redisContext* ctx, const std::vector<std::string>& argv) {
  HiredisArgv args(argv);
  redisAppendCommandArgv(ctx, args.argc(), args.ptrs.data(), args.lens.data());
}

}  // namespace

absl::StatusOr<std::vector<ConnectionOptions>> ParseAddressList(std::string_view list,
                                                                std::chrono::milliseconds timeout) {
  std::vector<ConnectionOptions> out;
  for (absl::string_view part :
       absl::StrSplit(absl::string_view(list.data(), list.size()), ',', absl::SkipEmpty())) {
    auto address = ParseAddress(std::string(part));
    if (!address.ok()) return address.status();
    address->connect_timeout = timeout;
    address->command_timeout = timeout;
    out.push_back(*address);
  }
  if (out.empty()) return absl::InvalidArgumentError("no address given");
  return out;
}

absl::StatusOr<ConnectionOptions> ParseAddress(const std::string& address) {
  ConnectionOptions o;
  std::string port_text = address;
  size_t colon = address.rfind(':');
  if (colon != std::string::npos) {
    o.host = address.substr(0, colon);
    port_text = address.substr(colon + 1);
    if (o.host.empty()) o.host = "127.0.0.1";
  }
  if (!absl::SimpleAtoi(port_text, &o.port) || o.port <= 0 || o.port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("bad store address '", address, "'"));
  }
  return o;
}

absl::StatusOr<std::unique_ptr<RespConnection>> RespConnection::Connect(
    const ConnectionOptions& options) {
  redisContext* ctx =
      redisConnectWithTimeout(options.host.c_str(), options.port, ToTimeval(options.connect_timeout));
  if (ctx == nullptr) return absl::UnavailableError("store: cannot allocate connection");
  if (ctx->err) {
    std::string why = ctx->errstr;
    redisFree(ctx);
    return absl::UnavailableError(
        absl::StrCat("store ", options.host, ":", options.port, " unreachable: ", why));
  }
  redisSetTimeout(ctx, ToTimeval(options.command_timeout));
  std::unique_ptr<RespConnection> conn(new RespConnection(ctx));
  if (!options.password.empty()) {
    auto reply = options.user.empty() ? conn->Command({"AUTH", options.password})
                                      : conn->Command({"AUTH", options.user, options.password});
    if (!reply.ok()) return reply.status();
    if (reply->is_error()) return absl::PermissionDeniedError("store AUTH: " + reply->str);
  }
  return conn;
}

RespConnection::~RespConnection() {
  if (ctx_ != nullptr) redisFree(ctx_);
}

absl::Status RespConnection::IoError(const char* what) {
  broken_ = true;
  return absl::UnavailableError(absl::StrCat("store ", what, ": ",
                                             ctx_->err ? ctx_->errstr : "connection lost"));
}

absl::StatusOr<RespReply> RespConnection::Command(const std::vector<std::string>& argv) {
  auto replies = Pipeline({argv});
  if (!replies.ok()) return replies.status();
  return std::move((*replies)[0]);
}

absl::StatusOr<std::vector<RespReply>> RespConnection::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  if (broken_) return absl::UnavailableError("store connection is broken");
  for (const auto& argv : commands) Append(ctx_, argv);
  std::vector<RespReply> out;
  out.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) return IoError("call failed");
    auto* reply = static_cast<redisReply*>(raw);
    out.push_back(FromHiredis(reply));
    freeReplyObject(reply);
  }
  return out;
}

void RespConnection::EnableKeepAlive() { redisEnableKeepAlive(ctx_); }

absl::StatusOr<std::optional<RespReply>> RespConnection::ReadPush(std::chrono::milliseconds wait) {
  if (broken_) return absl::UnavailableError("store connection is broken");
  void* raw = nullptr;
  // A message already read with an earlier one is in hiredis's buffer, not on the socket.
  if (redisReaderGetReply(ctx_->reader, &raw) != REDIS_OK) return IoError("read failed");
  if (raw == nullptr) {
    pollfd p{ctx_->fd, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(wait.count()));
    if (ready < 0 && errno != EINTR) return IoError("poll failed");
    if (ready <= 0) return std::nullopt;
    // Readable: the rest of the message comes within the command timeout.
    if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) return IoError("read failed");
  }
  auto* reply = static_cast<redisReply*>(raw);
  RespReply out = FromHiredis(reply);
  freeReplyObject(reply);
  return out;
}

}  // namespace bazaar::client
