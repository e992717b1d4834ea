#include "engine/replication/primary_link.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "engine/core/log.h"
#include "engine/core/propagation_error.h"
#include "engine/persistence/aof_writer.h"
#include "engine/persistence/rdb_reader.h"

namespace bazaar::engine::replication {
namespace {

constexpr int64_t kRetryMs = 1000;
constexpr int64_t kAckPeriodMs = 1000;
constexpr size_t kReadChunk = 64 * 1024;

bool IsGetAck(const std::vector<std::string_view>& argv) {
  auto eq = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
  };
  return argv.size() >= 2 && eq(argv[0], "replconf") && eq(argv[1], "getack");
}

}  // namespace

PrimaryLink::PrimaryLink(Host* owner, ReplicationHistory* history, ReplicaSet* replicas,
                         core::Keyspace* keyspace, config::Options* options,
                         commands::Dispatcher* dispatcher)
    : owner_(owner),
      history_(history),
      replicas_(replicas),
      keyspace_(keyspace),
      options_(options),
      dispatcher_(dispatcher) {
  master_.authenticated = true;
  master_.is_master = true;
  master_.name = "";
}

PrimaryLink::~PrimaryLink() {
  transport_.reset();
  if (fd_ >= 0) close(fd_);
}

void PrimaryLink::Follow(std::string host, int64_t port) {
  if (fd_ >= 0) Fail("a new primary was set");
  host_ = std::move(host);
  port_ = port;
  core::SetLogRole('S');
  keyspace_->set_replica(true);
  down_since_ms_ = keyspace_->now_ms();
  Connect();
}

void PrimaryLink::Stop() {
  if (fd_ >= 0) Fail("REPLICAOF NO ONE");
  host_.clear();
  port_ = 0;
  resumable_ = false;
  core::SetLogRole('M');
  keyspace_->set_replica(false);
}

void PrimaryLink::Connect() {
  last_attempt_ms_ = last_io_ms_ = keyspace_->now_ms();
  core::Log(core::LogLevel::kNotice, "Connecting to MASTER %s:%d", host_, port_);
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host_.c_str(), std::to_string(port_).c_str(), &hints, &res) != 0 || !res) {
    core::Log(core::LogLevel::kWarning, "Unable to connect to MASTER: can't resolve %s", host_);
    return;
  }
  fd_ = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int rc = fd_ < 0 ? -1 : connect(fd_, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  if (fd_ < 0 || (rc != 0 && errno != EINPROGRESS)) {
    core::Log(core::LogLevel::kWarning, "Unable to connect to MASTER: %s", strerror(errno));
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    return;
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  state_ = State::kConnecting;
  owner_->WatchLinkSocket(fd_, EPOLLIN | EPOLLOUT);
  core::Log(core::LogLevel::kNotice, "MASTER <-> REPLICA sync started");
}

void PrimaryLink::Fail(const std::string& why) {
  if (state_ == State::kConnected) {
    core::Log(core::LogLevel::kNotice, "Connection with master lost (%s).", why);
    down_since_ms_ = keyspace_->now_ms();
  } else {
    core::Log(core::LogLevel::kWarning, "Replication with MASTER %s:%d failed: %s", host_, port_,
              why);
  }
  if (fd_ >= 0) {
    owner_->UnwatchLinkSocket(fd_);
    transport_.reset();
    close(fd_);
    fd_ = -1;
  }
  state_ = State::kConnect;
  in_.clear();
  parser_.Reset();
  snapshot_ = SnapshotReader();
  master_.tx.EndMulti();  // a transaction cut by the link never runs
}

void PrimaryLink::Send(const std::vector<std::string>& argv) {
  std::string out;
  persistence::AppendCommandResp(argv, &out);
  // Handshake lines and ACKs are small: a fresh socket buffer takes them whole.
  const tls::IoResult r = transport_->Write(out.data(), out.size());
  if (r.kind != tls::IoResult::kDone || r.bytes != out.size()) {
    Fail("write error sending to MASTER: " + (r.error.empty() ? "short write" : r.error));
  }
}

void PrimaryLink::Connected() {
  state_ = State::kConnected;
  master_.id = owner_->NewClientId();
  master_.fd = fd_;
  master_.addr = host_ + ":" + std::to_string(port_);
  master_.created_ms = master_.last_interaction_ms = keyspace_->now_ms();
}

void PrimaryLink::SendAck() {
  last_ack_ms_ = keyspace_->now_ms();
  Send({"REPLCONF", "ACK", std::to_string(history_->master_repl_offset())});
}

void PrimaryLink::OnSocketEvent(uint32_t events) {
  if (state_ == State::kConnecting) {
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) {
      return Fail(std::string("Error condition on socket for SYNC: ") + strerror(err));
    }
    core::Log(core::LogLevel::kNotice, "Non blocking connect for SYNC fired the event.");
    auto transport = owner_->LinkTransport(fd_);
    if (!transport.ok()) return Fail(std::string(transport.status().message()));
    transport_ = *std::move(transport);
    state_ = State::kTls;
  }
  if (state_ == State::kTls) {
    const tls::IoResult r = transport_->Handshake();
    if (r.kind == tls::IoResult::kWantRead || r.kind == tls::IoResult::kWantWrite) {
      owner_->WatchLinkSocket(fd_,
                              r.kind == tls::IoResult::kWantRead ? EPOLLIN : EPOLLIN | EPOLLOUT);
      return;
    }
    if (r.kind != tls::IoResult::kDone) return Fail("TLS handshake with MASTER: " + r.error);
    owner_->WatchLinkSocket(fd_, EPOLLIN);
    state_ = State::kHandshake;
    step_ = Step::kPong;
    Send({"PING"});
    return;
  }
  if (events & EPOLLOUT) owner_->WatchLinkSocket(fd_, EPOLLIN);  // a TLS read waited for it
  if (events & (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP)) ReadAndProcess();
  // TLS may hold decrypted bytes that no socket event will announce.
  while (fd_ >= 0 && transport_ && transport_->buffered()) ReadAndProcess();
}

