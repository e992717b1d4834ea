// SentinelResolver: the current primary of a Sentinel-monitored master, as the sentinels say
// (SENTINEL get-master-addr-by-name, each sentinel in turn until one answers). The answer is
// cached until Invalidate() (a connection to it failed, or it answered READONLY), so a pool
// asks the sentinels once per failover, not once per connection. The asking is blocking (short
// timeouts, loopback or LAN sentinels); any thread (a mutex guards the cache).
#ifndef BAZAAR_CLIENT_RESP_SENTINEL_RESOLVER_H_
#define BAZAAR_CLIENT_RESP_SENTINEL_RESOLVER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "resp/connection.h"

namespace bazaar::client {

class SentinelResolver {
 public:
  // `sentinels`: "host:port" each; `base` gives the timeouts and password for the primary.
  SentinelResolver(std::vector<ConnectionOptions> sentinels, std::string master_name);

  // Parses "host:port,host:port".
  static absl::StatusOr<std::vector<ConnectionOptions>> ParseList(const std::string& list,
                                                                  std::chrono::milliseconds timeout);

  // `base` with host and port of the primary; UNAVAILABLE when no sentinel knows it.
  absl::StatusOr<ConnectionOptions> Resolve(const ConnectionOptions& base);
  // The cached primary is in doubt: the next Resolve asks the sentinels again.
  void Invalidate();
  int64_t lookups() const;

 private:
  absl::StatusOr<std::pair<std::string, int>> Ask();

  const std::vector<ConnectionOptions> sentinels_;
  const std::string master_name_;
  mutable absl::Mutex mu_;
  bool valid_ ABSL_GUARDED_BY(mu_) = false;
  std::string host_ ABSL_GUARDED_BY(mu_);
  int port_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t lookups_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace bazaar::client

#endif  // BAZAAR_CLIENT_RESP_SENTINEL_RESOLVER_H_
