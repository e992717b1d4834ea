#include "load/live_players.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "load/arrivals.h"

namespace bazaar::load {
namespace {

// What the players of one live run share beyond Shared.
struct LiveState {
  Shared* sh;
  Recorder* rec;
  absl::Mutex rec_mu;
  // drop
  std::atomic<int> sellers_listing{0};
  absl::Mutex wins_mu;
  std::vector<std::pair<int, int64_t>> wins ABSL_GUARDED_BY(wins_mu);  // arrival rank, time
  std::atomic<int64_t> wasted{0}, gave_up{0};
  // whales
  std::atomic<int64_t> whale_ok{0}, other_ok{0}, whale_failed{0}, other_failed{0};
  // steady: the running phase's latency (guarded by rec_mu), null outside a phase
  market::LatencyHistogram* phase_latency ABSL_GUARDED_BY(rec_mu) = nullptr;

  bool Is(ScenarioKind k) const { return sh->w->kind == k; }
};

// The players' common pieces: the shared recorder (and steady's phase latency), a session's
// intent and intended start, the page of the last browse, and the end of a session.
class LivePlayer : public Player {
 public:
  // `session` (steady): the one turn to play, starting at its intended time; `on_done` then
  // replaces the run's count of players left and receives the player, which it may delete.
  LivePlayer(LiveState* st, uint64_t seed, const Intent* session,
             std::function<void(Player*)> on_done)
      : Player(st->sh, st->rec, seed), st_(st), on_done_(std::move(on_done)) {
    if (session != nullptr) {
      intent_ = *session;
      session_ = true;
      intended_us_ = st->sh->start_us + session->at_us;
    }
  }

 protected:
  void Done() override {
    if (!on_done_) return Player::Done();
    auto done = on_done_;  // a copy: it deletes this
    done(this);
  }
  void RecordCall(Op op, const absl::Status& s, int64_t value = 0) {
    const int64_t end = NowMicros();
    absl::MutexLock lock(&st_->rec_mu);
    rec_->Record(op, s, t0_, end, value);
    if (st_->phase_latency != nullptr) st_->phase_latency->Record(end - t0_);
  }
  // The start of the next call: the intended start for a session's first call, else now.
  void Begin() {
    t0_ = intended_us_ > 0 ? intended_us_ : NowMicros();
    intended_us_ = 0;
  }
  // Browses the cheapest page (of `seller`, when not empty) into page_, then continues.
  void FetchPage(const std::string& seller) {
    Begin();
    sh_->backend->Browse(sh_->w->page_size, seller, [this](auto page) {
      page_ = std::move(page);
      Continue();
    });
  }

  LiveState* const st_;
  Intent intent_;
  bool session_ = false;
  absl::StatusOr<std::vector<client::MarketListing>> page_;

 private:
  std::function<void(Player*)> on_done_;
  int64_t intended_us_ = 0;  // absolute steady-clock time, 0: none
};

// A seller: each turn lists one item (granting it first when its stock is empty). pricewar
// undercuts the cheapest listing of the run; drop lists its units at price_max, then stops.
// `session` (steady): one turn, for the intent given, then done.
class Vendor : public LivePlayer {
 public:
  Vendor(LiveState* st, int index, const Intent* session,
         std::function<void(Player*)> on_done = {})
      : LivePlayer(st, index, session, std::move(on_done)),
        index_(index),
        stream_(*st->sh->w, 2 * index) {}

 private:
  enum class Phase { kTurn, kPriced, kGranted, kListed };

  void Step() override {
    const Workload& w = *sh_->w;
    for (;;) {
      switch (phase_) {
        case Phase::kTurn:
          if ((session_ && turns_ > 0) ||
              (st_->Is(ScenarioKind::kDrop) && listed_ >= w.drop_units)) {
            return Finished();
          }
          if (!sh_->NextTrade()) return Finished();
          ++turns_;
          if (!session_) intent_ = stream_.NextTurn(Intent::Kind::kSell, index_);
          if (st_->Is(ScenarioKind::kDrop)) intent_.price = w.price_max;
          if (st_->Is(ScenarioKind::kPriceWar)) {
            phase_ = Phase::kPriced;
            return FetchPage("");
          }
          return Take();
        case Phase::kPriced: {
          RecordCall(Op::kBrowse, page_.status());
          intent_.price = w.price_max;
          if (page_.ok()) {
            for (const auto& l : *page_) {
              if (!sh_->OfThisRun(l)) continue;
              intent_.price = std::max(w.price_min, l.price - w.undercut_step);
              break;  // the page is cheapest first
            }
          }
          return Take();
        }
        case Phase::kGranted:
          RecordCall(Op::kGrant, status_);
          if (!status_.ok()) {
            phase_ = Phase::kTurn;
            if (session_) return Finished();
            continue;
          }
          return List();
        case Phase::kListed:
          RecordCall(Op::kList, status_, intent_.price);
          if (status_.ok()) {
            ++listed_;
            if (st_->Is(ScenarioKind::kDrop) && listed_ == w.drop_units) {
              st_->sellers_listing.fetch_sub(1);
            }
          } else if (!IsUncertain(status_)) {
            sh_->stocks[index_]->PutBack(item_);  // not listed for sure: keep it
          }
          phase_ = Phase::kTurn;
          if (!session_ && intent_.think_us > 0) {
            return Sleep(absl::Microseconds(intent_.think_us));
          }
          continue;
      }
    }
  }

