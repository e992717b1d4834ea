// The value stored under a key: a string, or one of the container types. Containers live behind
// a pointer so a Value stays small (the keyspace holds millions of them).
#ifndef BAZAAR_ENGINE_CORE_VALUE_H_
#define BAZAAR_ENGINE_CORE_VALUE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "engine/core/hash_value.h"
#include "engine/core/list_value.h"
#include "engine/core/set_value.h"
#include "engine/core/stream.h"
#include "engine/core/zset.h"

namespace bazaar::engine::core {

// The order matches the variant below.
enum class ValueType { kString = 0, kList = 1, kSet = 2, kZSet = 3, kHash = 4, kStream = 5 };

// The name TYPE replies with and SCAN ... TYPE filters on.
inline std::string_view TypeName(ValueType type) {
  switch (type) {
    case ValueType::kString: return "string";
    case ValueType::kList: return "list";
    case ValueType::kSet: return "set";
    case ValueType::kZSet: return "zset";
    case ValueType::kHash: return "hash";
    case ValueType::kStream: return "stream";
  }
  return "none";
}

using ZSetValue = ZSet;

class Value {
 public:
  Value() = default;
  explicit Value(std::string s) : data_(std::move(s)) {}
  static Value NewList() { return Value(std::make_unique<ListValue>()); }
  static Value NewSet() { return Value(std::make_unique<SetValue>()); }
  static Value OfSet(std::unique_ptr<SetValue> set) { return Value(std::move(set)); }
  static Value NewZSet() { return Value(std::make_unique<ZSetValue>()); }
  static Value NewHash() { return Value(std::make_unique<HashValue>()); }
  static Value NewStream() { return Value(std::make_unique<StreamValue>()); }

  ValueType type() const { return static_cast<ValueType>(data_.index()); }
  bool is_string() const { return type() == ValueType::kString; }
  // Each accessor's precondition: type() is that type.
  std::string& str() { return std::get<std::string>(data_); }
  const std::string& str() const { return std::get<std::string>(data_); }
  ListValue& list() { return *std::get<std::unique_ptr<ListValue>>(data_); }
  const ListValue& list() const { return *std::get<std::unique_ptr<ListValue>>(data_); }
  SetValue& set() { return *std::get<std::unique_ptr<SetValue>>(data_); }
  const SetValue& set() const { return *std::get<std::unique_ptr<SetValue>>(data_); }
  ZSetValue& zset() { return *std::get<std::unique_ptr<ZSetValue>>(data_); }
  const ZSetValue& zset() const { return *std::get<std::unique_ptr<ZSetValue>>(data_); }
  HashValue& hash() { return *std::get<std::unique_ptr<HashValue>>(data_); }
  const HashValue& hash() const { return *std::get<std::unique_ptr<HashValue>>(data_); }
  StreamValue& stream() { return *std::get<std::unique_ptr<StreamValue>>(data_); }
  const StreamValue& stream() const { return *std::get<std::unique_ptr<StreamValue>>(data_); }

  // Elements of a container (0 for strings): a container at 0 must not stay in the keyspace,
  // except a stream, which Redis keeps when empty.
  size_t ContainerSize() const;
  // A deep copy with the same contents and, where the types have two forms, the same form
  // (COPY). The access time starts afresh, as for any new key.
  Value Clone() const;

  // Unix seconds of the last lookup (OBJECT IDLETIME). It fits the keyspace entry's allocation
  // size class, so it costs no memory there.
  uint32_t access_time() const { return access_time_; }
  void set_access_time(uint32_t unix_seconds) { access_time_ = unix_seconds; }
  // The LFU access counter (core/eviction.h), kept only under an LFU maxmemory-policy; it fits
  // the same padding.
  uint8_t lfu_counter() const { return lfu_counter_; }
  void set_lfu_counter(uint8_t counter) { lfu_counter_ = counter; }
  // A string made or changed in place by APPEND, SETRANGE, SETBIT or BITFIELD: Redis holds it
  // as a plain buffer then, so OBJECT ENCODING says raw whatever it holds ("1234" too). A new
  // value (SET, INCR, a load) starts without it. Also in the padding.
  bool raw_string() const { return raw_string_; }
  void set_raw_string(bool raw) { raw_string_ = raw; }

 private:
  template <typename T>
  explicit Value(std::unique_ptr<T> p) : data_(std::move(p)) {}

  std::variant<std::string, std::unique_ptr<ListValue>, std::unique_ptr<SetValue>,
               std::unique_ptr<ZSetValue>, std::unique_ptr<HashValue>,
               std::unique_ptr<StreamValue>>
      data_;
  uint32_t access_time_ = 0;
  uint8_t lfu_counter_ = 5;  // kLfuInitial
  bool raw_string_ = false;
};

inline size_t Value::ContainerSize() const {
  switch (type()) {
    case ValueType::kString: return 0;
    case ValueType::kList: return list().size();
    case ValueType::kSet: return set().size();
    case ValueType::kZSet: return zset().size();
    case ValueType::kHash: return hash().size();
    case ValueType::kStream: return stream().size();
  }
  return 0;
}

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_VALUE_H_
