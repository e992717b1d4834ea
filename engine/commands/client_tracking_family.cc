// CLIENT TRACKING / CACHING / TRACKINGINFO / GETREDIR: client-side caching. The options are
// checked here with Redis 7.0's texts and order; the server's TrackingControl keeps the table.
#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"

namespace bazaar::engine::commands {
namespace {

bool RedirectTargetExists(CommandContext& ctx, uint64_t id) {
  bool found = false;
  ctx.server.clients->ForEachClient([&](const ClientState& c) { found = found || c.id == id; });
  return found;
}

// Whether one of two prefixes starts the other (a key could match both).
bool Overlap(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  return a.substr(0, n) == b.substr(0, n);
}

// The error for BCAST prefixes that overlap the client's or each other, "" when none do.
std::string PrefixCollision(const ClientState& client, const std::vector<std::string>& prefixes) {
  for (size_t i = 0; i < prefixes.size(); ++i) {
    for (const std::string& existing : client.tracking.prefixes) {
      if (Overlap(existing, prefixes[i])) {
        return "ERR Prefix '" + prefixes[i] + "' overlaps with an existing prefix '" + existing +
               "'. Prefixes for a single client must not overlap.";
      }
    }
    for (size_t j = i + 1; j < prefixes.size(); ++j) {
      if (Overlap(prefixes[i], prefixes[j])) {
        return "ERR Prefix '" + prefixes[i] + "' overlaps with another provided prefix '" +
               prefixes[j] + "'. Prefixes for a single client must not overlap.";
      }
    }
  }
  return "";
}

// CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN] [OPTOUT] [NOLOOP]
void ClientTrackingCommand(CommandContext& ctx, Args args) {
  TrackingState wanted;
  std::vector<std::string> prefixes;
  for (size_t j = 3; j < args.size(); ++j) {
    const bool more = j + 1 < args.size();
    if (IsOption(args[j], "redirect") && more) {
      ++j;
      if (wanted.redirect != 0) {
        return ctx.reply.Error("ERR A client can only redirect to a single other client");
      }
      int64_t id;
      if (!IntArgOrReply(ctx.reply, args[j], &id)) return;
      // The target must exist now, though it may go away later (then the redirect is broken).
      if (id <= 0 || !RedirectTargetExists(ctx, static_cast<uint64_t>(id))) {
        return ctx.reply.Error("ERR The client ID you want redirect to does not exist");
      }
      wanted.redirect = static_cast<uint64_t>(id);
    } else if (IsOption(args[j], "bcast")) {
      wanted.bcast = true;
    } else if (IsOption(args[j], "optin")) {
      wanted.optin = true;
    } else if (IsOption(args[j], "optout")) {
      wanted.optout = true;
    } else if (IsOption(args[j], "noloop")) {
      wanted.noloop = true;
    } else if (IsOption(args[j], "prefix") && more) {
      prefixes.emplace_back(args[++j]);
    } else {
      return ctx.reply.Error(kSyntaxError);
    }
  }
  ClientState& client = ctx.client;
  if (IsOption(args[2], "off")) {
    ctx.server.tracking->DisableTracking(client);
    return ctx.reply.Ok();
  }
  if (!IsOption(args[2], "on")) return ctx.reply.Error(kSyntaxError);
  const TrackingState& now = client.tracking;
  if (!wanted.bcast && !prefixes.empty()) {
    return ctx.reply.Error("ERR PREFIX option requires BCAST mode to be enabled");
  }
  if (now.on && now.bcast != wanted.bcast) {
    return ctx.reply.Error(
        "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and "
        "then re-enabling it with a different mode.");
  }
  if (wanted.bcast && (wanted.optin || wanted.optout)) {
    return ctx.reply.Error("ERR OPTIN and OPTOUT are not compatible with BCAST");
  }
  if (wanted.optin && wanted.optout) {
    return ctx.reply.Error("ERR You can't specify both OPTIN mode and OPTOUT mode");
  }
  if ((wanted.optin && now.optout) || (wanted.optout && now.optin)) {
    return ctx.reply.Error(
        "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "
        "then re-enabling it with a different mode.");
  }
  if (wanted.bcast) {
    const std::string collision = PrefixCollision(client, prefixes);
    if (!collision.empty()) return ctx.reply.Error(collision);
  }
  wanted.prefixes.insert(prefixes.begin(), prefixes.end());
  ctx.server.tracking->EnableTracking(client, wanted);
  ctx.reply.Ok();
}

// CLIENT CACHING YES|NO: whether the next command's keys are tracked (OPTIN / OPTOUT).
void ClientCachingCommand(CommandContext& ctx, Args args) {
  TrackingState& t = ctx.client.tracking;
  if (!t.on) {
    return ctx.reply.Error(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN "
        "or OPTOUT mode enabled");
  }
  if (IsOption(args[2], "yes")) {
    if (!t.optin) {
      return ctx.reply.Error(
          "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
    }
  } else if (IsOption(args[2], "no")) {
    if (!t.optout) {
      return ctx.reply.Error(
          "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
    }
  } else {
    return ctx.reply.Error(kSyntaxError);
  }
  t.caching = true;
  ctx.reply.Ok();
}

void ClientGetRedirCommand(CommandContext& ctx, Args) {
  const TrackingState& t = ctx.client.tracking;
  ctx.reply.Integer(t.on ? static_cast<int64_t>(t.redirect) : -1);
}

void ClientTrackingInfoCommand(CommandContext& ctx, Args) {
  const TrackingState& t = ctx.client.tracking;
  std::vector<const char*> flags = {t.on ? "on" : "off"};
  if (t.bcast) flags.push_back("bcast");
  if (t.optin) {
    flags.push_back("optin");
    if (t.caching) flags.push_back("caching-yes");
  }
  if (t.optout) {
    flags.push_back("optout");
    if (t.caching) flags.push_back("caching-no");
  }
  if (t.noloop) flags.push_back("noloop");
  if (t.broken_redirect) flags.push_back("broken_redirect");
  ctx.reply.MapHeader(3);
  ctx.reply.Bulk("flags");
  ctx.reply.SetHeader(flags.size());
  for (const char* f : flags) ctx.reply.Bulk(f);
  ctx.reply.Bulk("redirect");
  ctx.reply.Integer(t.on ? static_cast<int64_t>(t.redirect) : -1);
  ctx.reply.Bulk("prefixes");
  ctx.reply.ArrayHeader(t.prefixes.size());
  for (const std::string& p : t.prefixes) ctx.reply.Bulk(p);
}

}  // namespace

void RegisterClientTrackingFamily(CommandTable& table) {
  const uint32_t kConn = kNoScript | kLoading | kStale;
  CommandSpec* client = table.Find("client");
  table.AddSubcommand(client, {"tracking", -3, kConn, 0, 0, 0, ClientTrackingCommand});
  table.AddSubcommand(client, {"caching", 3, kConn, 0, 0, 0, ClientCachingCommand});
  table.AddSubcommand(client, {"getredir", 2, kConn, 0, 0, 0, ClientGetRedirCommand});
  table.AddSubcommand(client, {"trackinginfo", 2, kConn, 0, 0, 0, ClientTrackingInfoCommand});
}

}  // namespace bazaar::engine::commands
