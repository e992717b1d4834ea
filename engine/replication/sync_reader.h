// The replica's side of the replication handshake, as pure parsing: reply lines from the primary
// (skipping the bare newlines a primary sends as keep-alives) and the snapshot that follows
// +FULLRESYNC, sent either as a bulk ("$<len>\r\n" then len bytes, no trailing CRLF) or, from a
// diskless primary, as "$EOF:<40-byte mark>\r\n", the RDB, then the same mark.
#ifndef BAZAAR_ENGINE_REPLICATION_SYNC_READER_H_
#define BAZAAR_ENGINE_REPLICATION_SYNC_READER_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace bazaar::engine::replication {

// Takes one non-empty line (without its CRLF) off the front of `buffer`. Returns false when no
// complete line is there yet. Empty lines (keep-alives) are consumed and skipped.
bool TakeLine(std::string* buffer, std::string* line);

class SnapshotReader {
 public:
  enum class Status { kNeedMore, kDone, kError };

  // Consumes bytes from the front of `buffer`; what follows the snapshot stays in it.
  Status Feed(std::string* buffer);
  // The RDB image, once Feed returned kDone.
  std::string& image() { return image_; }
  const std::string& error() const { return error_; }
  // Expected size (-1 for an EOF-marked transfer, or before the header) and bytes read so far.
  int64_t total_bytes() const { return expected_; }
  int64_t read_bytes() const { return static_cast<int64_t>(image_.size()); }

 private:
  bool header_read_ = false;
  int64_t expected_ = -1;
  std::string eof_mark_;  // set for a diskless transfer
  std::string image_;
  std::string error_;
};

}  // namespace bazaar::engine::replication

#endif  // BAZAAR_ENGINE_REPLICATION_SYNC_READER_H_
