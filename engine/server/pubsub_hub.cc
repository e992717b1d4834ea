#include "engine/server/pubsub_hub.h"

#include "engine/core/keyspace_events.h"
#include "engine/core/log.h"
#include "engine/server/connection.h"

namespace bazaar::engine::server {
namespace {

size_t& CountFor(commands::ClientState& c, pubsub::Kind kind) {
  return kind == pubsub::Kind::kChannel ? c.sub : kind == pubsub::Kind::kPattern ? c.psub : c.ssub;
}

}  // namespace

PubSubHub::PubSubHub(const config::Options* options, std::function<Connection*(uint64_t)> find,
                     OutputLimits* limits)
    : options_(options), find_(std::move(find)), limits_(limits) {}

bool PubSubHub::Subscribe(commands::ClientState& client, Kind kind, std::string_view name) {
  if (!registry_.Add(client.id, kind, name)) return false;
  ++CountFor(client, kind);
  return true;
}

bool PubSubHub::Unsubscribe(commands::ClientState& client, Kind kind, std::string_view name) {
  if (!registry_.Remove(client.id, kind, name)) return false;
  --CountFor(client, kind);
  return true;
}

std::vector<std::string> PubSubHub::SubscriptionsOf(const commands::ClientState& client,
                                                    Kind kind) const {
  return registry_.Of(client.id, kind);
}

int64_t PubSubHub::Publish(std::string_view channel, std::string_view message, bool shard) {
  const size_t n = registry_.ForEachReceiver(
      channel, shard, [&](uint64_t id, std::string_view pattern) {
        Connection* c = find_(id);
        if (c == nullptr || c->closing()) return;
        protocol::ReplyBuilder& out = c->reply();
        protocol::ReplyBuilder::PushScope push(out);  // even under CLIENT REPLY OFF
        if (!pattern.empty()) {
          out.PushHeader(4);
          out.Bulk("pmessage");
          out.Bulk(pattern);
        } else {
          out.PushHeader(3);
          out.Bulk(shard ? "smessage" : "message");
        }
        out.Bulk(channel);
        out.Bulk(message);
        c->QueueWrite();
        if (limits_->MustClose(c->state(), c->pending_output_size())) c->Drop();
      });
  return static_cast<int64_t>(n);
}

void PubSubHub::KeyEvent(int db, std::string_view event, std::string_view key) {
  const int classes = options_->notify_keyspace_events;
  if (classes & core::events::kKeyspace) {
    Publish("__keyspace@" + std::to_string(db) + "__:" + std::string(key), event, false);
  }
  if (classes & core::events::kKeyevent) {
    Publish("__keyevent@" + std::to_string(db) + "__:" + std::string(event), key, false);
  }
}

std::vector<std::string> PubSubHub::ActiveChannels(std::string_view pattern, bool shard) const {
  return registry_.ActiveChannels(pattern, shard);
}

int64_t PubSubHub::SubscriberCount(std::string_view channel, bool shard) const {
  return static_cast<int64_t>(registry_.SubscriberCount(channel, shard));
}

int64_t PubSubHub::PatternCount() const { return static_cast<int64_t>(registry_.PatternCount()); }

int64_t PubSubHub::ChannelCount(bool shard) const {
  return static_cast<int64_t>(registry_.ChannelCount(shard));
}

void PubSubHub::Forget(const commands::ClientState& client) {
  registry_.RemoveClient(client.id);
}

}  // namespace bazaar::engine::server
