#include "engine/commands/set_ops.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "engine/commands/errors.h"
#include "engine/commands/random_pick.h"
#include "engine/commands/status_reply.h"
#include "engine/protocol/number.h"

namespace bazaar::engine::commands {
namespace {

using core::SetValue;
using core::Value;
using core::ValueType;

absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// The set under key for writing: nullptr when missing, an error when of another type.
absl::StatusOr<SetValue*> LookupSetForWrite(core::Keyspace& ks, int db, std::string_view key) {
  Value* v = ks.FindForWrite(db, key);
  if (v == nullptr) return nullptr;
  if (v->type() != ValueType::kSet) return RedisError(kWrongTypeError);
  return &v->set();
}

bool Contains(const SetValue* set, std::string_view member) {
  return set != nullptr && set->Find(member) != nullptr;
}

}  // namespace

absl::StatusOr<const SetValue*> LookupSetForRead(core::Keyspace& ks, int db,
                                                 std::string_view key) {
  Value* v = ks.FindForRead(db, key);
  if (v == nullptr) return nullptr;
  if (v->type() != ValueType::kSet) return RedisError(kWrongTypeError);
  return &v->set();
}

absl::StatusOr<std::vector<const SetValue*>> LookupSets(core::Keyspace& ks, int db,
                                                        absl::Span<const std::string_view> keys) {
  std::vector<const SetValue*> sets;
  sets.reserve(keys.size());
  for (std::string_view key : keys) {
    auto set = LookupSetForRead(ks, db, key);
    if (!set.ok()) return set.status();
    sets.push_back(*set);
  }
  return sets;
}

std::vector<std::string_view> SetAlgebra(SetOp op, const std::vector<const SetValue*>& sets,
                                         uint64_t limit) {
  std::vector<std::string_view> out;
  switch (op) {
    case SetOp::kInter: {
      if (std::find(sets.begin(), sets.end(), nullptr) != sets.end()) return out;
      // Walk the smallest set, probing the others.
      std::vector<const SetValue*> by_size(sets);
      std::sort(by_size.begin(), by_size.end(),
                [](const SetValue* a, const SetValue* b) { return a->size() < b->size(); });
      by_size.front()->ForEach([&](const SetValue::Entry& e) {
        if (limit != 0 && out.size() >= limit) return;
        for (size_t i = 1; i < by_size.size(); ++i) {
          if (!Contains(by_size[i], e.key)) return;
        }
        out.push_back(e.key);
      });
      return out;
    }
    case SetOp::kDiff: {
      if (sets.front() == nullptr) return out;
      sets.front()->ForEach([&](const SetValue::Entry& e) {
        for (size_t i = 1; i < sets.size(); ++i) {
          if (Contains(sets[i], e.key)) return;
        }
        out.push_back(e.key);
      });
      return out;
    }
    case SetOp::kUnion: {
      absl::flat_hash_set<absl::string_view> seen;
      for (const SetValue* set : sets) {
        if (set == nullptr) continue;
        set->ForEach([&](const SetValue::Entry& e) {
          if (seen.insert(AbslView(e.key)).second) out.push_back(e.key);
        });
      }
      return out;
    }
  }
  return out;
}

void OrderLikeRedis(std::vector<std::string_view>* members) {
  if (members->size() > kSetMaxIntsetEntries) return;
  std::vector<std::pair<int64_t, std::string_view>> numbers;
  numbers.reserve(members->size());
  for (std::string_view m : *members) {
    int64_t v;
    if (!protocol::ParseInt64(m, &v)) return;
    numbers.emplace_back(v, m);
  }
  std::sort(numbers.begin(), numbers.end());
  for (size_t i = 0; i < numbers.size(); ++i) (*members)[i] = numbers[i].second;
}

bool IsIntsetLike(const SetValue& set) {
  if (set.size() > kSetMaxIntsetEntries) return false;
  bool all_integers = true;
  set.ForEach([&](const SetValue::Entry& e) {
    int64_t v;
    if (all_integers && !protocol::ParseInt64(e.key, &v)) all_integers = false;
  });
  return all_integers;
}

absl::StatusOr<int64_t> OpSAdd(core::Keyspace& ks, int db, std::string_view key,
                               absl::Span<const std::string_view> members) {
  auto set = LookupSetForWrite(ks, db, key);
  if (!set.ok()) return set.status();
  int64_t added = 0;
  if (*set == nullptr) {
    Value fresh = Value::NewSet();
    for (std::string_view m : members) added += fresh.set().FindOrInsert(m).second;
    ks.Store(db, key, std::move(fresh));
  } else {
    for (std::string_view m : members) added += (*set)->FindOrInsert(m).second;
    if (added > 0) ks.MarkModified(db, key);
  }
  if (added > 0) ks.Notify(db, core::events::kSet, "sadd", key);
  return added;
}

absl::StatusOr<int64_t> OpSRem(core::Keyspace& ks, int db, std::string_view key,
                               absl::Span<const std::string_view> members) {
  auto set = LookupSetForWrite(ks, db, key);
  if (!set.ok()) return set.status();
  if (*set == nullptr) return 0;
  int64_t removed = 0;
  for (std::string_view m : members) {
    removed += (*set)->Erase(m);
    if ((*set)->empty()) {
      ks.Notify(db, core::events::kSet, "srem", key);
      ks.Delete(db, key);  // reports the change itself
      ks.Notify(db, core::events::kGeneric, "del", key);
      return removed;
    }
  }
  if (removed > 0) {
    ks.MarkModified(db, key);
    ks.Notify(db, core::events::kSet, "srem", key);
  }
  return removed;
}

absl::StatusOr<bool> OpSMove(core::Keyspace& ks, int db, std::string_view src,
                             std::string_view dst, std::string_view member) {
  // Redis looks both keys up first, and a missing source wins over a wrong-type destination.
  Value* src_value = ks.FindForWrite(db, src);
  Value* dst_value = ks.FindForWrite(db, dst);
  if (src_value == nullptr) return false;
  if (src_value->type() != ValueType::kSet ||
      (dst_value != nullptr && dst_value->type() != ValueType::kSet)) {
    return RedisError(kWrongTypeError);
  }
  if (src_value == dst_value) return Contains(&src_value->set(), member);
  if (!src_value->set().Erase(member)) return false;
  ks.Notify(db, core::events::kSet, "srem", src);
  if (src_value->set().empty()) {
    ks.Delete(db, src);
    ks.Notify(db, core::events::kGeneric, "del", src);
  } else {
    ks.MarkModified(db, src);
  }
  if (dst_value == nullptr) {
    Value fresh = Value::NewSet();
    fresh.set().FindOrInsert(member);
    ks.Store(db, dst, std::move(fresh));
  } else if (dst_value->set().FindOrInsert(member).second) {
    ks.MarkModified(db, dst);
  } else {
    return true;
  }
  ks.Notify(db, core::events::kSet, "sadd", dst);
  return true;
}

absl::StatusOr<std::vector<std::string>> OpSPop(core::Keyspace& ks, int db, std::string_view key,
                                                uint64_t count) {
  auto set = LookupSetForWrite(ks, db, key);
  if (!set.ok()) return set.status();
  std::vector<std::string> popped;
  if (*set == nullptr || count == 0) return popped;
  SetValue& members = **set;
  if (count >= members.size()) {
    popped.reserve(members.size());
    members.ForEach([&](const SetValue::Entry& e) { popped.push_back(e.key); });
    ks.Delete(db, key);
    ks.Notify(db, core::events::kSet, "spop", key);
    ks.Notify(db, core::events::kGeneric, "del", key);
    return popped;
  }
  popped.reserve(count);
  ForEachRandomEntry(members, static_cast<int64_t>(count),
                     [&](const SetValue::Entry& e) { popped.push_back(e.key); });
  for (const std::string& m : popped) members.Erase(m);
  ks.MarkModified(db, key);
  ks.Notify(db, core::events::kSet, "spop", key);
  return popped;
}

absl::StatusOr<int64_t> OpSetStore(core::Keyspace& ks, int db, SetOp op, std::string_view dest,
                                   absl::Span<const std::string_view> keys) {
  auto sets = LookupSets(ks, db, keys);
  if (!sets.ok()) return sets.status();
  std::vector<std::string_view> members = SetAlgebra(op, *sets);
  if (members.empty()) {
    // Reports the change only if dest existed.
    if (ks.Delete(db, dest)) ks.Notify(db, core::events::kGeneric, "del", dest);
    return 0;
  }
  // Built in full before Store: the views may point into dest's old value.
  Value fresh = Value::NewSet();
  for (std::string_view m : members) fresh.set().FindOrInsert(m);
  const int64_t size = static_cast<int64_t>(fresh.set().size());
  ks.Store(db, dest, std::move(fresh));
  const char* event = op == SetOp::kInter   ? "sinterstore"
                      : op == SetOp::kUnion ? "sunionstore"
                                            : "sdiffstore";
  ks.Notify(db, core::events::kSet, event, dest);
  return size;
}

}  // namespace bazaar::engine::commands
