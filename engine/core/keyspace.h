// The keyspace: numbered databases of key -> Value with millisecond expiry. Single-threaded: only
// the event-loop thread touches it. Every mutation goes through this API, which counts it in
// dirty() (expiries excepted, as in Redis) and tells each observer which key changed (the watch
// table flags watchers, the blocking manager wakes blocked clients, the dispatcher logs expired
// keys as DEL), so command handlers never deal with WATCH.
//
// Time is what set_now_ms() last said: the dispatcher sets it once per top-level command, so a
// transaction sees one instant and a key cannot expire half-way through EXEC (Redis's rule).
#ifndef BAZAAR_ENGINE_CORE_KEYSPACE_H_
#define BAZAAR_ENGINE_CORE_KEYSPACE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/random/random.h"
#include "engine/core/dict.h"
#include "engine/core/keyspace_events.h"
#include "engine/core/value.h"

namespace bazaar::engine::core {

// Told about every logical change; implemented by the watch table.
class KeyspaceObserver {
 public:
  virtual ~KeyspaceObserver() = default;
  virtual void KeyModified(int db, std::string_view key) = 0;
  // Called before database `db` is emptied (replaced_with = -1) or swapped with `replaced_with`.
  virtual void DbReplaced(int db, int replaced_with) = 0;
  // A key was deleted because its time passed (after KeyModified for it).
  virtual void KeyExpired(int db, std::string_view key) {}
  // A key was deleted to free memory (after KeyModified for it).
  virtual void KeyEvicted(int db, std::string_view key) {}
  // A keyspace notification of an enabled class (core/keyspace_events.h), in Redis's order.
  virtual void KeyEvent(int db, std::string_view event, std::string_view key) {}
  // Once per FLUSHDB, FLUSHALL or dataset replacement, after DbReplaced for each database.
  virtual void Flushed() {}
};

struct KeyspaceStats {
  uint64_t expired_keys = 0;
  uint64_t evicted_keys = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
};

class Keyspace {
 public:
  explicit Keyspace(int num_dbs);

  int num_dbs() const { return static_cast<int>(dbs_.size()); }
  void set_now_ms(int64_t now) { now_ms_ = now; }
  int64_t now_ms() const { return now_ms_; }
  // Not owned; told about every change in the order added (the watch table, blocked clients).
  void add_observer(KeyspaceObserver* observer) { observers_.push_back(observer); }

  // Keyspace notifications: the classes notify-keyspace-events enables (core/keyspace_events.h).
  void set_notify_classes(int classes) { notify_classes_ = classes; }
  // The one entry point of every notification: commands report (class, event, key) here as
  // they change a key, and the keyspace itself reports new, expired, evicted and keymiss; the
  // observers (the server's Pub/Sub) publish those of an enabled class.
  void Notify(int db, int event_class, std::string_view event, std::string_view key) {
    if ((notify_classes_ & event_class) == 0) return;
    for (KeyspaceObserver* o : observers_) o->KeyEvent(db, event, key);
  }

  // Replicas leave expiry to their primary, whose DELs arrive in the stream (Redis's rule): an
  // expired key looks missing to clients but is not deleted, and while the primary's stream is
  // applied (obeying_primary) keys are never expired at all, so both sides compute the same.
  void set_replica(bool replica) { replica_ = replica; }
  bool replica() const { return replica_; }
  void set_obeying_primary(bool obeying) { obeying_primary_ = obeying; }
  // CLIENT PAUSE: expired keys look missing but are not deleted until the pause ends.
  void set_expiry_paused(bool paused) { expiry_paused_ = paused; }

  // What a lookup records on the value besides its access time: the LFU counter too, under an
  // LFU maxmemory-policy (lfu-log-factor, lfu-decay-time).
  struct LfuTracking {
    bool enabled = false;
    int64_t log_factor = 10;
    int64_t decay_minutes = 1;
  };
  void set_lfu_tracking(const LfuTracking& lfu) { lfu_ = lfu; }
  const LfuTracking& lfu_tracking() const { return lfu_; }

  // Lookups delete the key first if it has expired. FindForRead counts hits and misses.
  Value* FindForRead(int db, std::string_view key);
  Value* FindForWrite(int db, std::string_view key);
  // A lookup that neither expires nor counts nor touches the access time (OBJECT).
  const Value* Peek(int db, std::string_view key) const;
  // The stored value, expired or not, with no side effects (DEBUG OBJECT, as Redis's).
  const Value* PeekRaw(int db, std::string_view key) const;
  // Whether the key is stored at all, expired or not (no side effects).
  bool ContainsRaw(int db, std::string_view key) const;
  // Whether the key is stored but past its expiry time (no side effects).
  bool IsExpired(int db, std::string_view key) const;
  // Whether the key counts as expired here; a primary deletes it too, as a lookup would.
  bool ExpireIfNeeded(int db, std::string_view key);

