// Stream consumer groups: XGROUP (CREATE CREATECONSUMER DELCONSUMER DESTROY SETID HELP), XACK,
// XPENDING, XCLAIM, XAUTOCLAIM and XINFO GROUPS / CONSUMERS, as Redis 7.0 answers them. The group
// state lives in core/stream_group.h; XREADGROUP is with XREAD in stream_family.cc. XCLAIM and
// XAUTOCLAIM log what they did as Redis does (one XCLAIM ... FORCE JUSTID per entry, XGROUP SETID
// for a moved last id), never themselves, so replicas and the AOF end in the same state.
#include <unistd.h>

#include <string>
#include <vector>

#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/commands/stream_args.h"
#include "engine/core/stream.h"

namespace bazaar::engine::commands {
namespace {

using core::StreamGroup;
using core::StreamId;
using core::StreamPending;
using core::StreamValue;
using core::Value;
using core::ValueType;

std::string SubcommandSyntaxError(Args args) {
  return "ERR unknown subcommand or wrong number of arguments for '" + std::string(args[1]) +
         "'. Try XGROUP HELP.";
}

std::string NoGroupForKeyError(std::string_view group, std::string_view key) {
  return "NOGROUP No such consumer group '" + std::string(group) + "' for key name '" +
         std::string(key) + "'";
}

std::string NoKeyOrGroupError(std::string_view key, std::string_view group) {
  return "NOGROUP No such key '" + std::string(key) + "' or consumer group '" +
         std::string(group) + "'";
}

// ENTRIESREAD's value: an integer, positive or -1.
bool EntriesReadOrReply(CommandContext& ctx, std::string_view arg, int64_t* out) {
  if (!IntArgOrReply(ctx.reply, arg, out)) return false;
  if (*out < 0 && *out != StreamGroup::kUnknownEntriesRead) {
    ctx.reply.Error("ERR value for ENTRIESREAD must be positive or -1");
    return false;
  }
  return true;
}

// XGROUP CREATE|SETID|DESTROY|CREATECONSUMER|DELCONSUMER key group ...: Redis checks, in this
// order, CREATE's options, the key's type, the key's existence and the group's.
void XGroupCommand(CommandContext& ctx, Args args) {
  const bool create = IsOption(args[1], "create");
  bool mkstream = false;
  int64_t entries_read = StreamGroup::kUnknownEntriesRead;
  for (size_t i = 5; create && i < args.size(); ++i) {
    if (IsOption(args[i], "mkstream")) {
      mkstream = true;
    } else if (IsOption(args[i], "entriesread") && i + 1 < args.size()) {
      if (!EntriesReadOrReply(ctx, args[++i], &entries_read)) return;
    } else {
      return ctx.reply.Error(SubcommandSyntaxError(args));
    }
  }
  bool wrong_type;
  StreamValue* s = StreamForWrite(ctx, args[2], &wrong_type);
  if (wrong_type) return;
  if (!s && !mkstream) {
    return ctx.reply.Error(
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want "
        "to use the MKSTREAM option to create an empty stream automatically.");
  }
  std::string_view name = args[3];
  StreamGroup* group = s ? s->FindGroup(name) : nullptr;
  if (s && !group && !create && !IsOption(args[1], "destroy")) {
    return ctx.reply.Error(NoGroupForKeyError(name, args[2]));
  }
  if (create) {
    if (args.size() > 8) return ctx.reply.Error(SubcommandSyntaxError(args));
    StreamId id;
    if (args[4] == "$") {
      if (s) id = s->last_id();
    } else if (!IdOrReply(ctx, args[4], &id)) {
      return;
    }
    if (!s) s = &ctx.keyspace.Store(ctx.db(), args[2], Value::NewStream()).stream();
    if (!s->groups().try_emplace(std::string(name), id, entries_read).second) {
      return ctx.reply.Error("BUSYGROUP Consumer Group name already exists");
    }
    ctx.keyspace.AddDirty(1);
    ctx.keyspace.Notify(ctx.db(), core::events::kStream, "xgroup-create", args[2]);
    return ctx.reply.Ok();
  }
  if (IsOption(args[1], "setid")) {
    if (args.size() != 5 && args.size() != 7) return ctx.reply.Error(SubcommandSyntaxError(args));
    StreamId id;
    if (args[4] == "$") {
      id = s->last_id();
    } else if (!IdOrReply(ctx, args[4], &id, 0, /*strict=*/false)) {
      return;
    }
    if (args.size() == 7) {
      if (!IsOption(args[5], "entriesread")) return ctx.reply.Error(SubcommandSyntaxError(args));
      if (!EntriesReadOrReply(ctx, args[6], &entries_read)) return;
    }
    group->set_last_id(id);
    group->set_entries_read(entries_read);
    ctx.keyspace.AddDirty(1);
    ctx.keyspace.Notify(ctx.db(), core::events::kStream, "xgroup-setid", args[2]);
    return ctx.reply.Ok();
  }
  if (IsOption(args[1], "destroy") && args.size() == 4) {
    if (!group) return ctx.reply.Integer(0);
    s->groups().erase(s->groups().find(name));
    ctx.keyspace.AddDirty(1);
    ctx.keyspace.Notify(ctx.db(), core::events::kStream, "xgroup-destroy", args[2]);
    // Clients blocked in XREADGROUP on this group get their NOGROUP error.
    if (ctx.server.blocking) ctx.server.blocking->SignalKeyReady(ctx.db(), args[2]);
    return ctx.reply.Integer(1);
  }
  if (IsOption(args[1], "createconsumer") && args.size() == 5) {
    bool created;
    group->FindOrCreateConsumer(args[4], ctx.keyspace.now_ms(), &created);
    if (created) {
      ctx.keyspace.AddDirty(1);
      ctx.keyspace.Notify(ctx.db(), core::events::kStream, "xgroup-createconsumer", args[2]);
    }
    return ctx.reply.Integer(created ? 1 : 0);
  }
  if (IsOption(args[1], "delconsumer") && args.size() == 5) {
    // Like Redis, a consumer that does not exist is no change: no dirty count, no event.
    if (!group->FindConsumer(args[4])) return ctx.reply.Integer(0);
    const uint64_t pending = group->DeleteConsumer(args[4]);
    ctx.keyspace.AddDirty(1);
    ctx.keyspace.Notify(ctx.db(), core::events::kStream, "xgroup-delconsumer", args[2]);
    return ctx.reply.Integer(static_cast<int64_t>(pending));
  }
  ctx.reply.Error(SubcommandSyntaxError(args));
}

void XGroupHelpCommand(CommandContext& ctx, Args) {
  ReplyHelp(ctx.reply,
            {"XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
             "CREATE <key> <groupname> <id|$> [option]",
             "    Create a new consumer group. Options are:", "    * MKSTREAM",
             "      Create the empty stream if it does not exist.",
             "    * ENTRIESREAD entries_read",
             "      Set the group's entries_read counter (internal use).",
             "CREATECONSUMER <key> <groupname> <consumer>",
             "    Create a new consumer in the specified group.",
             "DELCONSUMER <key> <groupname> <consumer>", "    Remove the specified consumer.",
             "DESTROY <key> <groupname>", "    Remove the specified group.",
             "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
             "    Set the current group ID and entries_read counter."});
}

// XACK key group id [id ...]: every id is checked before any is acknowledged.
void XAckCommand(CommandContext& ctx, Args args) {
  bool wrong_type;
  StreamValue* s = StreamForRead(ctx, args[1], &wrong_type);
  if (wrong_type) return;
  StreamGroup* group = s ? s->FindGroup(args[2]) : nullptr;
  if (!group) return ctx.reply.Integer(0);
  std::vector<StreamId> ids(args.size() - 3);
  for (size_t j = 3; j < args.size(); ++j) {
    if (!IdOrReply(ctx, args[j], &ids[j - 3])) return;
  }
  int64_t acked = 0;
  for (StreamId id : ids) acked += group->Ack(id) ? 1 : 0;
  ctx.keyspace.AddDirty(static_cast<uint64_t>(acked));
  ctx.reply.Integer(acked);
}

// XPENDING key group [[IDLE min-idle] start end count [consumer]]
void XPendingCommand(CommandContext& ctx, Args args) {
  const bool summary = args.size() == 3;
  if (!summary && (args.size() < 6 || args.size() > 9)) return ctx.reply.Error(kSyntaxError);
  int64_t min_idle = 0, count = 0;
  StreamId start, end;
  std::string_view consumer_name;
  bool by_consumer = false;
  if (!summary) {
    size_t at = 3;
    if (IsOption(args[3], "idle")) {
      if (!IntArgOrReply(ctx.reply, args[4], &min_idle)) return;
      if (args.size() < 8) return ctx.reply.Error(kSyntaxError);
      at += 2;
    }
    if (!IntArgOrReply(ctx.reply, args[at + 2], &count)) return;
    if (count < 0) count = 0;
    if (!RangeBoundOrReply(ctx, args[at], true, &start)) return;
    if (!RangeBoundOrReply(ctx, args[at + 1], false, &end)) return;
    if (at + 3 < args.size()) {
      consumer_name = args[at + 3];
      by_consumer = true;
    }
  }
  bool wrong_type;
  StreamValue* s = StreamForRead(ctx, args[1], &wrong_type);
  if (wrong_type) return;
  StreamGroup* group = s ? s->FindGroup(args[2]) : nullptr;
  if (!group) return ctx.reply.Error(NoKeyOrGroupError(args[1], args[2]));
  const StreamGroup::Pel& pel = group->pel();
  if (summary) {
    ctx.reply.ArrayHeader(4);
    ctx.reply.Integer(static_cast<int64_t>(pel.size()));
    if (pel.empty()) {
      ctx.reply.NullBulk();
      ctx.reply.NullBulk();
      return ctx.reply.NullArray();
    }
    ctx.reply.Bulk(pel.begin()->first.ToString());
    ctx.reply.Bulk(std::prev(pel.end())->first.ToString());
    size_t owners = 0;
    for (const auto& [name, consumer] : group->consumers()) owners += !consumer.pending.empty();
    ctx.reply.ArrayHeader(owners);
    for (const auto& [name, consumer] : group->consumers()) {
      if (consumer.pending.empty()) continue;
      ctx.reply.ArrayHeader(2);
      ctx.reply.Bulk(name);
      ctx.reply.Bulk(std::to_string(consumer.pending.size()));
    }
    return;
  }
  const core::StreamConsumer* consumer = nullptr;
  if (by_consumer && !(consumer = group->FindConsumer(consumer_name))) {
    return ctx.reply.ArrayHeader(0);
  }
  const int64_t now = ctx.keyspace.now_ms();
  std::vector<std::pair<StreamId, const StreamPending*>> picked;
  auto take = [&](StreamId id, const StreamPending& p) {
    if (id > end || count == 0) return false;
    if (min_idle == 0 || now - p.delivery_time >= min_idle) {
      picked.emplace_back(id, &p);
      --count;
    }
    return true;
  };
  if (consumer) {
    for (auto it = consumer->pending.lower_bound(start); it != consumer->pending.end(); ++it) {
      if (!take(*it, pel.find(*it)->second)) break;
    }
  } else {
    for (auto it = pel.lower_bound(start); it != pel.end(); ++it) {
      if (!take(it->first, it->second)) break;
    }
  }
  ctx.reply.ArrayHeader(picked.size());
  for (const auto& [id, p] : picked) {
    ctx.reply.ArrayHeader(4);
    ctx.reply.Bulk(id.ToString());
    ctx.reply.Bulk(p->consumer);
    ctx.reply.Integer(std::max<int64_t>(now - p->delivery_time, 0));
    ctx.reply.Integer(static_cast<int64_t>(p->delivery_count));
  }
}

// The reply for a claimed entry: its id, or the entry (nil if it is gone).
void ReplyClaimed(CommandContext& ctx, const StreamValue& s, StreamId id, bool just_id) {
  if (just_id) return ctx.reply.Bulk(id.ToString());
  auto it = s.entries().find(id);
  if (it == s.entries().end()) return ctx.reply.NullBulk();
  ReplyEntry(ctx.reply, it->first, it->second);
}

// The claiming consumer, looked up (refreshing its seen time) or created once per command.
core::StreamConsumer& ClaimingConsumer(CommandContext& ctx, StreamGroup& group,
                                       std::string_view key, std::string_view name) {
  bool created;
  core::StreamConsumer& c = group.FindOrCreateConsumer(name, ctx.keyspace.now_ms(), &created);
  if (created) ctx.keyspace.Notify(ctx.db(), core::events::kStream, "xgroup-createconsumer", key);
  c.seen_time = ctx.keyspace.now_ms();
  return c;
}

// XCLAIM key group consumer min-idle id [id ...] [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE]
// [JUSTID] [LASTID id]
void XClaimCommand(CommandContext& ctx, Args args) {
  bool wrong_type;
  StreamValue* s = StreamForRead(ctx, args[1], &wrong_type);
  if (wrong_type) return;
  StreamGroup* group = s ? s->FindGroup(args[2]) : nullptr;
  if (!group) return ctx.reply.Error(NoKeyOrGroupError(args[1], args[2]));
  int64_t min_idle;
  if (!IntArgOrReply(ctx.reply, args[4], &min_idle,
                     "ERR Invalid min-idle-time argument for XCLAIM")) {
    return;
  }
  if (min_idle < 0) min_idle = 0;
  // The ids run up to the first argument that is not one; options follow.
  std::vector<StreamId> ids;
  size_t j = 5;
  for (; j < args.size(); ++j) {
    auto id = ParseId(args[j], 0, true);
    if (!id) break;
    ids.push_back(*id);
  }
  const int64_t now = ctx.keyspace.now_ms();
  int64_t delivery_time = -1, retry_count = -1;
  bool force = false, just_id = false;
  StreamId last_id;
  for (; j < args.size(); ++j) {
    const bool more = j + 1 < args.size();
    std::string_view opt = args[j];
    if (IsOption(opt, "force")) {
      force = true;
    } else if (IsOption(opt, "justid")) {
      just_id = true;
    } else if (more && IsOption(opt, "idle")) {
      if (!IntArgOrReply(ctx.reply, args[++j], &delivery_time,
                         "ERR Invalid IDLE option argument for XCLAIM")) {
        return;
      }
      delivery_time = now - delivery_time;
    } else if (more && IsOption(opt, "time")) {
      if (!IntArgOrReply(ctx.reply, args[++j], &delivery_time,
                         "ERR Invalid TIME option argument for XCLAIM")) {
        return;
      }
    } else if (more && IsOption(opt, "retrycount")) {
      if (!IntArgOrReply(ctx.reply, args[++j], &retry_count,
                         "ERR Invalid RETRYCOUNT option argument for XCLAIM")) {
        return;
      }
    } else if (more && IsOption(opt, "lastid")) {
      if (!IdOrReply(ctx, args[++j], &last_id)) return;
    } else {
      return ctx.reply.Error("ERR Unrecognized XCLAIM option '" + std::string(opt) + "'");
    }
  }
  bool log_last_id = false;
  if (last_id > group->last_id()) {
    group->set_last_id(last_id);
    log_last_id = true;
  }
  // A time in the future or before the epoch means now: clients' clocks differ.
  if (delivery_time < 0 || delivery_time > now) delivery_time = now;
  std::vector<StreamId> claimed;
  uint64_t writes = 0;
  bool have_consumer = false;
  for (StreamId id : ids) {
    StreamPending* p = group->FindPending(id);
    if (!s->entries().count(id)) {
      // The entry is gone: its pending entry goes too.
      if (p) {
        ctx.PropagateAs(ClaimLogged(args[1], args[2], *group, id, *p));
        group->Ack(id);
        log_last_id = false;
        ++writes;
      }
      continue;
    }
    if (!p && !force) continue;
    if (p && min_idle && now - p->delivery_time < min_idle) continue;
    if (!have_consumer) ClaimingConsumer(ctx, *group, args[1], args[3]);
    have_consumer = true;
    p = p ? &group->Transfer(id, args[3]) : &group->AddPending(id, args[3], now);
    p->delivery_time = delivery_time;
    if (retry_count >= 0) {
      p->delivery_count = static_cast<uint64_t>(retry_count);
    } else if (!just_id) {
      ++p->delivery_count;
    }
    claimed.push_back(id);
    ctx.PropagateAs(ClaimLogged(args[1], args[2], *group, id, *p));
    log_last_id = false;
    ++writes;
  }
  if (log_last_id) {
    ctx.PropagateAs(GroupSetIdLogged(args[1], args[2], *group));
    ++writes;
  }
  ctx.keyspace.AddDirty(writes);
  ctx.propagate_only_as = true;
  ctx.reply.ArrayHeader(claimed.size());
  for (StreamId id : claimed) ReplyClaimed(ctx, *s, id, just_id);
}

uint64_t PhysicalMemoryBytes() {
  return static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) *
         static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

// XAUTOCLAIM key group consumer min-idle start [COUNT n] [JUSTID]: claims idle pending entries
// from start on, scanning at most 10 per COUNT; entries deleted meanwhile leave the PEL and are
// listed apart. The reply's cursor is the next pending id, 0-0 at the end.
void XAutoClaimCommand(CommandContext& ctx, Args args) {
  constexpr int64_t kAttemptsFactor = 10;
  int64_t min_idle;
  if (!IntArgOrReply(ctx.reply, args[4], &min_idle,
                     "ERR Invalid min-idle-time argument for XAUTOCLAIM")) {
    return;
  }
  if (min_idle < 0) min_idle = 0;
  StreamId start;
  if (!RangeBoundOrReply(ctx, args[5], true, &start)) return;
  int64_t count = 100;
  bool just_id = false;
  for (size_t j = 6; j < args.size(); ++j) {
    if (IsOption(args[j], "count") && j + 1 < args.size()) {
      constexpr int64_t kMaxCount = INT64_MAX / 16;  // Redis: LONG_MAX / sizeof(streamID)
      int64_t n;
      if (!protocol::ParseInt64(args[++j], &n)) {
        return ctx.reply.Error("ERR COUNT must be > 0");
      }
      if (n < 1 || n > kMaxCount) return ctx.reply.Error("ERR COUNT must be > 0");
      count = n;
    } else if (IsOption(args[j], "justid")) {
      just_id = true;
    } else {
      return ctx.reply.Error(kSyntaxError);
    }
  }
  bool wrong_type;
  StreamValue* s = StreamForRead(ctx, args[1], &wrong_type);
  if (wrong_type) return;
  StreamGroup* group = s ? s->FindGroup(args[2]) : nullptr;
  if (!group) return ctx.reply.Error(NoKeyOrGroupError(args[1], args[2]));
  // Redis allocates room for COUNT deleted ids here; more than this machine's memory fails.
  if (static_cast<uint64_t>(count) > PhysicalMemoryBytes() / sizeof(StreamId)) {
    return ctx.reply.Error(
        "ERR Insufficient memory, failed allocating transient memory, COUNT too high.");
  }
  const int64_t now = ctx.keyspace.now_ms();
  int64_t attempts = count * kAttemptsFactor;
  std::vector<StreamId> claimed, deleted;
  bool have_consumer = false;
  auto it = group->pel().lower_bound(start);
  while (attempts-- > 0 && count > 0 && it != group->pel().end()) {
    const StreamId id = it->first;
    if (!s->entries().count(id)) {
      ctx.PropagateAs(ClaimLogged(args[1], args[2], *group, id, it->second));
      group->Ack(id);
      deleted.push_back(id);
      --count;
      it = group->pel().upper_bound(id);
      continue;
    }
    if (min_idle && now - it->second.delivery_time < min_idle) {
      ++it;
      continue;
    }
    if (!have_consumer) ClaimingConsumer(ctx, *group, args[1], args[3]);
    have_consumer = true;
    StreamPending& p = group->Transfer(id, args[3]);
    p.delivery_time = now;
    if (!just_id) ++p.delivery_count;
    claimed.push_back(id);
    --count;
    ctx.PropagateAs(ClaimLogged(args[1], args[2], *group, id, p));
    it = group->pel().upper_bound(id);
  }
  ctx.keyspace.AddDirty(claimed.size() + deleted.size());
  ctx.propagate_only_as = true;
  ctx.reply.ArrayHeader(3);
  ctx.reply.Bulk(it == group->pel().end() ? StreamId{}.ToString() : it->first.ToString());
  ctx.reply.ArrayHeader(claimed.size());
  for (StreamId id : claimed) ReplyClaimed(ctx, *s, id, just_id);
  ctx.reply.ArrayHeader(deleted.size());
  for (StreamId id : deleted) ctx.reply.Bulk(id.ToString());
}

// XINFO GROUPS key
void XInfoGroupsCommand(CommandContext& ctx, Args args) {
  bool wrong_type;
  const StreamValue* s = StreamForRead(ctx, args[2], &wrong_type);
  if (wrong_type) return;
  if (!s) return ctx.reply.Error(kNoSuchKeyError);
  ctx.reply.ArrayHeader(s->groups().size());
  for (const auto& [name, group] : s->groups()) {
    ctx.reply.MapHeader(6);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(name);
    ctx.reply.Bulk("consumers");
    ctx.reply.Integer(static_cast<int64_t>(group.consumers().size()));
    ctx.reply.Bulk("pending");
    ctx.reply.Integer(static_cast<int64_t>(group.pel().size()));
    ctx.reply.Bulk("last-delivered-id");
    ctx.reply.Bulk(group.last_id().ToString());
    ReplyReadCounters(ctx.reply, *s, group);
  }
}

// XINFO CONSUMERS key group
void XInfoConsumersCommand(CommandContext& ctx, Args args) {
  bool wrong_type;
  StreamValue* s = StreamForRead(ctx, args[2], &wrong_type);
  if (wrong_type) return;
  if (!s) return ctx.reply.Error(kNoSuchKeyError);
  const StreamGroup* group = s->FindGroup(args[3]);
  if (!group) return ctx.reply.Error(NoGroupForKeyError(args[3], args[2]));
  const int64_t now = ctx.keyspace.now_ms();
  ctx.reply.ArrayHeader(group->consumers().size());
  for (const auto& [name, consumer] : group->consumers()) {
    ctx.reply.MapHeader(3);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(name);
    ctx.reply.Bulk("pending");
    ctx.reply.Integer(static_cast<int64_t>(consumer.pending.size()));
    ctx.reply.Bulk("idle");
    ctx.reply.Integer(std::max<int64_t>(now - consumer.seen_time, 0));
  }
}

}  // namespace

void RegisterStreamGroupFamily(CommandTable& table) {
  const uint32_t kWriteOom = kWrite | kDenyOom;
  CommandSpec* xgroup = table.Add({"xgroup", -2, 0, 0, 0, 0, nullptr});
  table.AddSubcommand(xgroup, {"create", -5, kWriteOom, 2, 2, 1, XGroupCommand});
  table.AddSubcommand(xgroup, {"setid", -5, kWrite, 2, 2, 1, XGroupCommand});
  table.AddSubcommand(xgroup, {"destroy", 4, kWrite, 2, 2, 1, XGroupCommand});
  table.AddSubcommand(xgroup, {"createconsumer", 5, kWriteOom, 2, 2, 1, XGroupCommand});
  table.AddSubcommand(xgroup, {"delconsumer", 5, kWrite, 2, 2, 1, XGroupCommand});
  table.AddSubcommand(xgroup, {"help", 2, kLoading | kStale, 0, 0, 0, XGroupHelpCommand});
  table.Add({"xack", -4, kWrite | kFast, 1, 1, 1, XAckCommand});
  table.Add({"xpending", -3, kReadOnly, 1, 1, 1, XPendingCommand});
  table.Add({"xclaim", -6, kWrite | kFast, 1, 1, 1, XClaimCommand});
  table.Add({"xautoclaim", -6, kWrite | kFast, 1, 1, 1, XAutoClaimCommand});
  CommandSpec* xinfo = table.Find("xinfo");
  table.AddSubcommand(xinfo, {"groups", 3, kReadOnly, 2, 2, 1, XInfoGroupsCommand});
  table.AddSubcommand(xinfo, {"consumers", 4, kReadOnly, 2, 2, 1, XInfoConsumersCommand});
}

}  // namespace bazaar::engine::commands
