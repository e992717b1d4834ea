// Stats: per-method counters (calls, ok, errors by code, attempts, aborted attempts by cause)
// and a latency histogram with percentiles, for the Stats RPC and the periodic log line.
// Thread-safe.
#ifndef BAZAAR_MARKET_STATS_H_
#define BAZAAR_MARKET_STATS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "market/latency_histogram.h"
#include "market/types.h"

namespace bazaar::market {

struct MethodSnapshot {
  std::string method;
  int64_t calls = 0;
  int64_t ok = 0;
  std::map<std::string, int64_t> errors;   // by status code name
  std::map<std::string, int64_t> reasons;  // the same failures by reason (errors.h)
  int64_t attempts = 0;
  std::map<std::string, int64_t> aborts;  // "watch_conflict", "store_error"
  double avg_ms = 0, p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
  LatencyHistogram latency;  // every call since start
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
    std::map<std::string, int64_t> errors, reasons, aborts;
    LatencyHistogram latency;
  };
  mutable absl::Mutex mu_;
  std::map<std::string, Method> methods_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Method> window_ ABSL_GUARDED_BY(mu_);  // since the last log line
};

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_STATS_H_
