// The simulated market workload of bazaar-load: N sellers and M buyers as concurrent players.
//
// Sellers start with `items_per_seller` granted items (setup, not timed); each turn a seller lists
// one item from its inventory at a random price in [price_min, price_max], granting itself a fresh
// item first when its inventory is empty. Buyers browse the cheapest `page_size` listings and buy
// one, chosen with a Zipf-like skew over the page (weight 1/(rank+1)^hot_skew: 0 = uniform, larger
// = everyone goes for the cheapest, "hot" items). Each player waits an exponentially distributed
// think time (mean `think_time`, 0 = none) between operations. The run ends after `duration` or
// after `max_ops` list+purchase calls, whichever comes first. Everything random is drawn from
// per-player generators seeded from `seed`, so two runs with one seed make the same choices
// (the interleaving, and so the outcomes, still depend on timing).
#ifndef BAZAAR_LOAD_WORKLOAD_H_
#define BAZAAR_LOAD_WORKLOAD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace bazaar::load {

struct Workload {
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
};

// A named sellers x buyers shape: "1x1", "5x1", "5x5" (the book's), or any "NxM".
struct Scenario {
  std::string name;
  int sellers = 0;
  int buyers = 0;
};

// "5x5", "1x1,5x1,5x5" or "all" (the book's three). INVALID_ARGUMENT otherwise.
absl::StatusOr<std::vector<Scenario>> ParseScenarios(const std::string& text);

// Index in [0, n) drawn with weight 1/(i+1)^skew, from a uniform u in [0, 1).
int SkewedIndex(int n, double skew, double u);

}  // namespace bazaar::load

#endif  // BAZAAR_LOAD_WORKLOAD_H_
