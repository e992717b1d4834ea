#include "engine/txn/watch_table.h"

#include <algorithm>

namespace bazaar::engine::txn {
namespace {

constexpr size_t kMaxTrackedAbortKeys = 10000;

WatchedKey* FindWatched(TransactionState* tx, int db, std::string_view key) {
  for (auto& w : tx->watched) {
    if (w.db == db && w.key == key) return &w;
  }
  return nullptr;
}

}  // namespace

std::string KeyClassOf(std::string_view key) {
  size_t colon = key.rfind(':');
  return colon == std::string_view::npos ? std::string() : std::string(key.substr(0, colon + 1));
}

WatchTable::WatchTable(const core::Keyspace* keyspace)
    : keyspace_(keyspace), watchers_(keyspace->num_dbs()) {}

void WatchTable::Watch(TransactionState* tx, int db, std::string_view key) {
  if (FindWatched(tx, db, key)) return;
  tx->watched.push_back(WatchedKey{db, std::string(key), keyspace_->IsExpired(db, key)});
  watchers_[db][key].push_back(tx);
  ++total_watches_;
}

void WatchTable::UnwatchAll(TransactionState* tx) {
  for (const auto& w : tx->watched) {
    auto it = watchers_[w.db].find(w.key);
    if (it == watchers_[w.db].end()) continue;
    auto& list = it->second;
    list.erase(std::remove(list.begin(), list.end(), tx), list.end());
    if (list.empty()) watchers_[w.db].erase(it);
    --total_watches_;
  }
  tx->watched.clear();
}

void WatchTable::MarkDirty(TransactionState* tx, int db, std::string_view key) {
  if (!tx->dirty_cas) {
    tx->dirty_cas = true;
    tx->abort_db = db;
    tx->abort_key = std::string(key);
  }
}

bool WatchTable::WatchedKeyExpired(TransactionState* tx) const {
  for (const auto& w : tx->watched) {
    if (!w.expired_at_watch && keyspace_->IsExpired(w.db, w.key)) {
      MarkDirty(tx, w.db, w.key);
      return true;
    }
  }
  return false;
}

void WatchTable::KeyModified(int db, std::string_view key) {
  if (total_watches_ == 0) return;
  auto it = watchers_[db].find(key);
  if (it == watchers_[db].end()) return;
  std::vector<TransactionState*> victims;
  for (TransactionState* tx : it->second) {
    WatchedKey* w = FindWatched(tx, db, key);
    if (w->expired_at_watch && !keyspace_->ContainsRaw(db, key)) {
      w->expired_at_watch = false;  // the expired key was deleted: logically no change
      continue;
    }
    victims.push_back(tx);
  }
  // A dirty client can never become clean again, so it stops watching now.
  for (TransactionState* tx : victims) {
    MarkDirty(tx, db, key);
    UnwatchAll(tx);
  }
}

void WatchTable::DbReplaced(int db, int replaced_with) {
  if (total_watches_ == 0 || watchers_[db].empty()) return;
  for (auto& [key, list] : watchers_[db]) {
    bool in_emptied = keyspace_->ContainsRaw(db, key);
    bool in_replacement = replaced_with >= 0 && keyspace_->ContainsRaw(replaced_with, key);
    if (!in_emptied && !in_replacement) continue;
    for (TransactionState* tx : list) {
      WatchedKey* w = FindWatched(tx, db, key);
      if (w->expired_at_watch) {
        if (!in_replacement) {
          w->expired_at_watch = false;  // an expired key went away: no change
          continue;
        }
        if (keyspace_->IsExpired(replaced_with, key)) continue;  // still expired
      } else if (!in_emptied && keyspace_->IsExpired(replaced_with, key)) {
        w->expired_at_watch = true;  // a missing key became an expired one
        continue;
      }
      // Marked only: unwatching here would change the map being walked. EXEC unwatches.
      MarkDirty(tx, db, key);
    }
  }
}

void WatchTable::RecordAbort(const TransactionState& tx) {
  if (tx.abort_db < 0) return;
  std::string id = std::to_string(tx.abort_db);
  id.push_back('\0');
  id += tx.abort_key;
  ++abort_counts_[id];
  std::string key_class = KeyClassOf(tx.abort_key);
  if (class_counts_.size() >= kMaxKeyClasses && !class_counts_.contains(key_class)) {
    key_class = "other";
  }
  ++class_counts_[key_class];
  if (abort_counts_.size() > kMaxTrackedAbortKeys) {
    std::vector<uint64_t> counts;
    counts.reserve(abort_counts_.size());
    for (const auto& [k, c] : abort_counts_) counts.push_back(c);
    std::nth_element(counts.begin(), counts.begin() + counts.size() / 2, counts.end());
    uint64_t median = counts[counts.size() / 2];
    absl::erase_if(abort_counts_, [&](const auto& kv) { return kv.second <= median; });
  }
}

std::vector<AbortingKeyClass> WatchTable::AbortsByKeyClass() const {
  std::vector<AbortingKeyClass> out;
  out.reserve(class_counts_.size());
  for (const auto& [key_class, aborts] : class_counts_) out.push_back({key_class, aborts});
  std::sort(out.begin(), out.end(), [](const AbortingKeyClass& a, const AbortingKeyClass& b) {
    return a.aborts != b.aborts ? a.aborts > b.aborts : a.key_class < b.key_class;
  });
  return out;
}

std::vector<AbortingKey> WatchTable::TopAbortingKeys(size_t n) const {
  std::vector<AbortingKey> all;
  all.reserve(abort_counts_.size());
  for (const auto& [id, count] : abort_counts_) {
    size_t sep = id.find('\0');
    all.push_back(AbortingKey{std::stoi(id.substr(0, sep)), id.substr(sep + 1), count});
  }
  std::sort(all.begin(), all.end(), [](const AbortingKey& a, const AbortingKey& b) {
    if (a.aborts != b.aborts) return a.aborts > b.aborts;
    if (a.db != b.db) return a.db < b.db;
    return a.key < b.key;
  });
  if (all.size() > n) all.resize(n);
  return all;
}

size_t WatchTable::watched_key_count() const {
  size_t n = 0;
  for (const auto& m : watchers_) n += m.size();
  return n;
}

}  // namespace bazaar::engine::txn
