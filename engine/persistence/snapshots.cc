#include "engine/persistence/snapshots.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "absl/strings/str_split.h"
#include "engine/core/clock.h"
#include "engine/core/log.h"
#include "engine/persistence/forked_child.h"
#include "engine/persistence/rdb_reader.h"
#include "engine/persistence/rdb_writer.h"

namespace bazaar::engine::persistence {
namespace {

constexpr int64_t kBgsaveRetryDelaySeconds = 5;  // after a failure, as Redis

int64_t NowSeconds() { return core::UnixTimeMs() / 1000; }

}  // namespace

Snapshots::Snapshots(core::Keyspace* keyspace, config::Options* options)
    : keyspace_(keyspace), options_(options), last_save_s_(NowSeconds()) {}

std::string Snapshots::DumpPath() const { return options_->dbfilename; }

RdbOptions Snapshots::CurrentRdbOptions() const {
  RdbOptions o{options_->rdbcompression, options_->rdbchecksum};
  if (fill_replication_) fill_replication_(&o);
  return o;
}

absl::Status Snapshots::LoadAtStartup(bool refuse_existing_keys) {
  const int64_t start = core::MonotonicUs();
  keyspace_->set_now_ms(core::UnixTimeMs());
  RdbLoadStats stats;
  loaded_functions_.clear();
  RdbLoadHooks hooks;
  hooks.refuse_existing_keys = refuse_existing_keys;
  absl::Status status = LoadRdbFile(DumpPath(), *keyspace_, options_->rdbchecksum, &stats, &hooks);
  loaded_functions_ = std::move(stats.functions);
  if (absl::IsNotFound(status)) return absl::OkStatus();
  if (!status.ok()) return status;
  loaded_keys_ = stats.keys_loaded;
  loaded_expired_ = stats.keys_expired;
  loaded_aux_ = stats.aux;
  dirty_at_last_save_ = keyspace_->dirty();
  core::Log(core::LogLevel::kNotice, "Loading RDB produced by version %s",
            stats.aux.count("redis-ver") ? stats.aux["redis-ver"] : std::string("unknown"));
  core::Log(core::LogLevel::kNotice, "Done loading RDB, keys loaded: %d, keys expired: %d.",
            stats.keys_loaded, stats.keys_expired);
  core::Log(core::LogLevel::kNotice, "DB loaded from disk: %.3f seconds",
            (core::MonotonicUs() - start) / 1e6);
  return absl::OkStatus();
}

absl::Status Snapshots::Save() {
  if (in_progress()) return absl::FailedPreconditionError("ERR Background save already in progress");
  keyspace_->set_now_ms(core::UnixTimeMs());
  absl::Status status =
      SaveRdbFile(*keyspace_, CurrentRdbOptions(), DumpPath());
  if (!status.ok()) {
    core::Log(core::LogLevel::kWarning, "%s", std::string(status.message()));
    return absl::InternalError("ERR");
  }
  core::Log(core::LogLevel::kNotice, "DB saved on disk");
  dirty_at_last_save_ = keyspace_->dirty();
  last_save_s_ = NowSeconds();
  last_bgsave_ok_ = true;  // a good save clears MISCONF, as in Redis
  ++saves_;
  return absl::OkStatus();
}

absl::Status Snapshots::StartBackgroundSave() {
  if (in_progress()) return absl::FailedPreconditionError("ERR Background save already in progress");
  last_try_s_ = NowSeconds();
  dirty_at_fork_ = keyspace_->dirty();
  keyspace_->set_now_ms(core::UnixTimeMs());
  const int64_t start = core::MonotonicUs();
  pid_t pid = ForkChild();
  if (pid < 0) {
    last_bgsave_ok_ = false;
    core::Log(core::LogLevel::kWarning, "Can't save in background: fork: %s", strerror(errno));
    return absl::InternalError(std::string("ERR Can't save in background: fork: ") +
                               strerror(errno));
  }
  if (pid == 0) {
    // The child: write the copy-on-write view and leave without running any destructors.
    BecomeForkedChild();
    absl::Status status =
        SaveRdbFile(*keyspace_, CurrentRdbOptions(), DumpPath());
    if (!status.ok()) {
      core::Log(core::LogLevel::kWarning, "%s", std::string(status.message()));
      _exit(1);
    }
    core::Log(core::LogLevel::kNotice, "DB saved on disk");
    _exit(0);
  }
  latest_fork_usec_ = core::MonotonicUs() - start;
  child_ = pid;
  child_start_s_ = NowSeconds();
  core::Log(core::LogLevel::kNotice, "Background saving started by pid %d", static_cast<int>(pid));
  return absl::OkStatus();
}

void Snapshots::Finished(bool ok, int64_t now_s) {
  last_bgsave_seconds_ = now_s - child_start_s_;
  last_bgsave_ok_ = ok;
  child_ = -1;
  if (ok) {
    core::Log(core::LogLevel::kNotice, "Background saving terminated with success");
    dirty_at_last_save_ = dirty_at_fork_;
    last_save_s_ = now_s;
    ++saves_;
  } else {
    core::Log(core::LogLevel::kWarning, "Background saving error");
  }
  if (on_done_) on_done_(ok);
}

void Snapshots::Cron(bool other_child_running) {
  const int64_t now_s = NowSeconds();
  if (child_ > 0) {
    int status;
    pid_t r = waitpid(child_, &status, WNOHANG);
    if (r == child_) {
      bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (WIFSIGNALED(status)) {
        core::Log(core::LogLevel::kWarning, "Background saving terminated by signal %d",
                  WTERMSIG(status));
        unlink(("temp-" + std::to_string(child_) + ".rdb").c_str());
      }
      Finished(ok, now_s);
    }
    return;
  }
  if (other_child_running) return;  // one child at a time, as Redis
  const uint64_t changes = keyspace_->dirty() - dirty_at_last_save_;
  std::vector<std::string> words = absl::StrSplit(options_->save, ' ', absl::SkipEmpty());
  for (size_t i = 0; i + 1 < words.size(); i += 2) {
    int64_t seconds = std::stoll(words[i]), min_changes = std::stoll(words[i + 1]);
    if (changes >= static_cast<uint64_t>(min_changes) && now_s - last_save_s_ > seconds &&
        (last_bgsave_ok_ || now_s - last_try_s_ > kBgsaveRetryDelaySeconds)) {
      core::Log(core::LogLevel::kNotice, "%d changes in %d seconds. Saving...", min_changes,
                seconds);
      (void)StartBackgroundSave();
      break;
    }
  }
}

void Snapshots::KillChild() {
  if (child_ <= 0) return;
  kill(child_, SIGUSR1);
  int status;
  waitpid(child_, &status, 0);
  unlink(("temp-" + std::to_string(child_) + ".rdb").c_str());
  child_ = -1;
}

bool Snapshots::WritesDenied() const {
  return options_->stop_writes_on_bgsave_error && !options_->save.empty() && !last_bgsave_ok_;
}

SnapshotInfo Snapshots::info() const {
  SnapshotInfo i;
  i.changes_since_last_save = keyspace_->dirty() - dirty_at_last_save_;
  i.bgsave_in_progress = in_progress();
  i.last_save_time = last_save_s_;
  i.last_bgsave_ok = last_bgsave_ok_;
  i.last_bgsave_seconds = last_bgsave_seconds_;
  i.current_bgsave_seconds = in_progress() ? NowSeconds() - child_start_s_ : -1;
  i.saves = saves_;
  i.latest_fork_usec = latest_fork_usec_;
  i.last_load_keys_loaded = loaded_keys_;
  i.last_load_keys_expired = loaded_expired_;
  return i;
}

}  // namespace bazaar::engine::persistence
