// RunWorkload: sets up the run's users and items, runs the sellers and buyers against a
// MarketBackend with a live progress line, and returns what the clients saw. Players are state
// machines driven by their calls' completions (no thread per player), so a run can simulate
// many players on a small machine.
#ifndef BAZAAR_LOAD_RUNNER_H_
#define BAZAAR_LOAD_RUNNER_H_

#include <cstdio>
#include <map>
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
  // Attempts the market aborted on a watch conflict during the timed run, by method name
  // (MarketBackend::WatchConflicts); unknown when the market could not say.
  bool watch_conflicts_known = false;
  std::map<std::string, int64_t> watch_conflicts;
  // The store's INFO transactions exec_aborted_watch over the timed run; -1 when the store was
  // not given or has no such section (real Redis).
  int64_t store_exec_aborted_watch = -1;
  // Retries of `op` as the book counts them: every aborted EXEC (-1 when unknown).
  int64_t Retries(Op op) const;
};

// `progress`: where the live line goes (nullptr: none), every `progress_interval`.
absl::StatusOr<RunResult> RunWorkload(const Workload& workload, MarketBackend* backend,
                                      FILE* progress, absl::Duration progress_interval);

}  // namespace bazaar::load

#endif  // BAZAAR_LOAD_RUNNER_H_
