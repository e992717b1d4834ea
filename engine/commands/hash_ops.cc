#include "engine/commands/hash_ops.h"

#include <climits>
#include <cmath>

#include "engine/commands/errors.h"
#include "engine/commands/status_reply.h"
#include "engine/protocol/number.h"

namespace bazaar::engine::commands {
namespace {

using core::HashValue;
using core::Value;
using core::ValueType;

// The hash under key for writing: nullptr when missing, an error when of another type.
absl::StatusOr<HashValue*> LookupHashForWrite(core::Keyspace& ks, int db, std::string_view key) {
  Value* v = ks.FindForWrite(db, key);
  if (v == nullptr) return nullptr;
  if (v->type() != ValueType::kHash) return RedisError(kWrongTypeError);
  return &v->hash();
}

// Writes field=value into the hash under key, creating the key if needed (Store reports the new
// key; an in-place change is reported here).
void StoreField(core::Keyspace& ks, int db, std::string_view key, HashValue* hash,
                std::string_view field, std::string_view value) {
  if (hash == nullptr) {
    Value fresh = Value::NewHash();
    fresh.hash().Set(field, value);
    ks.Store(db, key, std::move(fresh));
  } else {
    hash->Set(field, value);
    ks.MarkModified(db, key);
  }
}

}  // namespace

absl::StatusOr<const HashValue*> LookupHashForRead(core::Keyspace& ks, int db,
                                                   std::string_view key) {
  Value* v = ks.FindForRead(db, key);
  if (v == nullptr) return nullptr;
  if (v->type() != ValueType::kHash) return RedisError(kWrongTypeError);
  return &v->hash();
}

absl::StatusOr<int64_t> OpHSet(core::Keyspace& ks, int db, std::string_view key,
                               absl::Span<const std::string_view> pairs) {
  auto hash = LookupHashForWrite(ks, db, key);
  if (!hash.ok()) return hash.status();
  int64_t added = 0;
  if (*hash == nullptr) {
    Value fresh = Value::NewHash();
    for (size_t i = 0; i + 1 < pairs.size(); i += 2) {
      if (fresh.hash().Set(pairs[i], pairs[i + 1])) ++added;
    }
    ks.Store(db, key, std::move(fresh));
  } else {
    for (size_t i = 0; i + 1 < pairs.size(); i += 2) {
      if ((*hash)->Set(pairs[i], pairs[i + 1])) ++added;
    }
    ks.MarkModified(db, key);  // even when nothing changed, as Redis does
  }
  ks.Notify(db, core::events::kHash, "hset", key);
  return added;
}

absl::StatusOr<bool> OpHSetNx(core::Keyspace& ks, int db, std::string_view key,
                              std::string_view field, std::string_view value) {
  auto hash = LookupHashForWrite(ks, db, key);
  if (!hash.ok()) return hash.status();
  if (*hash != nullptr && (*hash)->Get(field)) return false;
  StoreField(ks, db, key, *hash, field, value);
  ks.Notify(db, core::events::kHash, "hset", key);
  return true;
}

absl::StatusOr<int64_t> OpHDel(core::Keyspace& ks, int db, std::string_view key,
                               absl::Span<const std::string_view> fields) {
  auto hash = LookupHashForWrite(ks, db, key);
  if (!hash.ok()) return hash.status();
  if (*hash == nullptr) return 0;
  int64_t removed = 0;
  for (std::string_view field : fields) {
    if ((*hash)->Erase(field)) ++removed;
    if ((*hash)->empty()) {
      ks.Notify(db, core::events::kHash, "hdel", key);
      ks.Delete(db, key);  // reports the change itself
      ks.Notify(db, core::events::kGeneric, "del", key);
      return removed;
    }
  }
  if (removed > 0) {
    ks.MarkModified(db, key);
    ks.Notify(db, core::events::kHash, "hdel", key);
  }
  return removed;
}

absl::StatusOr<int64_t> OpHIncrBy(core::Keyspace& ks, int db, std::string_view key,
                                  std::string_view field, int64_t delta) {
  auto hash = LookupHashForWrite(ks, db, key);
  if (!hash.ok()) return hash.status();
  int64_t current = 0;
  if (*hash != nullptr) {
    if (auto value = (*hash)->Get(field)) {
      if (!protocol::ParseInt64(*value, &current)) {
        return RedisError(kHashValueNotIntegerError);
      }
    }
  }
  if ((delta < 0 && current < 0 && delta < LLONG_MIN - current) ||
      (delta > 0 && current > 0 && delta > LLONG_MAX - current)) {
    return RedisError(kOverflowError);
  }
  const int64_t result = current + delta;
  StoreField(ks, db, key, *hash, field, std::to_string(result));
  ks.Notify(db, core::events::kHash, "hincrby", key);
  return result;
}

absl::StatusOr<std::string> OpHIncrByFloat(core::Keyspace& ks, int db, std::string_view key,
                                           std::string_view field, std::string_view increment) {
  long double delta;
  if (!protocol::ParseLongDouble(increment, &delta)) return RedisError(kNotFloatError);
  if (std::isnan(delta) || std::isinf(delta)) return RedisError(kNaNOrInfinityArgError);
  auto hash = LookupHashForWrite(ks, db, key);
  if (!hash.ok()) return hash.status();
  long double current = 0;
  if (*hash != nullptr) {
    if (auto value = (*hash)->Get(field)) {
      if (!protocol::ParseLongDouble(*value, &current)) {
        return RedisError(kHashValueNotFloatError);
      }
    }
  }
  const long double result = current + delta;
  if (std::isnan(result) || std::isinf(result)) return RedisError(kNaNError);
  std::string text = protocol::FormatLongDouble(result);
  StoreField(ks, db, key, *hash, field, text);
  ks.Notify(db, core::events::kHash, "hincrbyfloat", key);
  return text;
}

}  // namespace bazaar::engine::commands
