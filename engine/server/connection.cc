#include "engine/server/connection.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/commands/arg_util.h"
#include "engine/core/clock.h"
#include "engine/core/log.h"
#include "engine/server/server.h"

namespace bazaar::engine::server {
namespace {

constexpr size_t kReadChunk = 16 * 1024;  // Redis's PROTO_IOBUF_LEN
constexpr size_t kTlsWriteBudget = 64 * 1024;  // Redis's NET_MAX_WRITES_PER_EVENT

}  // namespace

void InputBuffer::Reserve(size_t n) {
  if (capacity_ - size_ >= n) return;
  size_t cap = capacity_ ? capacity_ : kReadChunk;
  while (cap - size_ < n) cap *= 2;
  std::unique_ptr<char[]> fresh(new char[cap]);
  if (size_) std::memcpy(fresh.get(), data_.get(), size_);
  data_ = std::move(fresh);
  capacity_ = cap;
}

void InputBuffer::Consume(size_t n) {
  if (n == 0) return;
  size_ -= n;
  if (size_) std::memmove(data_.get(), data_.get() + n, size_);
  // Give back a large buffer once it is drained (a big request has passed).
  if (size_ == 0 && capacity_ > 4 * kReadChunk) {
    data_.reset();
    capacity_ = 0;
  }
}

Connection::Connection(Server* server, int fd, commands::ClientState state,
                       std::unique_ptr<tls::Transport> transport)
    : server_(server),
      fd_(fd),
      transport_(std::move(transport)),
      state_(std::move(state)),
      reply_(&out_) {
  reply_.set_error_counts(&server_->stats().errors_by_prefix);
}

Connection::~Connection() { close(fd_); }

void Connection::QueueWrite() { server_->QueueWrite(this); }

void Connection::Drop() {
  broken_ = true;
  server_->ScheduleClose(this);
}

void Connection::Resume() { server_->Resume(this); }

void Connection::OnEvent(uint32_t events) {
  if (events & (EPOLLERR | EPOLLHUP)) {
    if (!(events & EPOLLIN)) {
      broken_ = true;
      server_->ScheduleClose(this);
      return;
    }
  }
  if ((events & EPOLLIN) && write_wants_read_) server_->QueueWrite(this);
  if (events & EPOLLIN) ReadAndProcess();
  if ((events & EPOLLOUT) && read_wants_write_ && !broken_) {
    read_wants_write_ = false;
    WantWritable(has_output());
    ReadAndProcess();
  }
  if ((events & EPOLLOUT) && !broken_) server_->QueueWrite(this);
}

void Connection::WantWritable(bool want) {
  if (want == writable_armed_) return;
  server_->loop().Modify(fd_, want ? EPOLLIN | EPOLLOUT : EPOLLIN, this);
  writable_armed_ = want;
}

void Connection::ReadAndProcess() {
  // TLS may have decrypted more than one read takes, which no socket event will announce.
  do {
    if (closing() || processing_) return;
    if (!ReadOnce()) return;
  } while (transport_->buffered());
}

bool Connection::ReadOnce() {
  // A big bulk argument in progress may need more than one chunk; read what fits it.
  in_.Reserve(kReadChunk);
  const tls::IoResult r = transport_->Read(in_.data() + in_.size(), in_.capacity() - in_.size());
  if (r.kind == tls::IoResult::kWantRead) return false;
  if (r.kind == tls::IoResult::kWantWrite) {
    read_wants_write_ = true;
    WantWritable(true);
    return false;
  }
  if (r.kind != tls::IoResult::kDone) {
    if (r.kind == tls::IoResult::kError && transport_->is_tls()) {
      core::Log(core::LogLevel::kVerbose, "Error reading from TLS client id=%d addr=%s: %s",
                state_.id, state_.addr, r.error);
    }
    broken_ = true;
    server_->ScheduleClose(this);
    return false;
  }
  const size_t n = r.bytes;
  in_.Grow(n);
  server_->stats().total_net_input_bytes += n;
  state_.last_interaction_ms = server_->now_ms();
  if (static_cast<int64_t>(in_.size()) > server_->options().client_query_buffer_limit) {
    core::Log(core::LogLevel::kWarning,
              "Closing client that reached max query buffer length: id=%d addr=%s (qbuf initial "
              "bytes: %d)",
              state_.id, state_.addr, in_.size());
    ++server_->stats().client_query_buffer_limit_disconnections;
    broken_ = true;
    server_->ScheduleClose(this);
    return false;
  }
  ProcessInput();
  if (has_output() || closing()) server_->QueueWrite(this);
  return true;
}

// A request named POST or Host: is a browser's HTTP request that some page aimed at us: Redis
// closes the connection without answering and logs it (once a minute at most).
bool Connection::LooksLikeHttp(const std::vector<std::string_view>& argv) {
  if (argv.empty()) return false;
  const std::string_view name = argv[0];
  if (!commands::IsOption(name, "post") && !commands::IsOption(name, "host:")) {
    return false;
  }
  static int64_t logged_s = 0;
  const int64_t now_s = core::UnixTimeMs() / 1000;
  if (now_s - logged_s > 60) {
    core::Log(core::LogLevel::kWarning,
              "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: "
              "commands to Redis. This is likely due to an attacker attempting to use Cross "
              "Protocol Scripting to compromise your Redis instance. Connection aborted.");
    logged_s = now_s;
  }
  return true;
}

void Connection::ProcessInput() {
  if (processing_) return;
  processing_ = true;
  reply_.set_resp(state_.resp);
  size_t pos = 0;
  protocol::ParserLimits limits;
  limits.max_bulk_len = server_->options().proto_max_bulk_len;
  while (pos < in_.size() && !closing() && !state_.blocked && !state_.postponed) {
    limits.authenticated = state_.authenticated;
    size_t consumed = 0;
    auto status = parser_.Parse(in_.view().substr(pos), limits, &consumed, &argv_);
    if (status == protocol::RequestParser::Status::kNeedMore) break;
    if (status == protocol::RequestParser::Status::kError) {
      reply_.Error(parser_.error());
      ++server_->stats().protocol_errors;
      core::Log(core::LogLevel::kVerbose, "Protocol error (%s) from client: id=%d addr=%s",
                parser_.error(), state_.id, state_.addr);
      state_.close_after_reply = true;
      pos = in_.size();
      break;
    }
    pos += consumed;
    if (status == protocol::RequestParser::Status::kCommand && LooksLikeHttp(argv_)) {
      state_.close_now = true;
      pos = in_.size();
      break;
    }
    if (status == protocol::RequestParser::Status::kCommand) {
      server_->dispatcher().Dispatch(state_, reply_, argv_);
      if (state_.postponed) {  // CLIENT PAUSE: parsed again at unpause
        pos -= consumed;
        break;
      }
    }
  }
  in_.Consume(pos);
  processing_ = false;
  CountErrorReplies();
}

void Connection::CountErrorReplies() {
  server_->stats().total_error_replies += reply_.counted_error_count() - errors_counted_;
  errors_counted_ = reply_.counted_error_count();
}

bool Connection::Flush() {
  if (broken_ || state_.close_now) return false;
  // One write per turn on a socket (the rest waits for EPOLLOUT); a TLS session takes one
  // record (16 KB) per write, so it writes on up to 64 KB, as Redis does per event.
  write_wants_read_ = false;
  size_t written = 0;
  while (out_pos_ < out_.size()) {
    const tls::IoResult r = transport_->Write(out_.data() + out_pos_, out_.size() - out_pos_);
    if (r.kind == tls::IoResult::kError || r.kind == tls::IoResult::kClosed) {
      broken_ = true;
      return false;
    }
    // A TLS write that must read first waits for input (EPOLLIN), not for writability.
    if (r.kind == tls::IoResult::kWantRead) write_wants_read_ = true;
    if (r.kind != tls::IoResult::kDone) break;
    out_pos_ += r.bytes;
    written += r.bytes;
    server_->stats().total_net_output_bytes += r.bytes;
    if (!transport_->is_tls() || written >= kTlsWriteBudget) break;
  }
  if (out_pos_ == out_.size()) {
    out_.clear();
    out_pos_ = 0;
    if (out_.capacity() > 1024 * 1024) out_.shrink_to_fit();
    WantWritable(read_wants_write_);
    return !state_.close_after_reply;
  }
  WantWritable(!write_wants_read_ || read_wants_write_);
  return true;
}

bool Connection::FlushFully() {
  while (!broken_ && out_pos_ < out_.size()) {
    const tls::IoResult r = transport_->Write(out_.data() + out_pos_, out_.size() - out_pos_);
    if (r.kind == tls::IoResult::kWantRead || r.kind == tls::IoResult::kWantWrite) {
      pollfd p{fd_, static_cast<short>(r.kind == tls::IoResult::kWantRead ? POLLIN : POLLOUT), 0};
      if (poll(&p, 1, 5000) <= 0) return broken_ = true, false;
      continue;
    }
    if (r.kind != tls::IoResult::kDone) return broken_ = true, false;
    out_pos_ += r.bytes;
    server_->stats().total_net_output_bytes += r.bytes;
  }
  out_.clear();
  out_pos_ = 0;
  return !broken_;
}

void Connection::RefreshFigures() {
  state_.query_buffer_bytes = in_.size();
  state_.query_buffer_free = in_.capacity() - in_.size();
  state_.output_buffer_bytes = out_.size() - out_pos_;
}

}  // namespace bazaar::engine::server
