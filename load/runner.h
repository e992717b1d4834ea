// RunWorkload: sets up the run's users and items, runs the sellers and buyers against a
// MarketBackend with a live progress line, and returns what the clients saw. Players are state
// machines driven by their calls' completions (no thread per player), so a run can simulate
// many players on a small machine.
#ifndef BAZAAR_LOAD_RUNNER_H_
#define BAZAAR_LOAD_RUNNER_H_

#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "load/backend.h"
#include "load/recorder.h"
#include "load/workload.h"

namespace bazaar::load {

// A drop's outcome (workload.h): who got a unit, how fast, how fairly.
struct DropFigures {
  int64_t units = 0, buyers = 0, winners = 0;
  int64_t listed_us = -1;       // the last unit listed, from the start (-1: not all listed)
  int64_t sold_out_us = -1;     // the last unit bought, from the start (-1: not sold out)
  int64_t wasted_attempts = 0;  // purchase calls that did not win a unit
  int64_t gave_up = 0;          // buyers that saw it sold out
  // Fairness: the share of winners who were among the first `winners` to arrive (1: first come,
  // first served), and Spearman's rank correlation of arrival order and winning order among the
  // winners (1: they won in the order they came; 0: no relation).
  double first_come_share = 0;
  double rank_correlation = 0;
};

// One phase of the steady scenario: an offered rate and what the market made of it. Latency of
// every call, the first of each session counted from its intended start (so waiting for a free
// slot counts).
struct SteadyPhase {
  std::string name;            // "calibrate", "50%", "80%", "100%", or "rate"
  double target_rate = 0;      // sessions/s offered (calibrate: closed loop, 0)
  double nominal_seconds = 0;  // arrivals come for this long
  double seconds = 0;          // until the last session of the phase finished
  int64_t offered = 0, started = 0, completed = 0, dropped = 0;
  size_t max_waiting = 0;
  market::LatencyHistogram latency;
};

// The whales scenario's split of purchases between whale and other accounts.
struct WhaleFigures {
  int64_t whale_purchases = 0, other_purchases = 0;
  int64_t whale_failed = 0, other_failed = 0;  // purchase calls that did not buy
};

// The economy scenario's figures (units are item quantities).
struct EconomyFigures {
  int64_t units_listed = 0, expiring_listed = 0, units_bought = 0;
  int64_t quantity_buys = 0, shortages = 0;  // BuyQuantity calls, and those that found too little
  int64_t fees = 0;                          // paid on the purchases clients saw succeed
  int64_t listing_limits = 0;                // listings refused for the per-seller cap
  int64_t instances_listed = 0, instances_bought = 0;  // unique items ("relics"), one each
};

// The open loop's arrivals intended and sessions completed so far (steady), read by the sampler.
struct SessionCounters {
  std::atomic<int64_t> offered{0}, completed{0};
};

// Once a second during the run: cumulative counters (deltas make the per-second view) and the
// market's state. -1 / empty: unknown.
struct Sample {
  double t = 0;                          // seconds since the start
  int64_t offered = -1, completed = -1;  // open loop: arrivals intended, sessions completed
  std::map<std::string, int64_t> method_conflicts;  // the market's Stats, per method
  std::map<std::string, int64_t> key_class_aborts;  // bazaar-engine's INFO transactions
  int64_t listings_open = -1;                       // ZCARD market: (every run's)
  int64_t median_price = -1;
};

struct RunResult {
  std::string run_id;
  std::string description;                   // DescribeWorkload
  std::vector<std::string> sellers, buyers;  // user ids
  std::vector<int64_t> initial_funds;        // parallel to sellers then buyers
  int64_t setup_grants = 0;  // items granted before the timed run (economy: stack units)
  double seconds = 0;                        // timed run
  std::unique_ptr<Recorder> totals;          // merged over the players
  // Attempts the market aborted on a watch conflict during the timed run, by method name
  // (MarketBackend::WatchConflicts); unknown when the market could not say.
  bool watch_conflicts_known = false;
  std::map<std::string, int64_t> watch_conflicts;
  // The store's INFO transactions exec_aborted_watch over the timed run; -1 when the store was
  // not given or has no such section (real Redis).
  int64_t store_exec_aborted_watch = -1;
  std::optional<DropFigures> drop;
  std::vector<SteadyPhase> phases;  // steady
  std::optional<WhaleFigures> whales;
  std::optional<EconomyFigures> economy;
  std::vector<Sample> samples;
  // Retries of `op` as the book counts them: every aborted EXEC (-1 when unknown).
  int64_t Retries(Op op) const;
};

struct RunOptions {
  FILE* progress = nullptr;  // where the live line goes (nullptr: none)
  absl::Duration progress_interval = absl::Seconds(1);
  std::string store;  // sampled once a second when not empty (sampler.h)
  std::string key_prefix;
  std::string store_password;  // AUTH (empty: none)
};

absl::StatusOr<RunResult> RunWorkload(const Workload& workload, MarketBackend* backend,
                                      const RunOptions& options);

}  // namespace bazaar::load

#endif  // BAZAAR_LOAD_RUNNER_H_
