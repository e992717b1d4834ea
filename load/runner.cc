#include "load/runner.h"

#include <unistd.h>

#include <atomic>
#include <deque>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "resp/async_loop.h"

namespace bazaar::load {
namespace {

struct Shared {
  const Workload* w;
  MarketBackend* backend;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> trades{0};  // list + purchase calls started
  std::vector<std::string> sellers;
  std::string seller_prefix;
  int64_t start_us = 0;
  int64_t end_us = 0;
  client::AsyncLoop* timers = nullptr;       // think times and waits
  absl::BlockingCounter* players_left = nullptr;

  // False when the run is over; counts one trade call otherwise.
  bool NextTrade() {
    if (stop.load(std::memory_order_relaxed) || NowMicros() >= end_us) return false;
    if (w->max_ops > 0 && trades.fetch_add(1) >= w->max_ops) {
      stop = true;
      return false;
    }
    return true;
  }
};

// A simulated player: a state machine advanced by the completion of its one call (or timer) in
// flight, on whatever thread that completion runs. Continue() is the only way in: it runs Step()
// once per completion, looping on the first thread rather than recursing when a call completes
// before Step() has returned (a call refused at once, or a fast reply on another thread).
class Player {
 public:
  Player(Shared* sh, Recorder* rec, uint64_t seed) : sh_(sh), rec_(rec), rng_(seed) {}
  virtual ~Player() = default;

  void Continue() {
    if (pending_.fetch_add(1, std::memory_order_acq_rel) != 0) return;
    do {
      Step();
    } while (pending_.fetch_sub(1, std::memory_order_acq_rel) != 1);
    // Last, since the run may destroy the player as soon as the count reaches zero.
    if (finished_) sh_->players_left->DecrementCount();
  }

 protected:
  // Starts the next call or timer (whose completion calls Continue), or calls Finished().
  virtual void Step() = 0;

