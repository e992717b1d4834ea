// The three kinds of Pub/Sub subscription: channels (SUBSCRIBE), patterns (PSUBSCRIBE) and shard
// channels (SSUBSCRIBE).
#ifndef BAZAAR_ENGINE_PUBSUB_KIND_H_
#define BAZAAR_ENGINE_PUBSUB_KIND_H_

namespace bazaar::engine::pubsub {

enum class Kind { kChannel, kPattern, kShard };

}  // namespace bazaar::engine::pubsub

#endif  // BAZAAR_ENGINE_PUBSUB_KIND_H_
