#include "engine/replication/replica_set.h"

#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_format.h"
#include "engine/core/log.h"
#include "engine/persistence/aof_writer.h"
#include "engine/persistence/forked_child.h"
#include "engine/persistence/rdb_writer.h"

namespace bazaar::engine::replication {
namespace {

constexpr char kPing[] = "*1\r\n$4\r\nPING\r\n";
constexpr char kGetAck[] = "*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n";

// The diskless child writes to sockets it shares with the parent, which keeps them
// non-blocking: it waits for room with poll, and gives up on a replica that takes no bytes for
// `timeout_ms` (repl-timeout), so a stalled replica cannot hold the child forever.
bool WaitWritable(int fd, int timeout_ms) {
  pollfd p{fd, POLLOUT, 0};
  return poll(&p, 1, timeout_ms) > 0;
}

bool WriteFully(int fd, std::string_view data, int timeout_ms) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN || !WaitWritable(fd, timeout_ms)) return false;
      continue;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool SendFileFully(int sock, int file, off_t size, int timeout_ms) {
  off_t pos = 0;
  while (pos < size) {
    ssize_t n = sendfile(sock, file, &pos, static_cast<size_t>(size - pos));
    if (n == 0) return false;  // the file ended early
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN || !WaitWritable(sock, timeout_ms)) return false;
    }
  }
  return true;
}

}  // namespace

ReplicaSet::ReplicaSet(ReplicationHistory* history, persistence::Snapshots* snapshots,
                       core::Keyspace* keyspace, config::Options* options,
                       commands::ServerStats* stats)
    : history_(history),
      snapshots_(snapshots),
      keyspace_(keyspace),
      options_(options),
      stats_(stats) {}

void ReplicaSet::Attach(Peer* conn, std::string_view replid, int64_t offset, bool psync) {
  commands::ClientState& state = conn->state();
  state.is_replica = true;
  Replica r{conn};
  r.psync = psync;
  r.last_ack_ms = keyspace_->now_ms();
  if (psync && history_->CanContinue(replid, offset)) {
    std::string reply = state.replica_capa_psync2 ? "+CONTINUE " + history_->replid() + "\r\n"
                                                  : std::string("+CONTINUE\r\n");
    conn->reply().Raw(reply);
    conn->reply().Raw(history_->CopyFrom(offset));
    conn->QueueWrite();
    r.state = State::kOnline;
    r.ack_offset = offset - 1;
    ++stats_->sync_partial_ok;
    core::Log(core::LogLevel::kNotice,
              "Partial resynchronization request from %s accepted. Sending %d bytes of backlog "
              "starting from offset %d.",
              state.addr, history_->master_repl_offset() + 1 - offset, offset);
    replicas_.emplace(state.id, std::move(r));
    return;
  }
  if (psync && replid != "?") {
    ++stats_->sync_partial_err;
    core::Log(core::LogLevel::kNotice,
              "Partial resynchronization not accepted: Replication ID mismatch or offset out of "
              "range (Replica asked for '%s' offset %d)",
              std::string(replid), offset);
  }
  core::Log(core::LogLevel::kNotice, "Replica %s asks for synchronization", state.addr);
  ++stats_->sync_full;
  if (!history_->backlog_active()) {
    // The first replica of a primary starts a history it can be measured against.
    if (options_->replicaof.empty()) history_->StartNewHistory();
    history_->CreateBacklog(options_->repl_backlog_size);
    core::Log(core::LogLevel::kNotice,
              "Replication backlog created, my new replication IDs are "
              "'%s' and '%s'",
              history_->replid(), history_->replid2());
  }
  if (first_waiting_ms_ == 0) first_waiting_ms_ = keyspace_->now_ms();
  replicas_.emplace(state.id, std::move(r));
}

void ReplicaSet::BeforeSleep(bool other_child_running) {
  if (getack_pending_) {
    getack_pending_ = false;
    Feed(kGetAck);
  }
  if (first_waiting_ms_ == 0 || other_child_running || child_ > 0 || disk_sync_running_) return;
  const bool diskless = options_->repl_diskless_sync;
  if (diskless &&
      keyspace_->now_ms() - first_waiting_ms_ < options_->repl_diskless_sync_delay * 1000) {
    return;  // let more replicas arrive to share one snapshot
  }
  StartFullSync();
}

