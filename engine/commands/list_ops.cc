#include "engine/commands/list_ops.h"

#include <climits>
#include <cmath>

#include "engine/commands/arg_util.h"
#include "engine/commands/errors.h"
#include "engine/commands/status_reply.h"
#include "engine/protocol/number.h"

namespace bazaar::engine::commands {

using core::ListValue;
using core::Value;
namespace events = core::events;

namespace {

const char* PushEvent(ListEnd end) { return end == ListEnd::kLeft ? "lpush" : "rpush"; }
const char* PopEvent(ListEnd end) { return end == ListEnd::kLeft ? "lpop" : "rpop"; }

}  // namespace

std::optional<ListEnd> ParseListEnd(std::string_view arg) {
  if (IsOption(arg, "left")) return ListEnd::kLeft;
  if (IsOption(arg, "right")) return ListEnd::kRight;
  return std::nullopt;
}

absl::StatusOr<int64_t> OpPush(core::Keyspace& ks, int db, std::string_view key,
                               absl::Span<const std::string_view> elements, ListEnd end,
                               bool only_if_exists) {
  Value* v = ks.FindForWrite(db, key);
  if (v && v->type() != core::ValueType::kList) return RedisError(kWrongTypeError);
  if (!v) {
    if (only_if_exists) return 0;
    v = &ks.Store(db, key, Value::NewList());
  } else {
    ks.MarkModified(db, key);
  }
  ListValue& list = v->list();
  for (std::string_view e : elements) {
    if (end == ListEnd::kLeft) {
      list.PushFront(e);
    } else {
      list.PushBack(e);
    }
  }
  ks.Notify(db, events::kList, PushEvent(end), key);
  return static_cast<int64_t>(list.size());
}

absl::StatusOr<std::vector<std::string>> OpPop(core::Keyspace& ks, int db, std::string_view key,
                                               ListEnd end, int64_t count) {
  Value* v = ks.FindForWrite(db, key);
  std::vector<std::string> out;
  if (!v) return out;
  if (v->type() != core::ValueType::kList) return RedisError(kWrongTypeError);
  ListValue& list = v->list();
  if (count > 0) {
    const size_t n = static_cast<size_t>(count);
    end == ListEnd::kLeft ? list.PopFront(n, &out) : list.PopBack(n, &out);
  }
  if (!out.empty()) ks.Notify(db, events::kList, PopEvent(end), key);
  if (list.empty()) {
    ks.Delete(db, key);
    ks.Notify(db, events::kGeneric, "del", key);
  } else {
    ks.MarkModified(db, key);
  }
  return out;
}

absl::StatusOr<std::optional<MPopResult>> OpMPop(core::Keyspace& ks, int db,
                                                 absl::Span<const std::string_view> keys,
                                                 ListEnd end, int64_t count) {
  for (std::string_view key : keys) {
    auto popped = OpPop(ks, db, key, end, count);
    if (!popped.ok()) return popped.status();
    if (!popped->empty()) return std::optional<MPopResult>(MPopResult{std::string(key), *popped});
  }
  return std::optional<MPopResult>();
}

void ReplyMPop(protocol::ReplyBuilder& reply, const MPopResult& result) {
  reply.ArrayHeader(2);
  reply.Bulk(result.key);
  reply.ArrayHeader(result.elements.size());
  for (const auto& e : result.elements) reply.Bulk(e);
}

absl::StatusOr<std::optional<std::string>> OpMove(core::Keyspace& ks, int db,
                                                  std::string_view source,
                                                  std::string_view destination, ListEnd from,
                                                  ListEnd to) {
  Value* src = ks.FindForWrite(db, source);
  if (!src) return std::optional<std::string>();
  if (src->type() != core::ValueType::kList) return RedisError(kWrongTypeError);
  Value* dst = ks.FindForWrite(db, destination);
  if (dst && dst->type() != core::ValueType::kList) return RedisError(kWrongTypeError);
  ListValue& list = src->list();
  std::vector<std::string> popped;
  from == ListEnd::kLeft ? list.PopFront(1, &popped) : list.PopBack(1, &popped);
  std::string value = std::move(popped[0]);
  // Push first: with source == destination the list must not vanish in between.
  if (!dst) {
    dst = &ks.Store(db, destination, Value::NewList());
  } else {
    ks.MarkModified(db, destination);
  }
  if (to == ListEnd::kLeft) {
    dst->list().PushFront(value);
  } else {
    dst->list().PushBack(value);
  }
  ks.Notify(db, events::kList, PushEvent(to), destination);
  ks.Notify(db, events::kList, PopEvent(from), source);
  // Store may have rehashed nothing that moves `src` (entries are stable), so it is still valid.
  if (src->list().empty()) {
    ks.Delete(db, source);
    ks.Notify(db, events::kGeneric, "del", source);
  } else {
    ks.MarkModified(db, source);
  }
  return std::optional<std::string>(std::move(value));
}

absl::StatusOr<int64_t> ParseBlockingTimeout(std::string_view arg, int64_t now_ms) {
  long double seconds;
  if (!protocol::ParseLongDouble(arg, &seconds)) {
    return RedisError("ERR timeout is not a float or out of range");
  }
  long double ms = seconds * 1000.0L;
  // Redis converts with a plain cast; values beyond int64 come out negative on x86.
  int64_t timeout = (ms >= 9223372036854775808.0L || ms < -9223372036854775808.0L)
                        ? INT64_MIN
                        : static_cast<int64_t>(ms);
  if (timeout < 0) return RedisError("ERR timeout is negative");
  // 0.001 s reads as 0.99999... ms: a positive timeout is never "forever" (Redis 7.0 answers
  // BLPOP k 0.001 at once too).
  if (timeout == 0 && ms > 0) timeout = 1;
  if (timeout == 0) return 0;
  if (timeout > INT64_MAX - now_ms) return RedisError("ERR timeout is out of range");
  return timeout + now_ms;
}

}  // namespace bazaar::engine::commands