  void Finished() { finished_ = true; }
  // Continues after `delay`.
  void Sleep(absl::Duration delay) {
    client::AsyncLoop* timers = sh_->timers;
    timers->Post([this, timers, delay] { timers->After(delay, [this] { Continue(); }); });
  }
  // The think time before the next operation: true when a timer was started.
  bool Think() {
    const Workload& w = *sh_->w;
    if (w.think_time <= absl::ZeroDuration()) return false;
    std::exponential_distribution<double> d(1.0 / absl::ToDoubleMicroseconds(w.think_time));
    Sleep(absl::Microseconds(d(rng_)));
    return true;
  }
  // A completion that stores the call's status before continuing.
  StatusDone Then() {
    return [this](absl::Status s) {
      status_ = std::move(s);
      Continue();
    };
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

// Lists one item per turn, granting itself a fresh one first when its inventory is empty.
class Seller : public Player {
 public:
  Seller(Shared* sh, int index, std::deque<std::string> inventory, Recorder* rec)
      : Player(sh, rec, sh->w->seed * 7919 + index),
        me_(sh->sellers[index]),
        inventory_(std::move(inventory)),
        price_(sh->w->price_min, sh->w->price_max),
        next_item_(static_cast<int64_t>(inventory_.size())) {}

 private:
  enum class Phase { kTurn, kGranted, kListed };

  void Step() override {
    for (;;) {
      switch (phase_) {
        case Phase::kTurn:
          if (!sh_->NextTrade()) return Finished();
          if (inventory_.empty()) {
            granting_ = absl::StrCat(me_, "-i", next_item_++);
            phase_ = Phase::kGranted;
            t0_ = NowMicros();
            return sh_->backend->GrantItem(me_, granting_, Then());
          }
          return List();
        case Phase::kGranted:
          rec_->Record(Op::kGrant, status_, t0_, NowMicros());
          if (!status_.ok()) {
            phase_ = Phase::kTurn;
            continue;
          }
          inventory_.push_back(granting_);
          return List();
        case Phase::kListed:
          rec_->Record(Op::kList, status_, t0_, NowMicros(), listed_price_);
          // Not listed for sure (e.g. ABORTED): keep it for a later turn. Uncertain: let it go.
          if (!status_.ok() && !IsUncertain(status_)) inventory_.push_back(listing_);
          phase_ = Phase::kTurn;
          if (Think()) return;
          continue;
      }
    }
  }

  void List() {
    listing_ = inventory_.front();
    inventory_.pop_front();
    listed_price_ = price_(rng_);
    phase_ = Phase::kListed;
    t0_ = NowMicros();
    sh_->backend->ListItem(me_, listing_, listed_price_, Then());
  }

  const std::string me_;
  std::deque<std::string> inventory_;
  std::uniform_int_distribution<int64_t> price_;
  int64_t next_item_;
  Phase phase_ = Phase::kTurn;
  std::string granting_, listing_;
  int64_t listed_price_ = 0;
};

// Browses the cheapest page (or, when other runs' listings fill it, the page of one of this
// run's sellers) and buys one of this run's listings on it, skewed towards the cheapest.
class Buyer : public Player {
 public:
  Buyer(Shared* sh, int index, std::string me, Recorder* rec)
      : Player(sh, rec, sh->w->seed * 104729 + 1000003 + index), me_(std::move(me)) {}

 private:
  enum class Phase { kTurn, kBrowsed, kBought };

  void Step() override {
    for (;;) {
      switch (phase_) {
        case Phase::kTurn:
          if (sh_->stop.load(std::memory_order_relaxed) || NowMicros() >= sh_->end_us) {
            return Finished();
          }
          mine_.clear();
          pass_ = 0;
          if (sh_->sellers.empty()) return Choose();
          return Browse("");
        case Phase::kBrowsed: {
          rec_->Record(Op::kBrowse, page_.status(), t0_, NowMicros());
          if (!page_.ok()) return Choose();
          const bool short_page = page_->size() < static_cast<size_t>(sh_->w->page_size);
          for (auto& l : *page_) {
            if (l.seller_id.rfind(sh_->seller_prefix, 0) == 0) mine_.push_back(std::move(l));
          }
          if (!mine_.empty() || pass_ == 1 || short_page) return Choose();  // all seen
          pass_ = 1;
          return Browse(sh_->sellers[rng_() % sh_->sellers.size()]);
        }
        case Phase::kBought:
          rec_->Record(Op::kPurchase, status_, t0_, NowMicros(), buying_.price);
          phase_ = Phase::kTurn;
          if (Think()) return;
          continue;
      }
    }
  }

  void Browse(const std::string& seller) {
    phase_ = Phase::kBrowsed;
    t0_ = NowMicros();
    sh_->backend->Browse(sh_->w->page_size, seller,
                         [this](absl::StatusOr<std::vector<client::MarketListing>> page) {
                           page_ = std::move(page);
                           Continue();
                         });
  }

  void Choose() {
    phase_ = Phase::kTurn;
    if (mine_.empty()) return Sleep(absl::Milliseconds(1));  // nothing to buy yet
    std::uniform_real_distribution<double> u(0, 1);
    buying_ = mine_[SkewedIndex(static_cast<int>(mine_.size()), sh_->w->hot_skew, u(rng_))];
    if (!sh_->NextTrade()) return Finished();
    phase_ = Phase::kBought;
    t0_ = NowMicros();
    sh_->backend->Purchase(me_, buying_.seller_id, buying_.item_id, buying_.price, Then());
  }

  const std::string me_;
  Phase phase_ = Phase::kTurn;
  int pass_ = 0;
  absl::StatusOr<std::vector<client::MarketListing>> page_;
  std::vector<client::MarketListing> mine_;  // this run's listings on the page
  client::MarketListing buying_;
};

void ProgressLoop(const LiveCounters* live, const Shared* sh, FILE* out, absl::Duration every,
                  absl::Notification* done) {
  const bool tty = isatty(fileno(out));
  int64_t last_ops = 0, last_bought = 0, last_us = sh->start_us;
  while (!done->WaitForNotificationWithTimeout(every)) {
    int64_t now = NowMicros();
    int64_t ops = live->ops.load(), bought = live->bought.load();
    double dt = std::max<int64_t>(1, now - last_us) / 1e6;
    fprintf(out, "%s[%6.1fs] %7.0f ops/s %6.0f buys/s  listed %lld  bought %lld  aborted %lld  "
            "failed %lld%s",
            tty ? "\r" : "", (now - sh->start_us) / 1e6, (ops - last_ops) / dt,
            (bought - last_bought) / dt, static_cast<long long>(live->listed.load()),
            static_cast<long long>(bought), static_cast<long long>(live->aborted.load()),
            static_cast<long long>(live->failed.load()), tty ? "   " : "\n");
    fflush(out);
    last_ops = ops;
    last_bought = bought;
    last_us = now;
  }
  if (tty) fputc('\n', out);
}

}  // namespace

int64_t RunResult::Retries(Op op) const {
  if (!watch_conflicts_known) return -1;
  const char* method = op == Op::kGrant      ? "GrantItem"
                       : op == Op::kList     ? "ListItem"
                       : op == Op::kPurchase ? "PurchaseItem"
                                             : "BrowseMarket";
  auto it = watch_conflicts.find(method);
  return it == watch_conflicts.end() ? 0 : it->second;
}

absl::StatusOr<RunResult> RunWorkload(const Workload& w, MarketBackend* backend, FILE* progress,
                                      absl::Duration progress_interval) {
  RunResult result;
  result.run_id = w.run_id;
  Shared sh;
  sh.w = &w;
  sh.backend = backend;
  sh.seller_prefix = w.run_id + "-s";
  for (int i = 0; i < w.sellers; ++i) result.sellers.push_back(absl::StrCat(w.run_id, "-s", i));
  for (int i = 0; i < w.buyers; ++i) result.buyers.push_back(absl::StrCat(w.run_id, "-b", i));
  sh.sellers = result.sellers;

  // Setup (not timed): users and the sellers' first items.
  std::vector<std::deque<std::string>> inventories(w.sellers);
  auto setup_error = [](const std::string& what, const absl::Status& s) {
    return absl::Status(s.code(), absl::StrCat("setup: ", what, ": ", s.message()));
  };
  for (const auto& id : result.sellers) {
    absl::Status s = Await([&](StatusDone done) { backend->CreateUser(id, 0, std::move(done)); });
    if (!s.ok()) return setup_error("create " + id, s);
    result.initial_funds.push_back(0);
  }
  for (const auto& id : result.buyers) {
    absl::Status s =
        Await([&](StatusDone done) { backend->CreateUser(id, w.buyer_funds, std::move(done)); });
    if (!s.ok()) return setup_error("create " + id, s);
    result.initial_funds.push_back(w.buyer_funds);
  }
  for (int i = 0; i < w.sellers; ++i) {
    for (int k = 0; k < w.items_per_seller; ++k) {
      std::string item = absl::StrCat(result.sellers[i], "-i", k);
      absl::Status s = Await(
          [&](StatusDone done) { backend->GrantItem(result.sellers[i], item, std::move(done)); });
      if (!s.ok()) return setup_error("grant " + item, s);
      inventories[i].push_back(item);
      ++result.setup_grants;
    }
  }

  // Every aborted attempt of the timed run, as the market counts them (before/after).
  auto conflicts_before = backend->WatchConflicts();
  LiveCounters live;
  sh.start_us = NowMicros();
  sh.end_us = sh.start_us + absl::ToInt64Microseconds(w.duration);
  std::vector<std::unique_ptr<Recorder>> recorders;
  for (int i = 0; i < w.sellers + w.buyers; ++i) {
    recorders.push_back(std::make_unique<Recorder>(sh.start_us, &live));
  }
  absl::Notification done;
  std::thread progress_thread;
  if (progress != nullptr) {
    progress_thread = std::thread(ProgressLoop, &live, &sh, progress, progress_interval, &done);
  }
  client::AsyncLoop timers;
  absl::BlockingCounter players_left(w.sellers + w.buyers);
  sh.timers = &timers;
  sh.players_left = &players_left;
  std::vector<std::unique_ptr<Player>> players;
  for (int i = 0; i < w.sellers; ++i) {
    players.push_back(
        std::make_unique<Seller>(&sh, i, std::move(inventories[i]), recorders[i].get()));
  }
  for (int j = 0; j < w.buyers; ++j) {
    players.push_back(
        std::make_unique<Buyer>(&sh, j, result.buyers[j], recorders[w.sellers + j].get()));
  }
  for (auto& p : players) p->Continue();
  players_left.Wait();
  result.seconds = (NowMicros() - sh.start_us) / 1e6;
  done.Notify();
  if (progress_thread.joinable()) progress_thread.join();
  result.totals = std::make_unique<Recorder>(sh.start_us, &live);
  for (const auto& r : recorders) result.totals->Merge(*r);
  auto conflicts_after = backend->WatchConflicts();
  if (conflicts_before.ok() && conflicts_after.ok()) {
    result.watch_conflicts_known = true;
    for (const auto& [method, n] : *conflicts_after) {
      auto before = conflicts_before->find(method);
      result.watch_conflicts[method] =
          n - (before == conflicts_before->end() ? 0 : before->second);
    }
  }
  return result;
}

}  // namespace bazaar::load