void ReplicaSet::StartFullSync() {
  first_waiting_ms_ = 0;
  std::vector<Replica*> targets;
  bool all_eof = true;
  for (auto& [id, r] : replicas_) {
    if (r.state != State::kWaitBgsaveStart) continue;
    targets.push_back(&r);
    // A TLS replica's snapshot goes through its connection (from disk), never from the
    // forked child straight to the socket.
    all_eof = all_eof && r.psync && r.conn->state().replica_capa_eof && !r.conn->is_tls();
  }
  if (targets.empty()) return;
  const bool diskless = options_->repl_diskless_sync && all_eof;
  // The snapshot holds everything up to this offset; the stream after it starts with SELECT.
  stream_db_ = -1;
  const std::string fullresync =
      absl::StrFormat("+FULLRESYNC %s %d\r\n", history_->replid(), history_->master_repl_offset());
  for (Replica* r : targets) {
    if (r->psync) r->conn->reply().Raw(fullresync);
    r->state = State::kWaitBgsaveEnd;
    r->diskless = diskless;
    r->held.clear();
    r->conn->QueueWrite();
  }
  if (diskless) {
    if (ForkDisklessSync(targets)) return;
  } else {
    core::Log(core::LogLevel::kNotice, "Starting BGSAVE for SYNC with target: disk");
    absl::Status status = snapshots_->StartBackgroundSave();
    if (status.ok()) {
      disk_sync_running_ = true;
      return;
    }
    core::Log(core::LogLevel::kWarning, "BGSAVE for replication failed: %s",
              std::string(status.message()));
  }
  for (Replica* r : targets) Drop(*r, "the snapshot could not be started");
}

bool ReplicaSet::ForkDisklessSync(const std::vector<Replica*>& targets) {
  std::vector<int> fds;
  for (Replica* r : targets) {
    // The +FULLRESYNC line must be out before the child writes to the same socket.
    if (!r->conn->FlushFully()) return false;
    fds.push_back(r->conn->fd());
  }
  const std::string mark = RandomReplId();
  // As a snapshot, with the function libraries; the history is the one this sync starts.
  persistence::RdbOptions rdb = snapshots_->CurrentRdbOptions();
  rdb.repl_id = history_->replid();
  rdb.repl_offset = history_->master_repl_offset();
  pid_t pid = persistence::ForkChild();
  if (pid < 0) {
    core::Log(core::LogLevel::kWarning, "Can't fork for the diskless sync: %s", strerror(errno));
    return false;
  }
  if (pid == 0) {
    persistence::BecomeForkedChild();
    // The snapshot goes to memory once, then to every replica; never to disk.
    int mem = memfd_create("bazaar-sync", MFD_CLOEXEC);
    if (mem < 0 || !persistence::WriteRdb(*keyspace_, rdb, mem).ok()) _exit(1);
    const off_t size = lseek(mem, 0, SEEK_END);
    int failed = 0;
    const int timeout_ms = static_cast<int>(options_->repl_timeout * 1000);
    for (int fd : fds) {
      lseek(mem, 0, SEEK_SET);
      if (!WriteFully(fd, "$EOF:" + mark + "\r\n", timeout_ms) ||
          !SendFileFully(fd, mem, size, timeout_ms) || !WriteFully(fd, mark, timeout_ms)) {
        ++failed;
      }
    }
    core::Log(core::LogLevel::kNotice, "Diskless sync: %d bytes sent to %d replicas", size,
              static_cast<int>(fds.size()) - failed);
    _exit(failed ? 1 : 0);
  }
  child_ = pid;
  core::Log(core::LogLevel::kNotice,
            "Starting BGSAVE for SYNC with target: replicas sockets (pid %d)",
            static_cast<int>(pid));
  return true;
}