  void Take() {
    bool grant = false;
    item_ = sh_->stocks[index_]->Take(&grant);
    if (!grant) return List();
    phase_ = Phase::kGranted;
    Begin();
    sh_->backend->GrantItem(sh_->sellers[index_], item_, Then());
  }

  void List() {
    phase_ = Phase::kListed;
    Begin();
    sh_->backend->ListItem(sh_->sellers[index_], item_, intent_.price, Then());
  }

  const int index_;
  IntentStream stream_;
  int turns_ = 0, listed_ = 0;
  Phase phase_ = Phase::kTurn;
  std::string item_;
};

// A buyer: each turn browses, picks one of the run's listings and buys it. pricewar takes the
// cheapest; whales buys for the account its intent names; drop arrives once and tries until it
// wins a unit or sees the drop sold out; steady (`session`) browses, thinks, buys its wanted
// type (Choose), and is done.
class Shopper : public LivePlayer {
 public:
  Shopper(LiveState* st, int index, const Intent* session,
          std::function<void(Player*)> on_done = {})
      : LivePlayer(st, 1000003 + index, session, std::move(on_done)),
        index_(index),
        stream_(*st->sh->w, 2 * index + 1) {}
  // drop: arrives at `at_us` (from the start), `rank`-th.
  void Arrive(int rank, int64_t at_us) {
    rank_ = rank;
    Sleep(absl::Microseconds(std::max<int64_t>(0, sh_->start_us + at_us - NowMicros())));
  }

 private:
  enum class Phase { kArriving, kTurn, kBrowsed, kThought, kBought };

  const std::string& Account() const {
    return sh_->buyers[st_->Is(ScenarioKind::kWhales) ? intent_.player : index_];
  }

  void Step() override {
    const Workload& w = *sh_->w;
    const bool drop = st_->Is(ScenarioKind::kDrop);
    for (;;) {
      switch (phase_) {
        case Phase::kArriving:
          phase_ = Phase::kTurn;
          continue;
        case Phase::kTurn:
          if (sh_->Over() || (session_ && turns_ > 0)) return Finished();
          if (!session_) intent_ = stream_.NextTurn(Intent::Kind::kBuy, index_);
          ++turns_;
          fallback_ = false;
          return Browse("");
        case Phase::kBrowsed: {
          RecordCall(Op::kBrowse, page_.status());
          mine_.clear();
          if (page_.ok()) {
            for (auto& l : *page_) {
              if (sh_->OfThisRun(l)) mine_.push_back(std::move(l));
            }
          }
          const bool full_page = page_.ok() && page_->size() >= static_cast<size_t>(w.page_size);
          if (mine_.empty() && full_page && !fallback_) {
            fallback_ = true;  // other runs' listings fill the page: look in one shop
            return Browse(sh_->sellers[intent_.shop]);
          }
          if (mine_.empty()) {
            phase_ = Phase::kTurn;
            if (session_) return Finished();
            if (drop && page_.ok() && st_->sellers_listing.load() == 0) {
              st_->gave_up.fetch_add(1);
              return Finished();  // sold out
            }
            return Sleep(absl::Milliseconds(1));  // nothing to buy yet
          }
          buying_ = mine_[Choose()];
          phase_ = Phase::kThought;
          if (session_ && intent_.think_us > 0) return Sleep(absl::Microseconds(intent_.think_us));
          continue;
        }
        case Phase::kThought:
          if (!sh_->NextTrade()) return Finished();
          phase_ = Phase::kBought;
          Begin();
          return sh_->backend->Purchase(Account(), buying_.seller_id, buying_.item_id,
                                        buying_.price, Then());
        case Phase::kBought: {
          RecordCall(Op::kPurchase, status_, buying_.price);
          if (st_->Is(ScenarioKind::kWhales)) {
            const bool whale = intent_.player < w.whales;
            (status_.ok() ? (whale ? st_->whale_ok : st_->other_ok)
                          : (whale ? st_->whale_failed : st_->other_failed))
                .fetch_add(1);
          }
          phase_ = Phase::kTurn;
          if (drop) {
            if (!status_.ok()) {
              st_->wasted.fetch_add(1);
              continue;  // try again at once, as a player in a drop does
            }
            absl::MutexLock lock(&st_->wins_mu);
            st_->wins.emplace_back(rank_, NowMicros() - sh_->start_us);
            Finished();
            return;
          }
          if (session_) return Finished();
          if (intent_.think_us > 0) return Sleep(absl::Microseconds(intent_.think_us));
          continue;
        }
      }
    }
  }

