// Redis Cluster, as far as a client of one hash slot needs it (the market serves a realm whose
// keys share one hash tag, so every transaction is on one slot):
// - KeySlot: the slot of a key, CRC16 (XMODEM) of the key or of its hash tag (the bytes between
//   the first '{' and the next '}', when not empty) mod 16384, as the cluster spec defines it.
// - ParseClusterSlots: CLUSTER SLOTS' reply as slot ranges and their primaries.
// - ParseRedirect: a -MOVED / -ASK error's slot and address; IsClusterRetry: -TRYAGAIN and
//   -CLUSTERDOWN (the cluster cannot serve the slot right now; nothing was done).
// - ClusterResolver: the primary of one slot, for AsyncPool's address provider: asked of the
//   nodes it knows (seeds first, then every node a CLUSTER SLOTS named) and cached until
//   Invalidate(), or replaced at once by a MOVED. Blocking lookups with short timeouts; any
//   thread (a mutex guards the cache).
#ifndef BAZAAR_CLIENT_RESP_CLUSTER_H_
#define BAZAAR_CLIENT_RESP_CLUSTER_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "resp/connection.h"
#include "resp/reply.h"

namespace bazaar::client {

inline constexpr int kClusterSlots = 16384;
int KeySlot(absl::string_view key);
// True when `prefix` has a hash tag, so every key it starts has one slot (KeySlot(prefix)).
bool HasHashTag(absl::string_view prefix);

struct SlotRange {
  int first = 0, last = 0;  // inclusive
  std::string host;
  int port = 0;
};
// INTERNAL for a reply that is not CLUSTER SLOTS' shape.
absl::StatusOr<std::vector<SlotRange>> ParseClusterSlots(const RespReply& reply);

struct Redirect {
  bool ask = false;  // -ASK (one command, after ASKING), else -MOVED (for good)
  int slot = 0;
  std::string host;
  int port = 0;
};
std::optional<Redirect> ParseRedirect(absl::string_view error);
bool IsClusterRetry(absl::string_view error);
// Whether `error` is the cluster refusing a command (-MOVED, -ASK, -TRYAGAIN, -CLUSTERDOWN:
// nothing of it was done); `*redirect` (may be null) gets a MOVED or ASK's target.
bool IsClusterRefusal(absl::string_view error, std::optional<Redirect>* redirect = nullptr);

class ClusterResolver {
 public:
  // `seeds`: nodes to ask first; `slot`: the one slot this client serves.
  ClusterResolver(std::vector<ConnectionOptions> seeds, int slot);
  // Parses "cluster://host:port,host:port" (the scheme is required).
  static absl::StatusOr<std::vector<ConnectionOptions>> ParseSeeds(
      const std::string& url, std::chrono::milliseconds timeout);

  // `base` with host and port of the slot's primary; UNAVAILABLE when no node answers with it.
  absl::StatusOr<ConnectionOptions> Resolve(const ConnectionOptions& base);
  // The cached primary is in doubt (a connect failed): the next Resolve asks again.
  void Invalidate();
  // A redirect the cluster answered: a -MOVED for our slot names its primary, taken at once (no
  // lookup); an -ASK or another slot's MOVED changes nothing.
  void Moved(const Redirect& redirect);
  // Runs `fn(host, port)` whenever the slot's primary changes from one known address to another
  // (a lookup or a MOVED found it elsewhere), on the thread that found it, outside the lock.
  // Set before use.
  void OnChange(std::function<void(const std::string& host, int port)> fn) {
    on_change_ = std::move(fn);
  }
  int slot() const { return slot_; }
  int64_t lookups() const;

 private:
  absl::StatusOr<std::pair<std::string, int>> Ask() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Caches host:port; true when a different primary was known before.
  bool Set(const std::string& host, int port) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::function<void(const std::string&, int)> on_change_;

  const int slot_;
  mutable absl::Mutex mu_;
  std::vector<ConnectionOptions> nodes_ ABSL_GUARDED_BY(mu_);  // seeds, then nodes seen
  bool valid_ ABSL_GUARDED_BY(mu_) = false;
  std::string host_ ABSL_GUARDED_BY(mu_);
  int port_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t lookups_ ABSL_GUARDED_BY(mu_) = 0;
};

// Where a tool reads a market's store: "host:port" as it is, or "cluster://seeds" resolved to
// the primary of the slot of `key_prefix` (which must have a hash tag); AUTH with `password`
// when not empty. Blocking.
absl::StatusOr<ConnectionOptions> ResolveStoreAddress(const std::string& store,
                                                      const std::string& key_prefix,
                                                      const std::string& password = "");

}  // namespace bazaar::client

#endif  // BAZAAR_CLIENT_RESP_CLUSTER_H_
