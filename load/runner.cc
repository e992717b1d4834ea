#include "load/runner.h"

#include <unistd.h>

#include <atomic>
#include <deque>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "load/economy_players.h"
#include "load/live_players.h"
#include "load/player.h"
#include "load/sampler.h"
#include "resp/async_loop.h"

namespace bazaar::load {
namespace {

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
          Record(Op::kGrant, status_, t0_);
          if (!status_.ok()) {
            phase_ = Phase::kTurn;
            continue;
          }
          inventory_.push_back(granting_);
          return List();
        case Phase::kListed:
          Record(Op::kList, status_, t0_, listed_price_);
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
          if (sh_->Over()) return Finished();
          mine_.clear();
          pass_ = 0;
          if (sh_->sellers.empty()) return Choose();
          return Browse("");
        case Phase::kBrowsed: {
          Record(Op::kBrowse, page_.status(), t0_);
          if (!page_.ok()) return Choose();
          const bool short_page = page_->size() < static_cast<size_t>(sh_->w->page_size);
          for (auto& l : *page_) {
            if (sh_->OfThisRun(l)) mine_.push_back(std::move(l));
          }
          if (!mine_.empty() || pass_ == 1 || short_page) return Choose();  // all seen
          pass_ = 1;
          return Browse(sh_->sellers[rng_() % sh_->sellers.size()]);
        }
        case Phase::kBought:
          Record(Op::kPurchase, status_, t0_, buying_.price);
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
  // The market's methods behind each kind of call (the economy buys by listing or quantity).
  std::vector<const char*> methods;
  switch (op) {
    case Op::kGrant:
      methods = {"GrantItem"};
      break;
    case Op::kList:
      methods = {"ListItem"};
      break;
    case Op::kPurchase:
      methods = {"PurchaseItem", "BuyQuantity"};
      break;
    case Op::kBrowse:
      methods = {"BrowseMarket", "BrowseStackListings"};
      break;
  }
  int64_t n = 0;
  for (const char* method : methods) {
    auto it = watch_conflicts.find(method);
    if (it != watch_conflicts.end()) n += it->second;
  }
  return n;
}

namespace {

// Funds of buyer account `j`: whales split whale_share of the money, the others the rest.
int64_t BuyerFunds(const Workload& w, int j) {
  if (w.kind != ScenarioKind::kWhales) return w.buyer_funds;
  const int whales = std::clamp(w.whales, 0, w.accounts);
  const double total = static_cast<double>(w.buyer_funds) * w.accounts;
  if (whales == w.accounts) return static_cast<int64_t>(total / w.accounts);
  const double share = whales == 0 ? 0 : w.whale_share;
  return static_cast<int64_t>(j < whales ? total * share / whales
                                         : total * (1 - share) / (w.accounts - whales));
}

// The book's players, one Seller and one Buyer per player, each with its own recorder.
void RunBookPlayers(Shared* sh, std::vector<std::deque<std::string>> inventories,
                    const RunResult& result, LiveCounters* live, Recorder* totals) {
  const int sellers = sh->w->sellers;
  RunPlayers(sh, live, totals, [&](int i, Recorder* rec) -> std::unique_ptr<Player> {
    if (i < sellers) return std::make_unique<Seller>(sh, i, std::move(inventories[i]), rec);
    return std::make_unique<Buyer>(sh, i - sellers, result.buyers[i - sellers], rec);
  });
}

}  // namespace

absl::StatusOr<RunResult> RunWorkload(const Workload& w, MarketBackend* backend,
                                      const RunOptions& options) {
  RunResult result;
  result.run_id = w.run_id;
  result.description = DescribeWorkload(w);
  Shared sh;
  sh.w = &w;
  sh.backend = backend;
  sh.seller_prefix = w.run_id + "-s";
  const int buyer_accounts = w.kind == ScenarioKind::kWhales ? w.accounts : w.buyers;
  for (int i = 0; i < w.sellers; ++i) result.sellers.push_back(absl::StrCat(w.run_id, "-s", i));
  for (int i = 0; i < buyer_accounts; ++i) {
    result.buyers.push_back(absl::StrCat(w.run_id, "-b", i));
  }
  sh.sellers = result.sellers;
  sh.buyers = result.buyers;

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
  for (int j = 0; j < buyer_accounts; ++j) {
    const std::string& id = result.buyers[j];
    const int64_t funds = BuyerFunds(w, j);
    absl::Status s =
        Await([&](StatusDone done) { backend->CreateUser(id, funds, std::move(done)); });
    if (!s.ok()) return setup_error("create " + id, s);
    result.initial_funds.push_back(funds);
  }
  const int items = w.kind == ScenarioKind::kDrop      ? w.drop_units
                    : w.kind == ScenarioKind::kEconomy ? 0  // stacks instead (SetUpEconomy)
                                                       : w.items_per_seller;
  for (int i = 0; i < w.sellers; ++i) {
    for (int k = 0; k < items; ++k) {
      std::string item = absl::StrCat(result.sellers[i], "-i", k);
      absl::Status s = Await(
          [&](StatusDone done) { backend->GrantItem(result.sellers[i], item, std::move(done)); });
      if (!s.ok()) return setup_error("grant " + item, s);
      inventories[i].push_back(item);
      ++result.setup_grants;
    }
  }

  if (w.kind == ScenarioKind::kEconomy) {
    if (absl::Status s = SetUpEconomy(&sh, &result); !s.ok()) return s;
  }

  // Every aborted attempt of the timed run, as the market counts them (before/after).
  auto conflicts_before = backend->WatchConflicts();
  LiveCounters live;
  sh.start_us = NowMicros();
  sh.end_us = sh.start_us + absl::ToInt64Microseconds(w.duration);
  absl::Notification done;
  std::thread progress_thread;
  if (options.progress != nullptr) {
    progress_thread =
        std::thread(ProgressLoop, &live, &sh, options.progress, options.progress_interval, &done);
  }
  SessionCounters sessions;
  Sampler sampler(backend, options.store, options.key_prefix, options.store_password,
                  w.kind == ScenarioKind::kSteady ? &sessions : nullptr);
  sampler.Start(sh.start_us);
  result.totals = std::make_unique<Recorder>(sh.start_us, &live);
  {
    client::AsyncLoop timers;
    sh.timers = &timers;
    if (w.kind == ScenarioKind::kBook) {
      RunBookPlayers(&sh, std::move(inventories), result, &live, result.totals.get());
    } else if (w.kind == ScenarioKind::kEconomy) {
      RunEconomyPlayers(&sh, &live, result.totals.get(), &result);
    } else {
      for (int i = 0; i < w.sellers; ++i) {
        sh.stocks.push_back(
            std::make_unique<SellerStock>(result.sellers[i], std::move(inventories[i])));
      }
      RunLiveScenario(&sh, result.totals.get(), &sessions, &result);
    }
  }
  result.seconds = (NowMicros() - sh.start_us) / 1e6;
  result.samples = sampler.Stop();
  done.Notify();
  if (progress_thread.joinable()) progress_thread.join();
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
