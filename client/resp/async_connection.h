// AsyncConnection: one non-blocking connection to a Redis-protocol server on an AsyncLoop.
// Commands are encoded with hiredis's formatter and replies parsed with its reader; a batch of
// commands goes out in one write and its replies come back, in order, to one callback. Connect,
// AUTH and every batch have the timeouts of ConnectionOptions. The first I/O failure (refused,
// reset, timeout, protocol error) breaks the connection for good: every batch still waiting gets
// UNAVAILABLE, and the owner must drop it (its MULTI/WATCH state is unknown).
// Loop thread only; create with Connect, destroy with Close.
#ifndef BAZAAR_CLIENT_RESP_ASYNC_CONNECTION_H_
#define BAZAAR_CLIENT_RESP_ASYNC_CONNECTION_H_

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "resp/async_loop.h"
#include "resp/connection.h"
#include "resp/reply.h"

struct redisReader;

namespace bazaar::client {

class AsyncConnection : private AsyncLoop::Handler {
 public:
  using Argv = std::vector<std::string>;
  using Replies = absl::StatusOr<std::vector<RespReply>>;
  using BatchDone = std::function<void(Replies)>;

  // Starts connecting (and AUTH when a password is set); `ready` gets OK once the connection
  // can be used, or UNAVAILABLE. The connection may be used (Send) before that: batches wait.
  static AsyncConnection* Connect(AsyncLoop* loop, const ConnectionOptions& options,
                                  std::function<void(absl::Status)> ready);
  // Breaks the connection (waiting batches get UNAVAILABLE) and frees it once the loop turn is
  // over (events already taken for it are ignored).
  void Close();

  // Sends the commands in one write; `done` gets their replies (RESP errors are replies) or
  // UNAVAILABLE. Batches complete in the order they were sent.
  void Send(std::vector<Argv> commands, BatchDone done);
  bool broken() const { return broken_; }
  // Batches sent whose replies have not all arrived.
  size_t pending() const { return batches_.size(); }

 private:
  struct Batch {
    size_t expected;
    std::vector<RespReply> replies;
    BatchDone done;
    AsyncLoop::TimerId timer = 0;
  };
  AsyncConnection(AsyncLoop* loop, const ConnectionOptions& options);
  ~AsyncConnection() override;
  void OnEvents(uint32_t events) override;
  void StartConnect(std::function<void(absl::Status)> ready);
  void Connected();
  void Fail(const std::string& why);
  void UpdateInterest();
  void WriteOut();
  void ReadIn();

  AsyncLoop* loop_;
  ConnectionOptions options_;
  int fd_ = -1;
  bool connecting_ = true;
  bool broken_ = false;
  bool closed_ = false;
  std::string broken_reason_;
  std::function<void(absl::Status)> ready_;
  AsyncLoop::TimerId connect_timer_ = 0;
  std::string out_;
  size_t out_pos_ = 0;
  redisReader* reader_;
  std::deque<Batch> batches_;
  uint32_t interest_ = 0;
};

}  // namespace bazaar::client

#endif  // BAZAAR_CLIENT_RESP_ASYNC_CONNECTION_H_
