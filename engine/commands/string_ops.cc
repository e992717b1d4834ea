#include "engine/commands/string_ops.h"

#include <climits>
#include <cmath>

#include "engine/commands/errors.h"
#include "engine/commands/status_reply.h"
#include "engine/core/keyspace_events.h"
#include "engine/protocol/number.h"

namespace bazaar::engine::commands {

using core::Value;
namespace events = core::events;

namespace {

absl::Status StringTooLong(int64_t size, int64_t append, int64_t max_len) {
  int64_t total = size + append;
  if (total > max_len || total < size || total < append) return RedisError(kStringTooLongError);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int64_t> ExpireArgToMs(int64_t now_ms, const SetOptions& opts,
                                      std::string_view command) {
  int64_t v;
  if (!protocol::ParseInt64(opts.expire_arg, &v)) return RedisError(kNotIntegerError);
  std::string invalid = "ERR invalid expire time in '" + std::string(command) + "' command";
  bool seconds = opts.flags & (kSetEx | kSetExat);
  if (v <= 0 || (seconds && v > LLONG_MAX / 1000)) return RedisError(invalid);
  if (seconds) v *= 1000;
  if (opts.flags & (kSetEx | kSetPx)) {
    if (v > LLONG_MAX - now_ms) return RedisError(invalid);
    v += now_ms;
  }
  if (v <= 0) return RedisError(invalid);
  return v;
}

absl::StatusOr<SetResult> OpSet(core::Keyspace& ks, int db, std::string_view key,
                                std::string_view value, const SetOptions& opts,
                                std::string_view command) {
  const bool has_expire = opts.flags & (kSetEx | kSetPx | kSetExat | kSetPxat);
  int64_t when = 0;
  if (has_expire) {
    auto parsed = ExpireArgToMs(ks.now_ms(), opts, command);
    if (!parsed.ok()) return parsed.status();
    when = *parsed;
  }
  SetResult result;
  Value* existing;
  if (opts.flags & kSetGet) {
    existing = ks.FindForRead(db, key);
    if (existing) {
      if (!existing->is_string()) return RedisError(kWrongTypeError);
      result.old_value = existing->str();
    }
  } else {
    existing = ks.FindForWrite(db, key);
  }
  if (((opts.flags & kSetNx) && existing) || ((opts.flags & kSetXx) && !existing)) {
    return result;
  }
  ks.Store(db, key, Value(std::string(value)), opts.flags & kSetKeepTtl);
  if (has_expire) ks.SetExpire(db, key, when);
  ks.Notify(db, events::kString, "set", key);
  if (has_expire) ks.Notify(db, events::kGeneric, "expire", key);
  result.written = true;
  if (has_expire) result.expire_at_ms = when;
  return result;
}

absl::StatusOr<int64_t> OpAppend(core::Keyspace& ks, int db, std::string_view key,
                                 std::string_view suffix, int64_t max_len) {
  Value* v = ks.FindForWrite(db, key);
  if (!v) {
    ks.Store(db, key, Value(std::string(suffix)));
    ks.Notify(db, events::kString, "append", key);
    return static_cast<int64_t>(suffix.size());
  }
  if (!v->is_string()) return RedisError(kWrongTypeError);
  auto status = StringTooLong(v->str().size(), suffix.size(), max_len);
  if (!status.ok()) return status;
  v->str().append(suffix.data(), suffix.size());
  v->set_raw_string(true);
  ks.MarkModified(db, key);
  ks.Notify(db, events::kString, "append", key);
  return static_cast<int64_t>(v->str().size());
}

absl::StatusOr<int64_t> OpIncrBy(core::Keyspace& ks, int db, std::string_view key,
                                 int64_t delta) {
  Value* v = ks.FindForWrite(db, key);
  int64_t current = 0;
  if (v) {
    if (!v->is_string()) return RedisError(kWrongTypeError);
    if (!protocol::ParseInt64(v->str(), &current)) return RedisError(kNotIntegerError);
  }
  if ((delta < 0 && current < 0 && delta < LLONG_MIN - current) ||
      (delta > 0 && current > 0 && delta > LLONG_MAX - current)) {
    return RedisError(kOverflowError);
  }
  int64_t result = current + delta;
  if (v) {
    v->str() = std::to_string(result);  // in place: the TTL stays
    v->set_raw_string(false);           // Redis stores a new integer object
    ks.MarkModified(db, key);
  } else {
    ks.Store(db, key, Value(std::to_string(result)));
  }
  ks.Notify(db, events::kString, "incrby", key);
  return result;
}

absl::StatusOr<std::string> OpIncrByFloat(core::Keyspace& ks, int db, std::string_view key,
                                          std::string_view increment) {
  Value* v = ks.FindForWrite(db, key);
  if (v && !v->is_string()) return RedisError(kWrongTypeError);
  long double current = 0, delta;
  if ((v && !protocol::ParseLongDouble(v->str(), &current)) ||
      !protocol::ParseLongDouble(increment, &delta)) {
    return RedisError(kNotFloatError);
  }
  long double result = current + delta;
  if (std::isnan(result) || std::isinf(result)) return RedisError(kNaNError);
  std::string text = protocol::FormatLongDouble(result);
  if (v) {
    v->str() = text;
    ks.MarkModified(db, key);
  } else {
    ks.Store(db, key, Value(text));
  }
  ks.Notify(db, events::kString, "incrbyfloat", key);
  return text;
}

absl::StatusOr<int64_t> OpSetRange(core::Keyspace& ks, int db, std::string_view key,
                                   int64_t offset, std::string_view data, int64_t max_len) {
  Value* v = ks.FindForWrite(db, key);
  if (!v) {
    if (data.empty()) return 0;
    auto status = StringTooLong(offset, data.size(), max_len);
    if (!status.ok()) return status;
    std::string s(offset + data.size(), '\0');
    s.replace(offset, data.size(), data.data(), data.size());
    Value made(std::move(s));
    made.set_raw_string(true);
    ks.Store(db, key, std::move(made));
    ks.Notify(db, events::kString, "setrange", key);
    return static_cast<int64_t>(offset + data.size());
  }
  if (!v->is_string()) return RedisError(kWrongTypeError);
  std::string& s = v->str();
  if (data.empty()) return static_cast<int64_t>(s.size());
  auto status = StringTooLong(offset, data.size(), max_len);
  if (!status.ok()) return status;
  if (s.size() < offset + data.size()) s.resize(offset + data.size(), '\0');
  s.replace(offset, data.size(), data.data(), data.size());
  v->set_raw_string(true);
  ks.MarkModified(db, key);
  ks.Notify(db, events::kString, "setrange", key);
  return static_cast<int64_t>(s.size());
}

std::string_view StringRange(std::string_view s, int64_t start, int64_t end) {
  const int64_t len = static_cast<int64_t>(s.size());
  if (start < 0 && end < 0 && start > end) return {};
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len == 0) return {};
  return s.substr(start, end - start + 1);
}

}  // namespace bazaar::engine::commands