  // pricewar: the cheapest. steady: the wanted type's cheapest on the page (its shop's type),
  // else, as the others do, one drawn with the skew.
  int Choose() const {
    const Workload& w = *sh_->w;
    if (st_->Is(ScenarioKind::kPriceWar)) return 0;
    if (st_->Is(ScenarioKind::kSteady)) {
      const int types = std::max(1, w.item_types);
      for (size_t i = 0; i < mine_.size(); ++i) {
        int seller;  // the seller's index: its id is the run's seller prefix and the index
        if (absl::SimpleAtoi(
                absl::string_view(mine_[i].seller_id).substr(sh_->seller_prefix.size()),
                &seller) &&
            seller % types == intent_.shop % types) {
          return static_cast<int>(i);
        }
      }
    }
    return SkewedIndex(static_cast<int>(mine_.size()), w.hot_skew, intent_.pick);
  }

  void Browse(const std::string& seller) {
    phase_ = Phase::kBrowsed;
    FetchPage(seller);
  }

  const int index_;
  IntentStream stream_;
  bool fallback_ = false;
  int turns_ = 0, rank_ = 0;
  Phase phase_ = Phase::kArriving;
  std::vector<client::MarketListing> mine_;
  client::MarketListing buying_;
};

// Spearman's rank correlation of two equally long sequences of distinct ranks.
double RankCorrelation(std::vector<int> arrival_order_of_winners) {
  const size_t n = arrival_order_of_winners.size();
  if (n < 2) return 1;
  std::vector<size_t> idx(n);
  for (size_t i = 0; i < n; ++i) idx[i] = i;
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
    return arrival_order_of_winners[a] < arrival_order_of_winners[b];
  });
  double d2 = 0;  // winning rank i vs arrival rank among the winners
  for (size_t r = 0; r < n; ++r) d2 += std::pow(static_cast<double>(idx[r]) - r, 2);
  return 1 - 6 * d2 / (static_cast<double>(n) * (static_cast<double>(n) * n - 1));
}

void RunDrop(LiveState* st, RunResult* result) {
  Shared* sh = st->sh;
  const Workload& w = *sh->w;
  std::vector<std::unique_ptr<Player>> players;
  st->sellers_listing = w.sellers;
  for (int i = 0; i < w.sellers; ++i) players.push_back(std::make_unique<Vendor>(st, i, nullptr));
  // Arrival times: Poisson at --rate, or spread so that they fall within about the window.
  const double rate =
      w.rate > 0 ? w.rate : w.buyers / std::max(1e-3, absl::ToDoubleSeconds(w.drop_window));
  IntentStream arrivals(w, IntentStream::kOpenLoopStream);
  std::vector<Shopper*> shoppers;
  for (int j = 0; j < w.buyers; ++j) {
    auto s = std::make_unique<Shopper>(st, j, nullptr);
    shoppers.push_back(s.get());
    players.push_back(std::move(s));
  }
  // The drop opens when every unit is listed; the buyers arrive from then on.
  for (int i = 0; i < w.sellers; ++i) players[i]->Continue();
  while (st->sellers_listing.load() > 0 && !sh->Over()) absl::SleepFor(absl::Microseconds(200));
  const int64_t open_us = NowMicros() - sh->start_us;
  for (int j = 0; j < w.buyers; ++j) {
    shoppers[j]->Arrive(j, open_us + arrivals.NextArrival(rate).at_us);
  }
  sh->players_left->Wait();

  DropFigures d;
  d.units = static_cast<int64_t>(w.sellers) * w.drop_units;
  d.buyers = w.buyers;
  d.wasted_attempts = st->wasted;
  d.gave_up = st->gave_up;
  d.listed_us = st->sellers_listing.load() == 0 ? open_us : -1;
  absl::MutexLock lock(&st->wins_mu);
  std::sort(st->wins.begin(), st->wins.end(),
            [](const auto& a, const auto& b) { return a.second < b.second; });
  d.winners = static_cast<int64_t>(st->wins.size());
  if (d.winners == d.units && d.winners > 0) d.sold_out_us = st->wins.back().second - open_us;
  std::vector<int> order;
  int64_t early = 0;
  for (const auto& [rank, at] : st->wins) {
    order.push_back(rank);
    if (rank < d.winners) ++early;
  }
  d.first_come_share = d.winners > 0 ? static_cast<double>(early) / d.winners : 0;
  d.rank_correlation = RankCorrelation(order);
  result->drop = d;
}

