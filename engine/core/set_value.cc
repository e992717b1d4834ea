#include "engine/core/set_value.h"

#include "engine/core/encoding_limits.h"
#include "engine/protocol/number.h"

namespace bazaar::engine::core {
namespace {

// Redis's test for an intset member: string2ll accepts it (the canonical decimal form).
bool AsInteger(std::string_view member, int64_t* v) { return protocol::ParseInt64(member, v); }

}  // namespace

std::unique_ptr<SetValue> SetValue::FromIntset(IntSet ints) {
  auto set = std::make_unique<SetValue>();
  set->ints_ = std::move(ints);
  if (set->ints_.size() > CurrentEncodingLimits().set_max_intset_entries) set->ConvertToTable();
  return set;
}

bool SetValue::Contains(std::string_view member) const {
  if (table_) return table_->Find(member) != nullptr;
  int64_t v;
  return AsInteger(member, &v) && ints_.Contains(v);
}

bool SetValue::Add(std::string_view member) {
  if (!table_) {
    int64_t v;
    if (AsInteger(member, &v)) {
      if (!ints_.Insert(v)) return false;
      if (ints_.size() > CurrentEncodingLimits().set_max_intset_entries) ConvertToTable();
      return true;
    }
    ConvertToTable();
  }
  return table_->FindOrInsert(member).second;
}

bool SetValue::Remove(std::string_view member) {
  if (table_) return table_->Erase(member);
  int64_t v;
  return AsInteger(member, &v) && ints_.Erase(v);
}

std::unique_ptr<SetValue> SetValue::Clone() const {
  auto copy = std::make_unique<SetValue>();
  if (table_) {
    copy->table_ = std::make_unique<Table>();
    table_->ForEach([&](const Table::Entry& e) { copy->table_->FindOrInsert(e.key); });
  } else {
    copy->ints_ = ints_;
  }
  return copy;
}

void SetValue::ConvertToTable() {
  auto table = std::make_unique<Table>();
  ForEach([&](std::string_view m) { table->FindOrInsert(m); });
  table_ = std::move(table);
  ints_ = IntSet();
}

}  // namespace bazaar::engine::core
