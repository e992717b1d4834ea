// The store interface the market logic runs against: a Redis-protocol server reached over RESP
// (RedisStore, over the client/ pool), or an in-memory fake in unit tests.
#ifndef BAZAAR_MARKET_STORE_H_
#define BAZAAR_MARKET_STORE_H_

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

// One store connection held for one transaction attempt by one thread.
class StoreSession {
 public:
  virtual ~StoreSession() = default;
  // Sends the commands in one round trip and returns their replies (RESP errors are replies).
  // UNAVAILABLE on an I/O failure; the session is then unusable.
  virtual absl::StatusOr<std::vector<RespReply>> Pipeline(const std::vector<Argv>& commands) = 0;
  // MULTI, the commands, EXEC in one round trip. Returns the commands' replies, or nullopt when
  // EXEC returned nil because a WATCHed key changed. An I/O failure (UNAVAILABLE) leaves the
  // outcome unknown. INTERNAL when the store refused the transaction (EXECABORT).
  virtual absl::StatusOr<std::optional<std::vector<RespReply>>> Exec(
      const std::vector<Argv>& commands) = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // A session, waiting at most until `deadline` for a free connection. UNAVAILABLE when the
  // store is unreachable, DEADLINE_EXCEEDED when no connection became free in time.
  virtual absl::StatusOr<std::unique_ptr<StoreSession>> Open(absl::Time deadline) = 0;
};

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_STORE_H_
