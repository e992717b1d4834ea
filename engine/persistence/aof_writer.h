// Appends commands to the current incremental AOF file. Commands are buffered during an event-loop
// turn and written with one write() before any reply of that turn leaves (Flush), so what a
// client was told is already in the file:
//   always   - Flush also fdatasyncs: one sync per loop turn covers every client (group commit).
//   everysec - a background thread fdatasyncs about once a second; if a sync is still running,
//              writing waits up to 2 s (then writes anyway and counts aof_delayed_fsync).
//   no       - the kernel decides.
// A failed or short write never leaves half a command in the file: the file is cut back to its
// last complete command and the whole buffer is kept for the next Flush (Redis's
// flushAppendOnlyFile). What to do about the failure (exit under "always", refuse writes
// otherwise) is the caller's decision.
#ifndef BAZAAR_ENGINE_PERSISTENCE_AOF_WRITER_H_
#define BAZAAR_ENGINE_PERSISTENCE_AOF_WRITER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"

namespace bazaar::engine::persistence {

enum class FsyncPolicy { kAlways, kEverySec, kNo };

// RESP multibulk encoding of one command, as AOF files hold them.
void AppendCommandResp(const std::vector<std::string>& argv, std::string* out);

class AofWriter {
 public:
  AofWriter();
  ~AofWriter();
  AofWriter(const AofWriter&) = delete;
  AofWriter& operator=(const AofWriter&) = delete;

  // Starts appending to `path` (created if missing). A previous file is flushed and closed.
  absl::Status Open(const std::string& path);
  // Flushes and syncs the file and closes it; a buffer that cannot be written is dropped.
  void Close();
  bool is_open() const { return fd_ >= 0; }
  void set_policy(FsyncPolicy policy) { policy_ = policy; }

  // Buffers one command for database `db` (a SELECT goes first when the database changes).
  void Append(int db, const std::vector<std::string>& argv);
  // Writes the buffer (and syncs under "always"). `now_ms` times the 2-second rule; `force`
  // writes even behind a running sync (shutdown, file switch). On failure the buffer is kept
  // and the status names the failure as Redis logs it; sync_failed() tells a failed fdatasync
  // (the data is in the file, not on disk) from a failed write.
  absl::Status Flush(int64_t now_ms, bool force = false);
  bool has_pending() const { return !buffer_.empty(); }
  size_t pending_bytes() const { return buffer_.size(); }
  bool sync_failed() const { return sync_failed_; }

  int64_t file_size() const { return file_size_; }
  uint64_t delayed_fsyncs() const { return delayed_fsyncs_; }
  bool fsync_in_progress() const { return fsync_in_progress_.load(); }
  // errno of the last failed write (ENOSPC for a short write), 0 after a good one.
  int last_write_errno() const { return last_write_errno_; }
  // errno of the everysec thread's last failed fdatasync, 0 after a good one (any thread).
  int background_sync_errno() const { return background_sync_errno_.load(); }

 private:
  void SyncThread();

  int fd_ = -1;
  FsyncPolicy policy_ = FsyncPolicy::kEverySec;
  int last_db_ = -1;
  std::string buffer_;
  int64_t file_size_ = 0;
  int64_t postponed_since_ms_ = 0;
  uint64_t delayed_fsyncs_ = 0;
  int last_write_errno_ = 0;
  bool sync_failed_ = false;

  // The everysec sync thread.
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::atomic<bool> written_since_sync_{false};
  std::atomic<bool> fsync_in_progress_{false};
  std::atomic<int> background_sync_errno_{0};
  std::thread thread_;
};

}  // namespace bazaar::engine::persistence

#endif  // BAZAAR_ENGINE_PERSISTENCE_AOF_WRITER_H_
