// MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw | AUTH2 user pw] [KEYS k ...]:
// moves keys to another server as Redis 7.0 does. The keys travel as RESTORE commands carrying
// their DUMP payloads and remaining TTLs, in one write after AUTH and SELECT; each key the
// target accepted is deleted here (unless COPY) and the call is propagated as one DEL of those.
// Like Redis, the event loop waits for the target (each connect, write or read up to `timeout`
// ms), and the connection stays open for the next call to that target (migrate_sockets.h), which
// selects the database again only when it differs. Unlike Redis, the keys are sent only once
// AUTH and SELECT succeeded (a round trip more when either is sent), where Redis would send them
// anyway into whatever database the connection had selected.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/commands/migrate_sockets.h"
#include "engine/persistence/dump_payload.h"

namespace bazaar::engine::commands {
namespace {

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
  const std::string host(args[1]), port(args[2]);
  MigrateSockets uncached;  // where the server keeps no connections (the in-process fixture)
  MigrateSockets* sockets = ctx.server.migrate != nullptr ? ctx.server.migrate : &uncached;
  std::vector<std::string> ttl_text;
  for (int64_t ttl : ttls) ttl_text.push_back(std::to_string(ttl));
  std::string restores;
  for (size_t i = 0; i < keys.size(); ++i) {
    std::vector<std::string_view> restore = {"RESTORE", keys[i], ttl_text[i], payloads[i]};
    if (m.replace) restore.push_back("REPLACE");
    AppendCommand(&restores, restore);
  }
  // A cached connection the target closed meanwhile fails on first use: like Redis, a socket
  // error (not a timeout) before the first RESTORE was answered is retried once on a new
  // connection; nothing was applied on the target yet.
  MigrateSockets::Socket* socket = nullptr;
  std::optional<std::string> first_reply;
  for (bool may_retry = true;; may_retry = false) {
    socket = sockets->Get(host, port, timeout, ctx.keyspace.now_ms());
    if (socket == nullptr)
      return ctx.reply.Error("IOERR error or timeout connecting to the client");
    TargetLink& link = *socket->link;
    std::string request;
    if (m.password) {
      if (m.user) {
        AppendCommand(&request, {"AUTH", *m.user, *m.password});
      } else {
        AppendCommand(&request, {"AUTH", *m.password});
      }
    }
    const bool select = socket->last_db != m.db;
    const std::string db = std::to_string(m.db);
    if (select) AppendCommand(&request, {"SELECT", db});
    const char* failed = nullptr;
    std::string refusal;
    if (!request.empty() && !link.WriteAll(request, timeout)) failed = "writing";
    for (int replies = (m.password ? 1 : 0) + (select ? 1 : 0); failed == nullptr && replies > 0;
         --replies) {
      std::optional<std::string> reply = link.ReadLine(timeout);
      if (!reply) {
        failed = "reading";
      } else if (reply->rfind('-', 0) == 0) {
        refusal = reply->substr(1);  // the first refusal is the answer; the rest is not read
        break;
      }
    }
    if (!refusal.empty()) {
      sockets->Close(host, port);
      return ctx.reply.Error("ERR Target instance replied with error: " + refusal);
    }
    if (failed == nullptr) {
      socket->last_db = m.db;
      if (!link.WriteAll(restores, timeout)) {
        failed = "writing";
      } else if (!(first_reply = link.ReadLine(timeout))) {
        failed = "reading";
      }
    }
    if (failed == nullptr) break;
    const bool timed_out = link.timed_out();
    sockets->Close(host, port);
    if (timed_out || !may_retry) {
      return ctx.reply.Error(std::string("IOERR error or timeout ") + failed +
                             " to target instance");
    }
  }
  TargetLink& link = *socket->link;
  std::vector<std::string> deleted = {"DEL"};
  std::string first_error;
  bool socket_failed = false;
  for (size_t i = 0; i < keys.size(); ++i) {
    std::optional<std::string> reply = i == 0 ? std::move(first_reply) : link.ReadLine(timeout);
    if (!reply) {
      socket_failed = true;
      break;
    }
    if (reply->rfind('-', 0) == 0) {
      if (first_error.empty()) first_error = reply->substr(1);
      continue;
    }
    if (m.copy) continue;
    ctx.keyspace.Delete(ctx.db(), keys[i]);
    ctx.keyspace.Notify(ctx.db(), core::events::kGeneric, "del", keys[i]);
    deleted.emplace_back(keys[i]);
  }
  if (socket_failed) sockets->Close(host, port);
  if (deleted.size() > 1) ctx.PropagateAs(std::move(deleted));
  if (!first_error.empty()) {
    return ctx.reply.Error("ERR Target instance replied with error: " + first_error);
  }
  if (socket_failed) return ctx.reply.Error("IOERR error or timeout reading to target instance");
  ctx.reply.Ok();
}

}  // namespace

void RegisterMigrateFamily(CommandTable& table) {
  table.Add({"migrate", -6, kWrite | kMovableKeys, 3, 3, 1, MigrateCommand});
}

}  // namespace bazaar::engine::commands