void PrimaryLink::ReadAndProcess() {
  char buf[kReadChunk];
  const tls::IoResult r = transport_->Read(buf, sizeof(buf));
  if (r.kind == tls::IoResult::kWantRead) return;
  if (r.kind == tls::IoResult::kWantWrite) {  // TLS: read again once the socket drains
    owner_->WatchLinkSocket(fd_, EPOLLIN | EPOLLOUT);
    return;
  }
  if (r.kind != tls::IoResult::kDone) {
    return Fail(r.kind == tls::IoResult::kClosed ? "the primary closed the connection" : r.error);
  }
  const size_t n = r.bytes;
  last_io_ms_ = master_.last_interaction_ms = keyspace_->now_ms();
  in_.append(buf, static_cast<size_t>(n));
  if (state_ == State::kHandshake) {
    std::string line;
    while (state_ == State::kHandshake && TakeLine(&in_, &line)) {
      if (!HandshakeLine(line)) return;
    }
  }
  if (state_ == State::kTransfer) {
    switch (snapshot_.Feed(&in_)) {
      case SnapshotReader::Status::kNeedMore:
        return;
      case SnapshotReader::Status::kError:
        return Fail(snapshot_.error());
      case SnapshotReader::Status::kDone:
        if (!LoadSnapshot()) return;
    }
  }
  if (state_ == State::kConnected) ApplyStream();
}

