// MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw | AUTH2 user pw] [KEYS k ...]:
// moves keys to another server as Redis 7.0 does. The keys travel as RESTORE commands carrying
// their DUMP payloads and remaining TTLs, in one write after AUTH and SELECT; each key the
// target accepted is deleted here (unless COPY) and the call is propagated as one DEL of those.
// Like Redis, the event loop waits for the target (each connect, write or read up to `timeout`
// ms). Unlike Redis, every call opens its own connection instead of keeping one per target for
// ten seconds (a round trip more per call, no idle sockets), so each call authenticates and
// selects anew; and the keys are sent only once AUTH and SELECT succeeded, where Redis would
// send them anyway into whatever database its cached connection had selected.
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/persistence/dump_payload.h"

namespace bazaar::engine::commands {
namespace {

// A blocking connection to the target with a deadline per operation, as MIGRATE needs.
class TargetLink {
 public:
  ~TargetLink() {
    if (fd_ >= 0) close(fd_);
  }
  bool Connect(const std::string& host, const std::string& port, int timeout_ms) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return false;
    for (addrinfo* a = found; a != nullptr && fd_ < 0; a = a->ai_next) {
      int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) continue;
      // As Redis: a connection the target refused shows when writing to it, not here.
      if (connect(fd, a->ai_addr, a->ai_addrlen) == 0 ||
          (errno == EINPROGRESS && Wait(fd, POLLOUT, timeout_ms))) {
        fd_ = fd;
      } else {
        close(fd);
      }
    }
    freeaddrinfo(found);
    return fd_ >= 0;
  }
  bool WriteAll(std::string_view data, int timeout_ms) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && errno == EAGAIN) {
        if (!Wait(fd_, POLLOUT, timeout_ms)) return false;
      } else {
        return false;
      }
    }
    return true;
  }
  // One reply line without its CRLF; nullopt on a timeout or a closed connection.
  std::optional<std::string> ReadLine(int timeout_ms) {
    while (true) {
      size_t end = in_.find("\r\n");
      if (end != std::string::npos) {
        std::string line = in_.substr(0, end);
        in_.erase(0, end + 2);
        return line;
      }
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        in_.append(buf, static_cast<size_t>(n));
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && errno == EAGAIN) {
        if (!Wait(fd_, POLLIN, timeout_ms)) return std::nullopt;
      } else {
        return std::nullopt;
      }
    }
  }

 private:
  static bool Wait(int fd, short events, int timeout_ms) {
    pollfd p{fd, events, 0};
    int r;
    do {
      r = poll(&p, 1, timeout_ms);
    } while (r < 0 && errno == EINTR);
    return r > 0;
  }
  int fd_ = -1;
  std::string in_;
};

void AppendCommand(std::string* out, const std::vector<std::string_view>& argv) {
  *out += "*" + std::to_string(argv.size()) + "\r\n";
  for (std::string_view a : argv) {
    *out += "$" + std::to_string(a.size()) + "\r\n";
    out->append(a.data(), a.size());
    *out += "\r\n";
  }
}

struct MigrateArgs {
  bool copy = false, replace = false;
  std::optional<std::string_view> user, password;
  size_t first_key = 3, num_keys = 1;
  int64_t db = 0, timeout_ms = 0;
};

// The options in Redis's order of checks: each option, then the timeout, then the db.
bool ParseMigrate(CommandContext& ctx, Args args, MigrateArgs* m) {
  for (size_t j = 6; j < args.size(); ++j) {
    const size_t more = args.size() - 1 - j;
    if (IsOption(args[j], "copy")) {
      m->copy = true;
    } else if (IsOption(args[j], "replace")) {
      m->replace = true;
    } else if (IsOption(args[j], "auth") && more >= 1) {
      m->password = args[++j];
    } else if (IsOption(args[j], "auth2") && more >= 2) {
      m->user = args[++j];
      m->password = args[++j];
    } else if (IsOption(args[j], "keys")) {
      if (!args[3].empty()) {
        ctx.reply.Error(
            "ERR When using MIGRATE KEYS option, the key argument must be set to the empty "
            "string");
        return false;
      }
      m->first_key = j + 1;
      m->num_keys = args.size() - j - 1;
      break;
    } else {
      ctx.reply.Error(kSyntaxError);
      return false;
    }
  }
  if (!IntArgOrReply(ctx.reply, args[5], &m->timeout_ms) ||
      !IntArgOrReply(ctx.reply, args[4], &m->db)) {
    return false;
  }
  if (m->timeout_ms <= 0) m->timeout_ms = 1000;
  return true;
}

