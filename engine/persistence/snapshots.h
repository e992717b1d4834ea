// RDB snapshots for the server: SAVE in the loop thread, BGSAVE in a forked child (the parent
// keeps serving; the child writes a copy-on-write view of the keyspace), save points checked by
// the cron, the dump loaded at startup, and the MISCONF rule after a failed background save.
// Event-loop thread only; it sees the keyspace and options, and reports through SnapshotInfo and
// two callbacks (replication fields to save, background save done).
#ifndef BAZAAR_ENGINE_PERSISTENCE_SNAPSHOTS_H_
#define BAZAAR_ENGINE_PERSISTENCE_SNAPSHOTS_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/config/options.h"
#include "engine/core/keyspace.h"
#include "engine/persistence/persistence_info.h"
#include "engine/persistence/rdb_writer.h"

namespace bazaar::engine::persistence {

class Snapshots {
 public:
  // Both must outlive this object.
  Snapshots(core::Keyspace* keyspace, config::Options* options);

  // Loads dir/dbfilename if it exists. A missing file is fine; a bad one is an error, and so
  // is a key the keyspace already holds when `refuse_existing_keys` (else it is replaced).
  absl::Status LoadAtStartup(bool refuse_existing_keys = false);
  // SAVE: writes the dump now, in this thread.
  absl::Status Save();
  // BGSAVE: forks a child that writes the dump.
  absl::Status StartBackgroundSave();
  // Reaps a finished child and starts a background save when a save point is due.
  void Cron(bool other_child_running);
  // Stops a running child and removes its temp file (at shutdown).
  void KillChild();

  bool in_progress() const { return child_ > 0; }
  // Fills the replication fields of every snapshot written from now on.
  void set_replication_source(std::function<void(RdbOptions*)> fill) {
    fill_replication_ = std::move(fill);
  }
  // Called when a background save ends (a replica's full sync waits for it).
  void set_on_background_done(std::function<void(bool ok)> done) { on_done_ = std::move(done); }
  // The aux fields of the dump loaded at startup (repl-id, repl-offset, ...).
  const std::map<std::string, std::string>& loaded_aux() const { return loaded_aux_; }
  // The function libraries the last LoadAtStartup read (the server loads them into its engine).
  const std::vector<std::string>& loaded_functions() const { return loaded_functions_; }
  std::string DumpPath() const;
  // What an RDB written now holds besides the data: the replication fields and the function
  // libraries (set_replication_source), and rdbcompression / rdbchecksum.
  RdbOptions CurrentRdbOptions() const;
  bool WritesDenied() const;
  SnapshotInfo info() const;

 private:
  void Finished(bool ok, int64_t now_s);

  core::Keyspace* keyspace_;
  config::Options* options_;
  pid_t child_ = -1;
  int64_t child_start_s_ = 0;
  uint64_t dirty_at_fork_ = 0;
  uint64_t dirty_at_last_save_ = 0;
  int64_t last_save_s_;
  int64_t last_try_s_ = 0;
  bool last_bgsave_ok_ = true;
  int64_t last_bgsave_seconds_ = -1;
  int64_t latest_fork_usec_ = 0;
  uint64_t saves_ = 0;
  uint64_t loaded_keys_ = 0;
  uint64_t loaded_expired_ = 0;
  std::map<std::string, std::string> loaded_aux_;
  std::vector<std::string> loaded_functions_;
  std::function<void(RdbOptions*)> fill_replication_;
  std::function<void(bool)> on_done_;
};

}  // namespace bazaar::engine::persistence

#endif  // BAZAAR_ENGINE_PERSISTENCE_SNAPSHOTS_H_
