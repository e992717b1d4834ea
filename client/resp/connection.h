// RespConnection: one blocking connection to a Redis-protocol server over hiredis, with connect
// and per-command timeouts. Once a call fails at the I/O level (timeout, reset, protocol error)
// the connection is marked broken and must be discarded: its state (an open MULTI, WATCHed keys,
// a half-read reply) is unknown. Not thread-safe: one thread uses it at a time.
#ifndef BAZAAR_CLIENT_RESP_CONNECTION_H_
#define BAZAAR_CLIENT_RESP_CONNECTION_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "resp/reply.h"

struct redisContext;

namespace bazaar::client {

struct ConnectionOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{2000};
  std::string password;  // AUTH after connecting when not empty
  std::string user;      // with a password: AUTH <user> <password> (an ACL user)
};

// Parses "host:port" (or "port"); the host defaults to 127.0.0.1.
absl::StatusOr<ConnectionOptions> ParseAddress(const std::string& address);
// Parses "host:port,host:port,..." (sentinels, cluster seeds), each with `timeout` to connect
// and per command; INVALID_ARGUMENT for a bad address or none.
absl::StatusOr<std::vector<ConnectionOptions>> ParseAddressList(std::string_view list,
                                                                std::chrono::milliseconds timeout);

class RespConnection {
 public:
  // Connects (and AUTHs). UNAVAILABLE when the server cannot be reached.
  static absl::StatusOr<std::unique_ptr<RespConnection>> Connect(const ConnectionOptions& options);
  ~RespConnection();
  RespConnection(const RespConnection&) = delete;
  RespConnection& operator=(const RespConnection&) = delete;

  // Sends one command and reads its reply. A RESP error reply is a successful call returning a
  // kError reply; an I/O failure returns UNAVAILABLE and marks the connection broken.
  absl::StatusOr<RespReply> Command(const std::vector<std::string>& argv);
  // Sends every command in one write and reads all replies (one round trip).
  absl::StatusOr<std::vector<RespReply>> Pipeline(
      const std::vector<std::vector<std::string>>& commands);

  // For a subscribed connection: the next message the server pushed, or nullopt when none came
  // within `wait` (the connection stays usable). A message begun is read to its end.
  absl::StatusOr<std::optional<RespReply>> ReadPush(std::chrono::milliseconds wait);

  // Turns on TCP keepalive (hiredis's interval), for a connection that mostly waits.
  void EnableKeepAlive();

  bool broken() const { return broken_; }

 private:
  explicit RespConnection(redisContext* ctx) : ctx_(ctx) {}
  absl::Status IoError(const char* what);

  redisContext* ctx_;
  bool broken_ = false;
};

}  // namespace bazaar::client

#endif  // BAZAAR_CLIENT_RESP_CONNECTION_H_
