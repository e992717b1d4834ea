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
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "engine/commands/acl_categories.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/core/clock.h"
#include "engine/core/encoding_limits.h"
#include "engine/core/eviction.h"
#include "engine/core/log.h"
#include "engine/core/memory_accounting.h"
#include "engine/core/propagation_error.h"
#include "engine/scripting/scripting_family.h"
#include "engine/server/monitor_line.h"

namespace bazaar::engine::server {
namespace {

commands::ClientState LoaderClient() {
  commands::ClientState c;
  c.authenticated = true;
  c.is_aof_loader = true;
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

// The encoding thresholds the options ask for (see core/encoding_limits.h).
core::EncodingLimits EncodingLimitsOf(const config::Options& o) {
  core::EncodingLimits limits;
  limits.hash_max_entries = static_cast<size_t>(o.hash_max_listpack_entries);
  limits.hash_max_value = static_cast<size_t>(o.hash_max_listpack_value);
  limits.zset_max_entries = static_cast<size_t>(o.zset_max_listpack_entries);
  limits.zset_max_value = static_cast<size_t>(o.zset_max_listpack_value);
  limits.set_max_intset_entries = static_cast<size_t>(o.set_max_intset_entries);
  limits.stream_node_max_bytes = static_cast<size_t>(o.stream_node_max_bytes);
  limits.stream_node_max_entries = static_cast<size_t>(o.stream_node_max_entries);
  return limits;
}

// What lookups record for eviction to rank keys by.
core::Keyspace::LfuTracking LfuTrackingOf(const config::Options& o) {
  core::EvictionPolicy policy = core::EvictionPolicy::kNoEviction;
  core::ParseEvictionPolicy(o.maxmemory_policy, &policy);
  return {core::IsLfuPolicy(policy), o.lfu_log_factor, o.lfu_decay_time};
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
  // tls: the clients it accepts speak TLS (tls-port).
  Listener(Server* server, int fd, bool tls) : server_(server), fd_(fd), tls_(tls) {}
  ~Listener() override { close(fd_); }
  void OnEvent(uint32_t) override { server_->Accept(fd_, tls_); }
  int fd() const { return fd_; }

 private:
  Server* server_;
  int fd_;
  bool tls_;
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

// Replication's link to our primary: the loop's events on its socket go to it.
class Server::LinkSocket : public FdHandler {
 public:
  explicit LinkSocket(replication::Replication* replication) : replication_(replication) {}
  void OnEvent(uint32_t events) override { replication_->OnLinkSocketEvent(events); }

 private:
  replication::Replication* replication_;
};

Server::Server(config::Options options, std::string config_file, std::string executable)
    : options_(std::move(options)),
      config_file_(std::move(config_file)),
      executable_(std::move(executable)),
      run_id_(RandomHex40()),
      keyspace_(static_cast<int>(options_.databases)),
      watches_(&keyspace_),
      output_limits_(&options_, [this] { return keyspace_.now_ms(); }),
      pubsub_(
          &options_, [this](uint64_t id) { return FindConnection(id); }, &output_limits_),
      tracking_(&options_, [this](uint64_t id) { return FindConnection(id); }),
      dispatcher_(
          &table_, &keyspace_, &watches_,
          commands::ServerContext{options_, stats_, this, this, this, this, &replication_, &pubsub_,
                                  &tracking_, this, &scripts_, &migrate_sockets_}),
      blocking_(&dispatcher_, &keyspace_),
      persistence_(&keyspace_, &options_,
                   // AOF commands run through the dispatcher as an authenticated client.
                   [this, loader = LoaderClient(),
                    sink = std::string()](const std::vector<std::string_view>& argv) mutable {
                     protocol::ReplyBuilder reply(&sink);
                     dispatcher_.Dispatch(loader, reply, argv);
                     if (reply.error_count() > 0) {
                       core::ReportPropagationError("server", "AOF-loading-client",
                                                    argv.empty() ? "" : argv[0], sink,
                                                    options_.propagation_error_behavior == "panic");
                     }
                     sink.clear();
                   }),
      replication_(this, &persistence_.snapshots(), &keyspace_, &options_, &stats_, &dispatcher_),
      link_socket_(std::make_unique<LinkSocket>(&replication_)) {
  keyspace_.set_now_ms(core::UnixTimeMs());
  core::SetEncodingLimits(EncodingLimitsOf(options_));
  keyspace_.set_lfu_tracking(LfuTrackingOf(options_));
  keyspace_.set_notify_classes(options_.notify_keyspace_events);
  keyspace_.add_observer(&watches_);
  keyspace_.add_observer(&blocking_);
  keyspace_.add_observer(&dispatcher_);  // expired and evicted keys are logged as DEL
  keyspace_.add_observer(&pubsub_);      // keyspace notifications
  keyspace_.add_observer(&tracking_);    // client-side caching invalidations
  commands::RegisterAllCommands(table_);
  scripting::RegisterScriptingFamily(table_);
  scripting::RegisterFunctionFamily(table_);
  commands::AssignAclCategories(table_);
  scripts_.set_serve_while_busy([this] { ServeWhileScriptBusy(); });
  dispatcher_.set_after_command([this] { ServeBlockedClients(); });
  persistence_.snapshots().set_replication_source(
      [this](persistence::RdbOptions* rdb) {
        replication_.FillSnapshotFields(rdb);
        rdb->functions = FunctionCodes();
      });
  persistence_.set_aof_functions(
      [this] { return FunctionCodes(); },
      [this](const std::vector<std::string>& codes) { LoadFunctions(codes); });
  persistence_.snapshots().set_on_background_done(
      [this](bool ok) { replication_.SnapshotDone(ok); });
  stats_.start_time_ms = core::UnixTimeMs();
  signal(SIGPIPE, SIG_IGN);
  signals_ = std::make_unique<SignalHandler>(this);
  loop_.Add(signals_->fd(), EPOLLIN, signals_.get());
  // The one place the clock advances per loop turn (the dispatcher advances it per command).
  loop_.set_after_wait([this] { keyspace_.set_now_ms(core::UnixTimeMs()); });
  loop_.set_before_sleep([this] { BeforeSleep(); });
  loop_.set_tick([this] { Cron(); }, static_cast<int>(1000 / options_.hz));
  loop_.set_wait_limit([this] { return blocking_.MsUntilNextDeadline(now_ms()); });
}

Server::~Server() = default;

absl::Status Server::Relisten() {
  // The old sockets close first: the new list may bind the same address and port again.
  for (auto& l : listeners_) loop_.Remove(l->fd());
  listeners_.clear();
  std::string error;
  if (!Listen(&error)) {
    core::Log(core::LogLevel::kWarning, "%s", error.c_str());
    return absl::UnavailableError(error);
  }
  return absl::OkStatus();
}

bool Server::Listen(std::string* error) {
  // Into a local list first, so that a failure half-way leaves nothing listening.
  std::vector<std::unique_ptr<Listener>> opened;
  // Port 0: no TCP at all (only the Unix socket, if any), as in Redis.
  if (options_.port != 0 && !ListenTcp(options_.port, /*tls=*/false, &opened, error)) {
    return false;
  }
  if (options_.tls_port != 0) {
    if (!tls_) {
      absl::Status made = ConfigureTls();
      if (!made.ok()) {
        *error = "Failed to configure TLS: " + std::string(made.message());
        return false;
      }
    }
    if (!ListenTcp(options_.tls_port, /*tls=*/true, &opened, error)) return false;
  }
  if (!options_.unixsocket.empty()) {
    const int fd = ListenUnix(error);
    if (fd < 0) return false;
    opened.push_back(std::make_unique<Listener>(this, fd, false));
  }
  if (opened.empty()) {
    *error = options_.port == 0 ? "Configured to not listen anywhere, exiting."
                                : "Failed listening on any configured address";
    return false;
  }
  listeners_ = std::move(opened);
  for (auto& l : listeners_) loop_.Add(l->fd(), EPOLLIN, l.get());
  return true;
}

bool Server::ListenTcp(int64_t port, bool tls, std::vector<std::unique_ptr<Listener>>* opened,
                       std::string* error) {
  const size_t before = opened->size();
  for (std::string addr : options_.bind) {
    bool optional = !addr.empty() && addr[0] == '-';
    if (optional) addr = addr.substr(1);
    if (addr == "*") addr = "0.0.0.0";
    if (addr == "::*") addr = "::";
    addrinfo hints{}, *res = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
    const std::string service = std::to_string(port);
    int rc = getaddrinfo(addr.c_str(), service.c_str(), &hints, &res);
    if (rc != 0) {
      if (optional) continue;
      *error = absl::StrFormat("Could not create server TCP listening socket %s:%d: %s", addr, port,
                               gai_strerror(rc));
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
      *error = absl::StrFormat("Could not create server TCP listening socket %s:%d: bind: %s", addr,
                               port, strerror(err));
      return false;
    }
    freeaddrinfo(res);
    opened->push_back(std::make_unique<Listener>(this, fd, tls));
  }
  if (opened->size() == before) {
    *error = "Failed listening on any configured address";
    return false;
  }
  return true;
}

absl::Status Server::ConfigureTls() {
  // The tls-* values the context is made of; unchanged, the context stays.
  const std::vector<std::string> fingerprint = {options_.tls_cert_file,
                                                options_.tls_key_file,
                                                options_.tls_key_file_pass,
                                                options_.tls_client_cert_file,
                                                options_.tls_client_key_file,
                                                options_.tls_client_key_file_pass,
                                                options_.tls_ca_cert_file,
                                                options_.tls_ca_cert_dir,
                                                options_.tls_dh_params_file,
                                                options_.tls_auth_clients,
                                                options_.tls_protocols,
                                                options_.tls_ciphers,
                                                options_.tls_ciphersuites,
                                                std::to_string(options_.tls_prefer_server_ciphers),
                                                std::to_string(options_.tls_session_caching),
                                                std::to_string(options_.tls_session_cache_size),
                                                std::to_string(options_.tls_session_cache_timeout),
                                                std::to_string(options_.tls_replication)};
  if (tls_ && fingerprint == tls_fingerprint_) return absl::OkStatus();
  tls::TlsSettings s;
  s.cert_file = options_.tls_cert_file;
  s.key_file = options_.tls_key_file;
  s.key_file_pass = options_.tls_key_file_pass;
  s.client_cert_file = options_.tls_client_cert_file;
  s.client_key_file = options_.tls_client_key_file;
  s.client_key_file_pass = options_.tls_client_key_file_pass;
  s.replication = options_.tls_replication;
  s.ca_cert_file = options_.tls_ca_cert_file;
  s.ca_cert_dir = options_.tls_ca_cert_dir;
  s.dh_params_file = options_.tls_dh_params_file;
  s.auth_clients = options_.tls_auth_clients;
  s.protocols = options_.tls_protocols;
  s.ciphers = options_.tls_ciphers;
  s.ciphersuites = options_.tls_ciphersuites;
  s.prefer_server_ciphers = options_.tls_prefer_server_ciphers;
  s.session_caching = options_.tls_session_caching;
  s.session_cache_size = options_.tls_session_cache_size;
  s.session_cache_timeout = options_.tls_session_cache_timeout;
  auto made = tls::TlsContext::Create(s);
  if (!made.ok()) return made.status();
  tls_ = *std::move(made);  // connections already open keep the context they started with
  tls_fingerprint_ = fingerprint;
  return absl::OkStatus();
}

int Server::ListenUnix(std::string* error) {
  const std::string& path = options_.unixsocket;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    *error = "Failed opening Unix socket: path too long";
    return -1;
  }
  memcpy(addr.sun_path, path.data(), path.size());
  unlink(path.c_str());  // a socket file left by an earlier run (Redis does the same)
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      (options_.unixsocketperm && chmod(path.c_str(), options_.unixsocketperm) != 0) ||
      listen(fd, static_cast<int>(options_.tcp_backlog)) != 0) {
    *error = absl::StrFormat("Failed opening Unix socket: %s", strerror(errno));
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

void Server::Accept(int listen_fd, bool tls) {
  for (int i = 0; i < kMaxAcceptsPerCall; ++i) {
    sockaddr_storage peer{};
    socklen_t len = sizeof(peer);
    int fd =
        accept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    ++stats_.total_connections_received;
    if (static_cast<int64_t>(connections_.size()) >= options_.maxclients) {
      const char kMsg[] = "-ERR max number of clients reached\r\n";
      [[maybe_unused]] ssize_t n = write(fd, kMsg, sizeof(kMsg) - 1);
      ++stats_.rejected_connections;
      close(fd);
      continue;
    }
    if (options_.protected_mode && dispatcher_.users().default_user()->nopass() &&
        peer.ss_family != AF_UNIX && !IsLoopback(peer)) {
      [[maybe_unused]] ssize_t n = write(fd, kProtectedModeError, sizeof(kProtectedModeError) - 1);
      ++stats_.rejected_connections;
      close(fd);
      continue;
    }
    const bool unix_socket = peer.ss_family == AF_UNIX;
    int one = 1;
    if (!unix_socket) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (options_.tcp_keepalive > 0 && !unix_socket) {
      setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    }
    sockaddr_storage local{};
    socklen_t local_len = sizeof(local);
    getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len);
    commands::ClientState state;
    state.id = NewClientId();
    state.fd = fd;
    // A Unix socket client is named by the socket's path, on both ends (as Redis lists it).
    state.addr = unix_socket ? options_.unixsocket + ":0" : AddressString(peer);
    state.laddr = unix_socket ? options_.unixsocket + ":0" : AddressString(local);
    state.unix_socket = unix_socket;
    state.is_local = unix_socket || IsLoopback(peer);
    state.user = dispatcher_.users().default_user();
    state.authenticated = !dispatcher_.AuthRequired();
    state.created_ms = state.last_interaction_ms = now_ms();
    auto conn = std::make_unique<Connection>(this, fd, std::move(state),
                                             tls ? tls_->Accept(fd) : tls::PlainTransport(fd));
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
  replication_.BeforeSleep(persistence_.child_running());
  tracking_.BroadcastPending();
  // The AOF goes to the file (and disk, under "always") before any reply of this turn leaves.
  persistence_.Flush(now_ms());
  for (Connection* c : pending_writes_) {
    if (!c->Flush() || (c->closing() && !c->has_output()) ||
        output_limits_.MustClose(c->state(), c->pending_output_size())) {
      pending_closes_.insert(c);
    }
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
  pubsub_.Forget(c->state());
  output_limits_.Forget(c->state().id);
  tracking_.DisableTracking(c->state());
  replication_.Forget(c);
  pending_input_.erase(c);
  by_id_.erase(c->state().id);
  loop_.Remove(c->fd());
  pending_writes_.erase(c);
  core::Log(core::LogLevel::kVerbose, "Client closed connection id=%d addr=%s", c->state().id,
            c->state().addr);
  connections_.erase(it);
}

absl::Status Server::ReloadDataset(const ReloadOptions& options) {
  if (options.save && !persistence_.Save().ok()) {
    return absl::InternalError("ERR Error trying to save the DB, check the logs.");
  }
  if (options.flush) {
    keyspace_.FlushAll();
    scripts_.FlushLibraries();
  }
  const absl::Status load_failed = absl::InternalError("ERR Error trying to load the RDB dump");
  absl::Status loaded = persistence_.snapshots().LoadAtStartup(!options.merge);
  if (!loaded.ok()) {
    core::Log(core::LogLevel::kWarning, "DEBUG RELOAD: %s", loaded.message());
    return load_failed;
  }
  // Redis reads the libraries before the keys; a clash fails the reload either way.
  for (const std::string& code : persistence_.snapshots().loaded_functions()) {
    absl::StatusOr<std::string> library = scripts_.LoadLibrary(code, options.merge);
    if (!library.ok()) {
      core::Log(core::LogLevel::kWarning, "DEBUG RELOAD: %s", library.status().message());
      return load_failed;
    }
  }
  core::Log(core::LogLevel::kNotice, "DB reloaded by DEBUG RELOAD");
  return absl::OkStatus();
}

absl::Status Server::ReloadAppendOnly() {
  keyspace_.FlushAll();
  scripts_.FlushLibraries();
  dispatcher_.set_propagator(nullptr);  // replayed commands are in the AOF already
  absl::Status status = persistence_.ReloadAppendOnly(core::UnixTimeMs());
  dispatcher_.set_propagator(this);
  if (!status.ok()) {
    // Redis exits here (say, with no AOF files at all); we stay up, empty, and say why.
    core::Log(core::LogLevel::kWarning, "DEBUG LOADAOF failed: %s", status.message());
    return absl::InternalError("ERR Error trying to load the AOF, check server logs.");
  }
  core::Log(core::LogLevel::kWarning, "Append Only File loaded by DEBUG LOADAOF");
  return absl::OkStatus();
}

void Server::PauseClients(int64_t end_ms, bool all) {
  pause_end_ms_ = paused_ ? std::max(pause_end_ms_, end_ms) : end_ms;
  pause_all_ = (paused_ && pause_all_) || all;
  paused_ = true;
  keyspace_.set_expiry_paused(true);
}

void Server::UnpauseClients() {
  if (!paused_) return;
  paused_ = false;
  keyspace_.set_expiry_paused(false);
  for (auto& [raw, conn] : connections_) {
    if (!conn->state().postponed) continue;
    conn->state().postponed = false;
    pending_input_.insert(raw);
  }
}

bool Server::PausedFor(bool may_write) {
  if (paused_ && now_ms() >= pause_end_ms_) UnpauseClients();
  return paused_ && (pause_all_ || may_write);
}

size_t Server::blocked_client_count() const {
  size_t postponed = 0;
  for (const auto& [raw, conn] : connections_) postponed += conn->state().postponed;
  return blocking_.size() + postponed;
}

void Server::AddMonitor(commands::ClientState& client) {
  client.is_monitor = true;
  monitors_.push_back(client.id);
}

void Server::FeedMonitors(const commands::ClientState& client, int db,
                          const std::vector<std::string>& args) {
  const std::string line = FormatMonitorLine(core::UnixTimeUs(), db, client.addr, args);
  // Clients that closed or left with RESET drop out here.
  auto gone = std::remove_if(monitors_.begin(), monitors_.end(), [&](uint64_t id) {
    auto it = by_id_.find(id);
    if (it == by_id_.end() || !it->second->state().is_monitor) return true;
    it->second->reply().Raw(line);
    QueueWrite(it->second);
    return false;
  });
  monitors_.erase(gone, monitors_.end());
}

void Server::Cron() {
  const int64_t now = core::MonotonicUs();
  persistence_.Cron(replication_.child_running());
  replication_.Cron();
  tracking_.EnforceMaxKeys();
  migrate_sockets_.CloseIdle(now_ms());
  // A replica leaves expiry to its primary, whose DELs arrive in the stream.
  if (paused_ && now_ms() >= pause_end_ms_) UnpauseClients();
  if (active_expire_ && !replication_.following() && !paused_) {
    const int64_t start = core::MonotonicUs();
    keyspace_.ActiveExpireCycle(250000 / options_.hz);  // 25% of a tick
    dispatcher_.latency().AddSampleIfNeeded("expire-cycle", (core::MonotonicUs() - start) / 1000,
                                            options_.latency_monitor_threshold, now_ms() / 1000);
  }
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

void Server::ForEachClient(const std::function<void(const commands::ClientState&)>& fn) {
  std::vector<Connection*> sorted;
  for (auto& [raw, conn] : connections_) sorted.push_back(raw);
  std::sort(sorted.begin(), sorted.end(),
            [](Connection* a, Connection* b) { return a->state().id < b->state().id; });
  for (Connection* c : sorted) {
    c->RefreshFigures();
    fn(c->state());
  }
  if (const commands::ClientState* master = replication_.master_client()) fn(*master);
}

int Server::KillClients(const std::function<bool(const commands::ClientState&)>& fn) {
  int killed = 0;
  for (auto& [raw, conn] : connections_) {
    if (!fn(conn->state())) continue;
    conn->state().close_after_reply = true;
    QueueWrite(raw);
    ++killed;
  }
  if (const commands::ClientState* master = replication_.master_client(); master && fn(*master)) {
    replication_.KillMasterLink();
    ++killed;
  }
  return killed;
}

std::vector<std::string> Server::FunctionCodes() const {
  std::vector<std::string> codes;
  for (const auto& [name, library] : scripts_.libraries()) codes.push_back(library.code);
  return codes;
}

void Server::DatasetReplaced(const std::vector<std::string>& functions) {
  ReplaceFunctions(functions);
  persistence_.RestartAofAfterSync();
}

void Server::ReplaceFunctions(const std::vector<std::string>& codes) {
  scripts_.FlushLibraries();
  LoadFunctions(codes);
}

void Server::LoadFunctions(const std::vector<std::string>& codes) {
  // The RDB's function libraries (opcode 0xF5), as Redis loads them with the data.
  for (const std::string& code : codes) {
    absl::StatusOr<std::string> loaded = scripts_.LoadLibrary(code, /*replace=*/true);
    if (!loaded.ok()) {
      core::Log(core::LogLevel::kWarning, "Failed loading a function library from the RDB: %s",
                std::string(loaded.status().message()).c_str());
    }
  }
}

absl::Status Server::LoadData() {
  core::MarkStartupMemory();
  absl::Status status = persistence_.LoadAtStartup();
  if (!status.ok()) return status;
  // With appendonly the AOF's bases loaded theirs as they were replayed.
  if (!options_.appendonly) LoadFunctions(persistence_.snapshots().loaded_functions());
  dispatcher_.set_propagator(this);
  replication_.Start(persistence_.snapshots().loaded_aux());
  return absl::OkStatus();
}

void Server::Propagate(const std::vector<commands::PropagatedCommand>& batch) {
  commands::ForEachLogged(batch, /*for_aof=*/true, [&](int db, const std::vector<std::string>& argv) {
    persistence_.Append(db, argv);
  });
  replication_.Propagate(batch);
}

replication::Peer* Server::FindPeer(uint64_t client_id) { return FindConnection(client_id); }

absl::StatusOr<std::unique_ptr<tls::Transport>> Server::LinkTransport(int fd) {
  if (!options_.tls_replication) return tls::PlainTransport(fd);
  if (!tls_) {
    if (absl::Status made = ConfigureTls(); !made.ok()) return made;
  }
  return tls_->Connect(fd);
}

Connection* Server::FindConnection(uint64_t id) {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

void Server::WatchLinkSocket(int fd, uint32_t epoll_events) {
  if (!loop_.Modify(fd, epoll_events, link_socket_.get())) {
    loop_.Add(fd, epoll_events, link_socket_.get());
  }
}

absl::Status Server::OptionsChanged(bool in_exec) {
  core::SetEncodingLimits(EncodingLimitsOf(options_));
  keyspace_.set_lfu_tracking(LfuTrackingOf(options_));
  keyspace_.set_notify_classes(options_.notify_keyspace_events);
  // A lowered maxmemory takes effect at once, as in Redis.
  dispatcher_.EvictToMaxmemory();
  replication_.OptionsChanged();
  absl::Status persistence = persistence_.ApplyOptions(in_exec);
  // New certificates (or other tls-* values) take effect for the connections to come, as in
  // Redis; only a change of them makes a new context (which would lose the session cache). An
  // unusable set keeps the old context, and the caller puts the old options back.
  if (options_.tls_port != 0 || options_.tls_replication) {
    absl::Status tls = ConfigureTls();
    if (!tls.ok()) {
      core::Log(core::LogLevel::kWarning, "Failed to update TLS configuration: %s",
                std::string(tls.message()));
      return absl::InvalidArgumentError("Unable to update TLS configuration. Check server logs.");
    }
  }
  return persistence;
}

bool Server::Shutdown(commands::ShutdownSave save, bool force) {
  replication_.KillChild();
  if (!persistence_.SaveBeforeShutdown(save, force)) return false;
  scripts_.Abort();  // a busy script (SHUTDOWN NOSAVE) ends at its next hook
  if (!options_.unixsocket.empty()) unlink(options_.unixsocket.c_str());  // as Redis does
  loop_.Stop();
  return true;
}

void Server::ServeWhileScriptBusy() {
  loop_.RunOnce();
  // Replies go out now; closes wait until the script is over (its caller may be among them).
  for (Connection* c : pending_writes_) {
    if (!c->Flush()) pending_closes_.insert(c);
  }
  pending_writes_.clear();
}

void Server::ServeBlockedClients() {
  if (!blocking_.has_ready()) return;
  // The command that made a key ready ran at its own instant (a transaction's is frozen from
  // its start); the blocked clients are served now, as in Redis, so a key that expired in the
  // meantime (MULTI ... DEBUG SLEEP ... EXEC) serves nobody.
  keyspace_.set_now_ms(core::UnixTimeMs());
  std::vector<Connection*> served;
  blocking_.ServeReady(&served);
  Unblocked(served);
}

void Server::Unblocked(const std::vector<Connection*>& served) {
  for (Connection* c : served) {
    c->CountErrorReplies();
    QueueWrite(c);
    pending_input_.insert(c);
  }
}

void Server::BlockClient(commands::ClientState& client, commands::Args argv,
                         std::optional<core::ValueType> type,
                         std::vector<std::string> keys, int64_t deadline_ms) {
  auto it = by_id_.find(client.id);
  if (it == by_id_.end()) return;
  blocking_.Block(it->second, argv, type, std::move(keys), deadline_ms);
}

bool Server::UnblockClient(uint64_t client_id, bool with_error) {
  auto it = by_id_.find(client_id);
  if (it == by_id_.end() || !blocking_.Unblock(it->second, with_error)) return false;
  Unblocked({it->second});
  return true;
}

absl::Status Server::LoadAclUsers() {
  acl::Users& users = dispatcher_.users();
  if (!options_.aclfile.empty() && !options_.user_lines.empty()) {
    return absl::FailedPreconditionError(
        "Configuring Redis with users defined in redis.conf and at the same setting an ACL file "
        "path is invalid. This setup is very likely to lead to configuration errors and security "
        "holes, please define either an ACL file or declare users directly in your redis.conf, "
        "but not both.");
  }
  if (!options_.user_lines.empty()) {
    std::string text;
    for (const auto& line : options_.user_lines) text += line + "\n";
    const std::string error = users.Load(config_file_, text, /*keep_default=*/true);
    if (!error.empty()) {
      return absl::InvalidArgumentError("Error in user declaration: " + error);
    }
  }
  if (!options_.aclfile.empty()) {
    std::ifstream in(options_.aclfile);
    if (!in) {
      return absl::NotFoundError(
          "Aborting Redis startup because of ACL errors: Error loading "
          "ACLs, opening file '" +
          options_.aclfile + "': " + strerror(errno));
    }
    std::stringstream text;
    text << in.rdbuf();
    const std::string error = users.Load(options_.aclfile, text.str(), /*keep_default=*/false);
    if (!error.empty()) {
      return absl::InvalidArgumentError("Aborting Redis startup because of ACL errors: " + error);
    }
  }
  return absl::OkStatus();
}

void Server::Run() {
  // Redis 7.0's lines (tools wait for the last one).
  if (!options_.unixsocket.empty()) {
    core::Log(core::LogLevel::kNotice, "The server is now ready to accept connections at %s",
              options_.unixsocket);
  }
  core::Log(core::LogLevel::kNotice, "Ready to accept connections");
  loop_.Run();
  // Flush what replies we can before going (e.g. to clients that sent SHUTDOWN's peers).
  BeforeSleep();
  core::Log(core::LogLevel::kWarning, "bazaar-engine is now ready to exit, bye bye...");
}

}  // namespace bazaar::engine::server
