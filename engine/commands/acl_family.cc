// ACL CAT / DELUSER / DRYRUN / GENPASS / GETUSER / HELP / LIST / LOAD / LOG / SAVE / SETUSER /
// USERS / WHOAMI, for a server whose one user is `default` (its password is requirepass): every
// answer is the one Redis 7.0 gives with only that user, and SETUSER, which would make another,
// is refused in so many words. ACL users of our own are issue 20's next step.
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "engine/commands/acl_categories.h"
#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/dispatcher.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/commands/status_reply.h"

namespace bazaar::engine::commands {
namespace {

constexpr char kDefaultUser[] = "default";
constexpr char kNoAclFileError[] =
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify users "
    "via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis "
    "configuration file set) in order to store users in the Redis configuration.";

std::string Sha256Hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), size));
}

// The default user's password hashes: requirepass's, or none (nopass).
std::vector<std::string> PasswordHashes(const CommandContext& ctx) {
  const std::string& pass = ctx.server.options.requirepass;
  if (pass.empty()) return {};
  return {Sha256Hex(pass)};
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
    if (args[i] == kDefaultUser) return ctx.reply.Error("ERR The 'default' user cannot be removed");
  }
  ctx.reply.Integer(0);  // no other user exists
}

void AclDryRunCommand(CommandContext& ctx, Args args) {
  if (args[2] != kDefaultUser) {
    return ctx.reply.Error("ERR User '" + std::string(args[2]) + "' not found");
  }
  // The command as the dispatcher would find it (a container's subcommand, when named).
  const Args command = args.subspan(3);
  std::string ignored;
  const CommandSpec* spec = ctx.dispatcher.Resolve(command, &ignored);
  if (spec == nullptr) {
    return ctx.reply.Error("ERR Command '" + std::string(args[3]) + "' not found");
  }
  if (!spec->ArityAccepts(command.size())) return ctx.reply.Error(WrongArityError(spec->name));
  ctx.reply.Ok();  // the default user may run every command on every key
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

void AclGetUserCommand(CommandContext& ctx, Args args) {
  if (args[2] != kDefaultUser) return ctx.reply.NullBulk();
  const std::vector<std::string> hashes = PasswordHashes(ctx);
  ctx.reply.MapHeader(6);
  ctx.reply.Bulk("flags");
  ctx.reply.SetHeader(hashes.empty() ? 2 : 1);
  ctx.reply.Bulk("on");
  if (hashes.empty()) ctx.reply.Bulk("nopass");
  ctx.reply.Bulk("passwords");
  ctx.reply.ArrayHeader(hashes.size());
  for (const auto& h : hashes) ctx.reply.Bulk(h);
  ctx.reply.Bulk("commands");
  ctx.reply.Bulk("+@all");
  ctx.reply.Bulk("keys");
  ctx.reply.Bulk("~*");
  ctx.reply.Bulk("channels");
  ctx.reply.Bulk("&*");
  ctx.reply.Bulk("selectors");
  ctx.reply.ArrayHeader(0);
}

void AclListCommand(CommandContext& ctx, Args) {
  const std::vector<std::string> hashes = PasswordHashes(ctx);
  std::string line = "user default on";
  if (hashes.empty()) absl::StrAppend(&line, " nopass");
  for (const auto& h : hashes) absl::StrAppend(&line, " #", h);
  absl::StrAppend(&line, " ~* &* +@all");
  ctx.reply.ArrayHeader(1);
  ctx.reply.Bulk(line);
}

void AclNoFileCommand(CommandContext& ctx, Args) { ctx.reply.Error(kNoAclFileError); }

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

void AclSetUserCommand(CommandContext& ctx, Args) {
  ctx.reply.Error(
      "ERR ACL SETUSER is not supported by bazaar-engine yet: its one user is 'default', whose "
      "password is requirepass");
}

void AclUsersCommand(CommandContext& ctx, Args) {
  ctx.reply.ArrayHeader(1);
  ctx.reply.Bulk(kDefaultUser);
}

void AclWhoAmICommand(CommandContext& ctx, Args) { ctx.reply.Bulk(kDefaultUser); }

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
  table.AddSubcommand(acl, {"load", 2, kAdminFlags, 0, 0, 0, AclNoFileCommand});
  table.AddSubcommand(acl, {"log", -2, kAdminFlags, 0, 0, 0, AclLogCommand});
  table.AddSubcommand(acl, {"save", 2, kAdminFlags, 0, 0, 0, AclNoFileCommand});
  table.AddSubcommand(acl, {"setuser", -3, kAdminFlags, 0, 0, 0, AclSetUserCommand});
  table.AddSubcommand(acl, {"users", 2, kAdminFlags, 0, 0, 0, AclUsersCommand});
  table.AddSubcommand(acl, {"whoami", 2, kFlags, 0, 0, 0, AclWhoAmICommand});
}

}  // namespace bazaar::engine::commands
