// The append-only file for the server: loading the manifest's files at startup, feeding every
// propagated write batch into the current incremental file (flushed, and synced per appendfsync,
// before the replies of the same loop turn leave), turning the AOF on and off at run time, and
// BGREWRITEAOF: a forked child writes a new base while the parent already appends to a new
// incremental file, and the manifest swaps them in when the child succeeds.
// Its interface to the rest: the keyspace and options, a Replay callback for loaded commands,
// and Append/Flush/Cron called by the server on the event-loop thread (no Server*).
#ifndef BAZAAR_ENGINE_PERSISTENCE_APPEND_ONLY_H_
#define BAZAAR_ENGINE_PERSISTENCE_APPEND_ONLY_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "engine/config/options.h"
#include "engine/core/keyspace.h"
#include "engine/persistence/aof_manifest.h"
#include "engine/persistence/aof_writer.h"
#include "engine/persistence/persistence_info.h"
#include "engine/persistence/rdb_writer.h"

namespace bazaar::engine::persistence {

class AppendOnly {
 public:
  // All must outlive this object.
  // Runs one command read from the AOF at startup (the server: through the dispatcher, as an
  // authenticated client).
  using Replay = std::function<void(const std::vector<std::string_view>& argv)>;
  // Both pointers must outlive this object.
  AppendOnly(core::Keyspace* keyspace, config::Options* options, Replay replay);

  // With appendonly yes: replays the AOF files (the AOF wins over the RDB), then opens the
  // current incremental file, creating a base from the dataset when there is no AOF yet.
  absl::Status LoadAtStartup();
  // DEBUG LOADAOF: writes out the buffer, then replays the files the manifest on disk names into
  // the keyspace (which the caller emptied), as a restart would; the current file stays open.
  // With appendonly no that is what the last BGREWRITEAOF wrote; NotFound when there is none.
  absl::Status Reload(int64_t now_ms);
  // CONFIG SET appendonly yes / no.
  absl::Status Enable();
  void Disable();
  bool enabled() const { return writer_.is_open(); }

  // Buffers one command of a propagated batch (the server hands each over, wrapped as
  // commands::ForEachLogged gives them) for the next Flush.
  void Append(int db, const std::vector<std::string>& argv);
  // Writes (and syncs per policy) what this loop turn logged; call before replies are flushed.
  // A failure keeps the buffer for the next call. Under appendfsync always a failure exits the
  // process (Redis's choice: the turn's replies must not leave, and the changes cannot be taken
  // back); otherwise write_error() refuses writes until a later call succeeds.
  void Flush(int64_t now_ms);
  // errno of the failed AOF write or background fsync that refuses writes (MISCONF), else 0.
  int write_error() const;
  // BGREWRITEAOF.
  absl::Status StartRewrite();
  bool rewrite_in_progress() const { return child_ > 0; }
  void set_rewrite_scheduled(bool scheduled) { rewrite_scheduled_ = scheduled; }
  bool rewrite_scheduled() const { return rewrite_scheduled_; }
  // Reaps a finished rewrite child; starts an automatic rewrite when the files grew enough.
  void Cron(bool other_child_running);
  void KillChild();
  void ApplyPolicy();
  AofInfo info() const;
  // The function libraries' code every base written from now on holds (as Redis's preamble).
  void set_functions_source(std::function<std::vector<std::string>()> source) {
    functions_source_ = std::move(source);
  }
  // Runs with the function libraries' code of each base replayed, before the commands after it
  // (which may call them).
  void set_functions_sink(std::function<void(const std::vector<std::string>&)> sink) {
    functions_sink_ = std::move(sink);
  }

 private:
  // The options of a base: an RDB with the function libraries, without replication fields.
  RdbOptions BaseRdbOptions() const;
  std::function<std::vector<std::string>()> functions_source_;
  std::function<void(const std::vector<std::string>&)> functions_sink_;
  std::string dir() const { return options_->appenddirname; }
  std::string PathOf(const std::string& name) const { return dir() + "/" + name; }
  absl::Status ReplayFile(const std::string& name, bool last_file);
  absl::Status StartRewriteWhileOff();
  // Forks the child that writes the new base to a temp file (RewriteFinished installs it).
  absl::Status ForkRewriteChild();
  // Writes a base for the current dataset and a fresh incremental file (seq after `after`).
  absl::Status CreateFreshSet(int64_t base_seq, int64_t incr_seq);
  void RewriteFinished(bool ok);
  // After repeated failures, automatic rewrites wait 1, 2, 4 ... 60 minutes (Redis's limit).
  bool RewriteLimited(int64_t now_s);

  core::Keyspace* keyspace_;
  config::Options* options_;
  Replay replay_;
  AofWriter writer_;
  AofManifest manifest_;
  pid_t child_ = -1;
  size_t rewrite_first_incr_ = 0;  // manifest_.incrs index where the rewrite's new file starts
  bool rewrite_scheduled_ = false;
  bool last_rewrite_ok_ = true;
  int64_t base_size_ = 0;
  uint64_t rewrites_ = 0;
  int64_t rewrite_start_s_ = 0;
  int64_t last_rewrite_seconds_ = -1;
  uint64_t rewrite_failures_in_a_row_ = 0;
  int64_t limit_delay_minutes_ = 0;
  int64_t limited_until_s_ = 0;
  int64_t last_error_log_s_ = 0;
};

}  // namespace bazaar::engine::persistence

#endif  // BAZAAR_ENGINE_PERSISTENCE_APPEND_ONLY_H_
