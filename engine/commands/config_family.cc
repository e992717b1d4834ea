// CONFIG GET / SET / RESETSTAT / REWRITE / HELP over the option table in engine/config.
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/dispatcher.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/commands/status_reply.h"
#include "engine/config/config_rewrite.h"
#include "engine/core/glob.h"
#include "engine/core/log.h"

namespace bazaar::engine::commands {
namespace {

void ConfigGetCommand(CommandContext& ctx, Args args) {
  // A name without glob characters is echoed as typed (Redis 7.0 does the same).
  std::vector<std::pair<std::string, std::string>> found;
  absl::flat_hash_set<std::string> seen;
  for (size_t i = 2; i < args.size(); ++i) {
    std::string pattern(args[i]);
    if (pattern.find_first_of("[*?") == std::string::npos) {
      const config::OptionSpec* spec = config::FindOption(pattern);
      if (spec && seen.insert(spec->name).second) {
        found.emplace_back(pattern, spec->get(ctx.server.options));
      }
      continue;
    }
    for (const auto& spec : config::OptionTable()) {
      if (core::GlobMatch(pattern, spec.name, true) && seen.insert(spec.name).second) {
        found.emplace_back(spec.name, spec.get(ctx.server.options));
      }
    }
  }
  ctx.reply.MapHeader(found.size());
  for (const auto& [name, value] : found) {
    ctx.reply.Bulk(name);
    ctx.reply.Bulk(value);
  }
}

void ConfigSetCommand(CommandContext& ctx, Args args) {
  if (args.size() % 2 != 0) {
    return ctx.reply.Error(WrongArityError("config|set"));
  }
  // First every name, in Redis's order: the first unknown, immutable, protected or repeated
  // name refuses the whole command before any value is looked at.
  auto refuse = [&](std::string_view typed, const std::string& why) {
    ctx.reply.Error("ERR CONFIG SET failed (possibly related to argument '" + std::string(typed) +
                    "') - " + why);
  };
  std::vector<std::pair<const config::OptionSpec*, std::string>> changes;
  for (size_t i = 2; i < args.size(); i += 2) {
    const config::OptionSpec* spec = config::FindOption(std::string(args[i]));
    if (!spec) {
      return ctx.reply.Error("ERR Unknown option or number of arguments for CONFIG SET - '" +
                             std::string(args[i]) + "'");
    }
    if (!spec->mutable_at_runtime) return refuse(args[i], "can't set immutable config");
    if (spec->protected_config &&
        !AllowsProtectedAction(ctx.server.options.enable_protected_configs, ctx.client)) {
      return refuse(args[i], "can't set protected config");
    }
    for (const auto& [earlier, value] : changes) {
      if (earlier == spec) return refuse(args[i], "duplicate parameter");
    }
    changes.emplace_back(spec, std::string(args[i + 1]));
  }
  config::Options updated = ctx.server.options;
  for (const auto& [spec, value] : changes) {
    std::vector<std::string> values;
    if (spec->multi_arg) {
      // "save" and "bind" take space-separated lists, as in redis.conf.
      std::string word;
      for (char c : value) {
        if (c == ' ') {
          if (!word.empty()) values.push_back(word);
          word.clear();
        } else {
          word.push_back(c);
        }
      }
      if (!word.empty() || values.empty()) values.push_back(word);
    } else {
      values.push_back(value);
    }
    if (std::string reason = spec->set(updated, values); !reason.empty()) {
      return refuse(spec->name, reason);
    }
  }
  const config::Options previous = ctx.server.options;
  ctx.server.options = updated;
  // A new port or bind list is applied first: when nothing can listen there, every option
  // named goes back to what it was (Redis's rollback), in Redis's words.
  if (updated.port != previous.port || updated.tls_port != previous.tls_port ||
      updated.bind != previous.bind) {
    if (!ctx.server.control->Relisten().ok()) {
      ctx.server.options = previous;
      // Back where it listened a moment ago; should even that fail, say so.
      if (absl::Status back = ctx.server.control->Relisten(); !back.ok()) {
        core::Log(core::LogLevel::kWarning, "CONFIG SET: cannot listen again where it did: %s",
                  std::string(back.message()).c_str());
      }
      const bool tls_port = updated.tls_port != previous.tls_port;
      const bool port = updated.port != previous.port || tls_port;
      return refuse(port ? (tls_port ? "tls-port" : "port") : "bind",
                    port ? "Unable to listen on this port. Check server logs."
                         : "Failed to bind to specified addresses.");
    }
  }
  core::LogLevel level;
  if (core::ParseLogLevel(updated.loglevel, &level)) core::SetLogLevel(level);
  absl::Status applied = ctx.server.control->OptionsChanged(ctx.client.tx.in_multi);
  if (!applied.ok()) {
    // Every option named goes back (Redis's rollback), and what they drive with them.
    ctx.server.options = previous;
    if (updated.port != previous.port || updated.tls_port != previous.tls_port ||
        updated.bind != previous.bind) {
      ctx.server.control->Relisten().IgnoreError();
    }
    ctx.server.control->OptionsChanged(ctx.client.tx.in_multi).IgnoreError();
    const std::string why(ToView(applied.message()));
    if (absl::StartsWith(why, "Unable to update TLS")) {
      for (const auto& [spec, value] : changes) {
        if (absl::StartsWith(spec->name, "tls-")) return refuse(spec->name, why);
      }
    }
    return ctx.reply.Error("ERR " + why);
  }
  for (const auto& [spec, value] : changes) {
    // requirepass is the default user's password (Redis's updateRequirePass).
    if (spec->name == "requirepass") {
      ctx.dispatcher.users().SetDefaultPassword(updated.requirepass);
    } else if (spec->name == "acl-pubsub-default") {
      ctx.dispatcher.users().set_all_channels_default(updated.acl_pubsub_default == "allchannels");
    }
  }
  ctx.reply.Ok();
}

void ConfigResetStatCommand(CommandContext& ctx, Args) {
  ServerStats& stats = ctx.server.stats;
  int64_t start = stats.start_time_ms;
  stats = ServerStats();
  stats.start_time_ms = start;
  ctx.keyspace.ResetStats();
  ctx.watches.ResetStats();
  ctx.dispatcher.table().ResetStats();
  ctx.reply.Ok();
}

// Sentinel sends CONFIG REWRITE after every REPLICAOF it orders, so the file must carry the
// replication state the REPLICAOF command changed, not only what CONFIG SET changed.
void ConfigRewriteCommand(CommandContext& ctx, Args) {
  config::Options current = ctx.server.options;
  const ReplicationInfo r = ctx.server.replication->replication_info();
  current.replicaof = r.is_replica ? r.master_host + " " + std::to_string(r.master_port) : "";
  // The users as they are now go into the file, unless the ACL file is where they live.
  current.user_lines.clear();
  if (current.aclfile.empty()) {
    for (const auto& u : ctx.dispatcher.users().All()) {
      current.user_lines.push_back("user " + u->name() + " " + u->Describe());
    }
  }
  const std::string error = config::RewriteConfigFile(current);
  if (!error.empty()) {
    core::Log(core::LogLevel::kWarning, "CONFIG REWRITE failed: %s", error.c_str());
    return ctx.reply.Error("ERR " + error);
  }
  core::Log(core::LogLevel::kNotice, "CONFIG REWRITE executed with success.");
  ctx.reply.Ok();
}

void ConfigHelpCommand(CommandContext& ctx, Args) {
  ReplyHelp(ctx.reply,
            {
                "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "GET <pattern>",
                "    Return parameters matching the glob-like <pattern> and their values.",
                "SET <directive> <value>",
                "    Set the configuration <directive> to <value>.",
                "RESETSTAT",
                "    Reset statistics reported by the INFO command.",
                "REWRITE",
                "    Rewrite the configuration file.",
            });
}

}  // namespace

void RegisterConfigFamily(CommandTable& table) {
  const uint32_t kConfigFlags = kAdmin | kNoScript | kLoading | kStale;
  CommandSpec* config = table.Add({"config", -2, 0, 0, 0, 0, nullptr});
  table.AddSubcommand(config, {"get", -3, kConfigFlags, 0, 0, 0, ConfigGetCommand});
  table.AddSubcommand(config, {"set", -4, kConfigFlags, 0, 0, 0, ConfigSetCommand});
  table.AddSubcommand(config, {"resetstat", 2, kConfigFlags, 0, 0, 0, ConfigResetStatCommand});
  table.AddSubcommand(config, {"rewrite", 2, kConfigFlags, 0, 0, 0, ConfigRewriteCommand});
  table.AddSubcommand(config, {"help", 2, kLoading | kStale, 0, 0, 0, ConfigHelpCommand});
}

}  // namespace bazaar::engine::commands