void RunClosedLoop(LiveState* st, RunResult* result) {
  Shared* sh = st->sh;
  const Workload& w = *sh->w;
  std::vector<std::unique_ptr<Player>> players;
  for (int i = 0; i < w.sellers; ++i) players.push_back(std::make_unique<Vendor>(st, i, nullptr));
  for (int j = 0; j < w.buyers; ++j) players.push_back(std::make_unique<Shopper>(st, j, nullptr));
  for (auto& p : players) p->Continue();
  sh->players_left->Wait();
  if (st->Is(ScenarioKind::kWhales)) {
    result->whales = WhaleFigures{st->whale_ok, st->other_ok, st->whale_failed, st->other_failed};
  }
}

// steady: sessions from an OpenLoop, phase by phase, each a Vendor or Shopper of one turn.
class SessionDispatcher {
 public:
  SessionDispatcher(LiveState* st, SessionCounters* sessions)
      : st_(st),
        sessions_(sessions),
        stream_(*st->sh->w, IntentStream::kOpenLoopStream),
        loop_(&stream_, 1, st->sh->w->max_in_flight) {}
  // Every callback into it has returned (timers and sessions): it may be destroyed.
  ~SessionDispatcher() {
    while (callbacks_.load() > 0) absl::SleepFor(absl::Milliseconds(1));
  }

