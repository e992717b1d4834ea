// Connection commands: PING ECHO AUTH HELLO QUIT RESET.
#include "engine/commands/arg_util.h"
#include "engine/commands/client_line.h"
#include "engine/commands/command_context.h"
#include "engine/commands/dispatcher.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/commands/status_reply.h"

namespace bazaar::engine::commands {
namespace {

void PingCommand(CommandContext& ctx, Args args) {
  if (args.size() > 2) {
    return ctx.reply.Error(WrongArityError("ping"));
  }
  // A RESP2 client in the subscribed context gets a pong it can tell from messages.
  if (ctx.client.subscribed() && ctx.client.resp == 2) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk("pong");
    return ctx.reply.Bulk(args.size() == 2 ? args[1] : "");
  }
  if (args.size() == 2) return ctx.reply.Bulk(args[1]);
  ctx.reply.SimpleString("PONG");
}

void EchoCommand(CommandContext& ctx, Args args) { ctx.reply.Bulk(args[1]); }

// Logs the client in as `name` if that user exists, is on and takes the password.
bool LogIn(CommandContext& ctx, std::string_view name, std::string_view pass) {
  std::shared_ptr<acl::User> user = ctx.dispatcher.users().Find(name);
  if (!user || !user->Accepts(pass)) return false;
  ctx.client.user = std::move(user);
  ctx.client.authenticated = true;
  return true;
}

// WRONGPASS, and the failure in the ACL log (ACL LOG shows who tried, from where).
void RefuseCredentials(CommandContext& ctx, Args args, std::string_view user) {
  const int64_t now = ctx.keyspace.now_ms();
  // The object is the command's name as the client sent it (Redis logs argv[0]).
  ctx.dispatcher.acl_log().Add(
      {1, "auth", ctx.client.tx.in_multi ? "multi" : "toplevel", std::string(args[0]),
       std::string(user), now, ClientLine(ctx.client, now)},
      ctx.server.options.acllog_max_len);
  ctx.reply.Error(kWrongPassError);
}

void AuthCommand(CommandContext& ctx, Args args) {
  if (args.size() > 3) return ctx.reply.Error(kSyntaxError);
  std::string_view user = "default", pass = args[1];
  if (args.size() == 2) {
    if (ctx.dispatcher.users().default_user()->nopass()) {
      return ctx.reply.Error(kAuthNotConfiguredError);
    }
  } else {
    user = args[1];
    pass = args[2];
  }
  if (!LogIn(ctx, user, pass)) return RefuseCredentials(ctx, args, user);
  ctx.reply.Ok();
}

bool ValidClientName(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

void HelloCommand(CommandContext& ctx, Args args) {
  int64_t version = 0;
  size_t next = 1;
  if (args.size() >= 2) {
    if (!IntArgOrReply(ctx.reply, args[next++], &version,
                       "ERR Protocol version is not an integer or out of range")) {
      return;
    }
    if (version < 2 || version > 3) {
      return ctx.reply.Error("NOPROTO unsupported protocol version");
    }
  }
  std::string_view user, pass, name;
  bool has_auth = false, has_name = false;
  for (size_t j = next; j < args.size(); ++j) {
    size_t more = args.size() - 1 - j;
    if (IsOption(args[j], "auth") && more >= 2) {
      user = args[j + 1];
      pass = args[j + 2];
      has_auth = true;
      j += 2;
    } else if (IsOption(args[j], "setname") && more >= 1) {
      name = args[j + 1];
      has_name = true;
      ++j;
    } else {
      return ctx.reply.Error("ERR Syntax error in HELLO option '" + std::string(args[j]) + "'");
    }
  }
  if (has_auth && !LogIn(ctx, user, pass)) return RefuseCredentials(ctx, args, user);
  if (!ctx.client.authenticated) {
    return ctx.reply.Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        "HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and "
        "select the RESP protocol version at the same time");
  }
  if (has_name) {
    if (!ValidClientName(name)) {
      return ctx.reply.Error(
          "ERR Client names cannot contain spaces, newlines or special characters.");
    }
    ctx.client.name = std::string(name);
  }
  if (version) {
    ctx.client.resp = static_cast<int>(version);
    ctx.reply.set_resp(ctx.client.resp);
  }
  ctx.reply.MapHeader(7);
  ctx.reply.Bulk("server");
  ctx.reply.Bulk("redis");
  ctx.reply.Bulk("version");
  ctx.reply.Bulk("7.0.15");
  ctx.reply.Bulk("proto");
  ctx.reply.Integer(ctx.client.resp);
  ctx.reply.Bulk("id");
  ctx.reply.Integer(static_cast<int64_t>(ctx.client.id));
  ctx.reply.Bulk("mode");
  ctx.reply.Bulk("standalone");
  ctx.reply.Bulk("role");
  ctx.reply.Bulk("master");
  ctx.reply.Bulk("modules");
  ctx.reply.ArrayHeader(0);
}

void QuitCommand(CommandContext& ctx, Args) {
  ctx.client.close_after_reply = true;
  ctx.reply.Ok();
}

void ResetCommand(CommandContext& ctx, Args) {
  if (PubSubControl* pubsub = ctx.server.pubsub) {
    for (auto kind : {pubsub::Kind::kChannel, pubsub::Kind::kPattern, pubsub::Kind::kShard}) {
      for (const std::string& name : pubsub->SubscriptionsOf(ctx.client, kind)) {
        pubsub->Unsubscribe(ctx.client, kind, name);
      }
    }
  }
  if (ctx.server.tracking) ctx.server.tracking->DisableTracking(ctx.client);
  ctx.client.tx.EndMulti();
  ctx.watches.UnwatchAll(&ctx.client.tx);
  ctx.client.db = 0;
  ctx.client.resp = 2;
  ctx.reply.set_resp(2);
  ctx.client.name.clear();
  // Back to the default user, logged in only if it needs no password (Redis's
  // clientSetDefaultAuth).
  ctx.client.user = ctx.dispatcher.users().default_user();
  ctx.client.authenticated = !ctx.dispatcher.AuthRequired();
  ctx.client.reply_off = ctx.client.reply_skip = ctx.client.reply_skip_next = false;
  ctx.client.is_monitor = false;
  ctx.reply.set_muted(false);
  ctx.reply.SimpleString("RESET");
}

}  // namespace

void RegisterConnectionFamily(CommandTable& table) {
  const uint32_t kConn = kNoScript | kLoading | kStale | kFast | kAllowBusy;
  table.Add({"ping", -1, kFast, 0, 0, 0, PingCommand});
  table.Add({"echo", 2, kLoading | kStale | kFast, 0, 0, 0, EchoCommand});
  table.Add({"auth", -2, kConn | kNoAuth, 0, 0, 0, AuthCommand});
  table.Add({"hello", -1, kConn | kNoAuth, 0, 0, 0, HelloCommand});
  table.Add({"quit", -1, kConn | kNoAuth, 0, 0, 0, QuitCommand});
  table.Add({"reset", 1, kConn | kNoAuth, 0, 0, 0, ResetCommand});
}

}  // namespace bazaar::engine::commands
