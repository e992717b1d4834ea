// Stats: per-method counters (calls, ok, errors by code, attempts, aborted attempts by cause)
// and a latency histogram with percentiles, for the Stats RPC and the periodic log line.
// Thread-safe.
#ifndef BAZAAR_MARKET_STATS_H_
#define BAZAAR_MARKET_STATS_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "market/types.h"

namespace bazaar::market {

// Log-linear histogram of durations in microseconds: 8 sub-buckets per power of two, so a
// percentile is within ~9% of the true value. Not thread-safe by itself.
class LatencyHistogram {
 public:
  void Record(absl::Duration d);
  int64_t count() const { return count_; }
  double MeanMs() const;
  double MaxMs() const { return max_us_ / 1000.0; }
  // q in [0, 1]; the upper bound of the bucket holding the q-th sample, in ms.
  double PercentileMs(double q) const;

 private:
  static constexpr int kSub = 8;
  static constexpr int kBuckets = 40 * kSub;
  static int BucketOf(int64_t us);
  static double UpperBoundUs(int bucket);
  std::array<int64_t, kBuckets> buckets_{};
  int64_t count_ = 0;
  double sum_us_ = 0;
  int64_t max_us_ = 0;
};

struct MethodSnapshot {
  std::string method;
  int64_t calls = 0;
  int64_t ok = 0;
  std::map<std::string, int64_t> errors;  // by status code name
  int64_t attempts = 0;
  std::map<std::string, int64_t> aborts;  // "watch_conflict", "store_error"
  double avg_ms = 0, p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
};

class Stats {
 public:
  void Record(const std::string& method, const absl::Status& status, const CallTrace& trace,
              absl::Duration latency);
  std::vector<MethodSnapshot> Snapshot() const;
  // One line for the periodic log: calls and percentiles per method since the last call.
  std::string LogLineSinceLast();

 private:
  struct Method {
    int64_t calls = 0, ok = 0, attempts = 0;
    std::map<std::string, int64_t> errors, aborts;
    LatencyHistogram latency;
  };
  mutable absl::Mutex mu_;
  std::map<std::string, Method> methods_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Method> window_ ABSL_GUARDED_BY(mu_);  // since the last log line
};

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_STATS_H_
