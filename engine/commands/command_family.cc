// COMMAND, COMMAND COUNT / INFO / LIST [FILTERBY] / DOCS / GETKEYS: what clients and tools
// learn about our table. DOCS is minimal (names with empty documentation), enough for
// redis-cli to start.
#include <cstdlib>
#include <functional>

#include "engine/commands/acl_categories.h"
#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/command_keys.h"
#include "engine/commands/dispatcher.h"
#include "engine/commands/families.h"
#include "engine/core/glob.h"

namespace bazaar::engine::commands {
namespace {

// In Redis's order; like Redis, COMMAND does not show may_replicate or protected.
std::vector<std::string_view> FlagNames(uint32_t flags) {
  static constexpr std::pair<uint32_t, std::string_view> kNames[] = {
      {kWrite, "write"},
      {kReadOnly, "readonly"},
      {kDenyOom, "denyoom"},
      {kAdmin, "admin"},
      {kPubSubFlag, "pubsub"},
      {kNoScript, "noscript"},
      {kBlocking, "blocking"},
      {kLoading, "loading"},
      {kStale, "stale"},
      {kSkipMonitor, "skip_monitor"},
      {kSkipSlowlog, "skip_slowlog"},
      {kAsking, "asking"},
      {kFast, "fast"},
      {kNoAuth, "no_auth"},
      {kNoMandatoryKeys, "no_mandatory_keys"},
      {kNoAsyncLoading, "no_async_loading"},
      {kNoMulti, "no_multi"},
      {kMovableKeys, "movablekeys"},
      {kAllowBusy, "allow_busy"},
  };
  std::vector<std::string_view> names;
  for (const auto& [flag, name] : kNames) {
    if (flags & flag) names.push_back(name);
  }
  return names;
}

std::vector<std::string_view> Categories(const CommandSpec& spec) {
  return AclCategoryNames(AclCategoriesOf(spec));
}

void ReplyCommandInfo(CommandContext& ctx, const CommandSpec& spec) {
  ctx.reply.ArrayHeader(10);
  ctx.reply.Bulk(spec.name);
  ctx.reply.Integer(spec.arity);
  auto flags = FlagNames(spec.flags);
  ctx.reply.SetHeader(flags.size());
  for (auto f : flags) ctx.reply.SimpleString(f);
  ctx.reply.Integer(spec.first_key);
  ctx.reply.Integer(spec.last_key);
  ctx.reply.Integer(spec.key_step);
  std::vector<std::string_view> categories = Categories(spec);
  ctx.reply.SetHeader(categories.size());
  for (auto c : categories) ctx.reply.SimpleString(c);
  ctx.reply.ArrayHeader(0);  // tips
  ctx.reply.ArrayHeader(0);  // key specifications
  ctx.reply.ArrayHeader(spec.subcommands.size());
  for (const auto& sub : spec.subcommands) ReplyCommandInfo(ctx, *sub);
}

void CommandCommand(CommandContext& ctx, Args) {
  CommandTable& table = ctx.dispatcher.table();
  ctx.reply.ArrayHeader(table.size());
  table.ForEach([&](const CommandSpec& spec) { ReplyCommandInfo(ctx, spec); });
}

void CommandCountCommand(CommandContext& ctx, Args) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.dispatcher.table().size()));
}

// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN glob]: every command and
// subcommand that passes the filter (we have no modules).
void CommandListCommand(CommandContext& ctx, Args args) {
  std::function<bool(const CommandSpec&)> keep = [](const CommandSpec&) { return true; };
  if (args.size() == 5 && IsOption(args[2], "filterby")) {
    std::string value(args[4]);
    if (IsOption(args[3], "module")) {
      keep = [](const CommandSpec&) { return false; };
    } else if (IsOption(args[3], "aclcat")) {
      keep = [value](const CommandSpec& spec) {
        for (std::string_view c : Categories(spec)) {
          if (IsOption(value, c.substr(1))) return true;  // categories are lowercase
        }
        return false;
      };
    } else if (IsOption(args[3], "pattern")) {
      keep = [value](const CommandSpec& spec) { return core::GlobMatch(value, spec.name, true); };
    } else {
      return ctx.reply.Error(kSyntaxError);
    }
  } else if (args.size() != 2) {
    return ctx.reply.Error(kSyntaxError);
  }
  std::vector<std::string_view> names;
  ctx.dispatcher.table().ForEach([&](const CommandSpec& spec) {
    if (keep(spec)) names.push_back(spec.name);
    for (const auto& sub : spec.subcommands) {
      if (keep(*sub)) names.push_back(sub->name);
    }
  });
  ctx.reply.ArrayHeader(names.size());
  for (std::string_view name : names) ctx.reply.Bulk(name);
}

