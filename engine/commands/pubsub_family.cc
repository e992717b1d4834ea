// Pub/Sub: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE PUBLISH SPUBLISH
// and PUBSUB (CHANNELS NUMSUB NUMPAT SHARDCHANNELS SHARDNUMSUB HELP), over the server's
// PubSubControl. Confirmations are pushes in RESP3 and arrays in RESP2, as in Redis 7.0.
#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/commands/status_reply.h"

namespace bazaar::engine::commands {
namespace {

using Kind = pubsub::Kind;

// The count a confirmation carries: channels and patterns together, shard channels apart.
int64_t CountFor(const ClientState& c, Kind kind) {
  return kind == Kind::kShard ? static_cast<int64_t>(c.ssub) : static_cast<int64_t>(c.sub + c.psub);
}

void Confirm(CommandContext& ctx, const char* what, std::string_view name, bool null_name,
             Kind kind) {
  protocol::ReplyBuilder::PushScope push(ctx.reply);  // even under CLIENT REPLY OFF
  ctx.reply.PushHeader(3);
  ctx.reply.Bulk(what);
  if (null_name) {
    ctx.reply.NullBulk();
  } else {
    ctx.reply.Bulk(name);
  }
  ctx.reply.Integer(CountFor(ctx.client, kind));
}

const char* SubscribeWord(Kind kind) {
  return kind == Kind::kChannel ? "subscribe" : kind == Kind::kPattern ? "psubscribe" : "ssubscribe";
}
const char* UnsubscribeWord(Kind kind) {
  return kind == Kind::kChannel   ? "unsubscribe"
         : kind == Kind::kPattern ? "punsubscribe"
                                  : "sunsubscribe";
}

void Subscribe(CommandContext& ctx, Args args, Kind kind) {
  PubSubControl* pubsub = ctx.server.pubsub;
  for (size_t i = 1; i < args.size(); ++i) {
    if (pubsub) pubsub->Subscribe(ctx.client, kind, args[i]);
    Confirm(ctx, SubscribeWord(kind), args[i], false, kind);
  }
}

void Unsubscribe(CommandContext& ctx, Args args, Kind kind) {
  PubSubControl* pubsub = ctx.server.pubsub;
  std::vector<std::string> names;
  if (args.size() > 1) {
    names.assign(args.begin() + 1, args.end());
  } else if (pubsub) {
    names = pubsub->SubscriptionsOf(ctx.client, kind);
  }
  if (names.empty()) return Confirm(ctx, UnsubscribeWord(kind), "", true, kind);
  for (const std::string& name : names) {
    if (pubsub) pubsub->Unsubscribe(ctx.client, kind, name);
    Confirm(ctx, UnsubscribeWord(kind), name, false, kind);
  }
}

void SubscribeCommand(CommandContext& ctx, Args args) { Subscribe(ctx, args, Kind::kChannel); }
void PSubscribeCommand(CommandContext& ctx, Args args) { Subscribe(ctx, args, Kind::kPattern); }
void SSubscribeCommand(CommandContext& ctx, Args args) { Subscribe(ctx, args, Kind::kShard); }
void UnsubscribeCommand(CommandContext& ctx, Args args) { Unsubscribe(ctx, args, Kind::kChannel); }
void PUnsubscribeCommand(CommandContext& ctx, Args args) {
  Unsubscribe(ctx, args, Kind::kPattern);
}
void SUnsubscribeCommand(CommandContext& ctx, Args args) { Unsubscribe(ctx, args, Kind::kShard); }

// PUBLISH and SPUBLISH reach the replicas too (not the AOF), as in Redis.
void Publish(CommandContext& ctx, Args args, bool shard) {
  int64_t receivers = ctx.server.pubsub ? ctx.server.pubsub->Publish(args[1], args[2], shard) : 0;
  ctx.propagate_to_replicas = true;
  ctx.reply.Integer(receivers);
}
void PublishCommand(CommandContext& ctx, Args args) { Publish(ctx, args, false); }
void SPublishCommand(CommandContext& ctx, Args args) { Publish(ctx, args, true); }

void Channels(CommandContext& ctx, Args args, bool shard) {
  if (args.size() > 3) {
    return ctx.reply.Error(std::string("ERR unknown subcommand or wrong number of arguments for '") +
                           std::string(args[1]) + "'. Try PUBSUB HELP.");
  }
  std::vector<std::string> names;
  if (ctx.server.pubsub) {
    names = ctx.server.pubsub->ActiveChannels(args.size() == 3 ? args[2] : "", shard);
  }
  ctx.reply.ArrayHeader(names.size());
  for (const auto& n : names) ctx.reply.Bulk(n);
}

void NumSub(CommandContext& ctx, Args args, bool shard) {
  ctx.reply.MapHeader(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) {
    ctx.reply.Bulk(args[i]);
    ctx.reply.Integer(ctx.server.pubsub ? ctx.server.pubsub->SubscriberCount(args[i], shard) : 0);
  }
}

void PubsubChannelsCommand(CommandContext& ctx, Args args) { Channels(ctx, args, false); }
void PubsubShardChannelsCommand(CommandContext& ctx, Args args) { Channels(ctx, args, true); }
void PubsubNumSubCommand(CommandContext& ctx, Args args) { NumSub(ctx, args, false); }
void PubsubShardNumSubCommand(CommandContext& ctx, Args args) { NumSub(ctx, args, true); }
void PubsubNumPatCommand(CommandContext& ctx, Args) {
  ctx.reply.Integer(ctx.server.pubsub ? ctx.server.pubsub->PatternCount() : 0);
}

void PubsubHelpCommand(CommandContext& ctx, Args) {
  ReplyHelp(ctx.reply, {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
  });
}

}  // namespace

void RegisterPubSubFamily(CommandTable& table) {
  const uint32_t kPubSub = kPubSubFlag | kNoScript | kLoading | kStale;
  table.Add({"subscribe", -2, kPubSub, 0, 0, 0, SubscribeCommand});
  table.Add({"unsubscribe", -1, kPubSub, 0, 0, 0, UnsubscribeCommand});
  table.Add({"psubscribe", -2, kPubSub, 0, 0, 0, PSubscribeCommand});
  table.Add({"punsubscribe", -1, kPubSub, 0, 0, 0, PUnsubscribeCommand});
  table.Add({"ssubscribe", -2, kPubSub, 1, -1, 1, SSubscribeCommand});
  table.Add({"sunsubscribe", -1, kPubSub, 1, -1, 1, SUnsubscribeCommand});
  table.Add({"publish", 3, kPubSubFlag | kLoading | kStale | kFast | kMayReplicate, 0, 0, 0,
             PublishCommand});
  table.Add({"spublish", 3, kPubSubFlag | kLoading | kStale | kFast | kMayReplicate, 1, 1, 1,
             SPublishCommand});
  CommandSpec* pubsub = table.Add({"pubsub", -2, 0, 0, 0, 0, nullptr});
  const uint32_t kInfo = kPubSubFlag | kLoading | kStale;
  table.AddSubcommand(pubsub, {"channels", -2, kInfo, 0, 0, 0, PubsubChannelsCommand});
  table.AddSubcommand(pubsub, {"numsub", -2, kInfo, 0, 0, 0, PubsubNumSubCommand});
  table.AddSubcommand(pubsub, {"numpat", 2, kInfo, 0, 0, 0, PubsubNumPatCommand});
  table.AddSubcommand(pubsub, {"shardchannels", -2, kInfo, 0, 0, 0, PubsubShardChannelsCommand});
  table.AddSubcommand(pubsub, {"shardnumsub", -2, kInfo, 0, 0, 0, PubsubShardNumSubCommand});
  table.AddSubcommand(pubsub, {"help", 2, kLoading | kStale, 0, 0, 0, PubsubHelpCommand});
}

}  // namespace bazaar::engine::commands
