// The simulated players' common machinery (internal to the runner): the state they share during
// one timed run, and Player, an asynchronous state machine advanced by the completion of its one
// call or timer in flight. The book's players live in runner.cc, the live-game scenarios' in
// live_players.cc.
#ifndef BAZAAR_LOAD_PLAYER_H_
#define BAZAAR_LOAD_PLAYER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "load/backend.h"
#include "load/recorder.h"
#include "load/workload.h"
#include "resp/async_loop.h"

namespace bazaar::load {

// A seller's items not yet listed. Open-loop sessions of one seller may overlap, so it locks.
class SellerStock {
 public:
  SellerStock(std::string seller, std::deque<std::string> items)
      : seller_(std::move(seller)), items_(std::move(items)), next_(items_.size()) {}
  // An item to list; `*grant` tells it must be granted first (the stock was empty).
  std::string Take(bool* grant);
  // Not listed after all (the call failed definitely): it can be listed later.
  void PutBack(std::string item);

 private:
  absl::Mutex mu_;
  const std::string seller_;
  std::deque<std::string> items_ ABSL_GUARDED_BY(mu_);
  int64_t next_ ABSL_GUARDED_BY(mu_);
};

struct Shared {
  const Workload* w;
  MarketBackend* backend;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> trades{0};  // list + purchase calls started
  std::vector<std::string> sellers, buyers;
  std::string seller_prefix;
  int64_t start_us = 0;
  int64_t end_us = 0;
  client::AsyncLoop* timers = nullptr;  // think times and waits
  absl::BlockingCounter* players_left = nullptr;
  std::vector<std::unique_ptr<SellerStock>> stocks;  // live scenarios, per seller

  // False when the run is over; counts one trade call otherwise.
  bool NextTrade();
  // Whether a browsed listing is this run's (other runs may share the market).
  bool OfThisRun(const client::MarketListing& l) const {
    return l.seller_id.rfind(seller_prefix, 0) == 0;
  }
  bool Over() const { return stop.load(std::memory_order_relaxed) || NowMicros() >= end_us; }
};

// A simulated player: a state machine advanced by the completion of its one call (or timer) in
// flight, on whatever thread that completion runs. Continue() is the only way in: it runs Step()
// once per completion, looping on the first thread rather than recursing when a call completes
// before Step() has returned (a call refused at once, or a fast reply on another thread).
class Player {
 public:
  Player(Shared* sh, Recorder* rec, uint64_t seed) : sh_(sh), rec_(rec), rng_(seed) {}
  virtual ~Player() = default;

  void Continue();

 protected:
  // Starts the next call or timer (whose completion calls Continue), or calls Finished().
  virtual void Step() = 0;
  // Called once, after the last Step, when nothing of this player is in flight any more.
  virtual void Done() { sh_->players_left->DecrementCount(); }

  void Finished() { finished_ = true; }
  // Continues after `delay`.
  void Sleep(absl::Duration delay);
  // The book's think time before the next operation: true when a timer was started.
  bool Think();
  // A completion that stores the call's status before continuing.
  StatusDone Then();
  // Into this player's own recorder (players sharing one lock it themselves).
  void Record(Op op, const absl::Status& status, int64_t begin_us, int64_t value = 0) {
    rec_->Record(op, status, begin_us, NowMicros(), value);
  }

  Shared* const sh_;
  Recorder* const rec_;
  std::mt19937_64 rng_;
  absl::Status status_;  // of the last call
  int64_t t0_ = 0;       // when the last call started

 private:
  std::atomic<int> pending_{0};
  bool finished_ = false;
};

// Runs sh->w->sellers + buyers players, player `i` made by `make(i, its own recorder)`, until
// each has finished, then merges their recorders into `totals`.
void RunPlayers(Shared* sh, LiveCounters* live, Recorder* totals,
                const std::function<std::unique_ptr<Player>(int, Recorder*)>& make);

}  // namespace bazaar::load

#endif  // BAZAAR_LOAD_PLAYER_H_