bool PrimaryLink::HandshakeLine(const std::string& line) {
  const bool error = line[0] == '-';
  switch (step_) {
    case Step::kPong:
      // A primary that wants AUTH answers PING with NOAUTH: that is fine, AUTH comes next.
      if (error && line.compare(0, 7, "-NOAUTH") != 0 && line.compare(0, 7, "-NOPERM") != 0) {
        Fail("Error reply to PING from master: '" + line + "'");
        return false;
      }
      core::Log(core::LogLevel::kNotice, "Master replied to PING, replication can continue...");
      if (!options_->masterauth.empty()) {
        step_ = Step::kAuth;
        if (options_->masteruser.empty()) {
          Send({"AUTH", options_->masterauth});
        } else {
          Send({"AUTH", options_->masteruser, options_->masterauth});
        }
        return fd_ >= 0;
      }
      [[fallthrough]];
    case Step::kAuth:
      if (step_ == Step::kAuth && error) {
        Fail("Unable to AUTH to MASTER: " + line);
        return false;
      }
      step_ = Step::kPort;
      // replica-announce-port/-ip: the address the primary (and so Sentinel) shows for us.
      Send({"REPLCONF", "listening-port",
            std::to_string(options_->replica_announce_port ? options_->replica_announce_port
                                                           : options_->port)});
      return fd_ >= 0;
    case Step::kPort:
      if (error) {
        core::Log(core::LogLevel::kNotice,
                  "(Non critical) Master does not understand REPLCONF listening-port: %s", line);
      }
      if (!options_->replica_announce_ip.empty()) {
        step_ = Step::kIp;
        Send({"REPLCONF", "ip-address", options_->replica_announce_ip});
        return fd_ >= 0;
      }
      [[fallthrough]];
    case Step::kIp:
      if (step_ == Step::kIp && error) {
        core::Log(core::LogLevel::kNotice,
                  "(Non critical) Master does not understand REPLCONF ip-address: %s", line);
      }
      step_ = Step::kCapa;
      Send({"REPLCONF", "capa", "eof", "capa", "psync2"});
      return fd_ >= 0;
    case Step::kCapa:
      if (error) {
        core::Log(core::LogLevel::kNotice,
                  "(Non critical) Master does not understand REPLCONF capa: %s", line);
      }
      step_ = Step::kPsync;
      if (resumable_) {
        const int64_t offset = history_->master_repl_offset() + 1;
        core::Log(core::LogLevel::kNotice, "Trying a partial resynchronization (request %s:%d).",
                  history_->replid(), offset);
        Send({"PSYNC", history_->replid(), std::to_string(offset)});
      } else {
        core::Log(core::LogLevel::kNotice,
                  "Partial resynchronization not possible (no cached master)");
        Send({"PSYNC", "?", "-1"});
      }
      return fd_ >= 0;
    case Step::kPsync:
      break;
  }
  std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
  if (words[0] == "+FULLRESYNC" && words.size() >= 3 &&
      absl::SimpleAtoi(words[2], &master_offset_)) {
    master_replid_ = words[1];
    core::Log(core::LogLevel::kNotice, "Full resync from master: %s:%d", master_replid_,
              master_offset_);
    state_ = State::kTransfer;
    snapshot_ = SnapshotReader();
    return true;
  }
  if (words[0] == "+CONTINUE") {
    if (words.size() >= 2 && words[1] != history_->replid()) {
      // Our primary was promoted: its new history continues ours.
      history_->AdoptNewId(words[1]);
      replicas_->DisconnectAll();
      core::Log(core::LogLevel::kNotice, "Master replication ID changed to %s", words[1]);
    }
    core::Log(core::LogLevel::kNotice, "Successful partial resynchronization with master.");
    core::Log(core::LogLevel::kNotice,
              "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
    Connected();
    SendAck();
    return fd_ >= 0;
  }
  Fail("Unexpected reply to PSYNC from master: " + line);
  return false;
}

bool PrimaryLink::LoadSnapshot() {
  core::Log(core::LogLevel::kNotice, "MASTER <-> REPLICA sync: Flushing old data");
  keyspace_->FlushAll();
  core::Log(core::LogLevel::kNotice, "MASTER <-> REPLICA sync: Loading DB in memory");
  persistence::RdbLoadStats stats;
  absl::Status status =
      persistence::LoadRdb(snapshot_.image(), *keyspace_, options_->rdbchecksum, &stats);
  snapshot_ = SnapshotReader();
  if (!status.ok()) {
    keyspace_->FlushAll();
    Fail("Failed trying to load the MASTER synchronization DB: " + std::string(status.message()));
    return false;
  }
  history_->EnsureBacklog(options_->repl_backlog_size);
  history_->ResetTo(master_replid_, master_offset_);
  // Our own replicas hold a history that just ended: they must sync again from us.
  replicas_->DisconnectAll();
  master_.db = 0;
  resumable_ = true;
  owner_->DatasetReplaced(stats.functions);
  core::Log(core::LogLevel::kNotice, "MASTER <-> REPLICA sync: Finished with success");
  Connected();
  SendAck();
  return fd_ >= 0;
}

void PrimaryLink::ApplyStream() {
  protocol::ParserLimits limits;
  limits.max_bulk_len = options_->proto_max_bulk_len;
  size_t pos = 0;
  std::string_view view(in_);
  while (pos < view.size()) {
    size_t consumed = 0;
    auto status = parser_.Parse(view.substr(pos), limits, &consumed, &argv_);
    if (status == protocol::RequestParser::Status::kNeedMore) break;
    if (status == protocol::RequestParser::Status::kError) {
      return Fail("protocol error in the stream from the primary: " + parser_.error());
    }
    if (status == protocol::RequestParser::Status::kCommand) {
      if (IsGetAck(argv_)) {
        // The offset acknowledged is the one before this request, as Redis's replicas do.
        SendAck();
        if (fd_ < 0) return;
      } else {
        keyspace_->set_obeying_primary(true);
        const uint64_t errors_before = reply_.error_count();
        dispatcher_->Dispatch(master_, reply_, argv_);
        keyspace_->set_obeying_primary(false);
        if (reply_.error_count() != errors_before) {
          // Both panicking settings stop a replica (an AOF load stops only under `panic`).
          core::ReportPropagationError("replica", "master", argv_.empty() ? "" : argv_[0], scratch_,
                                       options_->propagation_error_behavior != "ignore");
        }
        scratch_.clear();
      }
    }
    // Our backlog and replicas get exactly the primary's bytes, so offsets agree in a chain.
    replicas_->Feed(view.substr(pos, consumed));
    pos += consumed;
  }
  in_.erase(0, pos);
}

void PrimaryLink::Cron() {
  if (!active()) return;
  const int64_t now = keyspace_->now_ms();
  if (state_ == State::kConnect) {
    if (now - last_attempt_ms_ >= kRetryMs) Connect();
    return;
  }
  if (now - last_io_ms_ > options_->repl_timeout * 1000) {
    Fail(state_ == State::kConnected ? "MASTER timeout: no data nor PING received..."
                                     : "Timeout connecting to the MASTER...");
    return;
  }
  if (state_ == State::kConnected && now - last_ack_ms_ >= kAckPeriodMs) SendAck();
}

void PrimaryLink::FillInfo(commands::ReplicationInfo* info) const {
  info->is_replica = true;
  info->master_host = host_;
  info->master_port = port_;
  const int64_t now = keyspace_->now_ms();
  switch (state_) {
    case State::kConnect:
      info->link_state = "connect";
      break;
    case State::kConnecting:
      info->link_state = "connecting";
      break;
    case State::kTls:
    case State::kHandshake:
      info->link_state = "handshake";
      break;
    case State::kTransfer:
      info->link_state = "sync";
      break;
    case State::kConnected:
      info->link_state = "connected";
      break;
  }
  info->link_up = up();
  info->master_last_io_seconds_ago = fd_ >= 0 ? (now - last_io_ms_) / 1000 : -1;
  info->link_down_since_seconds = up() ? -1 : (now - down_since_ms_) / 1000;
  info->sync_in_progress = state_ == State::kTransfer;
  info->sync_total_bytes = snapshot_.total_bytes();
  info->sync_read_bytes = snapshot_.read_bytes();
  info->slave_repl_offset = up() ? history_->master_repl_offset() : -1;
}

}  // namespace bazaar::engine::replication
