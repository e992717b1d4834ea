// DEBUG: the subcommands Redis's own test suite and operators lean on. SLEEP, RELOAD [NOSAVE],
// LOADAOF, SET-ACTIVE-EXPIRE, DIGEST and DIGEST-VALUE (Redis's exact signatures, core/value_digest),
// OBJECT, POPULATE, PROTOCOL, LOG, ERROR and HELP. DEBUG is refused unless enable-debug-command
// allows it (the dispatcher's protected-command rule). The crash and allocator subcommands
// (SEGFAULT, PANIC, OOM, MALLCTL...) and the replication/cluster test hooks are not here.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/commands/object_encoding.h"
#include "engine/commands/status_reply.h"
#include "engine/core/log.h"
#include "engine/core/value_digest.h"
#include "engine/persistence/dump_payload.h"

namespace bazaar::engine::commands {
namespace {

constexpr std::string_view kNoSuchKey = "ERR no such key";

void DebugHelp(CommandContext& ctx) {
  ReplyHelp(ctx.reply, {
      "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DIGEST",
      "    Output a hex signature representing the current DB content.",
      "DIGEST-VALUE <key> [<key> ...]",
      "    Output a hex signature of the values of all the specified keys.",
      "ERROR <string>",
      "    Return a Redis protocol error with <string> as message. Useful for clients",
      "    unit tests to simulate Redis errors.",
      "LOG <message>",
      "    Write <message> to the server log.",
      "LOADAOF",
      "    Flush the AOF buffers on disk and reload the AOF in memory.",
      "OBJECT <key>",
      "    Show low level info about `key` and associated value.",
      "POPULATE <count> [<prefix>] [<size>]",
      "    Create <count> string keys named key:<num>. If <prefix> is specified then",
      "    it is used instead of the 'key' prefix. These are not propagated to",
      "    replicas.",
      "PROTOCOL <type>",
      "    Reply with a test value of the specified type. <type> can be: string,",
      "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
      "    true, false.",
      "RELOAD [NOSAVE]",
      "    Save the RDB on disk and reload it back to memory. With NOSAVE the",
      "    database is loaded from the existing RDB file.",
      "SET-ACTIVE-EXPIRE <0|1>",
      "    Setting it to 0 disables expiring keys in background when they are not",
      "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
      "    default.",
      "SLEEP <seconds>",
      "    Stop the server for <seconds>. Decimals allowed.",
  });
}

void DebugSleep(CommandContext& ctx, Args args) {
  // Like Redis (strtod with no error check), junk sleeps for zero seconds.
  double seconds = std::strtod(std::string(args[2]).c_str(), nullptr);
  if (seconds > 0) usleep(static_cast<useconds_t>(seconds * 1e6));
  ctx.reply.Ok();
}

void DebugReload(CommandContext& ctx, Args args) {
  ServerControl::ReloadOptions options;
  for (size_t i = 2; i < args.size(); ++i) {
    if (IsOption(args[i], "merge")) {
      options.merge = true;
    } else if (IsOption(args[i], "noflush")) {
      options.flush = false;
    } else if (IsOption(args[i], "nosave")) {
      options.save = false;
    } else {
      return ctx.reply.Error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
    }
  }
  absl::Status status = ctx.server.control->ReloadDataset(options);
  status.ok() ? ctx.reply.Ok() : ReplyError(ctx.reply, status);
}

void DebugLoadAof(CommandContext& ctx) {
  absl::Status status = ctx.server.control->ReloadAppendOnly();
  status.ok() ? ctx.reply.Ok() : ReplyError(ctx.reply, status);
}

void DebugDigest(CommandContext& ctx) {
  ctx.reply.SimpleString(core::DigestHex(core::DatasetDigest(ctx.keyspace)));
}

// Expired keys not yet deleted count too, as Redis reads its dict directly here.
void DebugDigestValue(CommandContext& ctx, Args args) {
  ctx.reply.ArrayHeader(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) {
    const core::Value* v = ctx.keyspace.Peek(ctx.db(), args[i]);
    const core::Digest d =
        v ? core::ValueDigest(*v, ctx.keyspace.GetExpire(ctx.db(), args[i]) != -1) : core::Digest{};
    ctx.reply.SimpleString(core::DigestHex(d));
  }
}

// "Value at:<address> refcount:<n> encoding:<name> serializedlength:<RDB bytes> lru:<clock>
// lru_seconds_idle:<s>", Redis's line. The LRU clock is Redis's: unix seconds in 24 bits. The
// quicklist details Redis appends for lists (ql_nodes ...) are not given.
void DebugObject(CommandContext& ctx, Args args) {
  // Redis looks in the dictionary itself: a key past its expiry is still there to describe.
  const core::Value* v = ctx.keyspace.PeekRaw(ctx.db(), args[2]);
  if (v == nullptr) return ctx.reply.Error(kNoSuchKey);
  // A DUMP payload is the RDB value plus its type byte, a 2-byte version and an 8-byte CRC.
  const size_t serialized =
      persistence::MakeDumpPayload(*v, ctx.server.options.rdbcompression).size() - 11;
  const int64_t now_s = ctx.keyspace.now_ms() / 1000;
  const int64_t idle = now_s > v->access_time() ? now_s - v->access_time() : 0;
  char line[256];
  std::snprintf(line, sizeof line,
                "Value at:%p refcount:1 encoding:%s serializedlength:%zu lru:%u "
                "lru_seconds_idle:%lld",
                static_cast<const void*>(v), std::string(EncodingName(*v)).c_str(), serialized,
                v->access_time() & ((1u << 24) - 1), static_cast<long long>(idle));
  ctx.reply.SimpleString(line);
}

// POPULATE count [prefix] [size]: string keys prefix:N = "value:N" (cut or zero-padded to size),
// skipping names that exist. Not propagated, as in Redis.
void DebugPopulate(CommandContext& ctx, Args args) {
  // Redis reads both numbers as positive longs: anything else is "out of range".
  constexpr std::string_view kNotPositive = "ERR value is out of range, must be positive";
  int64_t count, size = 0;
  if (!protocol::ParseInt64(args[2], &count) || count < 0) return ctx.reply.Error(kNotPositive);
  if (args.size() == 5 && (!protocol::ParseInt64(args[4], &size) || size < 0)) {
    return ctx.reply.Error(kNotPositive);
  }
  const std::string prefix = args.size() >= 4 ? std::string(args[3]) : "key";
  for (int64_t j = 0; j < count; ++j) {
    const std::string key = prefix + ":" + std::to_string(j);
    if (ctx.keyspace.Peek(ctx.db(), key) != nullptr) continue;
    std::string value = "value:" + std::to_string(j);
    if (size > 0) value.resize(static_cast<size_t>(size), '\0');
    ctx.keyspace.Store(ctx.db(), key, core::Value(std::move(value)));
  }
  ctx.reply.Ok();
}

// PROTOCOL <type>: Redis's fixed test replies of every RESP type.
void DebugProtocol(CommandContext& ctx, Args args) {
  auto& r = ctx.reply;
  const bool resp3 = r.resp() >= 3;
  const std::string_view name = args[2];
  auto boolean = [&](bool b) { resp3 ? r.Raw(b ? "#t\r\n" : "#f\r\n") : r.Integer(b ? 1 : 0); };
  if (IsOption(name, "string")) {
    r.Bulk("Hello World");
  } else if (IsOption(name, "integer")) {
    r.Integer(12345);
  } else if (IsOption(name, "double")) {
    r.Double(3.141);
  } else if (IsOption(name, "bignum")) {
    constexpr std::string_view kBig = "1234567999999999999999999999999999999";
    resp3 ? r.Raw("(" + std::string(kBig) + "\r\n") : r.Bulk(kBig);
  } else if (IsOption(name, "null")) {
    r.NullBulk();
  } else if (IsOption(name, "array")) {
    r.ArrayHeader(3);
    for (int j = 0; j < 3; ++j) r.Integer(j);
  } else if (IsOption(name, "set")) {
    r.SetHeader(3);
    for (int j = 0; j < 3; ++j) r.Integer(j);
  } else if (IsOption(name, "map")) {
    r.MapHeader(3);
    for (int j = 0; j < 3; ++j) {
      r.Integer(j);
      boolean(j == 1);
    }
  } else if (IsOption(name, "attrib")) {
    // An attribute is not a reply of its own: a real one follows it.
    if (resp3) r.Raw("|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n");
    r.Bulk("Some real reply following the attribute");
  } else if (IsOption(name, "push")) {
    if (!resp3) return r.Error("ERR RESP2 is not supported by this command");
    r.PushHeader(2);
    r.Bulk("server-cpu-usage");
    r.Integer(42);
    r.Bulk("Some real reply following the push reply");
  } else if (IsOption(name, "true")) {
    boolean(true);
  } else if (IsOption(name, "false")) {
    boolean(false);
  } else if (IsOption(name, "verbatim")) {
    r.Verbatim("This is a verbatim\nstring");
  } else {
    r.Error(
        "ERR Wrong protocol type name. Please use one of the following: "
        "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
  }
}

void DebugCommand(CommandContext& ctx, Args args) {
  const std::string_view sub = args[1];
  const size_t n = args.size();
  if (IsOption(sub, "help") && n == 2) return DebugHelp(ctx);
  if (IsOption(sub, "sleep") && n == 3) return DebugSleep(ctx, args);
  if (IsOption(sub, "reload")) return DebugReload(ctx, args);
  if (IsOption(sub, "loadaof")) return DebugLoadAof(ctx);
  if (IsOption(sub, "set-active-expire") && n == 3) {
    ctx.server.control->set_active_expire(std::atoi(std::string(args[2]).c_str()) != 0);
    return ctx.reply.Ok();
  }
  if (IsOption(sub, "set-disable-deny-scripts") && n == 3 && ctx.server.scripting) {
    ctx.server.scripting->set_deny_script_commands(std::atoi(std::string(args[2]).c_str()) == 0);
    return ctx.reply.Ok();
  }
  if (IsOption(sub, "digest") && n == 2) return DebugDigest(ctx);
  if (IsOption(sub, "digest-value")) return DebugDigestValue(ctx, args);
  if (IsOption(sub, "object") && n == 3) return DebugObject(ctx, args);
  if (IsOption(sub, "populate") && n >= 3 && n <= 5) return DebugPopulate(ctx, args);
  if (IsOption(sub, "protocol") && n == 3) return DebugProtocol(ctx, args);
  if (IsOption(sub, "log") && n == 3) {
    core::Log(core::LogLevel::kWarning, "DEBUG LOG: %s", std::string(args[2]));
    return ctx.reply.Ok();
  }
  if (IsOption(sub, "error") && n == 3) return ctx.reply.Error(args[2]);
  ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" + std::string(sub) +
                  "'. Try DEBUG HELP.");
}

}  // namespace

void RegisterDebugFamily(CommandTable& table) {
  table.Add(
      {"debug", -2, kAdmin | kNoScript | kLoading | kStale | kProtected, 0, 0, 0, DebugCommand});
}

}  // namespace bazaar::engine::commands
