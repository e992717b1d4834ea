#include "engine/persistence/aof_writer.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace bazaar::engine::persistence {

void AppendCommandResp(const std::vector<std::string>& argv, std::string* out) {
  *out += "*" + std::to_string(argv.size()) + "\r\n";
  for (const auto& a : argv) {
    *out += "$" + std::to_string(a.size()) + "\r\n";
    *out += a;
    *out += "\r\n";
  }
}

AofWriter::AofWriter() : thread_([this] { SyncThread(); }) {}

AofWriter::~AofWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  Close();
}

absl::Status AofWriter::Open(const std::string& path) {
  Close();
  int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InternalError("Can't open the append-only file " + path + ": " +
                               strerror(errno));
  }
  struct stat st;
  fstat(fd, &st);
  std::lock_guard<std::mutex> lock(mu_);
  fd_ = fd;
  file_size_ = st.st_size;
  background_sync_errno_ = 0;
  last_db_ = -1;  // a new file starts with its own SELECT
  return absl::OkStatus();
}

void AofWriter::Close() {
  if (fd_ < 0) return;
  // What cannot be written now is dropped: it must not reach the next file, whose base (or
  // SELECT context) differs.
  Flush(0, true).IgnoreError();
  buffer_.clear();
  last_write_errno_ = 0;
  std::lock_guard<std::mutex> lock(mu_);
  fdatasync(fd_);
  close(fd_);
  fd_ = -1;
}

void AofWriter::Append(int db, const std::vector<std::string>& argv) {
  if (fd_ < 0) return;
  if (db != last_db_) {
    AppendCommandResp({"SELECT", std::to_string(db)}, &buffer_);
    last_db_ = db;
  }
  AppendCommandResp(argv, &buffer_);
}

absl::Status AofWriter::Flush(int64_t now_ms, bool force) {
  if (fd_ < 0 || buffer_.empty()) return absl::OkStatus();
  if (!force && policy_ == FsyncPolicy::kEverySec && fsync_in_progress_.load()) {
    // Redis's rule: do not queue a write behind a slow sync for up to two seconds.
    if (postponed_since_ms_ == 0) postponed_since_ms_ = now_ms;
    if (now_ms - postponed_since_ms_ < 2000) return absl::OkStatus();
    ++delayed_fsyncs_;
  }
  postponed_since_ms_ = 0;
  sync_failed_ = false;
  size_t off = 0;
  int error = 0;
  // While the disk is full every loop turn retries, and a kill between a short write and its
  // ftruncate would leave half a command behind: retries first reserve the space (beyond the
  // end, so the file's size is untouched), and write only once the whole buffer fits.
  if (last_write_errno_ != 0 &&
      fallocate(fd_, FALLOC_FL_KEEP_SIZE, file_size_, static_cast<off_t>(buffer_.size())) != 0 &&
      errno != EOPNOTSUPP) {
    last_write_errno_ = errno;
    return absl::InternalError(std::string("Error writing to the AOF file: ") + strerror(errno));
  }
  while (off < buffer_.size()) {
    ssize_t n = write(fd_, buffer_.data() + off, buffer_.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = errno;
      break;
    }
    off += n;
  }
  if (off < buffer_.size()) {
    std::string why;
    if (off == 0) {
      why = std::string("Error writing to the AOF file: ") + strerror(error);
    } else {
      // Half a command in the file would make it unloadable: cut it back to the last complete
      // one and write the whole buffer again later.
      why = "Short write while writing to the AOF file: (nwritten=" + std::to_string(off) +
            ", expected=" + std::to_string(buffer_.size()) + ")";
      error = ENOSPC;
      if (ftruncate(fd_, file_size_) != 0) {
        why += ". Could not remove short write from the append-only file. Redis may refuse to "
               "load the AOF the next time it starts. ftruncate: " +
               std::string(strerror(errno));
        // The bytes stay in the file, so they must not be written twice.
        buffer_.erase(0, off);
        file_size_ += off;
      }
    }
    last_write_errno_ = error;
    return absl::InternalError(why);
  }
  file_size_ += buffer_.size();
  buffer_.clear();
  last_write_errno_ = 0;
  if (policy_ == FsyncPolicy::kAlways) {
    if (fdatasync(fd_) != 0) {
      sync_failed_ = true;
      return absl::InternalError(std::string("Can't persist append only file to disk, fsync: ") +
                                 strerror(errno));
    }
  } else if (policy_ == FsyncPolicy::kEverySec) {
    written_since_sync_ = true;  // no lock: never wait for the sync thread here
  }
  return absl::OkStatus();
}

void AofWriter::SyncThread() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::seconds(1));
    if (stop_) break;
    if (!written_since_sync_.exchange(false) || fd_ < 0) continue;
    fsync_in_progress_ = true;
    int fd = fd_;
    // The file stays open while we sync: Close() takes the same lock.
    const bool synced = fdatasync(fd) == 0;
    background_sync_errno_ = synced ? 0 : errno;
    // A failed sync leaves the data unsynced: try again on the next tick.
    if (!synced) written_since_sync_ = true;
    fsync_in_progress_ = false;
  }
}

}  // namespace bazaar::engine::persistence