void ReplicaSet::SnapshotDone(bool ok) {
  if (!disk_sync_running_) return;
  disk_sync_running_ = false;
  std::string image;
  if (ok) {
    std::ifstream in(snapshots_->DumpPath(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    image = ss.str();
    ok = static_cast<bool>(in);
  }
  for (auto& [id, r] : replicas_) {
    if (r.state != State::kWaitBgsaveEnd || r.diskless) continue;
    if (!ok) {
      Drop(r, "the background save failed");
      continue;
    }
    Online(r, "$" + std::to_string(image.size()) + "\r\n" + image);
  }
}

void ReplicaSet::Online(Replica& r, std::string payload) {
  r.state = State::kOnline;
  r.last_ack_ms = keyspace_->now_ms();
  r.streamed_since_online = r.held.size();
  payload += r.held;
  r.held.clear();
  r.conn->reply().Raw(payload);
  r.conn->QueueWrite();
  core::Log(core::LogLevel::kNotice, "Synchronization with replica %s succeeded",
            r.conn->state().addr);
}

void ReplicaSet::Drop(Replica& r, const char* why) {
  if (r.dropping) return;
  r.dropping = true;
  core::Log(core::LogLevel::kWarning, "Closing replica %s: %s", r.conn->state().addr, why);
  r.conn->Drop();
}

void ReplicaSet::Ack(Peer* conn, int64_t offset) {
  auto it = replicas_.find(conn->state().id);
  if (it == replicas_.end()) return;
  Replica& r = it->second;
  r.ack_offset = std::max(r.ack_offset, offset);
  r.last_ack_ms = keyspace_->now_ms();
  if (r.state == State::kWaitBgsaveEnd && r.diskless) {
    // A replica acknowledges only once it has loaded the whole snapshot, so the child's transfer
    // is over even if Cron has not reaped the child yet. Stream now: waiting for Cron would hold
    // the stream until the replica's next ACK, a second later.
    Online(r, "");
  } else if (r.await_first_ack) {
    r.await_first_ack = false;
    Online(r, "");
  }
  if (!waiters_.empty()) ServeWaiters(keyspace_->now_ms());
}

void ReplicaSet::Forget(Peer* conn) {
  replicas_.erase(conn->state().id);
  waiters_.erase(std::remove_if(waiters_.begin(), waiters_.end(),
                                [conn](const Waiter& w) { return w.conn == conn; }),
                 waiters_.end());
}

void ReplicaSet::DisconnectAll() {
  for (auto& [id, r] : replicas_) Drop(r, "our replication history changed");
}

void ReplicaSet::Feed(std::string_view bytes) {
  // Without a backlog nobody ever attached: there is no stream to count, as in Redis.
  if (!history_->backlog_active()) return;
  history_->Feed(bytes);
  const int64_t now = keyspace_->now_ms();
  for (auto& [id, r] : replicas_) {
    if (r.state == State::kOnline && !r.await_first_ack) {
      r.conn->reply().Raw(bytes);
      r.streamed_since_online += bytes.size();
      r.conn->QueueWrite();
    } else if (r.state == State::kWaitBgsaveEnd || r.await_first_ack) {
      r.held.append(bytes);
    } else {
      continue;
    }
    EnforceOutputLimit(r, now);
  }
}

void ReplicaSet::EnforceOutputLimit(Replica& r, int64_t now_ms) {
  // Stream bytes sit behind the snapshot in the output: whatever is pending beyond what was
  // streamed is snapshot.
  const size_t pending =
      std::min(r.conn->pending_output_size(), r.streamed_since_online) + r.held.size();
  const config::OutputBufferLimit& limit = options_->replica_output_limit;
  const int64_t bytes = static_cast<int64_t>(pending);
  if (limit.hard > 0 && bytes > limit.hard) {
    return Drop(r, "scheduled to be closed ASAP for overcoming of output buffer limits");
  }
  if (limit.soft == 0 || bytes <= limit.soft) {
    r.over_soft_limit_since_ms = 0;
    return;
  }
  if (r.over_soft_limit_since_ms == 0) r.over_soft_limit_since_ms = now_ms;
  if (now_ms - r.over_soft_limit_since_ms > limit.soft_seconds * 1000) {
    Drop(r, "scheduled to be closed ASAP for overcoming of output buffer limits");
  }
}

void ReplicaSet::FeedCommands(const std::vector<commands::PropagatedCommand>& batch) {
  std::string out;
  auto append = [&](int db, const std::vector<std::string>& argv) {
    if (db != stream_db_) {
      persistence::AppendCommandResp({"SELECT", std::to_string(db)}, &out);
      stream_db_ = db;
    }
    persistence::AppendCommandResp(argv, &out);
  };
  commands::ForEachLogged(batch, /*for_aof=*/false, append);
  Feed(out);
}

void ReplicaSet::Cron() {
  const int64_t now = keyspace_->now_ms();
  if (child_ > 0) {
    int status;
    if (waitpid(child_, &status, WNOHANG) == child_) {
      child_ = -1;
      const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      for (auto& [id, r] : replicas_) {
        if (r.state != State::kWaitBgsaveEnd || !r.diskless) continue;
        if (!ok) {
          Drop(r, "the diskless transfer failed");
          continue;
        }
        r.state = State::kOnline;
        r.await_first_ack = true;
        r.last_ack_ms = now;
      }
    }
  }
  // Primaries ping their replicas through the stream, so offsets move and links stay alive:
  // every repl-ping-replica-period counted from the start, as Redis counts its cron loops (a
  // replica that just attached waits for the next tick, not for a ping of its own).
  if (last_ping_ms_ == 0) last_ping_ms_ = now;
  if (options_->replicaof.empty() &&
      now - last_ping_ms_ >= options_->repl_ping_replica_period * 1000) {
    last_ping_ms_ = now;
    if (!replicas_.empty()) Feed(kPing);
  }
  for (auto& [id, r] : replicas_) {
    const bool preparing =
        r.state == State::kWaitBgsaveStart || (r.state == State::kWaitBgsaveEnd && !r.diskless);
    if (preparing) {
      r.conn->reply().Raw("\n");  // keep-alive while the snapshot is prepared
      r.conn->QueueWrite();
    } else if (r.state == State::kOnline && now - r.last_ack_ms > options_->repl_timeout * 1000) {
      Drop(r, "timeout: no ACK from the replica");
    }
  }
  if (!waiters_.empty()) ServeWaiters(now);
}

void ReplicaSet::KillChild() {
  if (child_ <= 0) return;
  kill(child_, SIGKILL);
  int status;
  waitpid(child_, &status, 0);
  child_ = -1;
}

int ReplicaSet::CountAcked(int64_t offset) const {
  int n = 0;
  for (const auto& [id, r] : replicas_) {
    if (r.state == State::kOnline && r.ack_offset >= offset) ++n;
  }
  return n;
}

void ReplicaSet::Wait(Peer* conn, int64_t numreplicas, int64_t timeout_ms) {
  const int64_t offset = history_->master_repl_offset();
  const int acked = CountAcked(offset);
  if (acked >= numreplicas || conn->state().tx.in_multi) {
    conn->reply().Integer(acked);
    return;
  }
  conn->state().blocked = true;
  waiters_.push_back(
      Waiter{conn, numreplicas, offset, timeout_ms > 0 ? keyspace_->now_ms() + timeout_ms : 0});
  getack_pending_ = true;
}

void ReplicaSet::ServeWaiters(int64_t now_ms) {
  std::vector<Peer*> served;
  auto done = [&](const Waiter& w) {
    const int acked = CountAcked(w.offset);
    if (acked < w.numreplicas && (w.deadline_ms == 0 || now_ms < w.deadline_ms)) return false;
    w.conn->state().blocked = false;
    w.conn->reply().Integer(acked);
    served.push_back(w.conn);
    return true;
  };
  waiters_.erase(std::remove_if(waiters_.begin(), waiters_.end(), done), waiters_.end());
  for (Peer* p : served) p->Resume();
}

std::vector<commands::ReplicaInfo> ReplicaSet::Info() const {
  std::vector<commands::ReplicaInfo> out;
  const int64_t now = keyspace_->now_ms();
  for (const auto& [id, r] : replicas_) {
    commands::ReplicaInfo i;
    const std::string& addr = r.conn->state().addr;
    i.ip = addr.substr(0, addr.rfind(':'));
    i.port = r.conn->state().replica_listening_port;
    i.state = r.state == State::kWaitBgsaveStart ? "wait_bgsave"
              : r.state == State::kWaitBgsaveEnd ? "send_bulk"
              : r.await_first_ack                ? "send_bulk"
                                                 : "online";
    i.offset = r.ack_offset;
    i.lag_seconds = (now - r.last_ack_ms) / 1000;
    out.push_back(i);
  }
  return out;
}

}  // namespace bazaar::engine::replication
