// CLIENT ID / SETNAME / GETNAME / LIST / KILL / INFO.
#include "absl/strings/str_format.h"
#include "engine/commands/arg_util.h"
#include "engine/commands/client_line.h"
#include "engine/commands/command_context.h"
#include "engine/commands/dispatcher.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/commands/status_reply.h"

namespace bazaar::engine::commands {
namespace {

void ClientReplyCommand(CommandContext& ctx, Args args) {
  ClientState& c = ctx.client;
  if (IsOption(args[2], "on")) {
    c.reply_off = c.reply_skip = c.reply_skip_next = false;
    ctx.reply.set_muted(false);
    return ctx.reply.Ok();
  }
  if (IsOption(args[2], "off")) {
    c.reply_off = true;
    return ctx.reply.set_muted(true);
  }
  if (IsOption(args[2], "skip")) {
    if (!c.reply_off) c.reply_skip_next = true;
    return ctx.reply.set_muted(true);  // no reply of its own
  }
  ctx.reply.Error(kSyntaxError);
}

void ClientIdCommand(CommandContext& ctx, Args) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.client.id));
}

void ClientSetNameCommand(CommandContext& ctx, Args args) {
  for (char c : args[2]) {
    if (c < '!' || c > '~') {
      return ctx.reply.Error(
          "ERR Client names cannot contain spaces, newlines or special characters.");
    }
  }
  ctx.client.name = std::string(args[2]);
  ctx.reply.Ok();
}

void ClientGetNameCommand(CommandContext& ctx, Args) {
  ctx.client.name.empty() ? ctx.reply.NullBulk() : ctx.reply.Bulk(ctx.client.name);
}

void ClientInfoCommand(CommandContext& ctx, Args) {
  std::string line;
  ctx.server.clients->ForEachClient([&](const ClientState& c) {
    if (c.id == ctx.client.id) line = ClientLine(c, ctx.keyspace.now_ms()) + "\n";
  });
  ctx.reply.Verbatim(line);
}

bool KnownClientType(std::string_view type) {
  return IsOption(type, "normal") || IsOption(type, "master") || IsOption(type, "replica") ||
         IsOption(type, "slave") || IsOption(type, "pubsub");
}

// Whether `c` is of the CLIENT LIST / KILL type named `type` (already known to be valid).
bool HasClientType(const ClientState& c, std::string_view type) {
  if (IsOption(type, "master")) return c.is_master;
  if (IsOption(type, "replica") || IsOption(type, "slave")) return c.is_replica;
  if (IsOption(type, "pubsub")) return !c.is_master && !c.is_replica && c.subscribed();
  return !c.is_master && !c.is_replica && !c.subscribed();  // normal
}

void ClientListCommand(CommandContext& ctx, Args args) {
  std::vector<uint64_t> ids;
  std::string_view type;
  if (args.size() == 4 && IsOption(args[2], "type")) {
    if (!KnownClientType(args[3])) {
      return ctx.reply.Error("ERR Unknown client type '" + std::string(args[3]) + "'");
    }
    type = args[3];
  } else if (args.size() > 3 && IsOption(args[2], "id")) {
    for (size_t i = 3; i < args.size(); ++i) {
      int64_t id;
      if (!protocol::ParseInt64(args[i], &id) || id <= 0) {
        return ctx.reply.Error("ERR Invalid client ID");
      }
      ids.push_back(static_cast<uint64_t>(id));
    }
  } else if (args.size() != 2) {
    return ctx.reply.Error(kSyntaxError);
  }
  std::string out;
  ctx.server.clients->ForEachClient([&](const ClientState& c) {
    if (!type.empty() && !HasClientType(c, type)) return;
    if (!ids.empty() && std::find(ids.begin(), ids.end(), c.id) == ids.end()) return;
    out += ClientLine(c, ctx.keyspace.now_ms());
    out.push_back('\n');
  });
  ctx.reply.Verbatim(out);
}

void ClientKillCommand(CommandContext& ctx, Args args) {
  if (args.size() == 3) {  // old form: CLIENT KILL ip:port
    std::string addr(args[2]);
    int killed =
        ctx.server.clients->KillClients([&](const ClientState& c) { return c.addr == addr; });
    return killed ? ctx.reply.Ok() : ctx.reply.Error("ERR No such client");
  }
  if (args.size() % 2 != 0) return ctx.reply.Error(kSyntaxError);
  int64_t id = 0;
  std::string addr, laddr, type;
  std::shared_ptr<acl::User> user;
  bool skipme = true;
  for (size_t i = 2; i < args.size(); i += 2) {
    std::string_view opt = args[i], val = args[i + 1];
    if (IsOption(opt, "id")) {
      if (!protocol::ParseInt64(val, &id) || id <= 0) {
        return ctx.reply.Error("ERR client-id should be greater than 0");
      }
    } else if (IsOption(opt, "addr")) {
      addr = std::string(val);
    } else if (IsOption(opt, "laddr")) {
      laddr = std::string(val);
    } else if (IsOption(opt, "type")) {
      if (!KnownClientType(val)) {
        return ctx.reply.Error("ERR Unknown client type '" + std::string(val) + "'");
      }
      type = std::string(val);
    } else if (IsOption(opt, "skipme")) {
      if (IsOption(val, "yes"))
        skipme = true;
      else if (IsOption(val, "no"))
        skipme = false;
      else
        return ctx.reply.Error(kSyntaxError);
    } else if (IsOption(opt, "user")) {
      user = ctx.dispatcher.users().Find(val);
      if (!user) return ctx.reply.Error("ERR No such user '" + std::string(val) + "'");
    } else {
      return ctx.reply.Error(kSyntaxError);
    }
  }
  const uint64_t self = ctx.client.id;
  int killed = ctx.server.clients->KillClients([&](const ClientState& c) {
    if (id && c.id != static_cast<uint64_t>(id)) return false;
    if (!addr.empty() && c.addr != addr) return false;
    if (!laddr.empty() && c.laddr != laddr) return false;
    if (!type.empty() && !HasClientType(c, type)) return false;
    if (user && c.user != user) return false;
    if (skipme && c.id == self) return false;
    return true;
  });
  ctx.reply.Integer(killed);
}

