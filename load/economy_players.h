// The economy scenario (workload.h): stackable item types in two currencies, stack listings
// some of which expire during the run, purchases by listing and by quantity, fees. SetUpEconomy
// creates the sellers' stocks and the buyers' second-currency funds before the timed run;
// RunEconomyPlayers runs one seller and one buyer player per user until the run ends, each with
// its own recorder merged into `totals`, and fills `result->economy`.
#ifndef BAZAAR_LOAD_ECONOMY_PLAYERS_H_
#define BAZAAR_LOAD_ECONOMY_PLAYERS_H_

#include <string>

#include "absl/status/status.h"
#include "load/player.h"
#include "load/runner.h"

namespace bazaar::load {

// The run's item type `k` and its currency ("" = the market's default).
std::string EconomyType(const Workload& w, int k);
std::string EconomyCurrency(const Workload& w, int k);

absl::Status SetUpEconomy(Shared* sh, RunResult* result);
void RunEconomyPlayers(Shared* sh, LiveCounters* live, Recorder* totals, RunResult* result);

}  // namespace bazaar::load

#endif  // BAZAAR_LOAD_ECONOMY_PLAYERS_H_
