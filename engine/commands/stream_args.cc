#include "engine/commands/stream_args.h"

#include <cctype>

#include "engine/commands/arg_util.h"
#include "engine/commands/errors.h"
#include "engine/protocol/number.h"

namespace bazaar::engine::commands {

using core::StreamId;
using core::StreamValue;
using core::Value;
using core::ValueType;

namespace {

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

}  // namespace

std::optional<StreamId> ParseId(std::string_view arg, uint64_t missing_seq, bool strict,
                                bool* seq_given) {
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

bool IdOrReply(CommandContext& ctx, std::string_view arg, StreamId* out, uint64_t missing_seq,
               bool strict) {
  auto id = ParseId(arg, missing_seq, strict);
  if (!id) return ctx.reply.Error(kInvalidIdError), false;
  *out = *id;
  return true;
}

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

StreamValue* StreamForWrite(CommandContext& ctx, std::string_view key, bool* wrong_type) {
  Value* v = ctx.keyspace.FindForWrite(ctx.db(), key);
  *wrong_type = v && v->type() != ValueType::kStream;
  if (*wrong_type) ctx.reply.Error(kWrongTypeError);
  return v && !*wrong_type ? &v->stream() : nullptr;
}

StreamValue* StreamForRead(CommandContext& ctx, std::string_view key, bool* wrong_type) {
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

void ReplyReadCounters(protocol::ReplyBuilder& reply, const StreamValue& s,
                       const core::StreamGroup& group) {
  reply.Bulk("entries-read");
  if (group.entries_read() == core::StreamGroup::kUnknownEntriesRead) {
    reply.NullBulk();
  } else {
    reply.Integer(group.entries_read());
  }
  reply.Bulk("lag");
  const std::optional<int64_t> lag = s.GroupLag(group);
  if (lag) {
    reply.Integer(*lag);
  } else {
    reply.NullBulk();
  }
}

std::vector<std::string> ClaimLogged(std::string_view key, std::string_view group_name,
                                     const core::StreamGroup& group, StreamId id,
                                     const core::StreamPending& p) {
  return {"XCLAIM", std::string(key), std::string(group_name), p.consumer, "0", id.ToString(),
          "TIME", std::to_string(p.delivery_time), "RETRYCOUNT",
          std::to_string(p.delivery_count), "FORCE", "JUSTID", "LASTID",
          group.last_id().ToString()};
}

std::vector<std::string> GroupSetIdLogged(std::string_view key, std::string_view group_name,
                                          const core::StreamGroup& group) {
  return {"XGROUP", "SETID", std::string(key), std::string(group_name),
          group.last_id().ToString(), "ENTRIESREAD", std::to_string(group.entries_read())};
}

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

}  // namespace bazaar::engine::commands
