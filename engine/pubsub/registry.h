// The Pub/Sub subscription tables: which clients (by id) listen on which channels, patterns and
// shard channels, both ways round, so a PUBLISH finds its receivers and a leaving client drops
// all its subscriptions at once. Knows nothing of connections or RESP: the server delivers.
// Loop thread only.
#ifndef BAZAAR_ENGINE_PUBSUB_REGISTRY_H_
#define BAZAAR_ENGINE_PUBSUB_REGISTRY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/core/glob.h"
#include "engine/pubsub/kind.h"

namespace bazaar::engine::pubsub {

class Registry {
 public:
  // False when the client already had (Remove: did not have) that subscription.
  bool Add(uint64_t client, Kind kind, std::string_view name);
  bool Remove(uint64_t client, Kind kind, std::string_view name);
  // The client's subscriptions of one kind, oldest first.
  std::vector<std::string> Of(uint64_t client, Kind kind) const;
  size_t CountOf(uint64_t client, Kind kind) const;
  void RemoveClient(uint64_t client);

  // Calls fn(client, pattern) for every receiver of a message on `channel`: its subscribers
  // (pattern empty), then, for plain channels, the clients of each matching pattern. Returns
  // how many deliveries that makes.
  template <typename F>
  size_t ForEachReceiver(std::string_view channel, bool shard, F&& fn) const;

  // Channels with at least one subscriber, matching `pattern` (empty: all).
  std::vector<std::string> ActiveChannels(std::string_view pattern, bool shard) const;
  size_t SubscriberCount(std::string_view channel, bool shard) const;
  // Distinct patterns with a subscriber; channels (or shard channels) with one.
  size_t PatternCount() const { return subscribers_[Index(Kind::kPattern)].size(); }
  size_t ChannelCount(bool shard) const {
    return subscribers_[Index(shard ? Kind::kShard : Kind::kChannel)].size();
  }

 private:
  static size_t Index(Kind kind) { return static_cast<size_t>(kind); }

  // name -> subscribed clients in the order they came, per kind.
  absl::flat_hash_map<std::string, std::vector<uint64_t>> subscribers_[3];
  // client -> its names in the order subscribed, per kind.
  absl::flat_hash_map<uint64_t, std::vector<std::string>> by_client_[3];
};

template <typename F>
size_t Registry::ForEachReceiver(std::string_view channel, bool shard, F&& fn) const {
  size_t n = 0;
  const auto& direct = subscribers_[Index(shard ? Kind::kShard : Kind::kChannel)];
  if (auto it = direct.find(absl::string_view(channel.data(), channel.size()));
      it != direct.end()) {
    for (uint64_t client : it->second) {
      fn(client, std::string_view());
      ++n;
    }
  }
  if (shard) return n;
  for (const auto& [pattern, clients] : subscribers_[Index(Kind::kPattern)]) {
    if (!core::GlobMatch(pattern, channel)) continue;
    for (uint64_t client : clients) {
      fn(client, std::string_view(pattern));
      ++n;
    }
  }
  return n;
}

}  // namespace bazaar::engine::pubsub

#endif  // BAZAAR_ENGINE_PUBSUB_REGISTRY_H_
