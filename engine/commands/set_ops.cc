#include "engine/commands/set_ops.h"

#include <algorithm>
#include <utility>

#include "engine/commands/errors.h"
#include "engine/commands/random_pick.h"
#include "engine/commands/status_reply.h"

namespace bazaar::engine::commands {
namespace {

using core::SetValue;
using core::Value;
using core::ValueType;

// The set under key for writing: nullptr when missing, an error when of another type.
absl::StatusOr<SetValue*> LookupSetForWrite(core::Keyspace& ks, int db, std::string_view key) {
  Value* v = ks.FindForWrite(db, key);
  if (v == nullptr) return nullptr;
  if (v->type() != ValueType::kSet) return RedisError(kWrongTypeError);
  return &v->set();
}

bool Contains(const SetValue* set, std::string_view member) {
  return set != nullptr && set->Contains(member);
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

std::vector<std::string> SetAlgebra(SetOp op, const std::vector<const SetValue*>& sets,
                                    uint64_t limit) {
  std::vector<std::string> out;
  if (op == SetOp::kInter) {
    if (std::find(sets.begin(), sets.end(), nullptr) != sets.end()) return out;
    // Walk the smallest set, probing the others.
    std::vector<const SetValue*> by_size(sets);
    std::sort(by_size.begin(), by_size.end(),
              [](const SetValue* a, const SetValue* b) { return a->size() < b->size(); });
    by_size.front()->ForEach([&](std::string_view m) {
      if (limit != 0 && out.size() >= limit) return;
      for (size_t i = 1; i < by_size.size(); ++i) {
        if (!by_size[i]->Contains(m)) return;
      }
      out.emplace_back(m);
    });
    return out;
  }
  SetValue result;
  if (op == SetOp::kUnion) {
    for (const SetValue* set : sets) {
      if (set != nullptr) set->ForEach([&](std::string_view m) { result.Add(m); });
    }
  } else if (sets.front() != nullptr) {
    sets.front()->ForEach([&](std::string_view m) {
      for (size_t i = 1; i < sets.size(); ++i) {
        if (Contains(sets[i], m)) return;
      }
      result.Add(m);
    });
  }
  out.reserve(result.size());
  result.ForEach([&](std::string_view m) { out.emplace_back(m); });
  return out;
}

absl::StatusOr<int64_t> OpSAdd(core::Keyspace& ks, int db, std::string_view key,
                               absl::Span<const std::string_view> members) {
  auto set = LookupSetForWrite(ks, db, key);
  if (!set.ok()) return set.status();
  int64_t added = 0;
  if (*set == nullptr) {
    Value fresh = Value::NewSet();
    for (std::string_view m : members) added += fresh.set().Add(m);
    ks.Store(db, key, std::move(fresh));
  } else {
    for (std::string_view m : members) added += (*set)->Add(m);
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
    removed += (*set)->Remove(m);
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
  if (!src_value->set().Remove(member)) return false;
  ks.Notify(db, core::events::kSet, "srem", src);
  if (src_value->set().empty()) {
    ks.Delete(db, src);
    ks.Notify(db, core::events::kGeneric, "del", src);
  } else {
    ks.MarkModified(db, src);
  }
  if (dst_value == nullptr) {
    Value fresh = Value::NewSet();
    fresh.set().Add(member);
    ks.Store(db, dst, std::move(fresh));
  } else if (dst_value->set().Add(member)) {
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
    // The whole set, in the order Redis replies it (it runs SUNION over the key).
    popped = SetAlgebra(SetOp::kUnion, {&members});
    ks.Delete(db, key);
    ks.Notify(db, core::events::kSet, "spop", key);
    ks.Notify(db, core::events::kGeneric, "del", key);
    return popped;
  }
  popped.reserve(count);
  ForEachRandomMember(members, static_cast<int64_t>(count),
                      [&](std::string_view m) { popped.emplace_back(m); });
  for (const std::string& m : popped) members.Remove(m);
  ks.MarkModified(db, key);
  ks.Notify(db, core::events::kSet, "spop", key);
  return popped;
}

absl::StatusOr<int64_t> OpSetStore(core::Keyspace& ks, int db, SetOp op, std::string_view dest,
                                   absl::Span<const std::string_view> keys) {
  auto sets = LookupSets(ks, db, keys);
  if (!sets.ok()) return sets.status();
  std::vector<std::string> members = SetAlgebra(op, *sets);
  if (members.empty()) {
    // Reports the change only if dest existed.
    if (ks.Delete(db, dest)) ks.Notify(db, core::events::kGeneric, "del", dest);
    return 0;
  }
  Value fresh = Value::NewSet();
  for (const std::string& m : members) fresh.set().Add(m);
  const int64_t size = static_cast<int64_t>(fresh.set().size());
  ks.Store(db, dest, std::move(fresh));
  const char* event = op == SetOp::kInter   ? "sinterstore"
                      : op == SetOp::kUnion ? "sunionstore"
                                            : "sdiffstore";
  ks.Notify(db, core::events::kSet, event, dest);
  return size;
}

}  // namespace bazaar::engine::commands
