#include "engine/replication/backlog.h"

#include <algorithm>
#include <random>

namespace bazaar::engine::replication {

std::string RandomReplId() {
  static std::mt19937_64 gen(std::random_device{}() ^
                             (static_cast<uint64_t>(std::random_device{}()) << 32));
  const char* hex = "0123456789abcdef";
  std::string out(40, '0');
  for (char& c : out) c = hex[gen() & 15];
  return out;
}

ReplicationHistory::ReplicationHistory() : replid_(RandomReplId()), replid2_(40, '0') {}

void ReplicationHistory::CreateBacklog(int64_t size) {
  active_ = true;
  ring_.assign(static_cast<size_t>(size), '\0');
  size_ = size;
  histlen_ = 0;
  write_pos_ = 0;
}

void ReplicationHistory::Resize(int64_t size) {
  if (!active_ || size == size_) {
    size_ = size;
    return;
  }
  // Keep the newest bytes that fit.
  std::string keep = CopyFrom(offset_ - std::min(histlen_, size) + 1);
  CreateBacklog(size);
  const int64_t offset = offset_ - static_cast<int64_t>(keep.size());
  offset_ = offset;
  Feed(keep);
}

void ReplicationHistory::Feed(std::string_view bytes) {
  offset_ += static_cast<int64_t>(bytes.size());
  if (!active_ || size_ == 0) return;
  if (static_cast<int64_t>(bytes.size()) >= size_) {
    bytes = bytes.substr(bytes.size() - static_cast<size_t>(size_));
  }
  while (!bytes.empty()) {
    size_t n = std::min(bytes.size(), ring_.size() - write_pos_);
    ring_.replace(write_pos_, n, bytes.data(), n);
    write_pos_ = (write_pos_ + n) % ring_.size();
    bytes.remove_prefix(n);
    histlen_ = std::min<int64_t>(size_, histlen_ + static_cast<int64_t>(n));
  }
}

bool ReplicationHistory::CanContinue(std::string_view replid, int64_t psync_offset) const {
  if (!active_) return false;
  if (replid != replid_) {
    if (replid != replid2_ || psync_offset > second_replid_offset_) return false;
  }
  return psync_offset >= first_byte_offset() && psync_offset <= offset_ + 1;
}

std::string ReplicationHistory::CopyFrom(int64_t psync_offset) const {
  const int64_t len = offset_ + 1 - psync_offset;
  std::string out;
  if (len <= 0 || histlen_ == 0) return out;
  out.reserve(static_cast<size_t>(len));
  // The newest byte sits just before write_pos_; walk back len bytes.
  const size_t cap = ring_.size();
  const size_t start = (write_pos_ + cap - static_cast<size_t>(len) % cap) % cap;
  size_t first = std::min(static_cast<size_t>(len), cap - start);
  out.append(ring_, start, first);
  out.append(ring_, 0, static_cast<size_t>(len) - first);
  return out;
}

void ReplicationHistory::ResetTo(std::string replid, int64_t offset) {
  replid_ = std::move(replid);
  replid2_.assign(40, '0');
  second_replid_offset_ = -1;
  offset_ = offset;
  histlen_ = 0;
  write_pos_ = 0;
}

void ReplicationHistory::AdoptNewId(std::string replid) {
  replid2_ = replid_;
  second_replid_offset_ = offset_ + 1;
  replid_ = std::move(replid);
}

void ReplicationHistory::ShiftReplicationId() { AdoptNewId(RandomReplId()); }

void ReplicationHistory::StartNewHistory() {
  replid_ = RandomReplId();
  replid2_.assign(40, '0');
  second_replid_offset_ = -1;
}

void ReplicationHistory::Restore(std::string replid, int64_t offset) {
  replid_ = std::move(replid);
  offset_ = offset;
  histlen_ = 0;
  write_pos_ = 0;
}

}  // namespace bazaar::engine::replication
