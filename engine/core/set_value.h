// A set of binary-safe strings in one of Redis 7.0's two set encodings: an intset (core/intset.h)
// while every member is an integer in Redis's canonical form and there are at most
// set-max-intset-entries of them, a core::Dict (Redis's hashtable) otherwise.
//
// Design note: the rules are Redis's, because OBJECT ENCODING, SSCAN (an intset is returned
// whole) and the order of SMEMBERS (an intset lists ascending) show them. A new set is an empty
// intset; adding a member that is not an integer, or one past the limit, converts it to the table
// for good: removing members never converts back. "Integer" means what Redis's string2ll takes
// (no '+', no leading zeros, no "-0"), so every member reads back byte for byte.
//
// Thread affinity: none; the keyspace's single thread owns every set. Views handed to callbacks
// are valid only during the call (an intset's members are formatted on the fly).
#ifndef BAZAAR_ENGINE_CORE_SET_VALUE_H_
#define BAZAAR_ENGINE_CORE_SET_VALUE_H_

#include <charconv>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "engine/core/dict.h"
#include "engine/core/intset.h"

namespace bazaar::engine::core {

struct NoValue {};

class SetValue {
 public:
  using Table = Dict<NoValue>;  // member -> nothing

  SetValue() = default;  // an empty intset, as Redis makes a new set
  SetValue(const SetValue&) = delete;
  SetValue& operator=(const SetValue&) = delete;

  // A set holding exactly `ints` (a blob loaded from RDB or DUMP, kept byte for byte), converted
  // to the table if it holds more members than the current limit allows.
  static std::unique_ptr<SetValue> FromIntset(IntSet ints);

  size_t size() const { return table_ ? table_->size() : ints_.size(); }
  bool empty() const { return size() == 0; }
  // Whether Redis would answer "intset" to OBJECT ENCODING.
  bool is_intset() const { return table_ == nullptr; }

  bool Contains(std::string_view member) const;
  // Adds member; true if it is new. May convert to the table.
  bool Add(std::string_view member);
  // Removes member; true if it was there.
  bool Remove(std::string_view member);
  // A deep copy in the same encoding (COPY keeps it, as Redis does).
  std::unique_ptr<SetValue> Clone() const;

  // Calls fn(std::string_view member) for every member: ascending while an intset. The set must
  // not change during the walk.
  template <typename F>
  void ForEach(F&& fn) const;
  // The i-th smallest member of an intset (is_intset(), i < size()).
  std::string IntsetMember(size_t i) const { return std::to_string(ints_.At(i)); }

  // The table once converted (for cursor scans and random picks); nullptr while an intset.
  const Table* table() const { return table_.get(); }
  // The integers while an intset (empty once converted).
  const IntSet& intset() const { return ints_; }

 private:
  void ConvertToTable();

  IntSet ints_;
  std::unique_ptr<Table> table_;
};

template <typename F>
void SetValue::ForEach(F&& fn) const {
  if (table_) {
    table_->ForEach([&](const Table::Entry& e) { fn(std::string_view(e.key)); });
    return;
  }
  char buf[24];
  for (size_t i = 0; i < ints_.size(); ++i) {
    const char* end = std::to_chars(buf, buf + sizeof buf, ints_.At(i)).ptr;
    fn(std::string_view(buf, end - buf));
  }
}

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_SET_VALUE_H_
