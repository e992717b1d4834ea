#include "engine/server/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/core/clock.h"
#include "engine/core/log.h"

namespace bazaar::engine::server {
namespace {

commands::ClientState LoaderClient() {
  commands::ClientState c;
  c.authenticated = true;
  return c;
}

constexpr int kMaxAcceptsPerCall = 1000;
constexpr char kProtectedModeError[] =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from the "
    "loopback interface. If you want to connect from external computers to Redis you may adopt "
    "one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    "SET protected-mode no' from the loopback interface by connecting to Redis from the same "
    "host the server is running, however MAKE SURE Redis is not publicly accessible from "
    "internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    "you can just disable the protected mode by editing the Redis configuration file, and "
    "setting the protected mode option to 'no', and then restarting the server. 3) If you "
    "started the server manually just for testing, restart it with the '--protected-mode no' "
    "option. 4) Set up an authentication password for the default user. NOTE: You only need to "
    "do one of the above things in order for the server to start accepting connections from "
    "the outside.\r\n";

std::string RandomHex40() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ core::UnixTimeUs());
  std::string out;
  const char* hex = "0123456789abcdef";
  for (int i = 0; i < 40; ++i) out.push_back(hex[gen() & 15]);
  return out;
}

std::string AddressString(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
    port = ntohs(a->sin6_port);
  }
  return absl::StrFormat("%s:%d", host, port);
}

bool IsLoopback(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
  }
  if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr)) return true;
    if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) return a->sin6_addr.s6_addr[12] == 127;
  }
  return false;
}

}  // namespace

class Server::Listener : public FdHandler {
 public:
  Listener(Server* server, int fd) : server_(server), fd_(fd) {}
  ~Listener() override { close(fd_); }
  void OnEvent(uint32_t) override { server_->Accept(fd_); }
  int fd() const { return fd_; }

 private:
  Server* server_;
  int fd_;
};

class Server::SignalHandler : public FdHandler {
 public:
  explicit SignalHandler(Server* server) : server_(server) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    fd_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  }
  ~SignalHandler() override { close(fd_); }
  int fd() const { return fd_; }
  void OnEvent(uint32_t) override {
    signalfd_siginfo info;
    while (read(fd_, &info, sizeof(info)) == sizeof(info)) {
      core::Log(core::LogLevel::kWarning, "Received %s scheduling shutdown...",
                info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
      if (!server_->Shutdown(commands::ShutdownSave::kDefault, false)) {
        core::Log(core::LogLevel::kWarning,
                  "SIGTERM received but errors trying to shut down the server, check the logs "
                  "for more information");
      }
    }
  }

 private:
  Server* server_;
  int fd_;
};

Server::Server(config::Options options, std::string config_file, std::string executable)
    : options_(std::move(options)),
      config_file_(std::move(config_file)),
      executable_(std::move(executable)),
      run_id_(RandomHex40()),
      keyspace_(static_cast<int>(options_.databases)),
      watches_(&keyspace_),
      dispatcher_(&table_, &keyspace_, &watches_, this),
      blocking_(&dispatcher_, &keyspace_),
      snapshots_(&keyspace_, &options_),
      aof_(&keyspace_, &options_,
           // AOF commands run through the dispatcher as an authenticated client.
           [this, loader = LoaderClient(), sink = std::string()](
               const std::vector<std::string_view>& argv) mutable {
             protocol::ReplyBuilder reply(&sink);
             dispatcher_.Dispatch(loader, reply, argv, core::UnixTimeMs());
             sink.clear();
           }),
      replicas_(this, &history_, &snapshots_, &keyspace_, &options_),
      link_(this, &history_, &replicas_, &keyspace_, &options_, &dispatcher_) {
  keyspace_.add_observer(&watches_);
  keyspace_.add_observer(&blocking_);
  keyspace_.add_observer(&dispatcher_);  // expired keys are logged as DEL
  commands::RegisterAllCommands(table_);
  snapshots_.set_replication_source([this](persistence::RdbOptions* rdb) {
    // As Redis: a primary with a history worth continuing, or a replica, saves where it is.
    if (!history_.backlog_active() && !link_.active()) return;
    rdb->repl_id = history_.replid();
    rdb->repl_offset = history_.master_repl_offset();
    rdb->repl_stream_db = std::max(0, link_.active() ? link_.stream_db() : replicas_.stream_db());
  });
  snapshots_.set_on_background_done([this](bool ok) { replicas_.SnapshotDone(ok); });
  stats_.start_time_ms = core::UnixTimeMs();
  signal(SIGPIPE, SIG_IGN);
  signals_ = std::make_unique<SignalHandler>(this);
  loop_.Add(signals_->fd(), EPOLLIN, signals_.get());
  loop_.set_before_sleep([this] { BeforeSleep(); });
  loop_.set_tick([this] { Cron(); }, static_cast<int>(1000 / options_.hz));
  loop_.set_wait_limit([this] { return blocking_.MsUntilNextDeadline(now_ms()); });
}

