// Streams: XADD XLEN XRANGE XREVRANGE XDEL XTRIM XSETID XINFO STREAM XREAD and XREADGROUP (with
// BLOCK), as Redis 7.0 answers them. The data logic lives in core/stream.h; this file parses
// arguments in Redis's order, replies, and rewrites what it propagates (generated ids, `~` trims
// as exact ones, XREADGROUP's deliveries as XCLAIMs) so the AOF and replicas compute the same
// stream. The other consumer-group commands are in stream_group_family.cc.
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/commands/status_reply.h"
#include "engine/commands/stream_args.h"
#include "engine/core/encoding_limits.h"
#include "engine/core/stream.h"
#include "engine/protocol/number.h"

namespace bazaar::engine::commands {
namespace {

using core::StreamGroup;
using core::StreamId;
using core::StreamTrim;
using core::StreamValue;
using core::Value;
using core::ValueType;

// The trimming options XADD and XTRIM share, as streamParseAddOrTrimArgsOrReply reads them.
struct AddOrTrimArgs {
  StreamTrim trim;
  size_t threshold_at = 0;  // the MAXLEN/MINID value's argument
  size_t id_at = 0;         // XADD: the id argument; XTRIM: where parsing stopped
  bool no_mkstream = false;
  bool id_given = false;
  bool seq_given = true;
  StreamId id;
};

bool ParseAddOrTrim(CommandContext& ctx, Args args, bool xadd, AddOrTrimArgs* out) {
  using Strategy = StreamTrim::Strategy;
  bool limit_given = false;
  size_t i = 2;
  for (; i < args.size(); ++i) {
    const size_t more = args.size() - 1 - i;
    std::string_view opt = args[i];
    if (xadd && opt == "*") {
      break;
    } else if (more && (IsOption(opt, "maxlen") || IsOption(opt, "minid"))) {
      if (out->trim.strategy != Strategy::kNone) {
        ctx.reply.Error(
            "ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
        return false;
      }
      const bool maxlen = IsOption(opt, "maxlen");
      if (more >= 2 && (args[i + 1] == "~" || args[i + 1] == "=")) {
        out->trim.approx = args[i + 1] == "~";
        ++i;
      }
      if (maxlen) {
        int64_t n;
        if (!IntArgOrReply(ctx.reply, args[i + 1], &n)) return false;
        if (n < 0) return ctx.reply.Error("ERR The MAXLEN argument must be >= 0."), false;
        out->trim.maxlen = static_cast<uint64_t>(n);
        out->trim.strategy = Strategy::kMaxLen;
      } else {
        if (!IdOrReply(ctx, args[i + 1], &out->trim.minid)) return false;
        out->trim.strategy = Strategy::kMinId;
      }
      out->threshold_at = ++i;
    } else if (more && IsOption(opt, "limit")) {
      if (!IntArgOrReply(ctx.reply, args[i + 1], &out->trim.limit)) return false;
      if (out->trim.limit < 0) return ctx.reply.Error("ERR The LIMIT argument must be >= 0."), false;
      limit_given = true;
      ++i;
    } else if (xadd && IsOption(opt, "nomkstream")) {
      out->no_mkstream = true;
    } else if (xadd) {
      auto id = ParseId(opt, 0, true, &out->seq_given);
      if (!id) return ctx.reply.Error(kInvalidIdError), false;
      out->id = *id;
      out->id_given = true;
      break;
    } else {
      break;
    }
  }
  out->id_at = i;
  if (limit_given && out->trim.strategy == Strategy::kNone) {
    ctx.reply.Error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return false;
  }
  if (!xadd && i < args.size()) return ctx.reply.Error(kSyntaxError), false;
  if (ctx.client.must_obey()) {
    // The primary or the AOF rewrote the trim to its exact result (see below): no node limit.
    out->trim.limit = 0;
  } else if (!out->trim.approx) {
    if (limit_given) {
      ctx.reply.Error("ERR syntax error, LIMIT cannot be used without the special ~ option");
      return false;
    }
    out->trim.limit = 0;
  } else if (!limit_given) {
    // Redis bounds an unlimited `~` trim to 100 nodes' worth of entries, at most 10000.
    const int64_t per_node = static_cast<int64_t>(core::CurrentEncodingLimits().stream_node_max_entries);
    out->trim.limit = 100 * per_node;
    if (out->trim.limit <= 0 || out->trim.limit > 10000) out->trim.limit = 10000;
  }
  return true;
}

// After a `~` trim, the propagated command trims exactly to where this one stopped.
void RewriteApproxTrim(const AddOrTrimArgs& parsed, const StreamValue& s,
                       std::vector<std::string>* argv) {
  (*argv)[parsed.threshold_at - 1] = "=";
  (*argv)[parsed.threshold_at] = parsed.trim.strategy == StreamTrim::Strategy::kMaxLen
                                     ? std::to_string(s.size())
                                     : s.first_id_with_tombstones().ToString();
}

// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [...]
void XAddCommand(CommandContext& ctx, Args args) {
  AddOrTrimArgs parsed;
  if (!ParseAddOrTrim(ctx, args, true, &parsed)) return;
  const size_t fields_at = parsed.id_at + 1;
  if (args.size() < fields_at + 2 || (args.size() - fields_at) % 2 == 1) {
    return ctx.reply.Error(WrongArityError("xadd"));
  }
  if (parsed.id_given && parsed.seq_given && parsed.id == StreamId{}) {
    return ctx.reply.Error("ERR The ID specified in XADD must be greater than 0-0");
  }
  bool wrong_type;
  StreamValue* s = StreamForWrite(ctx, args[1], &wrong_type);
  if (wrong_type) return;
  if (!s) {
    if (parsed.no_mkstream) return ctx.reply.NullBulk();
    s = &ctx.keyspace.Store(ctx.db(), args[1], Value::NewStream()).stream();
  }
  if (s->last_id() == StreamId::Max()) {
    return ctx.reply.Error(
        "ERR The stream has exhausted the last possible ID, unable to add more items");
  }
  StreamId id = parsed.id;
  bool id_ok = true;
  if (!parsed.id_given) {
    const auto now = static_cast<uint64_t>(ctx.keyspace.now_ms());
    id = s->last_id();
    if (now > id.ms) id = StreamId{now, 0};
    else id_ok = id.Increment();
  } else if (!parsed.seq_given && s->last_id().ms == id.ms) {
    // ms-* continues the last id's sequence, never into the next millisecond.
    id_ok = s->last_id().seq != UINT64_MAX;
    id.seq = s->last_id().seq + 1;
  }
  if (!id_ok || id <= s->last_id()) {
    return ctx.reply.Error(
        "ERR The ID specified in XADD is equal or smaller than the target stream top item");
  }
  const auto& limits = core::CurrentEncodingLimits();
  s->Append(id, args.subspan(fields_at), limits.stream_node_max_bytes,
            limits.stream_node_max_entries);
  ctx.reply.Bulk(id.ToString());
  ctx.keyspace.MarkModified(ctx.db(), args[1]);
  ctx.keyspace.Notify(ctx.db(), core::events::kStream, "xadd", args[1]);
  if (s->Trim(parsed.trim)) {
    ctx.keyspace.Notify(ctx.db(), core::events::kStream, "xtrim", args[1]);
  }
  const bool rewrite_id = !parsed.id_given || !parsed.seq_given;
  if (parsed.trim.approx || rewrite_id) {
    std::vector<std::string> argv(args.begin(), args.end());
    if (parsed.trim.approx) RewriteApproxTrim(parsed, *s, &argv);
    if (rewrite_id) argv[parsed.id_at] = id.ToString();
    ctx.PropagateAs(std::move(argv));
  }
}

// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
void XTrimCommand(CommandContext& ctx, Args args) {
  AddOrTrimArgs parsed;
  if (!ParseAddOrTrim(ctx, args, false, &parsed)) return;
  bool wrong_type;
  StreamValue* s = StreamForWrite(ctx, args[1], &wrong_type);
  if (wrong_type) return;
  if (!s) return ctx.reply.Integer(0);
  const uint64_t removed = s->Trim(parsed.trim);
  if (removed) {
    if (parsed.trim.approx) {
      std::vector<std::string> argv(args.begin(), args.end());
      RewriteApproxTrim(parsed, *s, &argv);
      ctx.PropagateAs(std::move(argv));
    }
    ctx.keyspace.MarkModified(ctx.db(), args[1]);
    ctx.keyspace.Notify(ctx.db(), core::events::kStream, "xtrim", args[1]);
  }
  ctx.reply.Integer(static_cast<int64_t>(removed));
}

void XLenCommand(CommandContext& ctx, Args args) {
  bool wrong_type;
  const StreamValue* s = StreamForRead(ctx, args[1], &wrong_type);
  if (wrong_type) return;
  ctx.reply.Integer(s ? static_cast<int64_t>(s->size()) : 0);
}

// XRANGE key start end [COUNT n] and XREVRANGE key end start [COUNT n].
void RangeCommand(CommandContext& ctx, Args args, bool rev) {
  StreamId start, end;
  if (!RangeBoundOrReply(ctx, rev ? args[3] : args[2], true, &start)) return;
  if (!RangeBoundOrReply(ctx, rev ? args[2] : args[3], false, &end)) return;
  int64_t count = -1;
  for (size_t j = 4; j < args.size(); ++j) {
    if (IsOption(args[j], "count") && j + 1 < args.size()) {
      if (!IntArgOrReply(ctx.reply, args[++j], &count)) return;
      if (count < 0) count = 0;
    } else {
      return ctx.reply.Error(kSyntaxError);
    }
  }
  bool wrong_type;
  const StreamValue* s = StreamForRead(ctx, args[1], &wrong_type);
  if (wrong_type) return;
  if (!s) return ctx.reply.ArrayHeader(0);
  if (count == 0) return ctx.reply.NullArray();
  ReplyRange(ctx.reply, *s, start, end, count == -1 ? 0 : static_cast<uint64_t>(count), rev);
}

void XRangeCommand(CommandContext& ctx, Args args) { RangeCommand(ctx, args, false); }
void XRevRangeCommand(CommandContext& ctx, Args args) { RangeCommand(ctx, args, true); }

// XDEL key id [id ...]: the key is looked up before the ids are checked, as in Redis.
void XDelCommand(CommandContext& ctx, Args args) {
  bool wrong_type;
  StreamValue* s = StreamForWrite(ctx, args[1], &wrong_type);
  if (wrong_type) return;
  if (!s) return ctx.reply.Integer(0);
  std::vector<StreamId> ids(args.size() - 2);
  for (size_t j = 2; j < args.size(); ++j) {
    if (!IdOrReply(ctx, args[j], &ids[j - 2])) return;
  }
  int64_t deleted = 0;
  for (StreamId id : ids) {
    if (!s->Delete(id)) continue;
    if (id > s->max_deleted_id()) s->set_max_deleted_id(id);
    ++deleted;
  }
  if (deleted) {
    ctx.keyspace.MarkModified(ctx.db(), args[1]);
    ctx.keyspace.Notify(ctx.db(), core::events::kStream, "xdel", args[1]);
  }
  ctx.reply.Integer(deleted);
}

// XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id]
void XSetIdCommand(CommandContext& ctx, Args args) {
  StreamId id, max_deleted;
  if (!IdOrReply(ctx, args[2], &id)) return;
  int64_t entries_added = -1;
  for (size_t i = 3; i < args.size(); i += 2) {
    const bool more = i + 1 < args.size();
    if (more && IsOption(args[i], "entriesadded")) {
      if (!IntArgOrReply(ctx.reply, args[i + 1], &entries_added)) return;
      if (entries_added < 0) return ctx.reply.Error("ERR entries_added must be positive");
    } else if (more && IsOption(args[i], "maxdeletedid")) {
      if (!IdOrReply(ctx, args[i + 1], &max_deleted)) return;
      if (id < max_deleted) {
        return ctx.reply.Error(
            "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
      }
    } else {
      return ctx.reply.Error(kSyntaxError);
    }
  }
  bool wrong_type;
  StreamValue* s = StreamForWrite(ctx, args[1], &wrong_type);
  if (wrong_type) return;
  if (!s) return ctx.reply.Error(kNoSuchKeyError);
  if (s->size() > 0) {
    if (id < std::prev(s->entries().end())->first) {
      return ctx.reply.Error(
          "ERR The ID specified in XSETID is smaller than the target stream top item");
    }
    if (entries_added != -1 && s->size() > static_cast<uint64_t>(entries_added)) {
      return ctx.reply.Error(
          "ERR The entries_added specified in XSETID is smaller than the target stream length");
    }
  }
  s->set_last_id(id);
  if (entries_added != -1) s->set_entries_added(static_cast<uint64_t>(entries_added));
  if (max_deleted != StreamId{}) s->set_max_deleted_id(max_deleted);
  // Redis 7.0's XSETID counts a write but signals no WATCH.
  ctx.keyspace.AddDirty(1);
  ctx.keyspace.Notify(ctx.db(), core::events::kStream, "xsetid", args[1]);
  ctx.reply.Ok();
}

// The nodes of a compressed trie (Redis's rax) over the big-endian 16-byte keys
// [lo, hi) from depth d: a run of levels they all share is one node, a level where they part
// is one node whose children follow, and every key ends in a leaf node.
size_t RaxNodes(const std::vector<std::string>& keys, size_t lo, size_t hi, size_t d) {
  if (d == 16) return 1;
  if (keys[lo][d] == keys[hi - 1][d]) {
    while (d < 16 && keys[lo][d] == keys[hi - 1][d]) ++d;
    return 1 + RaxNodes(keys, lo, hi, d);
  }
  size_t count = 1;
  for (size_t i = lo; i < hi;) {
    size_t j = i + 1;
    while (j < hi && keys[j][d] == keys[i][d]) ++j;
    count += RaxNodes(keys, i, j, d + 1);
    i = j;
  }
  return count;
}

// XINFO's radix-tree-nodes: Redis's rax over the nodes' first ids.
size_t RaxNodeCount(const StreamValue::Nodes& nodes) {
  if (nodes.empty()) return 1;
  std::vector<std::string> keys;
  for (const auto& [id, node] : nodes) keys.push_back(id.Key());
  return RaxNodes(keys, 0, keys.size(), 0);
}

void ReplyFirstOrLast(protocol::ReplyBuilder& reply, const StreamValue& s, bool last) {
  if (s.size() == 0) return reply.NullBulk();
  auto it = last ? std::prev(s.entries().end()) : s.entries().begin();
  ReplyEntry(reply, it->first, it->second);
}

// XINFO STREAM FULL's groups: each with its PEL and consumers, every PEL listing at most
// count entries (0: all).
void ReplyGroupsFull(CommandContext& ctx, const StreamValue& s, uint64_t count) {
  protocol::ReplyBuilder& reply = ctx.reply;
  reply.ArrayHeader(s.groups().size());
  for (const auto& [name, group] : s.groups()) {
    reply.MapHeader(7);
    reply.Bulk("name");
    reply.Bulk(name);
    reply.Bulk("last-delivered-id");
    reply.Bulk(group.last_id().ToString());
    ReplyReadCounters(reply, s, group);
    reply.Bulk("pel-count");
    reply.Integer(static_cast<int64_t>(group.pel().size()));
    reply.Bulk("pending");
    const size_t shown =
        count == 0 ? group.pel().size() : std::min<size_t>(count, group.pel().size());
    reply.ArrayHeader(shown);
    auto it = group.pel().begin();
    for (size_t i = 0; i < shown; ++i, ++it) {
      reply.ArrayHeader(4);
      reply.Bulk(it->first.ToString());
      reply.Bulk(it->second.consumer);
      reply.Integer(it->second.delivery_time);
      reply.Integer(static_cast<int64_t>(it->second.delivery_count));
    }
    reply.Bulk("consumers");
    reply.ArrayHeader(group.consumers().size());
    for (const auto& [consumer_name, consumer] : group.consumers()) {
      reply.MapHeader(4);
      reply.Bulk("name");
      reply.Bulk(consumer_name);
      reply.Bulk("seen-time");
      reply.Integer(consumer.seen_time);
      reply.Bulk("pel-count");
      reply.Integer(static_cast<int64_t>(consumer.pending.size()));
      reply.Bulk("pending");
      const size_t own = count == 0 ? consumer.pending.size()
                                    : std::min<size_t>(count, consumer.pending.size());
      reply.ArrayHeader(own);
      auto id = consumer.pending.begin();
      for (size_t i = 0; i < own; ++i, ++id) {
        const core::StreamPending& p = group.pel().find(*id)->second;
        reply.ArrayHeader(3);
        reply.Bulk(id->ToString());
        reply.Integer(p.delivery_time);
        reply.Integer(static_cast<int64_t>(p.delivery_count));
      }
    }
  }
}

// XINFO STREAM key [FULL [COUNT n]]
void XInfoStreamCommand(CommandContext& ctx, Args args) {
  bool wrong_type;
  const StreamValue* s = StreamForRead(ctx, args[2], &wrong_type);
  if (wrong_type) return;
  if (!s) return ctx.reply.Error(kNoSuchKeyError);
  bool full = false;
  int64_t count = 10;
  if (args.size() > 3) {
    const bool counted = args.size() == 6 && IsOption(args[4], "count");
    if (!IsOption(args[3], "full") || (args.size() != 4 && !counted)) {
      return ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                             std::string(args[1]) + "'. Try XINFO HELP.");
    }
    if (counted && !IntArgOrReply(ctx.reply, args[5], &count)) return;
    if (count < 0) count = 0;
    full = true;
  }
  ctx.reply.MapHeader(full ? 9 : 10);
  ctx.reply.Bulk("length");
  ctx.reply.Integer(static_cast<int64_t>(s->size()));
  ctx.reply.Bulk("radix-tree-keys");
  ctx.reply.Integer(static_cast<int64_t>(s->nodes().size()));
  ctx.reply.Bulk("radix-tree-nodes");
  ctx.reply.Integer(static_cast<int64_t>(RaxNodeCount(s->nodes())));
  ctx.reply.Bulk("last-generated-id");
  ctx.reply.Bulk(s->last_id().ToString());
  ctx.reply.Bulk("max-deleted-entry-id");
  ctx.reply.Bulk(s->max_deleted_id().ToString());
  ctx.reply.Bulk("entries-added");
  ctx.reply.Integer(static_cast<int64_t>(s->entries_added()));
  ctx.reply.Bulk("recorded-first-entry-id");
  ctx.reply.Bulk(s->first_id().ToString());
  if (full) {
    ctx.reply.Bulk("entries");
    ReplyRange(ctx.reply, *s, StreamId{}, StreamId::Max(), static_cast<uint64_t>(count), false);
    ctx.reply.Bulk("groups");
    ReplyGroupsFull(ctx, *s, static_cast<uint64_t>(count));
    return;
  }
  ctx.reply.Bulk("groups");
  ctx.reply.Integer(static_cast<int64_t>(s->groups().size()));
  ctx.reply.Bulk("first-entry");
  ReplyFirstOrLast(ctx.reply, *s, false);
  ctx.reply.Bulk("last-entry");
  ReplyFirstOrLast(ctx.reply, *s, true);
}

void XInfoHelpCommand(CommandContext& ctx, Args) {
  ctx.reply.ArrayHeader(9);
  for (const char* line :
       {"XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "CONSUMERS <key> <groupname>",
        "    Show consumers of <groupname>.", "GROUPS <key>", "    Show the stream consumer groups.",
        "STREAM <key> [FULL [COUNT <count>]", "    Show information about the stream.", "HELP",
        "    Prints this help."}) {
    ctx.reply.SimpleString(line);
  }
}

// XREAD's and XREADGROUP's options, as xreadCommand reads them.
struct ReadArgs {
  int64_t count = 0;
  int64_t deadline = -1;  // -1: do not block
  size_t streams_at = 0;
  size_t n = 0;  // streams
  std::string_view group, consumer;
  bool noack = false;
};

bool ParseReadArgs(CommandContext& ctx, Args args, bool xreadgroup, ReadArgs* out) {
  for (size_t i = 1; i < args.size(); ++i) {
    const size_t more = args.size() - i - 1;
    if (more && IsOption(args[i], "block")) {
      if (ctx.client.is_script) {
        // A script cannot wait: Redis refuses the option rather than ignore it.
        ctx.reply.Error(absl::StrCat("ERR ", std::string(args[0]),
                                     " command is not allowed with BLOCK option from scripts"));
        return false;
      }
      if (!BlockDeadlineOrReply(ctx, args[++i], &out->deadline)) return false;
    } else if (more && IsOption(args[i], "count")) {
      if (!IntArgOrReply(ctx.reply, args[++i], &out->count)) return false;
      if (out->count < 0) out->count = 0;
    } else if (more && IsOption(args[i], "streams")) {
      out->streams_at = i + 1;
      if ((args.size() - out->streams_at) % 2 != 0) {
        ctx.reply.Error(
            "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
            "specified.");
        return false;
      }
      break;
    } else if (more >= 2 && IsOption(args[i], "group")) {
      if (!xreadgroup) {
        ctx.reply.Error(
            "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
        return false;
      }
      out->group = args[i + 1];
      out->consumer = args[i + 2];
      i += 2;
    } else if (IsOption(args[i], "noack")) {
      if (!xreadgroup) {
        ctx.reply.Error(
            "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
        return false;
      }
      out->noack = true;
    } else {
      ctx.reply.Error(kSyntaxError);
      return false;
    }
  }
  if (out->streams_at == 0) return ctx.reply.Error(kSyntaxError), false;
  if (xreadgroup && out->group.data() == nullptr) {
    return ctx.reply.Error("ERR Missing GROUP option for XREADGROUP"), false;
  }
  out->n = (args.size() - out->streams_at) / 2;
  // Served after blocking, Redis caps an unlimited read.
  if (ctx.client.blocked && out->count == 0) out->count = 1000;
  return true;
}

// No stream could be served: a null array, or the client blocks (not inside MULTI).
void NothingToRead(CommandContext& ctx, const ReadArgs& r, Args argv,
                   std::optional<ValueType> wake_on) {
  if (r.deadline == -1 || ctx.client.tx.in_multi) return ctx.reply.NullArray();
  std::vector<std::string> keys(argv.begin() + r.streams_at, argv.begin() + r.streams_at + r.n);
  ctx.server.blocking->BlockClient(ctx.client, argv, wake_on, std::move(keys), r.deadline);
}

// Whether a read may serve `key` now: any key on a first run, only the waking key on a re-run.
bool ServedOnWake(const CommandContext& ctx, std::string_view key) {
  return !ctx.client.blocked || ctx.client.woken_key.empty() || ctx.client.woken_key == key;
}

void ReadReplyHeader(CommandContext& ctx, size_t streams) {
  ctx.client.resp >= 3 ? ctx.reply.MapHeader(streams) : ctx.reply.ArrayHeader(streams);
}

// XREAD [COUNT n] [BLOCK ms] STREAMS key [key ...] id [id ...]
void XReadCommand(CommandContext& ctx, Args args) {
  ReadArgs r;
  if (!ParseReadArgs(ctx, args, false, &r)) return;
  std::vector<StreamId> after(r.n);
  std::vector<std::string> argv(args.begin(), args.end());  // `$` resolved, for a re-run
  for (size_t k = 0; k < r.n; ++k) {
    std::string_view key = args[r.streams_at + k];
    std::string_view arg = args[r.streams_at + r.n + k];
    const Value* v = ctx.keyspace.Peek(ctx.db(), key);
    if (v && ctx.keyspace.IsExpired(ctx.db(), key)) v = nullptr;
    if (v && v->type() != ValueType::kStream) return ctx.reply.Error(kWrongTypeError);
    if (arg == "$") {
      after[k] = v ? v->stream().last_id() : StreamId{};
      argv[r.streams_at + r.n + k] = after[k].ToString();
    } else if (arg == ">") {
      return ctx.reply.Error(
          "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
          "<consumer> option.");
    } else if (!IdOrReply(ctx, arg, &after[k])) {
      return;
    }
  }
  // Redis serves every stream with an entry past its id, if any; otherwise it blocks. Woken,
  // it serves the stream that woke it, alone.
  std::vector<std::pair<size_t, const StreamValue*>> ready;
  for (size_t k = 0; k < r.n; ++k) {
    if (!ServedOnWake(ctx, args[r.streams_at + k]) || (!ready.empty() && ctx.client.blocked)) {
      continue;
    }
    bool wrong_type;
    const StreamValue* s = StreamForRead(ctx, args[r.streams_at + k], &wrong_type);
    if (s && s->size() && std::prev(s->entries().end())->first > after[k]) ready.emplace_back(k, s);
  }
  if (ready.empty()) {
    std::vector<std::string_view> views(argv.begin(), argv.end());
    return NothingToRead(ctx, r, views, ValueType::kStream);
  }
  ReadReplyHeader(ctx, ready.size());
  for (const auto& [k, s] : ready) {
    if (ctx.client.resp < 3) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(args[r.streams_at + k]);
    StreamId start = after[k];
    start.Increment();
    ReplyRange(ctx.reply, *s, start, StreamId::Max(), static_cast<uint64_t>(r.count), false);
  }
}

// One stream of an XREADGROUP: the group's new entries (`>`), delivered to the consumer and
// logged as the XCLAIMs (or, with NOACK, the XGROUP SETID) that recreate them.
void ReplyNewEntries(CommandContext& ctx, const ReadArgs& r, std::string_view key,
                     StreamValue& s, StreamGroup& group) {
  StreamId start = group.last_id();
  start.Increment();
  std::vector<StreamValue::Entries::const_iterator> picked;
  for (auto it = s.entries().lower_bound(start);
       it != s.entries().end() && (r.count == 0 || picked.size() < static_cast<uint64_t>(r.count));
       ++it) {
    picked.push_back(it);
  }
  const int64_t now = ctx.keyspace.now_ms();
  bool log_last_id = false;
  ctx.reply.ArrayHeader(picked.size());
  for (auto it : picked) {
    const StreamId id = it->first;
    if (id > group.last_id()) {
      s.RecordGroupRead(group, id);
      log_last_id = r.noack;
    }
    ReplyEntry(ctx.reply, id, it->second);
    if (r.noack) continue;
    const core::StreamPending& p = group.Deliver(id, r.consumer, now);
    ctx.PropagateAs(ClaimLogged(key, r.group, group, id, p));
  }
  if (log_last_id) ctx.PropagateAs(GroupSetIdLogged(key, r.group, group));
}

// One stream of an XREADGROUP with an id: the consumer's own pending entries after it, each
// delivered once more (an entry deleted meanwhile is its id and a nil).
void ReplyHistory(CommandContext& ctx, const ReadArgs& r, const StreamValue& s,
                  StreamGroup& group, StreamId after) {
  core::StreamConsumer& consumer = *group.FindConsumer(r.consumer);
  std::vector<StreamId> ids;
  StreamId start = after;
  start.Increment();
  for (auto it = consumer.pending.lower_bound(start);
       it != consumer.pending.end() &&
       (r.count == 0 || ids.size() < static_cast<uint64_t>(r.count));
       ++it) {
    ids.push_back(*it);
  }
  ctx.reply.ArrayHeader(ids.size());
  for (StreamId id : ids) {
    auto entry = s.entries().find(id);
    if (entry == s.entries().end()) {
      ctx.reply.ArrayHeader(2);
      ctx.reply.Bulk(id.ToString());
      ctx.reply.NullArray();
      continue;
    }
    ReplyEntry(ctx.reply, id, entry->second);
    core::StreamPending& p = *group.FindPending(id);
    p.delivery_time = ctx.keyspace.now_ms();
    ++p.delivery_count;
  }
}

// XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key [key ...] id [id ...]
// Re-run after blocking, a key that is gone (or no longer a stream) or a destroyed group ends
// the wait with Redis's errors for them.
void XReadGroupCommand(CommandContext& ctx, Args args) {
  ReadArgs r;
  if (!ParseReadArgs(ctx, args, true, &r)) return;
  ctx.propagate_only_as = true;
  const bool rerun = ctx.client.blocked;
  std::vector<StreamValue*> streams(r.n);
  std::vector<StreamGroup*> groups(r.n);
  std::vector<std::optional<StreamId>> after(r.n);  // none: `>`
  for (size_t k = 0; k < r.n; ++k) {
    std::string_view key = args[r.streams_at + k];
    std::string_view arg = args[r.streams_at + r.n + k];
    bool wrong_type;
    if (rerun) {
      Value* v = ctx.keyspace.FindForRead(ctx.db(), key);
      if (!v || v->type() != ValueType::kStream) {
        return ctx.reply.Error("UNBLOCKED the stream key no longer exists");
      }
      streams[k] = &v->stream();
    } else if (!(streams[k] = StreamForRead(ctx, key, &wrong_type)) && wrong_type) {
      return;
    }
    groups[k] = streams[k] ? streams[k]->FindGroup(r.group) : nullptr;
    if (!groups[k]) {
      return ctx.reply.Error(
          rerun ? std::string("NOGROUP the consumer group this client was blocked on no longer "
                              "exists")
                : "NOGROUP No such key '" + std::string(key) + "' or consumer group '" +
                      std::string(r.group) + "' in XREADGROUP with GROUP option");
    }
    if (arg == "$") {
      return ctx.reply.Error(
          "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the "
          "history of this consumer by specifying a proper ID, or use the > ID to get new "
          "messages. The $ ID would just return an empty result set.");
    }
    if (arg == ">") continue;
    StreamId id;
    if (!IdOrReply(ctx, arg, &id)) return;
    after[k] = id;
  }
  std::vector<size_t> ready;
  for (size_t k = 0; k < r.n; ++k) {
    if (!ServedOnWake(ctx, args[r.streams_at + k]) || (!ready.empty() && rerun)) continue;
    const StreamValue& s = *streams[k];
    if (after[k] || (s.size() && std::prev(s.entries().end())->first > groups[k]->last_id())) {
      ready.push_back(k);
    }
  }
  if (ready.empty()) return NothingToRead(ctx, r, args, std::nullopt);
  const int64_t now = ctx.keyspace.now_ms();
  ReadReplyHeader(ctx, ready.size());
  for (size_t k : ready) {
    std::string_view key = args[r.streams_at + k];
    if (ctx.client.resp < 3) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(key);
    bool created;
    groups[k]->FindOrCreateConsumer(r.consumer, now, &created).seen_time = now;
    if (created) ctx.keyspace.Notify(ctx.db(), core::events::kStream, "xgroup-createconsumer", key);
    // Without NOACK the logged XCLAIMs create the consumer where they are replayed.
    if (created && r.noack) {
      ctx.PropagateAs({"XGROUP", "CREATECONSUMER", std::string(key), std::string(r.group),
                       std::string(r.consumer)});
    }
    if (after[k]) {
      ReplyHistory(ctx, r, *streams[k], *groups[k], *after[k]);
    } else {
      ReplyNewEntries(ctx, r, key, *streams[k], *groups[k]);
    }
    ctx.keyspace.AddDirty(1);
  }
}

}  // namespace

void RegisterStreamFamily(CommandTable& table) {
  const uint32_t kWriteOom = kWrite | kDenyOom;
  table.Add({"xadd", -5, kWriteOom | kFast, 1, 1, 1, XAddCommand});
  table.Add({"xtrim", -4, kWrite, 1, 1, 1, XTrimCommand});
  table.Add({"xlen", 2, kReadOnly | kFast, 1, 1, 1, XLenCommand});
  table.Add({"xrange", -4, kReadOnly, 1, 1, 1, XRangeCommand});
  table.Add({"xrevrange", -4, kReadOnly, 1, 1, 1, XRevRangeCommand});
  table.Add({"xdel", -3, kWrite | kFast, 1, 1, 1, XDelCommand});
  table.Add({"xsetid", -3, kWriteOom | kFast, 1, 1, 1, XSetIdCommand});
  // Redis marks XREAD movablekeys (after STREAMS); the table has no such flag, so no key range.
  table.Add({"xread", -4, kReadOnly | kBlocking | kMovableKeys, 0, 0, 0, XReadCommand});
  table.Add({"xreadgroup", -7, kWrite | kBlocking | kMovableKeys, 0, 0, 0, XReadGroupCommand});
  CommandSpec* xinfo = table.Add({"xinfo", -2, 0, 0, 0, 0, nullptr});
  table.AddSubcommand(xinfo, {"stream", -3, kReadOnly, 2, 2, 1, XInfoStreamCommand});
  table.AddSubcommand(xinfo, {"help", 2, kLoading | kStale, 0, 0, 0, XInfoHelpCommand});
}

}  // namespace bazaar::engine::commands
