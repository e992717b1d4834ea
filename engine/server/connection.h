// One client connection: reads requests, runs each complete one through the dispatcher as soon
// as it is parsed, and collects replies in an output buffer that the server flushes once per
// loop turn. Bad input gets Redis's protocol error and the connection closes after the reply.
// Bytes move through a transport: the socket itself, or a TLS session on it (tls-port).
#ifndef BAZAAR_ENGINE_SERVER_CONNECTION_H_
#define BAZAAR_ENGINE_SERVER_CONNECTION_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/commands/client_state.h"
#include "engine/protocol/reply_builder.h"
#include "engine/protocol/request_parser.h"
#include "engine/replication/host.h"
#include "engine/server/event_loop.h"
#include "engine/tls/transport.h"

namespace bazaar::engine::server {

class Server;

// A growable byte buffer that reads append to without zero-filling.
class InputBuffer {
 public:
  char* data() { return data_.get(); }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  // Makes room for at least `n` more bytes after size().
  void Reserve(size_t n);
  void Grow(size_t n) { size_ += n; }
  // Drops the first n bytes.
  void Consume(size_t n);
  std::string_view view() const { return std::string_view(data_.get(), size_); }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// Also what replication sees of a replica's or a WAIT caller's connection (replication::Peer).
class Connection : public FdHandler, public replication::Peer {
 public:
  // `transport` moves the bytes of socket `fd`, which the connection owns.
  Connection(Server* server, int fd, commands::ClientState state,
             std::unique_ptr<tls::Transport> transport);
  ~Connection() override;

  void OnEvent(uint32_t events) override;
  // Writes pending output once. Returns false if the connection must be closed now.
  bool Flush();
  bool has_output() const { return out_pos_ < out_.size(); }
  bool closing() const { return state_.close_after_reply || state_.close_now || broken_; }
  // Refreshes the buffer sizes CLIENT LIST reports.
  void RefreshFigures();
  // Runs every complete request in the input buffer (stops while the client is blocked).
  void ProcessInput();
  static bool LooksLikeHttp(const std::vector<std::string_view>& argv);
  // Adds the error replies written since the last call to INFO's total_error_replies (after
  // input, and when a blocked command gets its reply).
  void CountErrorReplies();

  // replication::Peer.
  commands::ClientState& state() override { return state_; }
  protocol::ReplyBuilder& reply() override { return reply_; }
  void QueueWrite() override;
  // Waits for the socket if it is full (briefly: used only before a forked child takes over
  // the socket).
  bool FlushFully() override;
  int fd() const override { return fd_; }
  // A TLS client: its socket carries encrypted bytes, so no child process may write to it.
  bool is_tls() const override { return transport_->is_tls(); }
  size_t pending_output_size() const override { return out_.size() - out_pos_; }
  void Drop() override;
  void Resume() override;

 private:
  void ReadAndProcess();
  // One read and the requests it completes; false when reading must stop for now.
  bool ReadOnce();
  // Waits for the socket to be writable as well (a reply that did not fit, or a TLS read that
  // needs to write first), or stops waiting for it.
  void WantWritable(bool want);

  Server* server_;
  int fd_;
  std::unique_ptr<tls::Transport> transport_;
  commands::ClientState state_;
  InputBuffer in_;
  protocol::RequestParser parser_;
  std::vector<std::string_view> argv_;
  std::string out_;
  size_t out_pos_ = 0;
  protocol::ReplyBuilder reply_;
  bool writable_armed_ = false;
  bool read_wants_write_ = false;  // a TLS read (a handshake) waits for the socket to drain
  bool write_wants_read_ = false;  // a TLS write waits for input (a key update, a handshake)
  bool broken_ = false;  // the socket failed: close without writing
  // Inside ProcessInput: a slow script lets the loop run meanwhile, and this client's input
  // must wait (its buffer holds the running command's arguments).
  bool processing_ = false;
  uint64_t errors_counted_ = 0;
};

}  // namespace bazaar::engine::server

#endif  // BAZAAR_ENGINE_SERVER_CONNECTION_H_