  // Stores `value` under key, replacing any old value. The TTL is dropped unless keep_ttl.
  Value& Store(int db, std::string_view key, Value value, bool keep_ttl = false);
  // As Store, but neither counted in dirty() nor told to the observers: for a key Redis creates
  // without reporting it (a BITFIELD whose writes all fail under OVERFLOW FAIL). The caller
  // reports it with MarkModified if its command turns out to change it.
  Value& StoreUnreported(int db, std::string_view key, Value value);
  // Removes a live key; false if there was none.
  bool Delete(int db, std::string_view key);
  // Removes a live key and hands back its value and expiry (-1 for none).
  std::optional<std::pair<Value, int64_t>> Take(int db, std::string_view key);
  // Reports an in-place change of the value under key.
  void MarkModified(int db, std::string_view key);
  // Counts writes in dirty() without signalling a key: the extra ones Redis counts for a
  // command (each register PFADD raised) or a change it does not signal (PFDEBUG TODENSE).
  void AddDirty(uint64_t writes) { dirty_ += writes; }

  // Absolute expiry in unix ms, or -1.
  int64_t GetExpire(int db, std::string_view key) const;
  // Precondition: the key exists. Does not report a change: the caller's command does.
  void SetExpire(int db, std::string_view key, int64_t when_ms);
  bool RemoveExpire(int db, std::string_view key);

  size_t DbSize(int db) const { return dbs_[db].keys.size(); }
  size_t ExpiresCount(int db) const { return dbs_[db].expires.size(); }
  // The bytes db's key table and expiry table take besides the data they hold (their bucket
  // arrays and the entry blocks): MEMORY STATS's overhead.hashtable.main / .expires.
  size_t KeysTableOverhead(int db) const;
  size_t ExpiresTableOverhead(int db) const;
  void FlushDb(int db);
  void FlushAll();
  void SwapDb(int a, int b);

  std::optional<std::string> RandomKey(int db);
  // Eviction's sample (core/eviction.h): fn(key, value, expire_ms or -1) for `count` random
  // keys of db (volatile keys only when volatile_only), repeats possible; none when it has none.
  template <typename F>
  void SampleKeys(int db, bool volatile_only, int count, F&& fn) {
    Database& d = dbs_[db];
    auto random = [this] { return absl::Uniform<uint64_t>(random_); };
    if (volatile_only ? d.expires.empty() : d.keys.empty()) return;
    for (int i = 0; i < count; ++i) {
      if (volatile_only) {
        const auto* e = d.expires.Random(random);
        const auto* k = d.keys.Find(e->key);
        if (k) fn(std::string_view(e->key), k->value, e->value);
      } else {
        const auto* e = d.keys.Random(random);
        fn(std::string_view(e->key), e->value, GetExpire(db, e->key));
      }
    }
  }
  // Deletes a stored key to free memory (expired or not); observers hear KeyModified, then
  // KeyEvicted.
  void Evict(int db, std::string_view key);
  // One step of a SCAN over db's keys. Expired keys are skipped, not deleted, and go to
  // `expired` when given (SCAN deletes those it would have returned, as Redis does).
  template <typename F>
  uint64_t Scan(int db, uint64_t cursor, F&& fn,
                std::vector<std::pair<std::string, const Value*>>* expired = nullptr) const {
    const Database& d = dbs_[db];
    return d.keys.Scan(cursor, [&](const Dict<Value>::Entry& e) {
      if (!IsExpiredIn(d, e.key)) {
        fn(e.key, e.value);
      } else if (expired != nullptr) {
        expired->emplace_back(e.key, &e.value);
      }
    });
  }
  // Every live key of db, for KEYS.
  template <typename F>
  void ForEachKey(int db, F&& fn) const {
    const Database& d = dbs_[db];
    d.keys.ForEach([&](const Dict<Value>::Entry& e) {
      if (!IsExpiredIn(d, e.key)) fn(e.key, e.value);
    });
  }

  // Every stored key of db, logically expired ones not yet deleted too (DEBUG DIGEST walks them,
  // as Redis walks its dict).
  template <typename F>
  void ForEachKeyWithExpired(int db, F&& fn) const {
    dbs_[db].keys.ForEach([&](const Dict<Value>::Entry& e) { fn(e.key, e.value); });
  }

  // Active expiry: walks the volatile keys of each database from a saved cursor, deleting expired
  // ones, until `budget_us` of work is spent or little is left to find. Returns keys removed.
  size_t ActiveExpireCycle(int64_t budget_us);

  // Writes since start (Redis's server.dirty).
  uint64_t dirty() const { return dirty_; }
  const KeyspaceStats& stats() const { return stats_; }
  void ResetStats() { stats_ = KeyspaceStats(); }

 private:
  // Store without the report.
  Value& Place(int db, std::string_view key, Value value, bool keep_ttl);
  struct Database {
    Dict<Value> keys;
    Dict<int64_t> expires;
    uint64_t expire_cursor = 0;
  };
  bool IsExpiredIn(const Database& d, std::string_view key) const;
  // Empties db, telling the observers DbReplaced (FlushDb and FlushAll then say Flushed).
  void Empty(int db);
  void DeleteExpired(int db, std::string_view key);
  // Records a lookup on the value (access time; LFU counter when tracked).
  void Accessed(Value& value);
  void Touch(int db, std::string_view key) {
    ++dirty_;
    for (KeyspaceObserver* o : observers_) o->KeyModified(db, key);
  }

  std::vector<Database> dbs_;
  int64_t now_ms_ = 0;
  std::vector<KeyspaceObserver*> observers_;
  uint64_t dirty_ = 0;
  int notify_classes_ = 0;
  bool replica_ = false;
  bool expiry_paused_ = false;
  bool obeying_primary_ = false;
  LfuTracking lfu_;
  KeyspaceStats stats_;
  absl::BitGen random_;
};

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_KEYSPACE_H_