  // Runs one phase of `seconds` at `rate` sessions/s (0: closed loop, `slots` at a time).
  SteadyPhase Run(const std::string& name, double rate, double seconds, int slots) {
    Shared* sh = st_->sh;
    SteadyPhase phase;
    phase.name = name;
    phase.target_rate = rate;
    int64_t dropped_before;
    {
      absl::MutexLock lock(&mu_);
      const int64_t now = NowMicros() - sh->start_us;
      phase_end_us_ = now + static_cast<int64_t>(seconds * 1e6);
      closed_slots_ = rate > 0 ? 0 : slots;
      offered_before_ = loop_.offered();
      dropped_before = loop_.dropped();
      if (rate > 0) loop_.SetRate(rate, now);
      started_ = completed_ = 0;
      max_waiting_ = 0;
      phase_over_ = false;
    }
    {
      absl::MutexLock lock(&st_->rec_mu);
      st_->phase_latency = &phase.latency;
    }
    const int64_t t0 = NowMicros();
    Tick(false);
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](SessionDispatcher* d) ABSL_NO_THREAD_SAFETY_ANALYSIS {
          return d->phase_over_ && d->running_ == 0 && !d->timer_armed_;
        },
        this));
    phase.seconds = (NowMicros() - t0) / 1e6;
    phase.nominal_seconds = seconds;
    phase.offered = closed_slots_ > 0 ? started_ : loop_.offered() - offered_before_;
    phase.started = started_;
    phase.completed = completed_;
    phase.dropped = loop_.dropped() - dropped_before + static_cast<int64_t>(loop_.DiscardWaiting());
    phase.max_waiting = max_waiting_;
    absl::MutexLock rec_lock(&st_->rec_mu);
    st_->phase_latency = nullptr;
    return phase;
  }

 private:
  // Starts what is due and arms the timer for the next arrival; `timer`: called by it.
  void Tick(bool timer) {
    std::vector<Intent> start;
    {
      absl::MutexLock lock(&mu_);
      if (timer) timer_armed_ = false;
      Shared* sh = st_->sh;
      const int64_t now = NowMicros() - sh->start_us;
      if (now >= phase_end_us_ || sh->Over()) {
        phase_over_ = true;
        return;
      }
      if (closed_slots_ > 0) {
        while (running_ + static_cast<int>(start.size()) < closed_slots_) {
          Intent in = stream_.NextArrival(1e6);  // its time is not used: it starts now
          in.at_us = now;
          start.push_back(in);
        }
      } else {
        start = loop_.Due(now);
        max_waiting_ = std::max(max_waiting_, loop_.waiting());
        sessions_->offered.store(loop_.offered());
        if (!timer_armed_) {
          timer_armed_ = true;
          client::AsyncLoop* timers = sh->timers;
          const int64_t next = std::min(loop_.NextAt(), phase_end_us_);
          const auto delay = absl::Microseconds(std::max<int64_t>(0, next - now));
          callbacks_.fetch_add(1);
          timers->Post([this, timers, delay] {
            timers->After(delay, [this] {
              Tick(true);
              callbacks_.fetch_sub(1);
            });
          });
        }
      }
      running_ += static_cast<int>(start.size());
      started_ += static_cast<int64_t>(start.size());
    }
    for (const Intent& in : start) {
      auto done = [this](Player* p) { SessionDone(p); };
      callbacks_.fetch_add(1);
      Player* p = in.kind == Intent::Kind::kSell
                      ? static_cast<Player*>(new Vendor(st_, in.player, &in, done))
                      : static_cast<Player*>(new Shopper(st_, in.player, &in, done));
      p->Continue();
    }
  }

  void SessionDone(Player* p) {
    delete p;
    {
      absl::MutexLock lock(&mu_);
      --running_;
      ++completed_;
      if (closed_slots_ == 0) loop_.Finished();
      sessions_->completed.fetch_add(1);
    }
    Tick(false);
    callbacks_.fetch_sub(1);
  }

  LiveState* st_;
  SessionCounters* sessions_;
  IntentStream stream_;
  std::atomic<int> callbacks_{0};
  absl::Mutex mu_;
  OpenLoop loop_ ABSL_GUARDED_BY(mu_);
  int64_t phase_end_us_ ABSL_GUARDED_BY(mu_) = 0;
  int closed_slots_ ABSL_GUARDED_BY(mu_) = 0;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t offered_before_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t started_ ABSL_GUARDED_BY(mu_) = 0, completed_ ABSL_GUARDED_BY(mu_) = 0;
  size_t max_waiting_ ABSL_GUARDED_BY(mu_) = 0;
  bool phase_over_ ABSL_GUARDED_BY(mu_) = false;
  bool timer_armed_ ABSL_GUARDED_BY(mu_) = false;
};

// Sessions at a time while the steady scenario measures the rate the market sustains.
constexpr int kCalibrationSessions = 32;

void RunSteady(LiveState* st, SessionCounters* sessions, RunResult* result) {
  const Workload& w = *st->sh->w;
  SessionDispatcher dispatcher(st, sessions);
  const double total = absl::ToDoubleSeconds(w.duration);
  if (w.rate > 0) {
    result->phases.push_back(dispatcher.Run("rate", w.rate, total, 0));
    return;
  }
  SteadyPhase calibrate = dispatcher.Run("calibrate", 0, total / 4, kCalibrationSessions);
  const double sustained = calibrate.completed / std::max(1e-3, calibrate.seconds);
  result->phases.push_back(std::move(calibrate));
  for (double share : {0.5, 0.8, 1.0}) {
    if (st->sh->Over()) break;
    result->phases.push_back(dispatcher.Run(absl::StrCat(share * 100, "%"),
                                            std::max(1.0, sustained * share), total / 4, 0));
  }
}

}  // namespace

void RunLiveScenario(Shared* sh, Recorder* rec, SessionCounters* sessions, RunResult* result) {
  LiveState st;
  st.sh = sh;
  st.rec = rec;
  absl::BlockingCounter players_left(sh->w->sellers + sh->w->buyers);
  sh->players_left = &players_left;
  switch (sh->w->kind) {
    case ScenarioKind::kDrop:
      return RunDrop(&st, result);
    case ScenarioKind::kPriceWar:
    case ScenarioKind::kWhales:
      return RunClosedLoop(&st, result);
    case ScenarioKind::kSteady:
      return RunSteady(&st, sessions, result);
    case ScenarioKind::kBook:
    case ScenarioKind::kEconomy:
      return;  // their own players (runner.cc, economy_players.cc)
  }
}

}  // namespace bazaar::load
