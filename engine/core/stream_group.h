// A stream consumer group as Redis 7.0 keeps it: the last delivered id, the logical read counter
// (entries-read, -1 when unknown), the group's pending entries list (PEL: every entry delivered
// and not yet acknowledged, with its owner, delivery time and count) and its consumers, each
// with the ids it owns.
//
// Design note: a pending entry names its owner instead of pointing at it, so a stream (groups
// included) copies as a plain value; the group PEL and the owners' sets are kept in step here.
// Consumers and PELs are ordered as Redis's radix trees order them (names by bytes, ids
// numerically), so every listing comes out in Redis's order.
//
// Thread affinity: none; the keyspace's single thread owns every stream and its groups.
#ifndef BAZAAR_ENGINE_CORE_STREAM_GROUP_H_
#define BAZAAR_ENGINE_CORE_STREAM_GROUP_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "engine/core/stream_id.h"

namespace bazaar::engine::core {

struct StreamPending {
  int64_t delivery_time = 0;  // unix ms of the last delivery
  uint64_t delivery_count = 0;
  std::string consumer;
};

struct StreamConsumer {
  int64_t seen_time = 0;  // unix ms of the consumer's last read or claim
  absl::btree_set<StreamId> pending;
};

class StreamGroup {
 public:
  static constexpr int64_t kUnknownEntriesRead = -1;
  using Pel = absl::btree_map<StreamId, StreamPending>;
  using Consumers = absl::btree_map<std::string, StreamConsumer, std::less<>>;

  StreamGroup(StreamId last_id, int64_t entries_read)
      : last_id_(last_id), entries_read_(entries_read) {}

  StreamId last_id() const { return last_id_; }
  int64_t entries_read() const { return entries_read_; }
  void set_last_id(StreamId id) { last_id_ = id; }
  void set_entries_read(int64_t n) { entries_read_ = n; }
  const Pel& pel() const { return pel_; }
  const Consumers& consumers() const { return consumers_; }

  StreamConsumer* FindConsumer(std::string_view name);
  // The consumer, created with seen_time `now` if missing (then *created is set).
  StreamConsumer& FindOrCreateConsumer(std::string_view name, int64_t now,
                                       bool* created = nullptr);
  // Deletes a consumer and its pending entries; returns how many it had (0 if missing).
  uint64_t DeleteConsumer(std::string_view name);

  // XREADGROUP delivered `id` to `consumer`: a new pending entry (count 1), or one taken over
  // from its previous owner with its count restarted, as after XGROUP SETID.
  const StreamPending& Deliver(StreamId id, std::string_view consumer, int64_t now);
  StreamPending* FindPending(StreamId id);
  // XCLAIM FORCE: a new pending entry (count 1, delivered `now`) owned by `consumer`, which must
  // exist; precondition: id is not pending.
  StreamPending& AddPending(StreamId id, std::string_view consumer, int64_t now);
  // XCLAIM / XAUTOCLAIM: the pending entry `id` now belongs to `consumer`, which must exist.
  StreamPending& Transfer(StreamId id, std::string_view consumer);
  // Acknowledges (or drops) a pending entry; false if there was none.
  bool Ack(StreamId id);
  // Restores a pending entry from a dump; false if the id is already pending. The owner is set
  // by AssignLoaded, as the RDB lists consumers after the PEL.
  bool AddLoadedPending(StreamId id, int64_t delivery_time, uint64_t delivery_count);
  // Gives a loaded pending entry to a consumer; false if the id is not in the group PEL or
  // already owned.
  bool AssignLoaded(StreamId id, std::string_view consumer);
  void AddLoadedConsumer(std::string name, int64_t seen_time) {
    consumers_[std::move(name)].seen_time = seen_time;
  }

 private:
  StreamId last_id_;
  int64_t entries_read_;
  Pel pel_;
  Consumers consumers_;
};

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_STREAM_GROUP_H_
