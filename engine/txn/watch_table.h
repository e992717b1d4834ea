// The watch table: which clients WATCH which keys, and the Redis 7.0 rules for when a change
// invalidates their transactions. It observes the keyspace, so commands never deal with WATCH.
//
// Design note (Redis's touchWatchedKey / touchAllWatchedKeysInDb):
// - Any logical change of a watched key marks every watcher dirty, and a dirty client stops
//   watching at once (nothing later can make it clean again).
// - A key that was already expired at WATCH time is not "changed" by being deleted (lazily, by
//   active expiry or by a flush); it is changed if it comes back.
// - Flushing or swapping a database changes only the watched keys that exist on either side.
// - At EXEC, a key watched while alive that has expired since then counts as changed.
// It also counts which keys' changes aborted transactions, for INFO's transactions section.
#ifndef BAZAAR_ENGINE_TXN_WATCH_TABLE_H_
#define BAZAAR_ENGINE_TXN_WATCH_TABLE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/core/keyspace.h"
#include "engine/txn/transaction_state.h"

namespace bazaar::engine::txn {

struct AbortingKey {
  int db;
  std::string key;
  uint64_t aborts;
};

// Aborts charged to a class of keys: the key up to and including its last ':' ("users:" for
// "users:42", "" for a key without one), so that a workload's abort causes (listing, user,
// market...) can be told apart without tracking every key. At most kMaxKeyClasses classes are
// kept; aborts by keys of further classes count under "other" (a name no real class has).
struct AbortingKeyClass {
  std::string key_class;
  uint64_t aborts;
};
inline constexpr size_t kMaxKeyClasses = 64;
std::string KeyClassOf(std::string_view key);

class WatchTable : public core::KeyspaceObserver {
 public:
  // `keyspace` must outlive the table; the caller registers the table as its observer.
  explicit WatchTable(const core::Keyspace* keyspace);

  void Watch(TransactionState* tx, int db, std::string_view key);
  void UnwatchAll(TransactionState* tx);
  // True if a key watched while alive has expired since; records it as the abort cause.
  bool WatchedKeyExpired(TransactionState* tx) const;

  void KeyModified(int db, std::string_view key) override;
  void DbReplaced(int db, int replaced_with) override;

  // Counts an EXEC that returned nil because of tx's abort cause.
  void RecordAbort(const TransactionState& tx);
  // The keys whose changes aborted the most transactions, most first.
  std::vector<AbortingKey> TopAbortingKeys(size_t n) const;
  // Every class's aborts since the last reset, most first (complete, unlike TopAbortingKeys).
  std::vector<AbortingKeyClass> AbortsByKeyClass() const;
  size_t watched_key_count() const;
  void ResetStats() {
    abort_counts_.clear();
    class_counts_.clear();
  }

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return core::HashKey(s); }
  };
  struct StringEq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
  };
  using KeyMap = absl::flat_hash_map<std::string, std::vector<TransactionState*>, StringHash,
                                     StringEq>;
  static void MarkDirty(TransactionState* tx, int db, std::string_view key);

  const core::Keyspace* keyspace_;
  std::vector<KeyMap> watchers_;  // per database
  size_t total_watches_ = 0;
  // Abort counts per "db\0key"; bounded by trimming the least-hit half when it grows too big.
  absl::flat_hash_map<std::string, uint64_t> abort_counts_;
  absl::flat_hash_map<std::string, uint64_t> class_counts_;  // at most kMaxKeyClasses + 1
};

}  // namespace bazaar::engine::txn

#endif  // BAZAAR_ENGINE_TXN_WATCH_TABLE_H_
