#include "engine/replication/sync_reader.h"

#include <algorithm>
#include <cstdlib>

namespace bazaar::engine::replication {
namespace {

constexpr size_t kEofMarkSize = 40;

}  // namespace

bool TakeLine(std::string* buffer, std::string* line) {
  while (true) {
    size_t nl = buffer->find('\n');
    if (nl == std::string::npos) return false;
    size_t end = nl > 0 && (*buffer)[nl - 1] == '\r' ? nl - 1 : nl;
    line->assign(*buffer, 0, end);
    buffer->erase(0, nl + 1);
    if (!line->empty()) return true;
  }
}

SnapshotReader::Status SnapshotReader::Feed(std::string* buffer) {
  if (!header_read_) {
    std::string line;
    if (!TakeLine(buffer, &line)) return Status::kNeedMore;
    if (line[0] == '-') {
      error_ = "MASTER aborted replication with an error: " + line.substr(1);
      return Status::kError;
    }
    if (line[0] != '$') {
      error_ = "Bad protocol from MASTER, the first byte is not '$' (we received '" + line +
               "'), are you sure the host and port are right?";
      return Status::kError;
    }
    header_read_ = true;
    if (line.compare(1, 4, "EOF:") == 0 && line.size() >= 5 + kEofMarkSize) {
      eof_mark_ = line.substr(5, kEofMarkSize);
    } else {
      char* end = nullptr;
      expected_ = std::strtoll(line.c_str() + 1, &end, 10);
      if (*end != '\0' || expected_ < 0) {
        error_ = "Bad bulk length from MASTER: " + line;
        return Status::kError;
      }
      image_.reserve(static_cast<size_t>(expected_));
    }
  }
  if (eof_mark_.empty()) {
    size_t n = std::min(buffer->size(), static_cast<size_t>(expected_) - image_.size());
    image_.append(*buffer, 0, n);
    buffer->erase(0, n);
    return image_.size() == static_cast<size_t>(expected_) ? Status::kDone : Status::kNeedMore;
  }
  // Diskless: everything up to the mark is the RDB; the mark ends it.
  image_.append(*buffer);
  buffer->clear();
  if (image_.size() >= kEofMarkSize &&
      image_.compare(image_.size() - kEofMarkSize, kEofMarkSize, eof_mark_) == 0) {
    image_.resize(image_.size() - kEofMarkSize);
    return Status::kDone;
  }
  return Status::kNeedMore;
}

}  // namespace bazaar::engine::replication