Server::~Server() = default;

bool Server::Listen(std::string* error) {
  for (std::string addr : options_.bind) {
    bool optional = !addr.empty() && addr[0] == '-';
    if (optional) addr = addr.substr(1);
    if (addr == "*") addr = "0.0.0.0";
    if (addr == "::*") addr = "::";
    addrinfo hints{}, *res = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
    std::string port = std::to_string(options_.port);
    int rc = getaddrinfo(addr.c_str(), port.c_str(), &hints, &res);
    if (rc != 0) {
      if (optional) continue;
      *error = absl::StrFormat("Could not create server TCP listening socket %s:%d: %s", addr,
                               options_.port, gai_strerror(rc));
      return false;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (res->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 ||
        listen(fd, static_cast<int>(options_.tcp_backlog)) != 0) {
      int err = errno;
      close(fd);
      freeaddrinfo(res);
      if (optional && (err == EADDRNOTAVAIL || err == EAFNOSUPPORT)) continue;
      *error = absl::StrFormat("Could not create server TCP listening socket %s:%d: bind: %s",
                               addr, options_.port, strerror(err));
      return false;
    }
    freeaddrinfo(res);
    listeners_.push_back(std::make_unique<Listener>(this, fd));
    loop_.Add(fd, EPOLLIN, listeners_.back().get());
  }
  if (listeners_.empty()) {
    *error = "Failed listening on any configured address";
    return false;
  }
  return true;
}

void Server::Accept(int listen_fd) {
  for (int i = 0; i < kMaxAcceptsPerCall; ++i) {
    sockaddr_storage peer{};
    socklen_t len = sizeof(peer);
    int fd = accept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &len,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    ++stats_.total_connections_received;
    if (static_cast<int64_t>(connections_.size()) >= options_.maxclients) {
      const char kMsg[] = "-ERR max number of clients reached\r\n";
      [[maybe_unused]] ssize_t n = write(fd, kMsg, sizeof(kMsg) - 1);
      ++stats_.rejected_connections;
      close(fd);
      continue;
    }
    if (options_.protected_mode && options_.requirepass.empty() && !IsLoopback(peer)) {
      [[maybe_unused]] ssize_t n = write(fd, kProtectedModeError, sizeof(kProtectedModeError) - 1);
      ++stats_.rejected_connections;
      close(fd);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (options_.tcp_keepalive > 0) setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    sockaddr_storage local{};
    socklen_t local_len = sizeof(local);
    getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len);
    commands::ClientState state;
    state.id = NewClientId();
    state.fd = fd;
    state.addr = AddressString(peer);
    state.laddr = AddressString(local);
    state.is_local = IsLoopback(peer);
    state.authenticated = options_.requirepass.empty();
    state.created_ms = state.last_interaction_ms = now_ms();
    auto conn = std::make_unique<Connection>(this, fd, std::move(state));
    Connection* raw = conn.get();
    connections_[raw] = std::move(conn);
    by_id_[raw->state().id] = raw;
    loop_.Add(fd, EPOLLIN, raw);
    core::Log(core::LogLevel::kVerbose, "Accepted %s", raw->state().addr);
  }
}

void Server::BeforeSleep() {
  std::vector<Connection*> served;
  blocking_.ExpireTimeouts(now_ms(), &served);
  Unblocked(served);
  // Unblocked clients run what they pipelined while blocked; that may unblock others.
  while (!pending_input_.empty()) {
    std::vector<Connection*> batch(pending_input_.begin(), pending_input_.end());
    pending_input_.clear();
    for (Connection* c : batch) {
      if (!connections_.count(c) || c->state().blocked) continue;
      c->ProcessInput();
      QueueWrite(c);
    }
  }
  replicas_.BeforeSleep(snapshots_.in_progress() || aof_.rewrite_in_progress());
  // The AOF goes to the file (and disk, under "always") before any reply of this turn leaves.
  aof_.Flush(now_ms());
  for (Connection* c : pending_writes_) {
    if (!c->Flush() || (c->closing() && !c->has_output())) pending_closes_.insert(c);
  }
  pending_writes_.clear();
  for (Connection* c : pending_closes_) Close(c);
  pending_closes_.clear();
}

void Server::Close(Connection* c) {
  auto it = connections_.find(c);
  if (it == connections_.end()) return;
  watches_.UnwatchAll(&c->state().tx);
  blocking_.Forget(c);
  replicas_.Forget(c);
  pending_input_.erase(c);
  by_id_.erase(c->state().id);
  loop_.Remove(c->fd());
  pending_writes_.erase(c);
  core::Log(core::LogLevel::kVerbose, "Client closed connection id=%d addr=%s", c->state().id,
            c->state().addr);
  connections_.erase(it);
}

void Server::Cron() {
  const int64_t now = core::MonotonicUs();
  snapshots_.Cron(aof_.rewrite_in_progress() || replicas_.child_running());
  aof_.Cron(snapshots_.in_progress() || replicas_.child_running());
  replicas_.Cron();
  link_.Cron();
  if (bgsave_scheduled_ && !ChildRunning()) {
    bgsave_scheduled_ = false;
    snapshots_.StartBackgroundSave().IgnoreError();
  }
  keyspace_.set_now_ms(core::UnixTimeMs());
  // A replica leaves expiry to its primary, whose DELs arrive in the stream.
  if (active_expire_ && !link_.active()) keyspace_.ActiveExpireCycle(250000 / options_.hz);  // 25% of a tick
  if (options_.timeout > 0) {
    const int64_t idle_limit_ms = options_.timeout * 1000;
    for (auto& [raw, conn] : connections_) {
      if (now_ms() - conn->state().last_interaction_ms > idle_limit_ms) {
        core::Log(core::LogLevel::kVerbose, "Closing idle client");
        ScheduleClose(raw);
      }
    }
  }
  if (last_ops_time_us_ > 0 && now > last_ops_time_us_) {
    double ops = static_cast<double>(stats_.total_commands_processed - last_ops_) * 1e6 /
                 static_cast<double>(now - last_ops_time_us_);
    ops_samples_[ops_sample_index_] = ops;
    ops_sample_index_ = (ops_sample_index_ + 1) % kOpsSamples;
  }
  last_ops_ = stats_.total_commands_processed;
  last_ops_time_us_ = now;
  loop_.set_tick_period(static_cast<int>(1000 / options_.hz));
}

double Server::instantaneous_ops_per_sec() const {
  double sum = 0;
  for (double s : ops_samples_) sum += s;
  return sum / kOpsSamples;
}

int64_t Server::now_ms() const { return core::UnixTimeMs(); }

void Server::ForEachClient(const std::function<void(const commands::ClientState&)>& fn) {
  std::vector<Connection*> sorted;
  for (auto& [raw, conn] : connections_) sorted.push_back(raw);
  std::sort(sorted.begin(), sorted.end(),
            [](Connection* a, Connection* b) { return a->state().id < b->state().id; });
  for (Connection* c : sorted) {
    c->RefreshFigures();
    fn(c->state());
  }
  if (const commands::ClientState* master = link_.master_client()) fn(*master);
}

int Server::KillClients(const std::function<bool(const commands::ClientState&)>& fn) {
  int killed = 0;
  for (auto& [raw, conn] : connections_) {
    if (!fn(conn->state())) continue;
    conn->state().close_after_reply = true;
    QueueWrite(raw);
    ++killed;
  }
  if (const commands::ClientState* master = link_.master_client(); master && fn(*master)) {
    link_.Kill();
    ++killed;
  }
  return killed;
}

absl::Status Server::LoadData() {
  absl::Status status = options_.appendonly ? aof_.LoadAtStartup() : snapshots_.LoadAtStartup();
  if (!status.ok()) return status;
  dispatcher_.set_propagator(this);
  RestoreReplicationHistory();
  if (!options_.replicaof.empty()) {
    const size_t space = options_.replicaof.rfind(' ');
    link_.Follow(options_.replicaof.substr(0, space),
                 std::stoll(options_.replicaof.substr(space + 1)));
  }
  return absl::OkStatus();
}

void Server::RestoreReplicationHistory() {
  const auto& aux = snapshots_.loaded_aux();
  auto id = aux.find("repl-id"), offset = aux.find("repl-offset");
  int64_t off = 0, db = 0;
  if (id == aux.end() || offset == aux.end() || id->second.size() != 40 ||
      !absl::SimpleAtoi(offset->second, &off)) {
    return;
  }
  if (auto it = aux.find("repl-stream-db"); it != aux.end()) (void)absl::SimpleAtoi(it->second, &db);
  // A restarted replica continues with PSYNC; a restarted primary keeps its history so that
  // replicas which had everything continue too.
  history_.CreateBacklog(options_.repl_backlog_size);
  history_.Restore(id->second, off);
  if (options_.replicaof.empty()) {
    replicas_.set_stream_db(-1);
  } else {
    link_.set_resumable(static_cast<int>(db));
  }
  core::Log(core::LogLevel::kNotice, "Restored replication ID %s and offset %d from the RDB",
            id->second, off);
}

void Server::Propagate(const std::vector<commands::PropagatedCommand>& batch) {
  commands::ForEachLogged(
      batch, [&](int db, const std::vector<std::string>& argv) { aof_.Append(db, argv); });
  // A replica passes on its primary's stream as it came (PrimaryLink), not its own effects.
  if (!link_.active() && history_.backlog_active()) replicas_.FeedCommands(batch);
}

Connection* Server::FindConnection(const commands::ClientState& client) const {
  auto it = by_id_.find(client.id);
  return it == by_id_.end() ? nullptr : it->second;
}

absl::StatusOr<std::string> Server::ReplicaOf(const std::string& host, int64_t port) {
  if (port < 0) {
    if (link_.active()) {
      link_.Stop();
      options_.replicaof.clear();
      // A new history begins here; the old one stays valid for PSYNC as replid2.
      history_.EnsureBacklog(options_.repl_backlog_size);
      history_.ShiftReplicationId();
      replicas_.set_stream_db(-1);
      replicas_.DisconnectAll();
      core::Log(core::LogLevel::kNotice, "MASTER MODE enabled");
    }
    return std::string("OK");
  }
  if (link_.active() && link_.host() == host && link_.port() == port) {
    return std::string("OK Already connected to specified master");
  }
  if (!link_.active()) {
    // We were a primary: our own history may continue on the new primary's stream.
    history_.EnsureBacklog(options_.repl_backlog_size);
    link_.set_resumable(std::max(0, replicas_.stream_db()));
    replicas_.DisconnectAll();
  }
  options_.replicaof = host + " " + std::to_string(port);
  link_.Follow(host, port);
  core::Log(core::LogLevel::kNotice, "REPLICAOF %s:%d enabled", host, port);
  return std::string("OK");
}

commands::ReplicationInfo Server::replication_info() const {
  commands::ReplicationInfo info;
  if (link_.active()) link_.FillInfo(&info);
  info.replicas = replicas_.Info();
  info.replid = history_.replid();
  info.replid2 = history_.replid2();
  info.master_repl_offset = history_.master_repl_offset();
  info.second_repl_offset = history_.second_replid_offset();
  info.backlog_active = history_.backlog_active();
  info.backlog_size = options_.repl_backlog_size;
  info.backlog_first_byte_offset = history_.backlog_active() ? history_.first_byte_offset() : 0;
  info.backlog_histlen = history_.histlen();
  return info;
}

void Server::AttachReplica(commands::ClientState& client, std::string_view replid,
                           int64_t offset, bool psync) {
  Connection* c = FindConnection(client);
  if (!c) return;
  if (link_.active() && !link_.up()) {
    c->reply().Error("NOMASTERLINK Can't SYNC while not connected with my master");
    return;
  }
  replicas_.Attach(c, replid, offset, psync);
}

void Server::ReplicaAck(commands::ClientState& client, int64_t offset) {
  if (Connection* c = FindConnection(client)) replicas_.Ack(c, offset);
}

void Server::WaitForReplicas(commands::ClientState& client, int64_t numreplicas,
                             int64_t timeout_ms) {
  if (Connection* c = FindConnection(client)) replicas_.Wait(c, numreplicas, timeout_ms);
}

void Server::ReplicaDatasetReplaced() {
  if (!aof_.enabled()) return;
  // Like Redis after a full sync: the AOF is rebuilt from the new dataset. A replica whose AOF
  // cannot start (a full disk) would serve data it cannot persist: Redis tries for ten seconds,
  // then exits.
  aof_.Disable();
  constexpr int kTries = 10;
  for (int tries = 1;; ++tries) {
    absl::Status status = aof_.Enable();
    if (status.ok()) return;
    core::Log(core::LogLevel::kWarning, "%s", std::string(status.message()));
    if (tries == kTries) break;
    core::Log(core::LogLevel::kWarning,
              "Failed enabling the AOF after successful master synchronization! Trying it again "
              "in one second.");
    sleep(1);
  }
  core::Log(core::LogLevel::kWarning,
            "FATAL: this replica instance finished the synchronization with its master, but the "
            "AOF can't be turned on. Exiting now.");
  _exit(1);
}

absl::StatusOr<std::string> Server::StartBackgroundSave(bool schedule) {
  // One child at a time, as in Redis: a rewrite or a diskless sync must finish first.
  if (aof_.rewrite_in_progress() || replicas_.child_running()) {
    if (!schedule) {
      return absl::FailedPreconditionError(
          "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
          "SCHEDULE in order to schedule a BGSAVE whenever possible.");
    }
    bgsave_scheduled_ = true;
    return std::string("Background saving scheduled");
  }
  absl::Status status = snapshots_.StartBackgroundSave();
  if (!status.ok()) return status;
  return std::string("Background saving started");
}

absl::StatusOr<std::string> Server::StartAofRewrite() {
  if (aof_.rewrite_in_progress()) {
    return absl::FailedPreconditionError(
        "ERR Background append only file rewriting already in progress");
  }
  if (snapshots_.in_progress() || replicas_.child_running()) {
    aof_.set_rewrite_scheduled(true);
    return std::string("Background append only file rewriting scheduled");
  }
  absl::Status status = aof_.StartRewrite();
  if (!status.ok()) return status;
  return std::string("Background append only file rewriting started");
}

absl::Status Server::OptionsChanged() {
  aof_.ApplyPolicy();
  history_.Resize(options_.repl_backlog_size);
  if (options_.appendonly && !aof_.enabled()) {
    absl::Status status = aof_.Enable();
    if (!status.ok()) {
      options_.appendonly = false;
      return status;
    }
  } else if (!options_.appendonly && aof_.enabled()) {
    aof_.Disable();
  }
  return absl::OkStatus();
}

std::string Server::DiskErrorRefusingWrites() const {
  if (snapshots_.WritesDenied()) return std::string(commands::kMisconfError);
  if (int error = aof_.write_error(); error != 0) {
    return std::string("MISCONF Errors writing to the AOF file: ") + strerror(error);
  }
  return "";
}

commands::PersistenceInfo Server::persistence_info() const {
  return {snapshots_.info(), aof_.info()};
}

bool Server::Shutdown(commands::ShutdownSave save, bool force) {
  snapshots_.KillChild();
  aof_.KillChild();
  replicas_.KillChild();
  const bool want_save = save == commands::ShutdownSave::kSave ||
                         (save == commands::ShutdownSave::kDefault && !options_.save.empty());
  if (want_save) {
    core::Log(core::LogLevel::kNotice, "Saving the final RDB snapshot before exiting.");
    if (!snapshots_.Save().ok() && !force) {
      core::Log(core::LogLevel::kWarning, "Error trying to save the DB, can't exit.");
      return false;
    }
  }
  if (aof_.enabled()) {
    core::Log(core::LogLevel::kNotice, "Calling fsync() on the AOF file.");
    aof_.Disable();  // writes what is pending and syncs
  }
  loop_.Stop();
  return true;
}

void Server::ServeBlockedClients() {
  if (!blocking_.has_ready()) return;
  std::vector<Connection*> served;
  blocking_.ServeReady(&served);
  Unblocked(served);
}

void Server::Unblocked(const std::vector<Connection*>& served) {
  for (Connection* c : served) {
    QueueWrite(c);
    pending_input_.insert(c);
  }
}

void Server::BlockClient(commands::ClientState& client, commands::Args argv,
                         std::vector<std::string> keys, int64_t deadline_ms) {
  auto it = by_id_.find(client.id);
  if (it == by_id_.end()) return;
  blocking_.Block(it->second, argv, std::move(keys), deadline_ms);
}

bool Server::UnblockClient(uint64_t client_id, bool with_error) {
  auto it = by_id_.find(client_id);
  if (it == by_id_.end() || !blocking_.Unblock(it->second, with_error)) return false;
  Unblocked({it->second});
  return true;
}

void Server::Run() {
  core::Log(core::LogLevel::kNotice, "Ready to accept connections tcp");
  loop_.Run();
  // Flush what replies we can before going (e.g. to clients that sent SHUTDOWN's peers).
  BeforeSleep();
  core::Log(core::LogLevel::kWarning, "bazaar-engine is now ready to exit, bye bye...");
}

}  // namespace bazaar::engine::server
