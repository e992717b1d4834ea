// Recorder: what one simulated player saw, per operation kind: outcomes by reason, latency, the
// service's transaction attempts, and a per-second timeline (for the HTML report). Each player
// thread owns one; Merge() folds them together after the run. Live totals for the progress line
// are kept separately in LiveCounters (atomics).
#ifndef BAZAAR_LOAD_RECORDER_H_
#define BAZAAR_LOAD_RECORDER_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "market/latency_histogram.h"

namespace bazaar::load {

enum class Op { kGrant = 0, kList, kBrowse, kPurchase };
inline constexpr int kOpCount = 4;
const char* OpName(Op op);

// Outcome classes of a failed call.
//   lost:      a race lost to another player (LISTING_NOT_FOUND, PRICE_CHANGED) - expected
//   aborted:   ABORTED (the service's retries ran out under contention)
//   uncertain: the change may or may not have been applied (UNAVAILABLE, DEADLINE_EXCEEDED,
//              INTERNAL, UNKNOWN): the invariant check allows for them
//   failed:    anything else
bool IsLostRace(const absl::Status& s);
bool IsUncertain(const absl::Status& s);

struct OpStats {
  int64_t ok = 0;
  int64_t aborted = 0;
  int64_t uncertain = 0;
  int64_t value = 0;        // sum of prices of successful list/purchase calls
  std::map<std::string, int64_t> failures;  // by reason
  market::LatencyHistogram latency;  // every completed call
  int64_t calls() const;
  void Merge(const OpStats& o);
};

// One second of the run.
struct Bucket {
  int64_t ok[kOpCount] = {};
  int64_t failed[kOpCount] = {};
  market::LatencyHistogram latency[kOpCount];
};

class LiveCounters {
 public:
  std::atomic<int64_t> ops{0}, listed{0}, bought{0}, aborted{0}, failed{0};
};

class Recorder {
 public:
  // `start_us`: the run's start (steady clock, microseconds) for the timeline.
  Recorder(int64_t start_us, LiveCounters* live) : start_us_(start_us), live_(live) {}
  // `value`: the price of a list or purchase call.
  void Record(Op op, const absl::Status& status, int64_t begin_us, int64_t end_us,
              int64_t value = 0);
  void Merge(const Recorder& other);

  const OpStats& stats(Op op) const { return ops_[static_cast<int>(op)]; }
  const std::vector<Bucket>& timeline() const { return timeline_; }

 private:
  int64_t start_us_;
  LiveCounters* live_;
  OpStats ops_[kOpCount];
  std::vector<Bucket> timeline_;
};

// Steady-clock microseconds.
int64_t NowMicros();

}  // namespace bazaar::load

#endif  // BAZAAR_LOAD_RECORDER_H_
