#include "engine/core/keyspace.h"

#include "engine/core/clock.h"
#include "engine/core/eviction.h"
#include "engine/core/keyspace_events.h"
#include "engine/core/memory_usage.h"

namespace bazaar::engine::core {

Keyspace::Keyspace(int num_dbs) : dbs_(num_dbs), now_ms_(UnixTimeMs()) {}

bool Keyspace::IsExpiredIn(const Database& d, std::string_view key) const {
  if (d.expires.empty()) return false;
  const auto* e = d.expires.Find(key);
  return e != nullptr && e->value <= now_ms_;
}

bool Keyspace::IsExpired(int db, std::string_view key) const {
  return !obeying_primary_ && IsExpiredIn(dbs_[db], key);
}

bool Keyspace::ContainsRaw(int db, std::string_view key) const {
  return dbs_[db].keys.Find(key) != nullptr;
}

void Keyspace::DeleteExpired(int db, std::string_view key) {
  // Copy: `key` may point into the entry being freed.
  std::string owned(key);
  dbs_[db].expires.Erase(owned);
  dbs_[db].keys.Erase(owned);
  ++stats_.expired_keys;
  Notify(db, events::kExpired, "expired", owned);
  // Watchers see the change, but it is not one of dirty()'s: as in Redis, an expiry is no write
  // of the command that ran into it (which is then not logged for it) and counts for no save
  // point; the deletion is logged on its own (KeyExpired).
  for (KeyspaceObserver* o : observers_) o->KeyModified(db, owned);
  for (KeyspaceObserver* o : observers_) o->KeyExpired(db, owned);
}

bool Keyspace::ExpireIfNeeded(int db, std::string_view key) {
  if (obeying_primary_ || !IsExpiredIn(dbs_[db], key)) return false;
  if (!replica_ && !expiry_paused_) DeleteExpired(db, key);
  return true;
}

Value* Keyspace::FindForWrite(int db, std::string_view key) {
  if (ExpireIfNeeded(db, key) && (replica_ || expiry_paused_)) return nullptr;
  auto* e = dbs_[db].keys.Find(key);
  if (!e) return nullptr;
  Accessed(e->value);
  return &e->value;
}

void Keyspace::Accessed(Value& value) {
  const auto now_s = static_cast<uint32_t>(now_ms_ / 1000);
  if (lfu_.enabled) {
    uint8_t counter =
        LfuDecayed(value.lfu_counter(), value.access_time(), now_s, lfu_.decay_minutes);
    value.set_lfu_counter(LfuIncremented(counter, lfu_.log_factor, random_));
  }
  value.set_access_time(now_s);
}

void Keyspace::Evict(int db, std::string_view key) {
  Database& d = dbs_[db];
  std::string owned(key);  // `key` may point into the entry being freed
  if (!d.keys.Erase(owned)) return;
  if (!d.expires.empty()) d.expires.Erase(owned);
  ++stats_.evicted_keys;
  Touch(db, owned);
  Notify(db, events::kEvicted, "evicted", owned);
  for (KeyspaceObserver* o : observers_) o->KeyEvicted(db, owned);
}

const Value* Keyspace::Peek(int db, std::string_view key) const {
  if (!obeying_primary_ && IsExpiredIn(dbs_[db], key)) return nullptr;
  return PeekRaw(db, key);
}

const Value* Keyspace::PeekRaw(int db, std::string_view key) const {
  auto* e = dbs_[db].keys.Find(key);
  return e ? &e->value : nullptr;
}

Value* Keyspace::FindForRead(int db, std::string_view key) {
  Value* v = FindForWrite(db, key);
  if (v) {
    ++stats_.keyspace_hits;
  } else {
    ++stats_.keyspace_misses;
    Notify(db, events::kKeyMiss, "keymiss", key);
  }
  return v;
}

Value& Keyspace::Store(int db, std::string_view key, Value value, bool keep_ttl) {
  Value& stored = Place(db, key, std::move(value), keep_ttl);
  Touch(db, key);
  return stored;
}

Value& Keyspace::StoreUnreported(int db, std::string_view key, Value value) {
  return Place(db, key, std::move(value), false);
}

Value& Keyspace::Place(int db, std::string_view key, Value value, bool keep_ttl) {
  ExpireIfNeeded(db, key);
  Database& d = dbs_[db];
  auto [entry, inserted] = d.keys.FindOrInsert(key);
  // An overwritten key keeps its access frequency, as in Redis.
  const uint8_t counter = inserted ? kLfuInitial : entry->value.lfu_counter();
  entry->value = std::move(value);
  entry->value.set_lfu_counter(counter);
  entry->value.set_access_time(static_cast<uint32_t>(now_ms_ / 1000));
  if (!inserted && !keep_ttl && !d.expires.empty()) d.expires.Erase(key);
  if (inserted) Notify(db, events::kNew, "new", key);
  return entry->value;
}

bool Keyspace::Delete(int db, std::string_view key) {
  if (ExpireIfNeeded(db, key)) return false;
  Database& d = dbs_[db];
  if (!d.keys.Find(key)) return false;
  std::string owned(key);
  if (!d.expires.empty()) d.expires.Erase(owned);
  d.keys.Erase(owned);
  Touch(db, owned);
  return true;
}

std::optional<std::pair<Value, int64_t>> Keyspace::Take(int db, std::string_view key) {
  Value* v = FindForWrite(db, key);
  if (!v) return std::nullopt;
  std::pair<Value, int64_t> out(std::move(*v), GetExpire(db, key));
  Delete(db, key);
  return out;
}

void Keyspace::MarkModified(int db, std::string_view key) { Touch(db, key); }

int64_t Keyspace::GetExpire(int db, std::string_view key) const {
  const Database& d = dbs_[db];
  if (d.expires.empty()) return -1;
  const auto* e = d.expires.Find(key);
  return e ? e->value : -1;
}

void Keyspace::SetExpire(int db, std::string_view key, int64_t when_ms) {
  dbs_[db].expires.FindOrInsert(key).first->value = when_ms;
}

bool Keyspace::RemoveExpire(int db, std::string_view key) { return dbs_[db].expires.Erase(key); }

void Keyspace::Empty(int db) {
  for (KeyspaceObserver* o : observers_) o->DbReplaced(db, -1);
  dirty_ += dbs_[db].keys.size();
  dbs_[db].keys.Clear();
  dbs_[db].expires.Clear();
  dbs_[db].expire_cursor = 0;
}

void Keyspace::FlushDb(int db) {
  Empty(db);
  for (KeyspaceObserver* o : observers_) o->Flushed();
}

void Keyspace::FlushAll() {
  for (int db = 0; db < num_dbs(); ++db) Empty(db);
  for (KeyspaceObserver* o : observers_) o->Flushed();
}

void Keyspace::SwapDb(int a, int b) {
  for (KeyspaceObserver* o : observers_) {
    o->DbReplaced(a, b);
    o->DbReplaced(b, a);
  }
  dbs_[a].keys.Swap(dbs_[b].keys);
  dbs_[a].expires.Swap(dbs_[b].expires);
  std::swap(dbs_[a].expire_cursor, dbs_[b].expire_cursor);
  ++dirty_;
}

std::optional<std::string> Keyspace::RandomKey(int db) {
  Database& d = dbs_[db];
  auto random = [this] { return absl::Uniform<uint64_t>(random_); };
  // Like Redis, give up on skipping expired keys after a while when every key is volatile.
  for (int tries = 0; !d.keys.empty(); ++tries) {
    auto* e = d.keys.Random(random);
    std::string key = e->key;
    if (!IsExpiredIn(d, key)) return key;
    if (tries >= 100 && d.keys.size() == d.expires.size()) return key;
    DeleteExpired(db, key);
  }
  return std::nullopt;
}

size_t Keyspace::ActiveExpireCycle(int64_t budget_us) {
  constexpr size_t kKeysPerLoop = 20;
  const int64_t start = MonotonicUs();
  size_t removed = 0;
  std::vector<std::string> due;
  for (int db = 0; db < num_dbs(); ++db) {
    Database& d = dbs_[db];
    while (!d.expires.empty()) {
      size_t sampled = 0;
      due.clear();
      // Visit whole buckets until enough keys were looked at or the walk wraps.
      do {
        d.expire_cursor = d.expires.Scan(d.expire_cursor, [&](const Dict<int64_t>::Entry& e) {
          ++sampled;
          if (e.value <= now_ms_) due.push_back(e.key);
        });
      } while (sampled < kKeysPerLoop && d.expire_cursor != 0);
      for (const auto& key : due) DeleteExpired(db, key);
      removed += due.size();
      // Stop on this database when under a tenth of the sample had expired (Redis's
      // "acceptable stale" share) or the walk completed a round.
      if (d.expire_cursor == 0 || due.size() * 10 < sampled) break;
      if (MonotonicUs() - start > budget_us) return removed;
    }
    if (MonotonicUs() - start > budget_us) break;
  }
  return removed;
}

namespace {
template <typename V>
size_t TableOverhead(const Dict<V>& d) {
  return d.bucket_count() * sizeof(void*) + d.size() * MallocBlock(sizeof(typename Dict<V>::Entry));
}
}  // namespace

size_t Keyspace::KeysTableOverhead(int db) const { return TableOverhead(dbs_[db].keys); }
size_t Keyspace::ExpiresTableOverhead(int db) const { return TableOverhead(dbs_[db].expires); }

}  // namespace bazaar::engine::core
