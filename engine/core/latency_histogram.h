// A per-command latency histogram with the bucket layout of Redis 7.0's HDR histograms
// (2 significant digits, nanosecond values from 1 ns to 1 s), so INFO latencystats
// percentiles and LATENCY HISTOGRAM buckets read exactly as Redis prints them. Only the
// buckets that were hit are stored. Owned by a CommandSpec's stats; the loop's thread.
#ifndef BAZAAR_ENGINE_CORE_LATENCY_HISTOGRAM_H_
#define BAZAAR_ENGINE_CORE_LATENCY_HISTOGRAM_H_

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace bazaar::engine::core {

class LatencyHistogram {
 public:
  static constexpr int64_t kMinValueNs = 1;
  static constexpr int64_t kMaxValueNs = 1000000000;

  // Records one duration (clamped to [kMinValueNs, kMaxValueNs]).
  void Record(int64_t ns);
  uint64_t total_count() const { return total_; }
  bool empty() const { return total_ == 0; }
  // The value at `percentile` (0..100) as HDR reports it: the highest value of the bucket
  // holding that rank (its lowest value for percentile 0); 0 when empty.
  int64_t ValueAtPercentile(double percentile) const;
  // LATENCY HISTOGRAM's cumulative distribution: (bucket bound in µs, calls at or below it)
  // for the power-of-two levels from 1024 ns that gained calls.
  std::vector<std::pair<int64_t, uint64_t>> CumulativeMicros() const;

  // The bucket arithmetic, public for tests.
  static int64_t LowestEquivalent(int64_t ns);
  static int64_t HighestEquivalent(int64_t ns);

 private:
  std::map<int64_t, uint64_t> counts_;  // by a bucket's lowest value
  uint64_t total_ = 0;
};

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_LATENCY_HISTOGRAM_H_
