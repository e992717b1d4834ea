// The timed part of the live-game scenarios (drop, pricewar, steady, whales; workload.h says what
// each does). The runner creates the users and the sellers' stocks in `sh` first; each function
// runs the players until the scenario ends and fills its figures into `result`. `rec` receives
// every call (locked inside: the players share it).
#ifndef BAZAAR_LOAD_LIVE_PLAYERS_H_
#define BAZAAR_LOAD_LIVE_PLAYERS_H_

#include <functional>

#include "load/player.h"
#include "load/runner.h"

namespace bazaar::load {

void RunLiveScenario(Shared* sh, Recorder* rec, SessionCounters* sessions, RunResult* result);

}  // namespace bazaar::load

#endif  // BAZAAR_LOAD_LIVE_PLAYERS_H_
