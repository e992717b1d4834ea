#include "engine/pubsub/registry.h"

#include <algorithm>

namespace bazaar::engine::pubsub {
namespace {

template <typename T>
bool Erase(std::vector<T>& v, const T& x) {
  auto it = std::find(v.begin(), v.end(), x);
  if (it == v.end()) return false;
  v.erase(it);
  return true;
}

}  // namespace

bool Registry::Add(uint64_t client, Kind kind, std::string_view name) {
  std::vector<std::string>& mine = by_client_[Index(kind)][client];
  if (std::find(mine.begin(), mine.end(), name) != mine.end()) return false;
  mine.emplace_back(name);
  subscribers_[Index(kind)][std::string(name)].push_back(client);
  return true;
}

bool Registry::Remove(uint64_t client, Kind kind, std::string_view name) {
  auto mine = by_client_[Index(kind)].find(client);
  if (mine == by_client_[Index(kind)].end() || !Erase(mine->second, std::string(name))) {
    return false;
  }
  if (mine->second.empty()) by_client_[Index(kind)].erase(mine);
  auto subs = subscribers_[Index(kind)].find(absl::string_view(name.data(), name.size()));
  Erase(subs->second, client);
  if (subs->second.empty()) subscribers_[Index(kind)].erase(subs);
  return true;
}

std::vector<std::string> Registry::Of(uint64_t client, Kind kind) const {
  auto it = by_client_[Index(kind)].find(client);
  return it == by_client_[Index(kind)].end() ? std::vector<std::string>() : it->second;
}

size_t Registry::CountOf(uint64_t client, Kind kind) const {
  auto it = by_client_[Index(kind)].find(client);
  return it == by_client_[Index(kind)].end() ? 0 : it->second.size();
}

void Registry::RemoveClient(uint64_t client) {
  for (Kind kind : {Kind::kChannel, Kind::kPattern, Kind::kShard}) {
    for (const std::string& name : Of(client, kind)) Remove(client, kind, name);
  }
}

std::vector<std::string> Registry::ActiveChannels(std::string_view pattern, bool shard) const {
  std::vector<std::string> out;
  for (const auto& [name, clients] : subscribers_[Index(shard ? Kind::kShard : Kind::kChannel)]) {
    if (pattern.empty() || core::GlobMatch(pattern, name)) out.push_back(name);
  }
  return out;
}

size_t Registry::SubscriberCount(std::string_view channel, bool shard) const {
  const auto& m = subscribers_[Index(shard ? Kind::kShard : Kind::kChannel)];
  auto it = m.find(absl::string_view(channel.data(), channel.size()));
  return it == m.end() ? 0 : it->second.size();
}

}  // namespace bazaar::engine::pubsub
