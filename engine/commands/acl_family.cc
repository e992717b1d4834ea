// ACL CAT / DELUSER / DRYRUN / GENPASS / GETUSER / HELP / LIST / LOAD / LOG / SAVE / SETUSER /
// USERS / WHOAMI over the dispatcher's ACL users (engine/acl), with Redis 7.0's replies and
// words. Deleting a user disconnects its clients, and a SETUSER that takes channels away
// disconnects the user's subscribers that no longer may listen, as Redis does.
#include <openssl/rand.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "engine/acl/users.h"
#include "engine/commands/acl_categories.h"
#include "engine/commands/acl_request.h"
#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/dispatcher.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/commands/status_reply.h"

namespace bazaar::engine::commands {
namespace {

constexpr char kNoAclFileError[] =
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify users "
    "via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis "
    "configuration file set) in order to store users in the Redis configuration.";

acl::Users& UsersOf(CommandContext& ctx) { return ctx.dispatcher.users(); }

// Disconnects the clients logged in as `user` (the one running this command after its reply).
void KillClientsOf(CommandContext& ctx, const acl::User* user) {
  if (ClientRegistry* clients = ctx.server.clients) {
    clients->KillClients([user](const ClientState& c) { return c.user.get() == user; });
  }
}

// After a SETUSER: the user's subscribers whose channels or patterns it may no longer listen to.
void KillRevokedSubscribers(CommandContext& ctx, const acl::User* user) {
  ClientRegistry* clients = ctx.server.clients;
  PubSubControl* pubsub = ctx.server.pubsub;
  if (!clients || !pubsub) return;
  clients->KillClients([&](const ClientState& c) {
    if (c.user.get() != user || !c.subscribed()) return false;
    for (auto kind : {pubsub::Kind::kChannel, pubsub::Kind::kPattern, pubsub::Kind::kShard}) {
      for (const std::string& name : pubsub->SubscriptionsOf(c, kind)) {
        if (!user->AllowsChannel(name, kind == pubsub::Kind::kPattern)) return true;
      }
    }
    return false;
  });
}

void AclCatCommand(CommandContext& ctx, Args args) {
  if (args.size() > 3) return ctx.reply.Error(WrongSubcommandArgs("ACL", args[1]));
  if (args.size() == 2) {
    std::vector<std::string_view> names = AclCategoryNames(~0u);
    ctx.reply.ArrayHeader(names.size());
    for (std::string_view n : names) ctx.reply.Bulk(n.substr(1));
    return;
  }
  uint32_t category = 0;
  for (std::string_view n : AclCategoryNames(~0u)) {
    if (IsOption(args[2], n.substr(1))) category = AclCategoryBit(n);
  }
  if (category == 0) {
    return ctx.reply.Error("ERR Unknown category '" + std::string(args[2]) + "'");
  }
  std::vector<std::string_view> names;
  ctx.dispatcher.table().ForEach([&](const CommandSpec& spec) {
    if (AclCategoriesOf(spec) & category) names.push_back(spec.name);
    for (const auto& sub : spec.subcommands) {
      if (AclCategoriesOf(*sub) & category) names.push_back(sub->name);
    }
  });
  ctx.reply.ArrayHeader(names.size());
  for (std::string_view n : names) ctx.reply.Bulk(n);
}

void AclDelUserCommand(CommandContext& ctx, Args args) {
  for (size_t i = 2; i < args.size(); ++i) {
    if (args[i] == "default") return ctx.reply.Error("ERR The 'default' user cannot be removed");
  }
  int64_t deleted = 0;
  for (size_t i = 2; i < args.size(); ++i) {
    std::shared_ptr<acl::User> user = UsersOf(ctx).Find(args[i]);
    if (!user || !UsersOf(ctx).Delete(args[i])) continue;
    KillClientsOf(ctx, user.get());
    ++deleted;
  }
  ctx.reply.Integer(deleted);
}

void AclDryRunCommand(CommandContext& ctx, Args args) {
  std::shared_ptr<acl::User> user = UsersOf(ctx).Find(args[2]);
  if (!user) return ctx.reply.Error("ERR User '" + std::string(args[2]) + "' not found");
  // The command as the dispatcher would find it (a container's subcommand, when named).
  const Args command = args.subspan(3);
  std::string ignored;
  const CommandSpec* spec = ctx.dispatcher.Resolve(command, &ignored);
  if (spec == nullptr) {
    return ctx.reply.Error("ERR Command '" + std::string(args[3]) + "' not found");
  }
  if (!spec->ArityAccepts(command.size())) return ctx.reply.Error(WrongArityError(spec->name));
  const acl::Verdict verdict = user->Check(AclRequestFor(*spec, command));
  switch (verdict.denial) {
    case acl::Denial::kNone:
      return ctx.reply.Ok();
    case acl::Denial::kCommand:
      return ctx.reply.Bulk("This user has no permissions to run the '" + spec->name + "' command");
    case acl::Denial::kKey:
      return ctx.reply.Bulk("This user has no permissions to access the '" +
                            std::string(command[verdict.arg]) + "' key");
    case acl::Denial::kChannel:
      return ctx.reply.Bulk("This user has no permissions to access the '" +
                            std::string(command[verdict.arg]) + "' channel");
  }
}

void AclGenPassCommand(CommandContext& ctx, Args args) {
  int64_t bits = 256;
  if (args.size() > 3) return ctx.reply.Error(WrongSubcommandArgs("ACL", args[1]));
  if (args.size() == 3) {
    if (!protocol::ParseInt64(args[2], &bits)) return ctx.reply.Error(kNotIntegerError);
    if (bits <= 0 || bits > 4096) {
      return ctx.reply.Error(
          "ERR ACL GENPASS argument must be the number of bits for the output password, a "
          "positive number up to 4096");
    }
  }
  const size_t chars = static_cast<size_t>((bits + 3) / 4);
  std::string raw((chars + 1) / 2, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size()));
  ctx.reply.Bulk(absl::BytesToHexString(raw).substr(0, chars));
}

// GETUSER's commands, keys and channels of one selector.
void ReplySelector(protocol::ReplyBuilder& reply, const acl::Selector& selector) {
  reply.Bulk("commands");
  reply.Bulk(selector.DescribeCommands());
  reply.Bulk("keys");
  reply.Bulk(selector.DescribeKeys());
  reply.Bulk("channels");
  reply.Bulk(selector.DescribeChannels());
}

void AclGetUserCommand(CommandContext& ctx, Args args) {
  std::shared_ptr<acl::User> user = UsersOf(ctx).Find(args[2]);
  if (!user) return ctx.reply.NullBulk();
  const std::vector<std::string> flags = user->FlagNames();
  ctx.reply.MapHeader(6);
  ctx.reply.Bulk("flags");
  ctx.reply.SetHeader(flags.size());
  for (const auto& f : flags) ctx.reply.Bulk(f);
  ctx.reply.Bulk("passwords");
  ctx.reply.ArrayHeader(user->password_hashes().size());
  for (const auto& h : user->password_hashes()) ctx.reply.Bulk(h);
  ReplySelector(ctx.reply, user->root());
  ctx.reply.Bulk("selectors");
  ctx.reply.ArrayHeader(user->selectors().size());
  for (const acl::Selector& s : user->selectors()) {
    ctx.reply.MapHeader(3);
    ReplySelector(ctx.reply, s);
  }
}

void AclListCommand(CommandContext& ctx, Args) {
  const auto users = UsersOf(ctx).All();
  ctx.reply.ArrayHeader(users.size());
  for (const auto& u : users) ctx.reply.Bulk("user " + u->name() + " " + u->Describe());
}

void AclLoadCommand(CommandContext& ctx, Args) {
  const std::string& path = ctx.server.options.aclfile;
  if (path.empty()) return ctx.reply.Error(kNoAclFileError);
  std::ifstream in(path);
  if (!in) {
    return ctx.reply.Error("ERR Error loading ACLs, opening file '" + path +
                           "': " + strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  // Every user but default is made anew: their clients are disconnected, as Redis does.
  const auto before = UsersOf(ctx).All();
  const std::string error = UsersOf(ctx).Load(path, text.str(), /*keep_default=*/false);
  if (!error.empty()) return ctx.reply.Error("ERR " + error);
  for (const auto& u : before) {
    if (u != UsersOf(ctx).default_user()) KillClientsOf(ctx, u.get());
  }
  ctx.reply.Ok();
}

void AclSaveCommand(CommandContext& ctx, Args) {
  const std::string& path = ctx.server.options.aclfile;
  if (path.empty()) return ctx.reply.Error(kNoAclFileError);
  // Written aside and renamed over, so a crash never leaves half a file.
  const std::string tmp = path + ".tmp-" + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << UsersOf(ctx).Serialize();
    out.flush();
    if (!out || std::rename(tmp.c_str(), path.c_str()) != 0) {
      std::remove(tmp.c_str());
      return ctx.reply.Error(
          "ERR There was an error trying to save the ACLs. Please check the server logs for more "
          "information");
    }
  }
  ctx.reply.Ok();
}

void AclLogCommand(CommandContext& ctx, Args args) {
  if (args.size() > 3) return ctx.reply.Error(WrongSubcommandArgs("ACL", args[1]));
  int64_t count = 10;
  if (args.size() == 3) {
    if (IsOption(args[2], "reset")) {
      ctx.dispatcher.acl_log().Reset();
      return ctx.reply.Ok();
    }
    if (!protocol::ParseInt64(args[2], &count)) return ctx.reply.Error(kNotIntegerError);
    count = std::max<int64_t>(count, 0);
  }
  const auto& entries = ctx.dispatcher.acl_log().entries();
  const size_t n = std::min<size_t>(static_cast<size_t>(count), entries.size());
  const int64_t now = ctx.keyspace.now_ms();
  ctx.reply.ArrayHeader(n);
  for (size_t i = 0; i < n; ++i) {
    const core::AclLogEntry& e = entries[i];
    ctx.reply.MapHeader(7);
    ctx.reply.Bulk("count");
    ctx.reply.Integer(e.count);
    ctx.reply.Bulk("reason");
    ctx.reply.Bulk(e.reason);
    ctx.reply.Bulk("context");
    ctx.reply.Bulk(e.context);
    ctx.reply.Bulk("object");
    ctx.reply.Bulk(e.object);
    ctx.reply.Bulk("username");
    ctx.reply.Bulk(e.username);
    ctx.reply.Bulk("age-seconds");
    ctx.reply.Double(static_cast<double>(now - e.time_ms) / 1000.0);
    ctx.reply.Bulk("client-info");
    ctx.reply.Bulk(e.client_info);
  }
}

void AclSetUserCommand(CommandContext& ctx, Args args) {
  const std::string_view name = args[2];
  if (!acl::ValidUserName(name)) {
    return ctx.reply.Error("ERR Usernames can't contain spaces or null characters");
  }
  const std::vector<std::string_view> rules(args.begin() + 3, args.end());
  const std::string error = UsersOf(ctx).SetUser(name, rules);
  if (!error.empty()) return ctx.reply.Error(error);
  KillRevokedSubscribers(ctx, UsersOf(ctx).Find(name).get());
  ctx.reply.Ok();
}

void AclUsersCommand(CommandContext& ctx, Args) {
  const auto users = UsersOf(ctx).All();
  ctx.reply.ArrayHeader(users.size());
  for (const auto& u : users) ctx.reply.Bulk(u->name());
}

void AclWhoAmICommand(CommandContext& ctx, Args) {
  ctx.reply.Bulk(ctx.client.user ? ctx.client.user->name() : "default");
}

void AclHelpCommand(CommandContext& ctx, Args) {
  ReplyHelp(ctx.reply,
            {
                "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "CAT [<category>]",
                "    List all commands that belong to <category>, or all command categories",
                "    when no category is specified.",
                "DELUSER <username> [<username> ...]",
                "    Delete a list of users.",
                "DRYRUN <username> <command> [<arg> ...]",
                "    Returns whether the user can execute the given command without executing "
                "the command.",
                "GETUSER <username>",
                "    Get the user's details.",
                "GENPASS [<bits>]",
                "    Generate a secure 256-bit user password. The optional `bits` argument can",
                "    be used to specify a different size.",
                "LIST",
                "    Show users details in config file format.",
                "LOAD",
                "    Reload users from the ACL file.",
                "LOG [<count> | RESET]",
                "    Show the ACL log entries.",
                "SAVE",
                "    Save the current config to the ACL file.",
                "SETUSER <username> <attribute> [<attribute> ...]",
                "    Create or modify a user with the specified attributes.",
                "USERS",
                "    List all the registered usernames.",
                "WHOAMI",
                "    Return the current connection username.",
            });
}

}  // namespace

void RegisterAclFamily(CommandTable& table) {
  const uint32_t kAdminFlags = kAdmin | kNoScript | kLoading | kStale;
  const uint32_t kFlags = kNoScript | kLoading | kStale;
  CommandSpec* acl = table.Add({"acl", -2, 0, 0, 0, 0, nullptr});
  table.AddSubcommand(acl, {"cat", -2, kFlags, 0, 0, 0, AclCatCommand});
  table.AddSubcommand(acl, {"deluser", -3, kAdminFlags, 0, 0, 0, AclDelUserCommand});
  table.AddSubcommand(acl, {"dryrun", -4, kAdminFlags, 0, 0, 0, AclDryRunCommand});
  table.AddSubcommand(acl, {"genpass", -2, kFlags, 0, 0, 0, AclGenPassCommand});
  table.AddSubcommand(acl, {"getuser", 3, kAdminFlags, 0, 0, 0, AclGetUserCommand});
  table.AddSubcommand(acl, {"help", 2, kLoading | kStale, 0, 0, 0, AclHelpCommand});
  table.AddSubcommand(acl, {"list", 2, kAdminFlags, 0, 0, 0, AclListCommand});
  table.AddSubcommand(acl, {"load", 2, kAdminFlags, 0, 0, 0, AclLoadCommand});
  table.AddSubcommand(acl, {"log", -2, kAdminFlags, 0, 0, 0, AclLogCommand});
  table.AddSubcommand(acl, {"save", 2, kAdminFlags, 0, 0, 0, AclSaveCommand});
  table.AddSubcommand(acl, {"setuser", -3, kAdminFlags, 0, 0, 0, AclSetUserCommand});
  table.AddSubcommand(acl, {"users", 2, kAdminFlags, 0, 0, 0, AclUsersCommand});
  table.AddSubcommand(acl, {"whoami", 2, kFlags, 0, 0, 0, AclWhoAmICommand});
}

}  // namespace bazaar::engine::commands
