// LatencyHistogram: latencies in microseconds in log-linear buckets (16 sub-buckets per power of
// two, so a percentile is within ~6% of the true value), mergeable. The market's Stats and
// bazaar-load's per-thread recorders both use it. Not thread-safe: the owner locks, or each
// thread records into its own and they are merged at the end.
#ifndef BAZAAR_MARKET_LATENCY_HISTOGRAM_H_
#define BAZAAR_MARKET_LATENCY_HISTOGRAM_H_

#include <array>
#include <cstdint>

namespace bazaar::market {

class LatencyHistogram {
 public:
  void Record(int64_t us);
  void Merge(const LatencyHistogram& other);
  int64_t count() const { return count_; }
  double MeanMs() const { return count_ ? sum_us_ / count_ / 1000.0 : 0.0; }
  double MaxMs() const { return max_us_ / 1000.0; }
  // q in [0, 1]: the upper bound of the bucket holding the q-th sample (capped at the max), ms.
  double PercentileMs(double q) const;
  double SumUs() const { return sum_us_; }
  // Samples at or below `us` (whole buckets: to the histogram's ~6% resolution), for
  // cumulative exports such as Prometheus buckets.
  int64_t CountAtMostUs(double us) const;

 private:
  static constexpr int kSub = 16;
  static constexpr int kBuckets = 40 * kSub;
  static int BucketOf(int64_t us);
  static double UpperBoundUs(int bucket);
  std::array<int64_t, kBuckets> buckets_{};
  int64_t count_ = 0;
  double sum_us_ = 0;
  int64_t max_us_ = 0;
};

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_LATENCY_HISTOGRAM_H_
