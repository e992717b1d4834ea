// The RDB and AOF lifecycles together, as the server runs them: loading at startup (the AOF
// wins when appendonly is on), one child at a time (a snapshot, a rewrite, or replication's
// diskless sync, which the caller reports as `other_child_running`), what a failing disk
// refuses (MISCONF), the final save at shutdown, and the AOF restarted after a replica's full
// sync. Owns Snapshots and AppendOnly; event-loop thread only.
#ifndef BAZAAR_ENGINE_PERSISTENCE_PERSISTENCE_H_
#define BAZAAR_ENGINE_PERSISTENCE_PERSISTENCE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/config/options.h"
#include "engine/core/keyspace.h"
#include "engine/persistence/append_only.h"
#include "engine/persistence/forked_child.h"
#include "engine/persistence/persistence_info.h"
#include "engine/persistence/snapshots.h"

namespace bazaar::engine::persistence {

class Persistence {
 public:
  // Both pointers must outlive this object; `replay` runs each command loaded from the AOF.
  Persistence(core::Keyspace* keyspace, config::Options* options, AppendOnly::Replay replay);

  absl::Status LoadAtStartup();
  // SAVE, BGSAVE [SCHEDULE] and BGREWRITEAOF: the status line to reply, or the error (whose
  // message is the reply text).
  absl::Status Save() { return snapshots_.Save(); }
  absl::StatusOr<std::string> StartBackgroundSave(bool schedule, bool in_exec,
                                                  bool other_child_running);
  absl::StatusOr<std::string> StartAofRewrite(bool in_exec, bool other_child_running);
  // After CONFIG SET: appendfsync, and appendonly turned on or off.
  // appendonly and appendfsync as the options now say; `in_exec`: an AOF turned on inside EXEC
  // starts at the next cron, after the transaction.
  absl::Status ApplyOptions(bool in_exec = false);
  // The MISCONF error refusing writes while the disk fails us, or "".
  std::string DiskErrorRefusingWrites() const;
  PersistenceInfo info() const { return {snapshots_.info(), aof_.info(), TotalForks()}; }

  // Buffers one logged command for the AOF (when it is on).
  void Append(int db, const std::vector<std::string>& argv) { aof_.Append(db, argv); }
  // Before the loop turn's replies leave: the AOF is written (and synced per policy).
  void Flush(int64_t now_ms) { aof_.Flush(now_ms); }
  // DEBUG LOADAOF's load into the (emptied) keyspace: see AppendOnly::Reload.
  absl::Status ReloadAppendOnly(int64_t now_ms) { return aof_.Reload(now_ms); }
  // Every tick: reaps children, runs due save points, rewrites and a scheduled BGSAVE.
  void Cron(bool other_child_running);
  bool child_running() const { return snapshots_.in_progress() || aof_.rewrite_in_progress(); }
  // SHUTDOWN: stops children, saves the dump (kSave, or kDefault with save points), syncs the
  // AOF. False, with nothing stopped but the children, when that save failed and !force.
  bool SaveBeforeShutdown(ShutdownSave save, bool force);
  // A replica's full sync replaced the dataset: the AOF is rebuilt from it, as Redis does; a
  // replica that cannot restart its AOF for ten seconds exits.
  void RestartAofAfterSync();

  Snapshots& snapshots() { return snapshots_; }
  // The AOF's function libraries: `source` gives the code for each base written, `sink` takes
  // each base's as it is replayed (see AppendOnly). Snapshots get theirs with the replication
  // fields (Snapshots::set_replication_source) and keep what they load (loaded_functions).
  void set_aof_functions(std::function<std::vector<std::string>()> source,
                         std::function<void(const std::vector<std::string>&)> sink) {
    aof_.set_functions_source(std::move(source));
    aof_.set_functions_sink(std::move(sink));
  }

 private:
  config::Options* options_;
  Snapshots snapshots_;
  AppendOnly aof_;
  bool bgsave_scheduled_ = false;
  bool aof_enable_pending_ = false;  // appendonly turned on inside EXEC (ApplyOptions)
};

}  // namespace bazaar::engine::persistence

#endif  // BAZAAR_ENGINE_PERSISTENCE_PERSISTENCE_H_
