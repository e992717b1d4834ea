// RunWorkload: sets up the run's users and items, runs the sellers and buyers (one thread each)
// against a MarketBackend with a live progress line, and returns what the clients saw.
#ifndef BAZAAR_LOAD_RUNNER_H_
#define BAZAAR_LOAD_RUNNER_H_

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "load/backend.h"
#include "load/recorder.h"
#include "load/workload.h"

namespace bazaar::load {

struct RunResult {
  std::string run_id;
  std::vector<std::string> sellers, buyers;  // user ids
  std::vector<int64_t> initial_funds;        // parallel to sellers then buyers
  int64_t setup_grants = 0;                  // items granted before the timed run
  double seconds = 0;                        // timed run
  std::unique_ptr<Recorder> totals;          // merged over the players
};

// `progress`: where the live line goes (nullptr: none), every `progress_interval`.
absl::StatusOr<RunResult> RunWorkload(const Workload& workload, MarketBackend* backend,
                                      FILE* progress, absl::Duration progress_interval);

}  // namespace bazaar::load

#endif  // BAZAAR_LOAD_RUNNER_H_
