#include "engine/persistence/persistence.h"

#include <unistd.h>

#include <cstring>

#include "engine/core/log.h"

namespace bazaar::engine::persistence {
namespace {

constexpr char kSnapshotMisconfError[] =
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to "
    "disk. Commands that may modify the data set are disabled, because this instance is "
    "configured to report errors during writes if RDB snapshotting fails "
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB "
    "error.";

}  // namespace

Persistence::Persistence(core::Keyspace* keyspace, config::Options* options,
                         AppendOnly::Replay replay)
    : options_(options),
      snapshots_(keyspace, options),
      aof_(keyspace, options, std::move(replay)) {}

absl::Status Persistence::LoadAtStartup() {
  return options_->appendonly ? aof_.LoadAtStartup() : snapshots_.LoadAtStartup();
}

absl::StatusOr<std::string> Persistence::StartBackgroundSave(bool schedule, bool in_exec,
                                                             bool other_child_running) {
  // One child at a time, as in Redis: a rewrite or a diskless sync must finish first. Inside
  // EXEC it waits for the transaction's end.
  const bool busy = aof_.rewrite_in_progress() || other_child_running;
  if ((busy || in_exec) && !snapshots_.in_progress()) {
    if (!schedule && !in_exec) {
      return absl::FailedPreconditionError(
          "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
          "SCHEDULE in order to schedule a BGSAVE whenever possible.");
    }
    bgsave_scheduled_ = true;
    return std::string("Background saving scheduled");
  }
  absl::Status status = snapshots_.StartBackgroundSave();
  if (!status.ok()) return status;
  return std::string("Background saving started");
}

absl::StatusOr<std::string> Persistence::StartAofRewrite(bool in_exec, bool other_child_running) {
  if (aof_.rewrite_in_progress()) {
    return absl::FailedPreconditionError(
        "ERR Background append only file rewriting already in progress");
  }
  if (snapshots_.in_progress() || other_child_running || in_exec) {
    aof_.set_rewrite_scheduled(true);
    return std::string("Background append only file rewriting scheduled");
  }
  absl::Status status = aof_.StartRewrite();
  if (!status.ok()) return status;
  return std::string("Background append only file rewriting started");
}

absl::Status Persistence::ApplyOptions(bool in_exec) {
  aof_.ApplyPolicy();
  if (options_->appendonly && !aof_.enabled() && in_exec) {
    aof_enable_pending_ = true;
    core::Log(core::LogLevel::kWarning,
              "AOF was enabled during a transaction. An AOF background was scheduled to start "
              "when possible.");
    return absl::OkStatus();
  }
  aof_enable_pending_ = false;
  if (options_->appendonly && !aof_.enabled()) {
    absl::Status status = aof_.Enable();
    if (!status.ok()) {
      options_->appendonly = false;
      return status;
    }
  } else if (!options_->appendonly && aof_.enabled()) {
    aof_.Disable();
  }
  return absl::OkStatus();
}

std::string Persistence::DiskErrorRefusingWrites() const {
  if (snapshots_.WritesDenied()) return kSnapshotMisconfError;
  if (int error = aof_.write_error(); error != 0) {
    return std::string("MISCONF Errors writing to the AOF file: ") + strerror(error);
  }
  return "";
}

void Persistence::Cron(bool other_child_running) {
  if (aof_enable_pending_) {
    aof_enable_pending_ = false;
    if (absl::Status s = ApplyOptions(); !s.ok()) {
      core::Log(core::LogLevel::kWarning, "Turning the AOF on failed: %s",
                std::string(s.message()));
    }
  }
  snapshots_.Cron(aof_.rewrite_in_progress() || other_child_running);
  aof_.Cron(snapshots_.in_progress() || other_child_running);
  if (bgsave_scheduled_ && !child_running() && !other_child_running) {
    bgsave_scheduled_ = false;
    snapshots_.StartBackgroundSave().IgnoreError();
  }
}

bool Persistence::SaveBeforeShutdown(ShutdownSave save, bool force) {
  snapshots_.KillChild();
  aof_.KillChild();
  const bool want_save =
      save == ShutdownSave::kSave || (save == ShutdownSave::kDefault && !options_->save.empty());
  if (want_save) {
    core::Log(core::LogLevel::kNotice, "Saving the final RDB snapshot before exiting.");
    if (!snapshots_.Save().ok() && !force) {
      core::Log(core::LogLevel::kWarning, "Error trying to save the DB, can't exit.");
      return false;
    }
  }
  if (aof_.enabled()) {
    core::Log(core::LogLevel::kNotice, "Calling fsync() on the AOF file.");
    aof_.Disable();  // writes what is pending and syncs
  }
  return true;
}

void Persistence::RestartAofAfterSync() {
  if (!aof_.enabled()) return;
  // A replica whose AOF cannot start (a full disk) would serve data it cannot persist: Redis
  // tries for ten seconds, then exits.
  aof_.Disable();
  constexpr int kTries = 10;
  for (int tries = 1;; ++tries) {
    absl::Status status = aof_.Enable();
    if (status.ok()) return;
    core::Log(core::LogLevel::kWarning, "%s", std::string(status.message()));
    if (tries == kTries) break;
    core::Log(core::LogLevel::kWarning,
              "Failed enabling the AOF after successful master synchronization! Trying it again "
              "in one second.");
    sleep(1);
  }
  core::Log(core::LogLevel::kWarning,
            "FATAL: this replica instance finished the synchronization with its master, but the "
            "AOF can't be turned on. Exiting now.");
  _exit(1);
}

}  // namespace bazaar::engine::persistence