// COMMAND GETKEYS command arg...: the key arguments, checked in Redis's order.
void CommandGetKeysCommand(CommandContext& ctx, Args args) {
  Args command = args.subspan(2);
  std::string ignored;
  const CommandSpec* spec = ctx.dispatcher.table().Find(command[0]);
  if (spec && spec->is_container() && command.size() >= 2) {
    spec = const_cast<CommandSpec*>(spec)->FindSubcommand(command[1]);
  }
  if (!spec) return ctx.reply.Error("ERR Invalid command specified");
  if (!HasKeys(*spec)) return ctx.reply.Error("ERR The command has no key arguments");
  if (!spec->ArityAccepts(command.size())) {
    return ctx.reply.Error("ERR Invalid number of arguments specified for command");
  }
  auto keys = KeyPositions(*spec, command);
  if (!keys) return ctx.reply.Error("ERR Invalid arguments specified for command");
  ctx.reply.ArrayHeader(keys->size());
  for (size_t i : *keys) ctx.reply.Bulk(command[i]);
}

void CommandInfoCommand(CommandContext& ctx, Args args) {
  CommandTable& table = ctx.dispatcher.table();
  if (args.size() == 2) return CommandCommand(ctx, args);
  ctx.reply.ArrayHeader(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) {
    const CommandSpec* spec = table.Find(args[i]);
    spec ? ReplyCommandInfo(ctx, *spec) : ctx.reply.NullBulk();
  }
}

void CommandDocsCommand(CommandContext& ctx, Args args) {
  CommandTable& table = ctx.dispatcher.table();
  std::vector<const CommandSpec*> specs;
  if (args.size() == 2) {
    table.ForEach([&](const CommandSpec& spec) { specs.push_back(&spec); });
  } else {
    for (size_t i = 2; i < args.size(); ++i) {
      if (const CommandSpec* spec = table.Find(args[i])) specs.push_back(spec);
    }
  }
  ctx.reply.MapHeader(specs.size());
  for (const CommandSpec* spec : specs) {
    ctx.reply.Bulk(spec->name);
    ctx.reply.MapHeader(0);
  }
}

void CommandHelpCommand(CommandContext& ctx, Args) {
  ReplyHelp(ctx.reply, {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all Redis commands.",
      "COUNT",
      "    Return the total number of commands in this Redis server.",
      "LIST",
      "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "GETKEYS <full-command>",
      "    Return the keys from a full Redis command.",
  });
}

}  // namespace

void RegisterCommandFamily(CommandTable& table) {
  const uint32_t kFlags = kLoading | kStale;
  CommandSpec* command = table.Add({"command", -1, kFlags, 0, 0, 0, CommandCommand});
  table.AddSubcommand(command, {"count", 2, kFlags, 0, 0, 0, CommandCountCommand});
  table.AddSubcommand(command, {"info", -2, kFlags, 0, 0, 0, CommandInfoCommand});
  table.AddSubcommand(command, {"list", -2, kFlags, 0, 0, 0, CommandListCommand});
  table.AddSubcommand(command, {"docs", -2, kFlags, 0, 0, 0, CommandDocsCommand});
  table.AddSubcommand(command, {"getkeys", -4, kFlags, 0, 0, 0, CommandGetKeysCommand});
  table.AddSubcommand(command, {"help", 2, kFlags, 0, 0, 0, CommandHelpCommand});
}

}  // namespace bazaar::engine::commands
