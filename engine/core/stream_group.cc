#include "engine/core/stream_group.h"

namespace bazaar::engine::core {

StreamConsumer* StreamGroup::FindConsumer(std::string_view name) {
  auto it = consumers_.find(name);
  return it == consumers_.end() ? nullptr : &it->second;
}

StreamConsumer& StreamGroup::FindOrCreateConsumer(std::string_view name, int64_t now,
                                                  bool* created) {
  auto [it, inserted] = consumers_.try_emplace(std::string(name));
  if (inserted) it->second.seen_time = now;
  if (created) *created = inserted;
  return it->second;
}

uint64_t StreamGroup::DeleteConsumer(std::string_view name) {
  auto it = consumers_.find(name);
  if (it == consumers_.end()) return 0;
  const uint64_t pending = it->second.pending.size();
  for (StreamId id : it->second.pending) pel_.erase(id);
  consumers_.erase(it);
  return pending;
}

const StreamPending& StreamGroup::Deliver(StreamId id, std::string_view consumer, int64_t now) {
  auto [it, inserted] = pel_.try_emplace(id);
  StreamPending& p = it->second;
  if (!inserted && p.consumer != consumer) {
    auto old = consumers_.find(p.consumer);
    if (old != consumers_.end()) old->second.pending.erase(id);
  }
  p.consumer = std::string(consumer);
  p.delivery_time = now;
  p.delivery_count = 1;
  consumers_.find(consumer)->second.pending.insert(id);
  return p;
}

StreamPending* StreamGroup::FindPending(StreamId id) {
  auto it = pel_.find(id);
  return it == pel_.end() ? nullptr : &it->second;
}

StreamPending& StreamGroup::AddPending(StreamId id, std::string_view consumer, int64_t now) {
  StreamPending& p = pel_[id];
  p = StreamPending{now, 1, std::string(consumer)};
  consumers_.find(consumer)->second.pending.insert(id);
  return p;
}

StreamPending& StreamGroup::Transfer(StreamId id, std::string_view consumer) {
  StreamPending& p = pel_.find(id)->second;
  if (p.consumer != consumer) {
    auto old = consumers_.find(p.consumer);
    if (old != consumers_.end()) old->second.pending.erase(id);
    p.consumer = std::string(consumer);
    consumers_.find(consumer)->second.pending.insert(id);
  }
  return p;
}

bool StreamGroup::Ack(StreamId id) {
  auto it = pel_.find(id);
  if (it == pel_.end()) return false;
  auto owner = consumers_.find(it->second.consumer);
  if (owner != consumers_.end()) owner->second.pending.erase(id);
  pel_.erase(it);
  return true;
}

bool StreamGroup::AddLoadedPending(StreamId id, int64_t delivery_time, uint64_t delivery_count) {
  return pel_.try_emplace(id, StreamPending{delivery_time, delivery_count, {}}).second;
}

bool StreamGroup::AssignLoaded(StreamId id, std::string_view consumer) {
  auto it = pel_.find(id);
  auto owner = consumers_.find(consumer);
  if (it == pel_.end() || owner == consumers_.end()) return false;
  auto previous = consumers_.find(it->second.consumer);
  if (previous != consumers_.end() && previous->second.pending.count(id)) return false;
  owner->second.pending.insert(id);
  it->second.consumer = std::string(consumer);
  return true;
}

}  // namespace bazaar::engine::core