void MigrateCommand(CommandContext& ctx, Args args) {
  MigrateArgs m;
  if (!ParseMigrate(ctx, args, &m)) return;
  // Never logged as itself: only the DEL of what left (a key expiring here logs its own DEL).
  ctx.propagate_only_as = true;
  // Keys that are gone (or expire on this lookup) are left out; none at all is NOKEY.
  std::vector<std::string_view> keys;
  std::vector<std::string> payloads;
  std::vector<int64_t> ttls;
  const int64_t now = ctx.keyspace.now_ms();
  for (size_t j = 0; j < m.num_keys; ++j) {
    std::string_view key = args[m.first_key + j];
    const core::Value* v = ctx.keyspace.FindForRead(ctx.db(), key);
    if (v == nullptr) continue;
    const int64_t expire = ctx.keyspace.GetExpire(ctx.db(), key);
    keys.push_back(key);
    payloads.push_back(persistence::MakeDumpPayload(*v, ctx.server.options.rdbcompression));
    ttls.push_back(expire == -1 ? 0 : std::max<int64_t>(expire - now, 1));
  }
  if (keys.empty()) return ctx.reply.SimpleString("NOKEY");

  const int timeout = static_cast<int>(std::min<int64_t>(m.timeout_ms, INT32_MAX));
  TargetLink link;
  if (!link.Connect(std::string(args[1]), std::string(args[2]), timeout)) {
    return ctx.reply.Error("IOERR error or timeout connecting to the client");
  }
  const auto writing_failed = [&] {
    ctx.reply.Error("IOERR error or timeout writing to target instance");
  };
  const auto reading_failed = [&] {
    ctx.reply.Error("IOERR error or timeout reading to target instance");
  };
  std::string request;
  if (m.password) {
    if (m.user) {
      AppendCommand(&request, {"AUTH", *m.user, *m.password});
    } else {
      AppendCommand(&request, {"AUTH", *m.password});
    }
  }
  const std::string db = std::to_string(m.db);
  AppendCommand(&request, {"SELECT", db});
  if (!link.WriteAll(request, timeout)) return writing_failed();
  for (int replies = m.password ? 2 : 1; replies > 0; --replies) {
    std::optional<std::string> reply = link.ReadLine(timeout);
    if (!reply) return reading_failed();
    if (reply->rfind('-', 0) == 0) {
      // The first refusal is the answer; the rest is not read (the connection closes).
      return ctx.reply.Error("ERR Target instance replied with error: " + reply->substr(1));
    }
  }
  request.clear();
  std::vector<std::string> ttl_text;
  for (int64_t ttl : ttls) ttl_text.push_back(std::to_string(ttl));
  for (size_t i = 0; i < keys.size(); ++i) {
    std::vector<std::string_view> restore = {"RESTORE", keys[i], ttl_text[i], payloads[i]};
    if (m.replace) restore.push_back("REPLACE");
    AppendCommand(&request, restore);
  }
  if (!link.WriteAll(request, timeout)) return writing_failed();
  std::vector<std::string> deleted = {"DEL"};
  std::string first_error;
  bool socket_failed = false;
  for (std::string_view key : keys) {
    std::optional<std::string> reply = link.ReadLine(timeout);
    if (!reply) {
      socket_failed = true;
      break;
    }
    if (reply->rfind('-', 0) == 0) {
      if (first_error.empty()) first_error = reply->substr(1);
      continue;
    }
    if (m.copy) continue;
    ctx.keyspace.Delete(ctx.db(), key);
    ctx.keyspace.Notify(ctx.db(), core::events::kGeneric, "del", key);
    deleted.emplace_back(key);
  }
  if (deleted.size() > 1) ctx.PropagateAs(std::move(deleted));
  if (!first_error.empty()) {
    return ctx.reply.Error("ERR Target instance replied with error: " + first_error);
  }
  if (socket_failed) return reading_failed();
  ctx.reply.Ok();
}

}  // namespace

void RegisterMigrateFamily(CommandTable& table) {
  table.Add({"migrate", -6, kWrite | kMovableKeys, 3, 3, 1, MigrateCommand});
}

}  // namespace bazaar::engine::commands
