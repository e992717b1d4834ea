// EventHub: serves WatchEvents from ONE store connection per market process, whatever the number
// of watchers. Its thread replays each new watcher from its from_id (XRANGE with an exclusive
// start, bounded by the watcher's free queue space) up to the hub's tail, then tails
// <prefix>events: with XREAD BLOCK from that tail and fans every new entry out to the watchers
// that are caught up. A watcher is caught up exactly at the tail, so it gets each entry once and
// in stream (= commit) order; a resume from the last id it got continues without gap or repeat.
//
// Each watcher has a bounded queue (--watch_queue_limit). Replays only read what fits; a caught-up
// watcher whose queue is full when a new event arrives has fallen behind and is ended with
// RESOURCE_EXHAUSTED/WATCHER_TOO_SLOW (its queued events are dropped: it resumes from the last id
// it received). Stop() ends every watcher with UNAVAILABLE/SHUTTING_DOWN.
//
// Threads: the hub's own thread owns the connection; Add/Remove/Stop and a Subscription's
// reactor-side methods are thread-safe. A subscription's `wake` runs on the hub thread (or in
// Stop's caller), never under the hub's lock.
#ifndef BAZAAR_MARKET_EVENT_HUB_H_
#define BAZAAR_MARKET_EVENT_HUB_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "market/types.h"
#include "resp/cluster.h"
#include "resp/connection.h"

namespace bazaar::market {

struct WatchFilter {
  std::set<std::string> types;  // empty: every type
  std::string user_id;          // empty: every user; else events naming it as user/seller/buyer
  bool Matches(const MarketEvent& e) const;
};

// Tells the hub thread that a watcher took an event out of a full queue, so a replay held up by
// it can go on at once. Shared by the hub and its subscriptions (a subscription may outlive the
// hub). Any thread.
class SpaceSignal {
 public:
  void Notify();
  // Waits until Notify was called since the last wait, or `timeout` passed.
  void Wait(absl::Duration timeout);

 private:
  absl::Mutex mu_;
  bool freed_ = false;
};

// One watcher's queue, shared by the hub and the watcher's RPC.
class Subscription {
 public:
  // `from_id`: a stream id (events after it), "0-0"/"" for the whole log, "$" for new ones only.
  Subscription(std::string from_id, WatchFilter filter, size_t limit, std::function<void()> wake)
      : cursor_(from_id.empty() ? "0-0" : std::move(from_id)), filter_(std::move(filter)),
        limit_(limit), wake_(std::move(wake)) {}

  enum class Next { kEvent, kEnd, kNone };
  // The RPC side: the next queued event, else the end status once the stream ended, else kNone
  // (the hub wakes it when that changes).
  Next Take(MarketEvent* event, absl::Status* end);
  // Where this watcher started, resolved ("$" becomes the tail id once the hub saw it).
  std::string start_id();

 private:
  friend class EventHub;
  // Hub side. False (and the subscription ended) when the queue was full.
  bool PushLive(MarketEvent event);
  void End(absl::Status status);
  void Wake();

  absl::Mutex mu_;
  std::deque<MarketEvent> queue_;
  std::optional<absl::Status> end_;
  std::string cursor_;  // hub thread only: the last entry scanned for (or skipped by) it
  std::string start_;   // resolved start, under mu_
  bool live_ = false;   // hub thread only: caught up with the tail
  const WatchFilter filter_;
  const size_t limit_;
  std::shared_ptr<SpaceSignal> space_;  // set by EventHub::Add, under mu_
  absl::Mutex wake_mu_;  // held while wake runs, so Detach waits for a running wake
  std::function<void()> wake_;

 public:
  // Drops `wake`; once this returns it is not running and never runs again.
  void Detach();
};

class EventHub {
 public:
  EventHub(client::ConnectionOptions store, std::string events_key)
      : store_(std::move(store)), key_(std::move(events_key)) {}
  ~EventHub() { Stop(); }
  // Sentinel or cluster mode: where the store is, asked before each reconnect (call before
  // Start).
  void SetAddressSource(std::function<absl::StatusOr<client::ConnectionOptions>()> source) {
    address_source_ = std::move(source);
  }
  // Any thread: the primary moved; the hub reconnects after its current round.
  void AddressChanged() { moved_.store(true); }
  // Cluster mode: told of a redirect the hub met (on its thread), like the store's MovedHook, so
  // the hub need not wait for a transaction to find the slot's new primary (call before Start).
  void SetMovedHook(std::function<void(const client::Redirect&)> hook) {
    moved_hook_ = std::move(hook);
  }
  void Start();
  // False after Stop: the watcher must be refused.
  bool Add(std::shared_ptr<Subscription> sub);
  void Remove(const std::shared_ptr<Subscription>& sub);
  // Ends every watcher (UNAVAILABLE) and joins the thread.
  void Stop();

  // How long one XREAD blocks: it bounds how soon a new watcher's replay and Stop are served.
  static constexpr int kBlockMs = 100;

 private:
  void Run();
  // One round: replays for watchers not caught up, then one XREAD from the tail.
  absl::Status Round(client::RespConnection* conn);
  // An error reply as the round's failure: a cluster's refusal (MOVED, ASK, TRYAGAIN,
  // CLUSTERDOWN) also reconnects, after telling the hook of a redirect.
  absl::Status Refused(const client::RespReply& reply);

  client::ConnectionOptions store_;  // hub thread, once started
  std::function<absl::StatusOr<client::ConnectionOptions>()> address_source_;
  std::function<void(const client::Redirect&)> moved_hook_;
  std::atomic<bool> moved_{false};
  const std::string key_;
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<std::shared_ptr<Subscription>> subs_;
  bool stopping_ = false;
  std::string tail_;  // hub thread: the last entry id read from the stream
  const std::shared_ptr<SpaceSignal> space_ = std::make_shared<SpaceSignal>();
};

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_EVENT_HUB_H_
