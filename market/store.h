// The store interface the market logic runs against, asynchronous: a Redis-protocol server
// reached over RESP without blocking a thread per call (AsyncRedisStore, on an AsyncLoop), or
// an in-memory fake in unit tests that answers at once. Every callback of a store runs on the
// store's own thread (its loop; the fake: inside the call), and a session is used only from
// there.
#ifndef BAZAAR_MARKET_STORE_H_
#define BAZAAR_MARKET_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "resp/reply.h"

namespace bazaar::market {

using client::RespReply;
using Argv = std::vector<std::string>;
using Replies = std::vector<RespReply>;
// EXEC's outcome: the commands' replies, or nullopt when a WATCHed key changed.
using ExecReplies = std::optional<Replies>;

// One store connection held for one transaction attempt. Destroying it returns the connection
// (after UNWATCH when keys are still watched).
class StoreSession {
 public:
  virtual ~StoreSession() = default;
  // Sends the commands in one round trip; `done` gets their replies (RESP errors are replies),
  // or UNAVAILABLE on an I/O failure (the session is then unusable).
  virtual void Pipeline(std::vector<Argv> commands,
                        std::function<void(absl::StatusOr<Replies>)> done) = 0;
  // MULTI, the commands, EXEC in one round trip. An I/O failure (UNAVAILABLE) leaves the outcome
  // unknown; INTERNAL when the store refused the transaction (EXECABORT).
  virtual void Exec(std::vector<Argv> commands,
                    std::function<void(absl::StatusOr<ExecReplies>)> done) = 0;
  // The round trips from here on change data (a transaction's EXEC, a script's FCALL). A store
  // that must see changes on its replicas before they count (RedisStore's ReplicaAcks) then
  // fails a change too few replicas acknowledged with UNAVAILABLE / OUTCOME_UNKNOWN: it is on
  // the primary, and a failover may lose it. Read-only round trips never wait for replicas.
  virtual void ExpectWrites() {}
};

class Store {
 public:
  using OpenDone = std::function<void(absl::StatusOr<std::unique_ptr<StoreSession>>)>;
  virtual ~Store() = default;
  // Any thread. `done` gets a session, waiting at most until `deadline` for a free connection:
  // UNAVAILABLE when the store is unreachable, DEADLINE_EXCEEDED when no connection became free
  // in time.
  virtual void Open(absl::Time deadline, OpenDone done) = 0;
};

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_STORE_H_
