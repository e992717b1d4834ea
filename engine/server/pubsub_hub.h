// PubSubHub: the server's Pub/Sub (commands::PubSubControl) over pubsub::Registry. It keeps
// each client's subscription counts, writes every message in its receiver's RESP version into
// that connection's output, and drops a subscriber whose output passes
// client-output-buffer-limit pubsub (OutputLimits), so a slow reader never grows without bound. As a keyspace
// observer it publishes the keyspace notifications the keyspace reports. Loop thread only.
#ifndef BAZAAR_ENGINE_SERVER_PUBSUB_HUB_H_
#define BAZAAR_ENGINE_SERVER_PUBSUB_HUB_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/commands/server_context.h"
#include "engine/config/options.h"
#include "engine/core/keyspace.h"
#include "engine/pubsub/registry.h"
#include "engine/server/output_limits.h"

namespace bazaar::engine::server {

class Connection;

class PubSubHub : public commands::PubSubControl, public core::KeyspaceObserver {
 public:
  // `find` gives the connection of a client id (null when gone); `limits` judges a subscriber's
  // output after each message. `options` and `limits` must outlive the hub.
  PubSubHub(const config::Options* options, std::function<Connection*(uint64_t)> find,
            OutputLimits* limits);

  bool Subscribe(commands::ClientState& client, Kind kind, std::string_view name) override;
  bool Unsubscribe(commands::ClientState& client, Kind kind, std::string_view name) override;
  std::vector<std::string> SubscriptionsOf(const commands::ClientState& client,
                                           Kind kind) const override;
  int64_t Publish(std::string_view channel, std::string_view message, bool shard) override;
  std::vector<std::string> ActiveChannels(std::string_view pattern, bool shard) const override;
  int64_t SubscriberCount(std::string_view channel, bool shard) const override;
  int64_t PatternCount() const override;
  int64_t ChannelCount(bool shard) const override;

  // Keyspace notifications: __keyspace@<db>__:<key> then __keyevent@<db>__:<event>, as
  // notify-keyspace-events' K and E ask.
  void KeyEvent(int db, std::string_view event, std::string_view key) override;
  void KeyModified(int, std::string_view) override {}
  void DbReplaced(int, int) override {}

  // A closing client leaves every table.
  void Forget(const commands::ClientState& client);

 private:
  const config::Options* options_;
  std::function<Connection*(uint64_t)> find_;
  OutputLimits* limits_;
  pubsub::Registry registry_;
};

}  // namespace bazaar::engine::server

#endif  // BAZAAR_ENGINE_SERVER_PUBSUB_HUB_H_
