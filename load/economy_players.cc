#include "load/economy_players.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "market/errors.h"

namespace bazaar::load {
namespace {

// What the players count together (atomics: players run on any backend thread).
struct EconomyCounters {
  std::atomic<int64_t> units_listed{0}, expiring_listed{0}, units_bought{0};
  std::atomic<int64_t> quantity_buys{0}, shortages{0}, fees{0}, listing_limits{0};
  std::atomic<int64_t> instances_listed{0}, instances_bought{0};
};

// One turn in kRelicShare deals in unique items: a seller grants itself a new one and lists it
// as the economy lists instances; a buyer browses them and buys one.
constexpr int kRelicShare = 5;
std::string RelicKind(const Workload& w) { return w.run_id + "-relic"; }

int64_t Uniform(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

// Lists part of a stack each turn: a random type, 1..10 units at a price in the type's band,
// short-lived with probability expiring_share; grants itself another stock when a type runs
// out. One turn in kRelicShare grants itself a unique item instead and lists that.
class EconomySeller : public Player {
 public:
  EconomySeller(Shared* sh, int index, Recorder* rec, EconomyCounters* c)
      : Player(sh, rec, sh->w->seed * 7919 + index), me_(sh->sellers[index]), c_(c) {}

 private:
  enum class Phase { kTurn, kListed, kGranted, kRelicGranted };

  void Step() override {
    const Workload& w = *sh_->w;
    for (;;) {
      switch (phase_) {
        case Phase::kTurn: {
          if (!sh_->NextTrade()) return Finished();
          expiring_ = std::uniform_real_distribution<double>(0, 1)(rng_) < w.expiring_share;
          if (rng_() % kRelicShare == 0) {
            spec_ = {me_, RelicKind(w), 0, Uniform(rng_, w.price_min, w.price_max), "", 0};
            spec_.item_id = absl::StrCat(me_, "-r", ++relics_);
            if (expiring_) spec_.duration_seconds = absl::ToInt64Seconds(w.short_listing);
            phase_ = Phase::kRelicGranted;
            t0_ = NowMicros();
            return sh_->backend->GrantItem(me_, spec_.item_id, Then());
          }
          const int k = static_cast<int>(rng_() % w.item_types);
          spec_ = {me_,
                   EconomyType(w, k),
                   Uniform(rng_, 1, 10),
                   Uniform(rng_, TypePriceMin(w, k), TypePriceMax(w, k)),
                   EconomyCurrency(w, k),
                   0};
          if (expiring_) spec_.duration_seconds = absl::ToInt64Seconds(w.short_listing);
          phase_ = Phase::kListed;
          t0_ = NowMicros();
          return sh_->backend->ListStack(spec_, Then());
        }
        case Phase::kRelicGranted:
          Record(Op::kGrant, status_, t0_, status_.ok() ? 1 : 0);
          phase_ = Phase::kTurn;
          if (!status_.ok()) continue;
          phase_ = Phase::kListed;
          t0_ = NowMicros();
          return sh_->backend->ListStack(spec_, Then());
        case Phase::kListed: {
          const bool relic = !spec_.item_id.empty();
          Record(Op::kList, status_, t0_, status_.ok() ? std::max<int64_t>(spec_.quantity, 1) : 0);
          if (status_.ok()) {
            (relic ? c_->instances_listed : c_->units_listed) += relic ? 1 : spec_.quantity;
            if (expiring_) ++c_->expiring_listed;
          } else if (relic) {
            // Refused (the cap): the relic stays in the inventory, which the checks count.
            if (market::ReasonOf(status_) == market::reason::kListingLimit) ++c_->listing_limits;
          } else if (market::ReasonOf(status_) == market::reason::kInsufficientQuantity) {
            phase_ = Phase::kGranted;
            t0_ = NowMicros();
            return sh_->backend->GrantStack(me_, spec_.item_type, w.stack_stock, Then());
          } else if (market::ReasonOf(status_) == market::reason::kListingLimit) {
            // At the cap: wait for sales and the reaper to make room.
            ++c_->listing_limits;
            phase_ = Phase::kTurn;
            Sleep(absl::Milliseconds(20));
            return;
          }
          phase_ = Phase::kTurn;
          if (Think()) return;
          continue;
        }
        case Phase::kGranted:
          Record(Op::kGrant, status_, t0_, status_.ok() ? w.stack_stock : 0);
          phase_ = Phase::kTurn;
          continue;
      }
    }
  }

  const std::string me_;
  EconomyCounters* c_;
  Phase phase_ = Phase::kTurn;
  client::StackListingSpec spec_;
  bool expiring_ = false;
  int64_t relics_ = 0;
};

// Each turn, for a random type: half the time BuyQuantity (1..5 units at the band's top price),
// else browse the type's cheapest page and buy 1..3 units of one listing on it (skewed towards
// the cheapest) at its price. One turn in kRelicShare browses the unique items instead and
// buys one.
class EconomyBuyer : public Player {
 public:
  EconomyBuyer(Shared* sh, int index, Recorder* rec, EconomyCounters* c)
      : Player(sh, rec, sh->w->seed * 104729 + 1000003 + index), me_(sh->buyers[index]), c_(c) {}

 private:
  enum class Phase { kTurn, kBrowsed, kBought };

  void Step() override {
    const Workload& w = *sh_->w;
    for (;;) {
      switch (phase_) {
        case Phase::kTurn: {
          if (sh_->Over()) return Finished();
          const int k = static_cast<int>(rng_() % w.item_types);
          type_ = EconomyType(w, k);
          currency_ = EconomyCurrency(w, k);
          relic_ = rng_() % kRelicShare == 0;
          if (relic_) {
            type_ = RelicKind(w);
            currency_ = "";
          } else if (rng_() % 2 == 0) {
            if (!sh_->NextTrade()) return Finished();
            quantity_ = Uniform(rng_, 1, 5);
            by_quantity_ = true;
            phase_ = Phase::kBought;
            t0_ = NowMicros();
            return sh_->backend->BuyQuantity(me_, type_, currency_, quantity_, TypePriceMax(w, k),
                                             Bought());
          }
          phase_ = Phase::kBrowsed;
          t0_ = NowMicros();
          return sh_->backend->BrowseStacks(
              type_, currency_, relic_, w.page_size,
              [this](absl::StatusOr<std::vector<client::MarketListing>> page) {
                page_ = std::move(page);
                Continue();
              });
        }
        case Phase::kBrowsed: {
          Record(Op::kBrowse, page_.status(), t0_);
          phase_ = Phase::kTurn;
          if (!page_.ok() || page_->empty()) {
            Sleep(absl::Milliseconds(1));  // nothing for sale yet
            return;
          }
          if (!sh_->NextTrade()) return Finished();
          std::uniform_real_distribution<double> u(0, 1);
          const auto& l =
              (*page_)[SkewedIndex(static_cast<int>(page_->size()), w.hot_skew, u(rng_))];
          quantity_ = std::min<int64_t>(l.quantity, Uniform(rng_, 1, 3));
          by_quantity_ = false;
          phase_ = Phase::kBought;
          t0_ = NowMicros();
          return sh_->backend->PurchaseStack(me_, l.listing_id, quantity_, l.price, Bought());
        }
        case Phase::kBought:
          Record(Op::kPurchase, status_, t0_, status_.ok() ? quantity_ : 0);
          if (status_.ok()) {
            (relic_ ? c_->instances_bought : c_->units_bought) += quantity_;
            c_->fees += fee_;
          }
          if (by_quantity_) {
            ++c_->quantity_buys;
            if (market::ReasonOf(status_) == market::reason::kInsufficientQuantity) {
              ++c_->shortages;
            }
          }
          phase_ = Phase::kTurn;
          if (Think()) return;
          continue;
      }
    }
  }

  FeeDone Bought() {
    return [this](absl::StatusOr<int64_t> fee) {
      status_ = fee.status();
      fee_ = fee.ok() ? *fee : 0;
      Continue();
    };
  }

  const std::string me_;
  EconomyCounters* c_;
  Phase phase_ = Phase::kTurn;
  std::string type_, currency_;
  int64_t quantity_ = 0, fee_ = 0;
  bool by_quantity_ = false, relic_ = false;
  absl::StatusOr<std::vector<client::MarketListing>> page_;
};

}  // namespace

std::string EconomyType(const Workload& w, int k) { return absl::StrCat(w.run_id, "-t", k); }

std::string EconomyCurrency(const Workload& w, int k) {
  return k % 2 == 1 ? w.second_currency : "";
}

absl::Status SetUpEconomy(Shared* sh, RunResult* result) {
  const Workload& w = *sh->w;
  auto setup_error = [](const std::string& what, const absl::Status& s) {
    return absl::Status(s.code(), absl::StrCat("setup: ", what, ": ", s.message()));
  };
  for (const auto& seller : sh->sellers) {
    for (int k = 0; k < w.item_types; ++k) {
      absl::Status s = Await([&](StatusDone done) {
        sh->backend->GrantStack(seller, EconomyType(w, k), w.stack_stock, std::move(done));
      });
      if (!s.ok()) return setup_error("grant stock to " + seller, s);
      result->setup_grants += w.stack_stock;
    }
  }
  if (!w.second_currency.empty()) {
    for (const auto& buyer : sh->buyers) {
      absl::Status s = Await([&](StatusDone done) {
        sh->backend->Credit(buyer, w.second_currency, w.buyer_funds, std::move(done));
      });
      if (!s.ok()) {
        return setup_error(absl::StrCat("credit ", w.second_currency, " to ", buyer,
                                        " (is it in the market's --currencies?)"),
                           s);
      }
    }
  }
  return absl::OkStatus();
}

void RunEconomyPlayers(Shared* sh, LiveCounters* live, Recorder* totals, RunResult* result) {
  const Workload& w = *sh->w;
  EconomyCounters counters;
  RunPlayers(sh, live, totals, [&](int i, Recorder* rec) -> std::unique_ptr<Player> {
    if (i < w.sellers) return std::make_unique<EconomySeller>(sh, i, rec, &counters);
    return std::make_unique<EconomyBuyer>(sh, i - w.sellers, rec, &counters);
  });
  EconomyFigures f;
  f.units_listed = counters.units_listed;
  f.expiring_listed = counters.expiring_listed;
  f.units_bought = counters.units_bought;
  f.quantity_buys = counters.quantity_buys;
  f.shortages = counters.shortages;
  f.fees = counters.fees;
  f.listing_limits = counters.listing_limits;
  f.instances_listed = counters.instances_listed;
  f.instances_bought = counters.instances_bought;
  result->economy = f;
}

}  // namespace bazaar::load
