// The simulated market workloads of bazaar-load: what the players do, their parameters, and the
// seeded generators of their intended operations.
//
// The book's scenarios ("NxM", kBook): N sellers and M buyers as concurrent players. Sellers start
// with `items_per_seller` granted items (setup, not timed); each turn a seller lists one item from
// its inventory at a random price in [price_min, price_max], granting itself a fresh item first
// when its inventory is empty. Buyers browse the cheapest `page_size` listings and buy one, chosen
// with a Zipf-like skew over the page (weight 1/(rank+1)^hot_skew: 0 = uniform, larger = everyone
// goes for the cheapest, "hot" items). Each player waits an exponentially distributed think time
// (mean `think_time`, 0 = none) between operations. The run ends after `duration` or after
// `max_ops` list+purchase calls, whichever comes first. Everything random is drawn from
// per-player generators seeded from `seed`, so two runs with one seed make the same choices (the
// interleaving, and so the outcomes, still depend on timing).
//
// The live-game scenarios draw each turn's choices as one Intent from an IntentStream, a pure
// function of (seed, stream), whatever the market answered before: the same seed and scenario
// give the same sequence of intended operations.
//   drop      a limited drop: `sellers` list `drop_units` units each of one hot item at price_max;
//             the drop opens when all are listed, and `buyers` arrive once each from then on,
//             Poisson over about `drop_window` (or at `rate` per second), and keep trying until
//             they win one or see it sold out.
//   pricewar  sellers undercut the cheapest listing of the run by `undercut_step` (never below
//             price_min; price_max on an empty book); buyers always buy the cheapest.
//   steady    open loop: sessions arrive as a Poisson process at `rate` per second (0: measure
//             the rate the market sustains, then run at 50%, 80% and 100% of it), each a sale by
//             a random seller or a purchase by a random buyer, over `item_types` item types (seller
//             i sells type i % item_types, each type in its own price band; a buyer browses the
//             cheapest page, thinks `think_time`, and buys the first listing of its wanted type
//             on it, else one drawn with the skew: the market has no item types yet, so a type is
//             a group of sellers).
//   whales    `buyers` agents buy for `accounts` buyer accounts, `whales` of which hold
//             `whale_share` of the money and make that share of the purchases: contention moves
//             from the listings to users:<whale>.
//   economy   the market's economy (issue 18): `item_types` stackable types, the odd ones priced
//             in `second_currency`; sellers start with `stack_stock` units of each and list 1..10
//             units at a time in the type's price band, `expiring_share` of them for only
//             `short_listing` (the market's reaper returns what is left); buyers half the time
//             BuyQuantity 1..5 units at the band's top price, else browse the type's cheapest page
//             and buy 1..3 units of one listing at its price. Fees go to the market's sink.
#ifndef BAZAAR_LOAD_WORKLOAD_H_
#define BAZAAR_LOAD_WORKLOAD_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace bazaar::load {

enum class ScenarioKind { kBook, kDrop, kPriceWar, kSteady, kWhales, kEconomy };

struct Workload {
  ScenarioKind kind = ScenarioKind::kBook;
  int sellers = 5;
  int buyers = 5;
  absl::Duration duration = absl::Seconds(60);
  int64_t max_ops = 0;  // 0: no limit
  uint64_t seed = 1;
  int items_per_seller = 10;
  int64_t price_min = 1;
  int64_t price_max = 100;
  double hot_skew = 1.0;
  absl::Duration think_time = absl::ZeroDuration();
  int page_size = 10;
  int64_t buyer_funds = 1'000'000'000'000;
  std::string run_id;  // prefix of the run's user and item ids
  // drop
  int drop_units = 20;  // per seller
  absl::Duration drop_window = absl::Milliseconds(200);
  // pricewar
  int64_t undercut_step = 1;
  // steady (and drop's arrivals when > 0): offered sessions per second
  double rate = 0;
  int item_types = 4;
  int max_in_flight = 512;  // sessions started and not finished; more wait (and count the wait)
  // economy (item_types types, odd ones priced in second_currency; "" = all in the default)
  std::string second_currency = "gems";
  double expiring_share = 0.3;  // of stack listings, listed for short_listing only
  absl::Duration short_listing = absl::Seconds(2);
  int64_t stack_stock = 1000;  // units per type granted to a seller (again when it runs out)
  // whales
  int accounts = 100;
  int whales = 3;
  double whale_share = 0.8;
};

// A named scenario and its players. Names: "NxM" (any; the book's are 1x1, 5x1, 5x5), "drop",
// "pricewar", "steady", "whales", each optionally "@SxB" to set sellers x buyers (e.g.
// drop@5x1000).
struct Scenario {
  std::string name;
  ScenarioKind kind = ScenarioKind::kBook;
  int sellers = 0;
  int buyers = 0;
};

// "5x5", "1x1,5x1,5x5", "all" (the book's three), "live" (drop, pricewar, steady, whales) or any
// list of the names above. INVALID_ARGUMENT otherwise.
absl::StatusOr<std::vector<Scenario>> ParseScenarios(const std::string& text);

// The workload's parameters that matter for its kind, in one line for the report.
std::string DescribeWorkload(const Workload& w);

// Index in [0, n) drawn with weight 1/(i+1)^skew, from a uniform u in [0, 1).
int SkewedIndex(int n, double skew, double u);

// One turn's choices, drawn before the turn runs.
struct Intent {
  enum class Kind { kSell, kBuy };
  Kind kind = Kind::kBuy;
  int64_t at_us = 0;     // open loop: intended start, from the run's start
  int player = 0;        // seller index (kSell) or buyer index (kBuy; whales: the account)
  int64_t price = 0;     // kSell: the asking price (pricewar undercuts instead)
  double pick = 0;       // kBuy: uniform in [0, 1), the choice on the page
  int shop = 0;          // kBuy: the seller whose listings a filtered browse shows (steady: its
                         // type, shop % item_types, is the one wanted)
  int64_t think_us = 0;  // pause after the turn (steady: between browse and purchase)
};

// The intents of one stream of a workload: a closed-loop player's turns (stream = a player id,
// role fixed) or an open loop's arrivals (stream kOpenLoopStream: kind, player and time drawn).
// Not thread-safe; each stream is owned by one player or one dispatcher.
class IntentStream {
 public:
  static constexpr uint64_t kOpenLoopStream = ~uint64_t{0};
  IntentStream(const Workload& w, uint64_t stream);
  // The next turn of a closed-loop player in `role` (`player` is its index).
  Intent NextTurn(Intent::Kind role, int player);
  // The next arrival of the open loop at `rate` per second (> 0): times strictly increase.
  Intent NextArrival(double rate);
  // The open loop's clock: the next arrival comes after `us` (a rate change).
  void SetClock(int64_t us) { clock_us_ = us; }

 private:
  void Fill(Intent* in);
  const Workload& w_;
  std::mt19937_64 rng_;
  int64_t clock_us_ = 0;
};

// steady's price band of item type `type`.
int64_t TypePriceMin(const Workload& w, int type);
int64_t TypePriceMax(const Workload& w, int type);

}  // namespace bazaar::load

#endif  // BAZAAR_LOAD_WORKLOAD_H_
