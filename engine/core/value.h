// The value stored under a key. Strings for now; the data-types issue adds lists, sets, sorted
// sets and hashes as further alternatives.
#ifndef BAZAAR_ENGINE_CORE_VALUE_H_
#define BAZAAR_ENGINE_CORE_VALUE_H_

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace bazaar::engine::core {

enum class ValueType { kString = 0 };

// The name TYPE replies with and SCAN ... TYPE filters on.
inline std::string_view TypeName(ValueType type) {
  switch (type) {
    case ValueType::kString:
      return "string";
  }
  return "none";
}

class Value {
 public:
  Value() = default;
  explicit Value(std::string s) : data_(std::move(s)) {}

  ValueType type() const { return static_cast<ValueType>(data_.index()); }
  bool is_string() const { return type() == ValueType::kString; }
  // Precondition: is_string().
  std::string& str() { return std::get<std::string>(data_); }
  const std::string& str() const { return std::get<std::string>(data_); }

 private:
  std::variant<std::string> data_;
};

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_VALUE_H_
