#include "engine/persistence/append_only.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/core/clock.h"
#include "engine/core/log.h"
#include "engine/persistence/aof_loader.h"
#include "engine/persistence/forked_child.h"
#include "engine/persistence/rdb_reader.h"
#include "engine/persistence/rdb_writer.h"

namespace bazaar::engine::persistence {
namespace {

constexpr int64_t kWriteErrorLogSeconds = 30;  // Redis's AOF_WRITE_LOG_ERROR_RATE

std::string ReadWhole(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  *ok = static_cast<bool>(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? st.st_size : 0;
}

FsyncPolicy PolicyOf(const config::Options& o) {
  if (o.appendfsync == "always") return FsyncPolicy::kAlways;
  if (o.appendfsync == "no") return FsyncPolicy::kNo;
  return FsyncPolicy::kEverySec;
}

}  // namespace

AppendOnly::AppendOnly(core::Keyspace* keyspace, config::Options* options,
                       Replay replay)
    : keyspace_(keyspace), options_(options), replay_(std::move(replay)) {}

RdbOptions AppendOnly::BaseRdbOptions() const {
  RdbOptions o{options_->rdbcompression, options_->rdbchecksum, /*aof_base=*/true};
  if (functions_source_) o.functions = functions_source_();
  return o;
}

void AppendOnly::ApplyPolicy() {
  // no-appendfsync-on-rewrite: while a child writes, leave syncing to the kernel.
  bool relax = options_->no_appendfsync_on_rewrite && rewrite_in_progress();
  writer_.set_policy(relax ? FsyncPolicy::kNo : PolicyOf(*options_));
}

absl::Status AppendOnly::ReplayFile(const std::string& name, bool last_file) {
  bool ok;
  std::string data = ReadWhole(PathOf(name), &ok);
  if (!ok) return absl::NotFoundError("The AOF file " + name + " doesn't exist");
  size_t offset = 0;
  if (data.compare(0, 5, "REDIS") == 0) {
    RdbLoadStats stats;
    absl::Status status = LoadRdb(data, *keyspace_, options_->rdbchecksum, &stats);
    if (!status.ok()) return status;
    offset = stats.bytes;
    if (functions_sink_ && !stats.functions.empty()) functions_sink_(stats.functions);
  }
  auto scan = ScanAofCommands(std::string_view(data).substr(offset), replay_);
  if (!scan.ok()) {
    return absl::DataLossError("Bad file format reading the append only file " + name + " (" +
                               std::string(scan.status().message()) +
                               "): make a backup of your AOF file, then use ./redis-check-aof "
                               "--fix <filename.manifest>");
  }
  if (scan->truncated) {
    if (!last_file || !options_->aof_load_truncated) {
      return absl::DataLossError("Unexpected end of file reading the append only file " + name +
                                 ". You can: 1) Make a backup of your AOF file, then use "
                                 "./redis-check-aof --fix <filename.manifest>. 2) Alternatively "
                                 "you can set the 'aof-load-truncated' configuration option to "
                                 "yes and restart the server.");
    }
    core::Log(core::LogLevel::kWarning, "!!! Warning: short read while loading the AOF file %s!!!",
              name);
    core::Log(core::LogLevel::kWarning, "!!! Truncating the AOF %s at offset %d !!!", name,
              offset + scan->valid_bytes);
    if (truncate(PathOf(name).c_str(), offset + scan->valid_bytes) != 0) {
      return absl::InternalError("Error truncating the AOF file " + name);
    }
    core::Log(core::LogLevel::kWarning,
              "AOF loaded anyway because aof-load-truncated is enabled");
  }
  return absl::OkStatus();
}

absl::Status AppendOnly::LoadAtStartup() {
  if (!options_->appendonly) return absl::OkStatus();
  auto manifest = ReadManifest(dir(), options_->appendfilename);
  if (manifest.ok()) {
    manifest_ = *manifest;
    const int64_t start = core::MonotonicUs();
    std::vector<AofFile> files;
    if (manifest_.base) files.push_back(*manifest_.base);
    for (const auto& i : manifest_.incrs) files.push_back(i);
    for (size_t i = 0; i < files.size(); ++i) {
      absl::Status status = ReplayFile(files[i].name, i + 1 == files.size());
      if (!status.ok()) return status;
    }
    core::Log(core::LogLevel::kNotice, "DB loaded from append only file: %.3f seconds",
              (core::MonotonicUs() - start) / 1e6);
    if (manifest_.base) base_size_ = FileSize(PathOf(manifest_.base->name));
    if (manifest_.incrs.empty()) {
      manifest_.incrs.push_back(AofFile{IncrName(options_->appendfilename, 1), 1, 'i'});
      absl::Status status = WriteManifest(dir(), options_->appendfilename, manifest_);
      if (!status.ok()) return status;
    }
    ApplyPolicy();
    return writer_.Open(PathOf(manifest_.incrs.back().name));
  }
  if (!absl::IsNotFound(manifest.status())) return manifest.status();
  return Enable();
}

absl::Status AppendOnly::Reload(int64_t now_ms) {
  if (writer_.has_pending()) {
    absl::Status flushed = writer_.Flush(now_ms, /*force=*/true);
    if (!flushed.ok()) return flushed;
  }
  auto manifest = ReadManifest(dir(), options_->appendfilename);
  if (!manifest.ok()) return manifest.status();
  std::vector<AofFile> files;
  if (manifest->base) files.push_back(*manifest->base);
  for (const auto& i : manifest->incrs) files.push_back(i);
  for (size_t i = 0; i < files.size(); ++i) {
    absl::Status status = ReplayFile(files[i].name, i + 1 == files.size());
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status AppendOnly::CreateFreshSet(int64_t base_seq, int64_t incr_seq) {
  mkdir(dir().c_str(), 0755);
  // Bases are always RDB (what aof-use-rdb-preamble yes writes); command-form bases are read
  // but not written.
  std::string base = BaseName(options_->appendfilename, base_seq, true);
  keyspace_->set_now_ms(core::UnixTimeMs());
  absl::Status written = SaveRdbFile(*keyspace_, BaseRdbOptions(), PathOf(base));
  if (!written.ok()) return written;
  base_size_ = FileSize(PathOf(base));
  AofManifest fresh;
  fresh.base = AofFile{base, base_seq, 'b'};
  fresh.incrs.push_back(AofFile{IncrName(options_->appendfilename, incr_seq),
                                incr_seq, 'i'});
  const std::string incr = PathOf(fresh.incrs.back().name);
  absl::Status status = writer_.Open(incr);
  if (status.ok()) status = WriteManifest(dir(), options_->appendfilename, fresh);
  if (!status.ok()) {
    // The old manifest still stands (it is replaced by rename): drop what it does not name.
    writer_.Close();
    unlink(incr.c_str());
    unlink(PathOf(base).c_str());
    return status;
  }
  // The files the old manifest named are replaced now, as after a rewrite.
  std::vector<AofFile> replaced = manifest_.history;
  if (manifest_.base) replaced.push_back(*manifest_.base);
  replaced.insert(replaced.end(), manifest_.incrs.begin(), manifest_.incrs.end());
  for (const AofFile& f : replaced) unlink(PathOf(f.name).c_str());
  manifest_ = fresh;
  return absl::OkStatus();
}

absl::Status AppendOnly::Enable() {
  if (enabled()) return absl::OkStatus();
  ApplyPolicy();
  // Started with appendonly no, we have not read the manifest yet: files an earlier run left
  // must be replaced, never reused (a stale incr file of the same name would be appended to).
  if (!manifest_.base && manifest_.incrs.empty()) {
    auto on_disk = ReadManifest(dir(), options_->appendfilename);
    if (on_disk.ok()) manifest_ = *on_disk;
  }
  int64_t base_seq = manifest_.base ? manifest_.base->seq + 1 : 1;
  int64_t incr_seq = manifest_.last_incr_seq() + 1;
  absl::Status status = CreateFreshSet(base_seq, incr_seq);
  if (status.ok()) core::Log(core::LogLevel::kNotice, "Append only file created and enabled");
  return status;
}

void AppendOnly::Disable() {
  KillChild();
  writer_.Close();
}

void AppendOnly::Append(int db, const std::vector<std::string>& argv) {
  if (enabled()) writer_.Append(db, argv);
}

void AppendOnly::Flush(int64_t now_ms) {
  if (!writer_.has_pending()) return;
  const bool was_failing = writer_.last_write_errno() != 0;
  absl::Status status = writer_.Flush(now_ms);
  if (status.ok()) {
    // A postponed write (everysec behind a slow sync) is OK too but solved nothing yet.
    if (was_failing && writer_.last_write_errno() == 0) {
      core::Log(core::LogLevel::kWarning, "AOF write error looks solved, Redis can write again.");
    }
    return;
  }
  const bool always = PolicyOf(*options_) == FsyncPolicy::kAlways;
  const int64_t now_s = now_ms / 1000;
  // One line per 30 seconds while the error lasts, as Redis logs it.
  if (always || !was_failing || now_s - last_error_log_s_ > kWriteErrorLogSeconds) {
    core::Log(core::LogLevel::kWarning, "%s", std::string(status.message()));
    last_error_log_s_ = now_s;
  }
  if (always) {
    // The replies of this turn are still in their buffers and must never leave: what they
    // acknowledge is not durable, and the changes cannot be undone.
    if (!writer_.sync_failed()) {
      core::Log(core::LogLevel::kWarning,
                "Can't recover from AOF write error when the AOF fsync policy is 'always'. "
                "Exiting...");
    }
    _exit(1);
  }
}

int AppendOnly::write_error() const {
  if (!enabled()) return 0;
  if (writer_.last_write_errno() != 0) return writer_.last_write_errno();
  return writer_.background_sync_errno();
}

absl::Status AppendOnly::StartRewrite() {
  if (child_ > 0) {
    return absl::FailedPreconditionError(
        "ERR Background append only file rewriting already in progress");
  }
  if (!enabled()) return StartRewriteWhileOff();
  // Writes from now on go to a new incremental file that survives the rewrite; what is still
  // buffered belongs to the old one.
  if (absl::Status flushed = writer_.Flush(0, true); !flushed.ok()) {
    return absl::FailedPreconditionError(
        "ERR Can't rewrite append only file in background: the AOF buffer can't be written (" +
        std::string(flushed.message()) + ")");
  }
  const int64_t seq = manifest_.last_incr_seq() + 1;
  AofFile incr{IncrName(options_->appendfilename, seq), seq, 'i'};
  AofManifest next = manifest_;
  next.incrs.push_back(incr);
  absl::Status status = WriteManifest(dir(), options_->appendfilename, next);
  if (!status.ok()) return status;
  status = writer_.Open(PathOf(incr.name));
  if (!status.ok()) return status;
  manifest_ = next;
  rewrite_first_incr_ = manifest_.incrs.size() - 1;
  return ForkRewriteChild();
}

absl::Status AppendOnly::ForkRewriteChild() {
  keyspace_->set_now_ms(core::UnixTimeMs());
  const std::string temp = PathOf("temp-rewriteaof-bg-" + std::to_string(getpid()) + ".aof");
  pid_t pid = ForkChild();
  if (pid < 0) return absl::InternalError("ERR Can't rewrite append only file in background: fork");
  if (pid == 0) {
    BecomeForkedChild();
    absl::Status s = SaveRdbFile(*keyspace_, BaseRdbOptions(), temp);
    _exit(s.ok() ? 0 : 1);
  }
  child_ = pid;
  rewrite_start_s_ = core::UnixTimeMs() / 1000;
  ApplyPolicy();
  core::Log(core::LogLevel::kNotice, "Background append only file rewriting started by pid %d",
            static_cast<int>(pid));
  return absl::OkStatus();
}

// With appendonly no, Redis still rewrites: a new base of the dataset and a manifest naming only
// it (DEBUG LOADAOF then loads that). The files on disk are the starting point, as at start-up.
absl::Status AppendOnly::StartRewriteWhileOff() {
  auto on_disk = ReadManifest(dir(), options_->appendfilename);
  if (!on_disk.ok() && !absl::IsNotFound(on_disk.status())) return on_disk.status();
  manifest_ = on_disk.ok() ? *on_disk : AofManifest();
  rewrite_first_incr_ = manifest_.incrs.size();  // no writes go on: every incr file is history
  mkdir(dir().c_str(), 0755);
  return ForkRewriteChild();
}

void AppendOnly::RewriteFinished(bool ok) {
  const std::string temp = PathOf("temp-rewriteaof-bg-" + std::to_string(getpid()) + ".aof");
  child_ = -1;
  last_rewrite_seconds_ = core::UnixTimeMs() / 1000 - rewrite_start_s_;
  ApplyPolicy();
  // Every early return below is a failure; the old base and incremental files stay in use.
  last_rewrite_ok_ = false;
  ++rewrite_failures_in_a_row_;
  if (!ok) {
    unlink(temp.c_str());
    core::Log(core::LogLevel::kWarning, "Background AOF rewrite failed; the old files stay");
    return;
  }
  const int64_t base_seq = manifest_.base ? manifest_.base->seq + 1 : 1;
  AofFile base{BaseName(options_->appendfilename, base_seq, true), base_seq, 'b'};
  if (rename(temp.c_str(), PathOf(base.name).c_str()) != 0) {
    core::Log(core::LogLevel::kWarning, "Error trying to rename the temporary AOF base file: %s",
              strerror(errno));
    unlink(temp.c_str());
    return;
  }
  AofManifest next;
  next.base = base;
  if (manifest_.base) next.history.push_back(AofFile{manifest_.base->name, manifest_.base->seq, 'h'});
  for (size_t i = 0; i < manifest_.incrs.size(); ++i) {
    if (i < rewrite_first_incr_) {
      next.history.push_back(AofFile{manifest_.incrs[i].name, manifest_.incrs[i].seq, 'h'});
    } else {
      next.incrs.push_back(manifest_.incrs[i]);
    }
  }
  if (absl::Status s = WriteManifest(dir(), options_->appendfilename, next);
      !s.ok()) {
    core::Log(core::LogLevel::kWarning, "%s; the old AOF files stay in use",
              std::string(s.message()));
    unlink(PathOf(base.name).c_str());
    return;
  }
  last_rewrite_ok_ = true;
  rewrite_failures_in_a_row_ = 0;
  // The swap is durable: the replaced files can go.
  for (const auto& h : next.history) unlink(PathOf(h.name).c_str());
  next.history.clear();
  WriteManifest(dir(), options_->appendfilename, next).IgnoreError();
  manifest_ = next;
  base_size_ = FileSize(PathOf(base.name));
  ++rewrites_;
  core::Log(core::LogLevel::kNotice, "Background AOF rewrite finished successfully");
}

void AppendOnly::Cron(bool other_child_running) {
  if (child_ > 0) {
    int status;
    if (waitpid(child_, &status, WNOHANG) == child_) {
      RewriteFinished(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    return;
  }
  if (other_child_running) return;
  // A scheduled BGREWRITEAOF starts once nothing else runs, with the AOF on or off (as it
  // would have started at once).
  if (rewrite_scheduled_) {
    rewrite_scheduled_ = false;
    StartRewrite().IgnoreError();
    return;
  }
  if (!enabled()) return;
  const int64_t now_s = core::UnixTimeMs() / 1000;
  const int64_t size = base_size_ + writer_.file_size();
  if (options_->auto_aof_rewrite_percentage > 0 && size > options_->auto_aof_rewrite_min_size) {
    int64_t base = base_size_ ? base_size_ : 1;
    int64_t growth = (size - base) * 100 / base;
    if (growth >= options_->auto_aof_rewrite_percentage && !RewriteLimited(now_s)) {
      core::Log(core::LogLevel::kNotice, "Starting automatic rewriting of AOF on %d%% growth",
                growth);
      StartRewrite().IgnoreError();
    }
  }
}

bool AppendOnly::RewriteLimited(int64_t now_s) {
  constexpr uint64_t kFailuresBeforeLimit = 3;
  constexpr int64_t kMaxDelayMinutes = 60;
  if (rewrite_failures_in_a_row_ < kFailuresBeforeLimit) {
    limit_delay_minutes_ = 0;
    limited_until_s_ = 0;
    return false;
  }
  if (limited_until_s_ != 0) {
    if (now_s < limited_until_s_) return true;
    limited_until_s_ = 0;
    return false;  // one more try; a failure sets the next, longer delay
  }
  limit_delay_minutes_ = std::min(kMaxDelayMinutes, std::max<int64_t>(1, limit_delay_minutes_ * 2));
  limited_until_s_ = now_s + limit_delay_minutes_ * 60;
  core::Log(core::LogLevel::kWarning,
            "Background AOF rewrite has repeatedly failed and triggered the limit, will retry in "
            "%d minutes",
            limit_delay_minutes_);
  return true;
}

void AppendOnly::KillChild() {
  if (child_ <= 0) return;
  kill(child_, SIGKILL);
  int status;
  waitpid(child_, &status, 0);
  RewriteFinished(false);
}

AofInfo AppendOnly::info() const {
  AofInfo i;
  i.enabled = enabled();
  i.rewrite_in_progress = child_ > 0;
  i.rewrite_scheduled = rewrite_scheduled_;
  i.last_rewrite_ok = last_rewrite_ok_;
  i.last_write_ok = write_error() == 0;
  i.last_rewrite_seconds = last_rewrite_seconds_;
  i.current_rewrite_seconds = child_ > 0 ? core::UnixTimeMs() / 1000 - rewrite_start_s_ : -1;
  i.rewrites_consecutive_failures = rewrite_failures_in_a_row_;
  i.current_size = base_size_ + writer_.file_size();
  i.base_size = base_size_;
  i.pending_fsync = writer_.fsync_in_progress();
  i.delayed_fsync = writer_.delayed_fsyncs();
  i.rewrites = rewrites_;
  i.buffer_bytes = writer_.pending_bytes();
  return i;
}

}  // namespace bazaar::engine::persistence
