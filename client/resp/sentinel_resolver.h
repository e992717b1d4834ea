// SentinelResolver: the current primary of a Sentinel-monitored master, as the sentinels say
// (SENTINEL get-master-addr-by-name, each sentinel in turn until one answers). The answer is
// cached until Invalidate() (a connection to it failed, or it answered READONLY), so a pool
// asks the sentinels once per failover, not once per connection. The asking is blocking (short
// timeouts, loopback or LAN sentinels); any thread (a mutex guards the cache).
// Follow() also listens for the sentinels' +switch-master announcements on a thread of its own,
// so a failover is seen when it happens rather than when the old primary fails a call.
#ifndef BAZAAR_CLIENT_RESP_SENTINEL_RESOLVER_H_
#define BAZAAR_CLIENT_RESP_SENTINEL_RESOLVER_H_

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "resp/connection.h"

namespace bazaar::client {

class SentinelResolver {
 public:
  // `sentinels`: "host:port" each; `base` gives the timeouts and password for the primary.
  SentinelResolver(std::vector<ConnectionOptions> sentinels, std::string master_name);
  // StopFollowing().
  ~SentinelResolver();
  SentinelResolver(const SentinelResolver&) = delete;
  SentinelResolver& operator=(const SentinelResolver&) = delete;

  // `base` with host and port of the primary; UNAVAILABLE when no sentinel knows it.
  absl::StatusOr<ConnectionOptions> Resolve(const ConnectionOptions& base);
  // The cached primary is in doubt: the next Resolve asks the sentinels again.
  void Invalidate();
  int64_t lookups() const;

  // Starts a thread subscribed to +switch-master on one sentinel at a time (the next one when
  // that one goes away). A switch of our master replaces the cached primary, then runs
  // `on_switch(host, port)` on that thread. A lost subscription puts the cache in doubt (a
  // switch may have gone unseen): the next Resolve asks again. Call at most once.
  void Follow(std::function<void(const std::string& host, int port)> on_switch);
  // Ends Follow's thread: once this returns, on_switch is not running and never runs again.
  void StopFollowing();

 private:
  absl::StatusOr<std::pair<std::string, int>> Ask();
  // Reads one sentinel's announcements until it goes away or Stop; false: no subscription.
  bool FollowOne(const ConnectionOptions& sentinel,
                 const std::function<void(const std::string&, int)>& on_switch);

  const std::vector<ConnectionOptions> sentinels_;
  const std::string master_name_;
  mutable absl::Mutex mu_;
  bool valid_ ABSL_GUARDED_BY(mu_) = false;
  std::string host_ ABSL_GUARDED_BY(mu_);
  int port_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t lookups_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Notification stop_;
  std::thread follower_;
};

}  // namespace bazaar::client

#endif  // BAZAAR_CLIENT_RESP_SENTINEL_RESOLVER_H_
