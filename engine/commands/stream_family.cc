// Streams: XADD XLEN XRANGE XREVRANGE XDEL XTRIM XSETID XINFO STREAM XREAD (with BLOCK), as
// Redis 7.0 answers them. The data logic lives in core/stream.h; this file parses arguments in
// Redis's order, replies, and rewrites what it propagates (generated ids, `~` trims as exact
// ones) so the AOF and replicas compute the same stream. Consumer groups are not here yet.
#include <optional>
#include <string>
#include <vector>

#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/commands/status_reply.h"
#include "engine/core/encoding_limits.h"
#include "engine/core/stream.h"
#include "engine/protocol/number.h"

namespace bazaar::engine::commands {
namespace {

using core::StreamId;
using core::StreamTrim;
using core::StreamValue;
using core::Value;
using core::ValueType;

constexpr std::string_view kInvalidIdError =
    "ERR Invalid stream ID specified as stream command argument";

// Redis's string2ull: a canonical integer, or what strtoull accepts (leading blanks, a sign,
// leading zeros; a minus negates modulo 2^64), but never a negative canonical integer.
bool ParseUnsigned(std::string_view s, uint64_t* out) {
  int64_t v;
  if (protocol::ParseInt64(s, &v)) {
    if (v < 0) return false;
    *out = static_cast<uint64_t>(v);
    return true;
  }
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  if (i == s.size()) return false;
  uint64_t n = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(s[i] - '0');
    if (n > (UINT64_MAX - digit) / 10) return false;  // ERANGE
    n = n * 10 + digit;
  }
  *out = negative ? uint64_t{0} - n : n;
  return true;
}

// An id argument as Redis's streamGenericParseIDOrReply reads it: `-` and `+` (unless strict),
// `ms`, `ms-seq`, and `ms-*` where seq_given is asked for (it then reports whether seq was given).
std::optional<StreamId> ParseId(std::string_view arg, uint64_t missing_seq, bool strict,
                                bool* seq_given = nullptr) {
  if (arg.size() > 127) return std::nullopt;
  if (strict && (arg == "-" || arg == "+")) return std::nullopt;
  if (seq_given) *seq_given = true;
  if (arg == "-") return StreamId{};
  if (arg == "+") return StreamId::Max();
  // A NUL ends the C string Redis parses.
  arg = arg.substr(0, arg.find('\0'));
  StreamId id;
  const size_t dash = arg.find('-');
  if (!ParseUnsigned(arg.substr(0, dash), &id.ms)) return std::nullopt;
  if (dash == std::string_view::npos) {
    id.seq = missing_seq;
  } else if (seq_given && arg.substr(dash + 1) == "*") {
    *seq_given = false;
  } else if (!ParseUnsigned(arg.substr(dash + 1), &id.seq)) {
    return std::nullopt;
  }
  return id;
}

bool IdOrReply(CommandContext& ctx, std::string_view arg, StreamId* out, uint64_t missing_seq = 0,
               bool strict = true) {
  auto id = ParseId(arg, missing_seq, strict);
  if (!id) return ctx.reply.Error(kInvalidIdError), false;
  *out = *id;
  return true;
}

// A range bound: an id, `-`/`+`, or `(id` for an exclusive one (then moved one step inwards).
bool RangeBoundOrReply(CommandContext& ctx, std::string_view arg, bool start, StreamId* out) {
  const bool exclusive = arg.size() > 1 && arg[0] == '(';
  const uint64_t missing_seq = start ? 0 : UINT64_MAX;
  if (!IdOrReply(ctx, exclusive ? arg.substr(1) : arg, out, missing_seq, exclusive)) return false;
  if (exclusive && !(start ? out->Increment() : out->Decrement())) {
    ctx.reply.Error(start ? "ERR invalid start ID for the interval"
                          : "ERR invalid end ID for the interval");
    return false;
  }
  return true;
}

// A stream under key for writing, or null after the reply (WRONGTYPE) or when missing.
StreamValue* StreamForWrite(CommandContext& ctx, std::string_view key, bool* wrong_type) {
  Value* v = ctx.keyspace.FindForWrite(ctx.db(), key);
  *wrong_type = v && v->type() != ValueType::kStream;
  if (*wrong_type) ctx.reply.Error(kWrongTypeError);
  return v && !*wrong_type ? &v->stream() : nullptr;
}

const StreamValue* StreamForRead(CommandContext& ctx, std::string_view key, bool* wrong_type) {
  Value* v = ctx.keyspace.FindForRead(ctx.db(), key);
  *wrong_type = v && v->type() != ValueType::kStream;
  if (*wrong_type) ctx.reply.Error(kWrongTypeError);
  return v && !*wrong_type ? &v->stream() : nullptr;
}

void ReplyEntry(protocol::ReplyBuilder& reply, StreamId id, std::string_view packed) {
  reply.ArrayHeader(2);
  reply.Bulk(id.ToString());
  auto fields = StreamValue::Unpack(packed);
  reply.ArrayHeader(fields.size());
  for (std::string_view f : fields) reply.Bulk(f);
}

// Entries within [start, end] (end..start when rev), at most count (0: all).
void ReplyRange(protocol::ReplyBuilder& reply, const StreamValue& s, StreamId start, StreamId end,
                uint64_t count, bool rev) {
  std::vector<StreamValue::Entries::const_iterator> picked;
  if (start <= end) {
    auto lo = s.entries().lower_bound(start);
    auto hi = s.entries().upper_bound(end);
    if (!rev) {
      for (auto it = lo; it != hi && (count == 0 || picked.size() < count); ++it) {
        picked.push_back(it);
      }
    } else {
      for (auto it = hi; it != lo && (count == 0 || picked.size() < count);) picked.push_back(--it);
    }
  }
  reply.ArrayHeader(picked.size());
  for (auto it : picked) ReplyEntry(reply, it->first, it->second);
}

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
  if (!out->trim.approx) {
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

// XINFO STREAM key [FULL [COUNT n]] (no consumer groups yet: groups are 0 / empty).
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
    ctx.reply.ArrayHeader(0);
    return;
  }
  ctx.reply.Bulk("groups");
  ctx.reply.Integer(0);
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

// BLOCK's timeout: integer milliseconds, made absolute (0: forever).
bool BlockDeadlineOrReply(CommandContext& ctx, std::string_view arg, int64_t* deadline) {
  int64_t ms;
  if (!IntArgOrReply(ctx.reply, arg, &ms, "ERR timeout is not an integer or out of range")) {
    return false;
  }
  if (ms < 0) return ctx.reply.Error("ERR timeout is negative"), false;
  const int64_t now = ctx.keyspace.now_ms();
  if (ms > 0 && ms > INT64_MAX - now) return ctx.reply.Error("ERR timeout is out of range"), false;
  *deadline = ms > 0 ? now + ms : 0;
  return true;
}

// XREAD [COUNT n] [BLOCK ms] STREAMS key [key ...] id [id ...]
void XReadCommand(CommandContext& ctx, Args args) {
  int64_t count = 0;
  int64_t deadline = -1;  // -1: do not block
  size_t streams_at = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    const bool more = i + 1 < args.size();
    if (more && IsOption(args[i], "block")) {
      if (!BlockDeadlineOrReply(ctx, args[++i], &deadline)) return;
    } else if (more && IsOption(args[i], "count")) {
      if (!IntArgOrReply(ctx.reply, args[++i], &count)) return;
      if (count < 0) count = 0;
    } else if (more && IsOption(args[i], "streams")) {
      streams_at = i + 1;
      if ((args.size() - streams_at) % 2 != 0) {
        return ctx.reply.Error(
            "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
            "specified.");
      }
      break;
    } else if (more && args.size() - i - 1 >= 2 && IsOption(args[i], "group")) {
      return ctx.reply.Error(
          "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
    } else if (IsOption(args[i], "noack")) {
      return ctx.reply.Error(
          "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
    } else {
      return ctx.reply.Error(kSyntaxError);
    }
  }
  if (streams_at == 0) return ctx.reply.Error(kSyntaxError);
  const size_t n = (args.size() - streams_at) / 2;
  std::vector<StreamId> after(n);
  std::vector<std::string> argv(args.begin(), args.end());  // `$` resolved, for a re-run
  for (size_t k = 0; k < n; ++k) {
    std::string_view key = args[streams_at + k];
    std::string_view arg = args[streams_at + n + k];
    const Value* v = ctx.keyspace.Peek(ctx.db(), key);
    if (v && ctx.keyspace.IsExpired(ctx.db(), key)) v = nullptr;
    if (v && v->type() != ValueType::kStream) return ctx.reply.Error(kWrongTypeError);
    if (arg == "$") {
      after[k] = v ? v->stream().last_id() : StreamId{};
      argv[streams_at + n + k] = after[k].ToString();
    } else if (arg == ">") {
      return ctx.reply.Error(
          "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
          "<consumer> option.");
    } else if (!IdOrReply(ctx, arg, &after[k])) {
      return;
    }
  }
  // Redis serves every stream with an entry past its id, if any; otherwise it blocks.
  std::vector<std::pair<size_t, const StreamValue*>> ready;
  for (size_t k = 0; k < n; ++k) {
    bool wrong_type;
    const StreamValue* s = StreamForRead(ctx, args[streams_at + k], &wrong_type);
    if (s && s->size() && std::prev(s->entries().end())->first > after[k]) ready.emplace_back(k, s);
  }
  for (size_t r = 0; r < ready.size(); ++r) {
    const auto [k, s] = ready[r];
    if (r == 0) ctx.client.resp >= 3 ? ctx.reply.MapHeader(ready.size())
                                     : ctx.reply.ArrayHeader(ready.size());
    if (ctx.client.resp < 3) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(args[streams_at + k]);
    StreamId start = after[k];
    start.Increment();
    ReplyRange(ctx.reply, *s, start, StreamId::Max(), static_cast<uint64_t>(count), false);
  }
  if (!ready.empty()) return;
  if (deadline == -1 || ctx.client.tx.in_multi) return ctx.reply.NullArray();
  std::vector<std::string> keys(args.begin() + streams_at, args.begin() + streams_at + n);
  std::vector<std::string_view> views(argv.begin(), argv.end());
  ctx.server.blocking->BlockClient(ctx.client, views, ValueType::kStream, std::move(keys),
                                   deadline);
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
  table.Add({"xsetid", -3, kWriteOom, 1, 1, 1, XSetIdCommand});
  // Redis marks XREAD movablekeys (after STREAMS); the table has no such flag, so no key range.
  table.Add({"xread", -4, kReadOnly | kNoScript | kMovableKeys, 0, 0, 0, XReadCommand});
  CommandSpec* xinfo = table.Add({"xinfo", -2, 0, 0, 0, 0, nullptr});
  table.AddSubcommand(xinfo, {"stream", -3, kReadOnly, 2, 2, 1, XInfoStreamCommand});
  table.AddSubcommand(xinfo, {"help", 2, kReadOnly, 0, 0, 0, XInfoHelpCommand});
}

}  // namespace bazaar::engine::commands
