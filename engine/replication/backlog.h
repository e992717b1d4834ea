// The replication history of one server: its replication ids and offset, and the backlog, a
// ring buffer holding the last repl-backlog-size bytes of the stream so that a replica that lost
// its link can continue (PSYNC) instead of loading a full snapshot again.
//
// Offsets count stream bytes, as Redis's do: master_repl_offset is the number of bytes ever fed,
// and the byte fed at position N (1-based) has offset N. A replica that processed up to offset
// R asks for R+1.
//
// Ids follow Redis's PSYNC2 rules: replid names the current history. When a replica is
// promoted it takes a new replid and keeps the old one as replid2, valid up to
// second_replid_offset, so that its former siblings, which share that history, can continue.
#ifndef BAZAAR_ENGINE_REPLICATION_BACKLOG_H_
#define BAZAAR_ENGINE_REPLICATION_BACKLOG_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace bazaar::engine::replication {

// 40 random hex characters, as Redis's replication ids and run ids.
std::string RandomReplId();

class ReplicationHistory {
 public:
  ReplicationHistory();

  const std::string& replid() const { return replid_; }
  const std::string& replid2() const { return replid2_; }
  int64_t second_replid_offset() const { return second_replid_offset_; }
  int64_t master_repl_offset() const { return offset_; }

  // The backlog exists once the first replica attached (or this server is a replica).
  bool backlog_active() const { return active_; }
  void CreateBacklog(int64_t size);
  // Creates the backlog unless it exists (an existing one keeps its history).
  void EnsureBacklog(int64_t size) {
    if (!active_) CreateBacklog(size);
  }
  void Resize(int64_t size);
  int64_t backlog_size() const { return size_; }
  int64_t histlen() const { return histlen_; }
  // Offset of the oldest byte the backlog holds (Redis's repl_backlog_first_byte_offset).
  int64_t first_byte_offset() const { return offset_ - histlen_ + 1; }

  // Appends stream bytes: the offset grows by bytes.size(); the backlog keeps the newest bytes.
  void Feed(std::string_view bytes);

  // Whether a PSYNC for (replid, offset) can continue from the backlog: the id must be ours,
  // or our previous one up to where it ended, and the offset within the history we hold.
  bool CanContinue(std::string_view replid, int64_t psync_offset) const;
  // The stream bytes from `psync_offset` to the end; CanContinue must hold.
  std::string CopyFrom(int64_t psync_offset) const;

  // A replica starting over after a full sync: the primary's id and offset, an empty backlog.
  void ResetTo(std::string replid, int64_t offset);
  // A replica continuing with a primary whose id changed (it was promoted): the old id stays
  // valid up to the current offset, as replid2.
  void AdoptNewId(std::string replid);
  // REPLICAOF NO ONE: a new history begins; the old one stays usable for PSYNC as replid2.
  void ShiftReplicationId();
  // A primary's first replica: a fresh id with no previous one (nothing to continue from).
  void StartNewHistory();
  // Restores the id and offset saved in an RDB (a restart). The backlog starts empty there.
  void Restore(std::string replid, int64_t offset);

 private:
  std::string replid_;
  std::string replid2_;
  int64_t second_replid_offset_ = -1;
  int64_t offset_ = 0;
  bool active_ = false;
  std::string ring_;
  int64_t size_ = 0;
  int64_t histlen_ = 0;
  size_t write_pos_ = 0;  // where the next byte goes in ring_
};

}  // namespace bazaar::engine::replication

#endif  // BAZAAR_ENGINE_REPLICATION_BACKLOG_H_
