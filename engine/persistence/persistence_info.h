// What the persistence lifecycles report for INFO persistence (and LASTSAVE): plain figures,
// filled by Snapshots::info() and AppendOnly::info() on the event-loop thread; and SHUTDOWN's
// save choice. A header of data only, so commands can use them without depending on the
// lifecycles.
#ifndef BAZAAR_ENGINE_PERSISTENCE_PERSISTENCE_INFO_H_
#define BAZAAR_ENGINE_PERSISTENCE_PERSISTENCE_INFO_H_

#include <cstdint>

namespace bazaar::engine::persistence {

// The RDB figures INFO persistence reports.
struct SnapshotInfo {
  uint64_t changes_since_last_save = 0;
  bool bgsave_in_progress = false;
  int64_t last_save_time = 0;  // unix seconds
  bool last_bgsave_ok = true;
  int64_t last_bgsave_seconds = -1;
  int64_t current_bgsave_seconds = -1;
  uint64_t saves = 0;
  int64_t latest_fork_usec = 0;
  uint64_t last_load_keys_loaded = 0;
  uint64_t last_load_keys_expired = 0;
};

// The AOF figures INFO persistence reports.
struct AofInfo {
  bool enabled = false;
  bool rewrite_in_progress = false;
  bool rewrite_scheduled = false;
  bool last_rewrite_ok = true;
  bool last_write_ok = true;  // the last write and the last background fsync both succeeded
  int64_t last_rewrite_seconds = -1;
  int64_t current_rewrite_seconds = -1;
  uint64_t rewrites_consecutive_failures = 0;
  int64_t current_size = 0;
  int64_t base_size = 0;
  bool pending_fsync = false;
  uint64_t delayed_fsync = 0;
  uint64_t rewrites = 0;
  size_t buffer_bytes = 0;  // commands appended and not yet written (held until the loop's turn ends)
};

// SHUTDOWN's choice: SAVE, NOSAVE, or neither (save when save points are configured).
enum class ShutdownSave { kDefault, kSave, kNoSave };

// Both, as INFO persistence and LASTSAVE ask for them.
struct PersistenceInfo {
  SnapshotInfo rdb;
  AofInfo aof;
  int64_t total_forks = 0;  // every child forked: snapshots, rewrites, diskless syncs (INFO stats)
};

}  // namespace bazaar::engine::persistence

#endif  // BAZAAR_ENGINE_PERSISTENCE_PERSISTENCE_INFO_H_
