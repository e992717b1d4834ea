// A stream: entries ordered by id (ms-seq), each a list of field/value pairs, with the
// bookkeeping Redis 7.0 keeps (last generated id, entries added, max deleted id).
//
// Design note: the entries sit in one B-tree of id -> packed fields (each string as a varint
// length then its bytes). Beside it the stream keeps a model of how Redis 7.0 would have cut the
// same history into listpack nodes (stream-node-max-bytes / -entries): each node's first id, live
// and deleted counts, the exact listpack size and its master fields. Redis's observable
// behaviour depends on those nodes: `~` trimming removes whole nodes only, and XINFO reports
// their number; the model makes both come out as Redis's. The RDB writer turns each modelled
// node into a real listpack.
//
// Thread affinity: none; the keyspace's single thread owns every stream. Views handed to
// callbacks are valid only until the next mutation.
#ifndef BAZAAR_ENGINE_CORE_STREAM_H_
#define BAZAAR_ENGINE_CORE_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/types/span.h"
#include "engine/core/listpack.h"
#include "engine/core/stream_group.h"
#include "engine/core/stream_id.h"

namespace bazaar::engine::core {

// How XADD and XTRIM trim: by length or by smallest id; approx (`~`) removes whole nodes only,
// at most `limit` entries (0: no limit).
struct StreamTrim {
  enum class Strategy { kNone, kMaxLen, kMinId };
  Strategy strategy = Strategy::kNone;
  uint64_t maxlen = 0;
  StreamId minid;
  bool approx = false;
  int64_t limit = 0;
};

class StreamValue {
 public:
  // One modelled Redis listpack node; its first id is its key in nodes().
  struct Node {
    uint64_t live = 0;
    uint64_t deleted = 0;
    size_t bytes_without_counts = 0;  // the listpack's size but for the live/deleted integers
    StreamId last_id;                 // the newest id it ever held, deleted or not
    std::vector<std::string> master_fields;
    size_t bytes() const;
  };
  using Entries = absl::btree_map<StreamId, std::string>;
  using Nodes = absl::btree_map<StreamId, Node>;
  using Groups = absl::btree_map<std::string, StreamGroup, std::less<>>;

  size_t size() const { return entries_.size(); }
  StreamId last_id() const { return last_id_; }
  StreamId max_deleted_id() const { return max_deleted_id_; }
  uint64_t entries_added() const { return entries_added_; }
  // The oldest live entry's id, 0-0 when empty.
  StreamId first_id() const { return entries_.empty() ? StreamId{} : entries_.begin()->first; }
  // The oldest id still held by a node, deleted or not (Redis's edge id with tombstones);
  // StreamId::Max() when there are no nodes.
  StreamId first_id_with_tombstones() const {
    return nodes_.empty() ? StreamId::Max() : nodes_.begin()->first;
  }
  void set_last_id(StreamId id) { last_id_ = id; }
  void set_max_deleted_id(StreamId id) { max_deleted_id_ = id; }
  void set_entries_added(uint64_t n) { entries_added_ = n; }

  // Appends an entry; precondition: id > last_id(), fields is non-empty field/value pairs.
  // Node limits are Redis's stream-node-max-bytes / -entries (0: unlimited).
  void Append(StreamId id, absl::Span<const std::string_view> fields, size_t node_max_bytes,
              size_t node_max_entries);
  // Deletes a live entry (XDEL); false if there is none. Does not touch max_deleted_id.
  bool Delete(StreamId id);
  // Trims as Redis's streamTrim does; returns the entries removed.
  uint64_t Trim(const StreamTrim& trim);

  const Entries& entries() const { return entries_; }
  const Nodes& nodes() const { return nodes_; }
  // Restores a node read from a dump: its counts as they were, then its live entries through
  // AddLoadedEntry. The caller sets last id, entries added and max deleted id.
  void AddLoadedNode(StreamId first, Node node) { nodes_.emplace(first, std::move(node)); }
  void AddLoadedEntry(StreamId id, std::string packed) { entries_.emplace(id, std::move(packed)); }

  // Consumer groups, by name.
  const Groups& groups() const { return groups_; }
  Groups& groups() { return groups_; }
  StreamGroup* FindGroup(std::string_view name);

  // Redis 7.0's logical read counter of the entry `id` (streamEstimateDistanceFromFirstEverEntry):
  // exact where no deletion can have made it uncertain, else StreamGroup::kUnknownEntriesRead.
  int64_t EstimateEntriesRead(StreamId id) const;
  // Whether a deleted entry may lie at or after `start` (the latest deletion is not before it).
  bool MayHaveTombstonesFrom(StreamId start) const;
  // The group's read counter after it was served the entry `id` past its last id.
  void RecordGroupRead(StreamGroup& group, StreamId id) const;
  // XINFO's lag: entries added and not yet read by the group; none when it cannot be known.
  std::optional<int64_t> GroupLag(const StreamGroup& group) const;

  // The packed form of field/value strings, and its strings back.
  static std::string Pack(absl::Span<const std::string_view> strings);
  static std::vector<std::string_view> Unpack(std::string_view packed);

  // Bytes the entries and nodes occupy on the heap (MEMORY USAGE), estimated from a sample.
  size_t AllocatedBytes() const;

 private:

  Entries entries_;
  Nodes nodes_;
  Groups groups_;
  StreamId last_id_;
  StreamId max_deleted_id_;
  uint64_t entries_added_ = 0;
};


}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_STREAM_H_