// CLIENT PAUSE timeout [WRITE|ALL]
void ClientPauseCommand(CommandContext& ctx, Args args) {
  if (args.size() > 4) {
    return ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                           std::string(args[1]) + "'. Try CLIENT HELP.");
  }
  int64_t timeout;
  if (!IntArgOrReply(ctx.reply, args[2], &timeout, "ERR timeout is not an integer or out of range")) {
    return;
  }
  if (timeout < 0) return ctx.reply.Error("ERR timeout is negative");
  bool all = true;
  if (args.size() == 4) {
    if (IsOption(args[3], "write")) {
      all = false;
    } else if (!IsOption(args[3], "all")) {
      return ctx.reply.Error("ERR CLIENT PAUSE mode must be WRITE or ALL");
    }
  }
  ctx.server.control->PauseClients(ctx.keyspace.now_ms() + timeout, all);
  ctx.reply.Ok();
}

void ClientUnpauseCommand(CommandContext& ctx, Args) {
  ctx.server.control->UnpauseClients();
  ctx.reply.Ok();
}

void ClientNoEvictCommand(CommandContext& ctx, Args args) {
  if (IsOption(args[2], "on")) {
    ctx.client.no_evict = true;
  } else if (IsOption(args[2], "off")) {
    ctx.client.no_evict = false;
  } else {
    return ctx.reply.Error(kSyntaxError);
  }
  ctx.reply.Ok();
}

void ClientUnblockCommand(CommandContext& ctx, Args args) {
  bool with_error = false;
  if (args.size() == 4) {
    if (IsOption(args[3], "error")) {
      with_error = true;
    } else if (!IsOption(args[3], "timeout")) {
      return ctx.reply.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
    }
  } else if (args.size() != 3) {
    return ctx.reply.Error(WrongArityError("client|unblock"));
  }
  int64_t id;
  if (!IntArgOrReply(ctx.reply, args[2], &id)) return;
  ctx.reply.Integer(id > 0 &&
                    ctx.server.blocking->UnblockClient(static_cast<uint64_t>(id), with_error));
}

void ClientHelpCommand(CommandContext& ctx, Args) {
  ReplyHelp(ctx.reply,
            {
                "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "GETNAME",
                "    Return the name of the current connection.",
                "ID",
                "    Return the ID of the current connection.",
                "INFO",
                "    Return information about the current client connection.",
                "KILL <ip:port>",
                "    Kill connection made from <ip:port>.",
                "KILL <option> <value> [<option> <value> [...]]",
                "    Kill connections. Options are: ID, ADDR, LADDR, TYPE, USER, SKIPME.",
                "LIST [options ...]",
                "    Return information about client connections. Options: TYPE, ID.",
                "REPLY (ON|OFF|SKIP)",
                "    Control the replies sent to the current connection.",
                "SETNAME <name>",
                "    Assign the name <name> to the current connection.",
                "UNBLOCK <clientid> [TIMEOUT|ERROR]",
                "    Unblock the specified blocked client.",
            });
}

}  // namespace

void RegisterClientFamily(CommandTable& table) {
  const uint32_t kConn = kNoScript | kLoading | kStale;
  CommandSpec* client = table.Add({"client", -2, 0, 0, 0, 0, nullptr});
  table.AddSubcommand(client, {"id", 2, kConn, 0, 0, 0, ClientIdCommand});
  table.AddSubcommand(client, {"reply", 3, kConn, 0, 0, 0, ClientReplyCommand});
  table.AddSubcommand(client, {"setname", 3, kConn, 0, 0, 0, ClientSetNameCommand});
  table.AddSubcommand(client, {"getname", 2, kConn, 0, 0, 0, ClientGetNameCommand});
  table.AddSubcommand(client, {"info", 2, kConn, 0, 0, 0, ClientInfoCommand});
  table.AddSubcommand(client, {"list", -2, kConn | kAdmin, 0, 0, 0, ClientListCommand});
  table.AddSubcommand(client, {"kill", -3, kConn | kAdmin, 0, 0, 0, ClientKillCommand});
  table.AddSubcommand(client, {"help", 2, kLoading | kStale, 0, 0, 0, ClientHelpCommand});
  table.AddSubcommand(client, {"unblock", -3, kConn | kAdmin, 0, 0, 0, ClientUnblockCommand});
  table.AddSubcommand(client, {"pause", -3, kConn | kAdmin, 0, 0, 0, ClientPauseCommand});
  table.AddSubcommand(client, {"unpause", 2, kConn | kAdmin, 0, 0, 0, ClientUnpauseCommand});
  table.AddSubcommand(client, {"no-evict", 3, kConn | kAdmin, 0, 0, 0, ClientNoEvictCommand});
}

}  // namespace bazaar::engine::commands
