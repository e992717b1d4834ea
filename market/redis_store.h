// RedisStore: the Store over a client::ConnectionPool (hiredis). A session that WATCHed keys and
// ends without EXEC sends UNWATCH before its connection goes back to the pool; a session whose
// connection failed closes it.
#ifndef BAZAAR_MARKET_REDIS_STORE_H_
#define BAZAAR_MARKET_REDIS_STORE_H_

#include "market/store.h"
#include "resp/pool.h"

namespace bazaar::market {

class RedisStore : public Store {
 public:
  // `pool` must outlive the store.
  explicit RedisStore(client::ConnectionPool* pool) : pool_(pool) {}
  absl::StatusOr<std::unique_ptr<StoreSession>> Open(absl::Time deadline) override;

 private:
  client::ConnectionPool* pool_;
};

// Exec's reply handling, shared with tests: checks MULTI/QUEUED replies and unpacks EXEC.
absl::StatusOr<std::optional<std::vector<RespReply>>> UnpackExecReplies(
    std::vector<RespReply> replies);

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_REDIS_STORE_H_
