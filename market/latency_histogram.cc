#include "market/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace bazaar::market {

int LatencyHistogram::BucketOf(int64_t us) {
  if (us < 1) us = 1;
  int exp = 63 - __builtin_clzll(static_cast<uint64_t>(us));  // floor(log2(us))
  int sub = exp >= 4 ? static_cast<int>((us >> (exp - 4)) & (kSub - 1))
                     : static_cast<int>((us << (4 - exp)) & (kSub - 1));
  return std::min(exp * kSub + sub, kBuckets - 1);
}

double LatencyHistogram::UpperBoundUs(int bucket) {
  return std::ldexp(1.0 + (bucket % kSub + 1) / static_cast<double>(kSub), bucket / kSub);
}

int64_t LatencyHistogram::CountAtMostUs(double us) const {
  int64_t n = 0;
  for (int b = 0; b < kBuckets && UpperBoundUs(b) <= us; ++b) n += buckets_[b];
  return n;
}

void LatencyHistogram::Record(int64_t us) {
  ++buckets_[BucketOf(us)];
  ++count_;
  sum_us_ += static_cast<double>(us);
  max_us_ = std::max(max_us_, us);
}

void LatencyHistogram::Merge(const LatencyHistogram& o) {
  for (int b = 0; b < kBuckets; ++b) buckets_[b] += o.buckets_[b];
  count_ += o.count_;
  sum_us_ += o.sum_us_;
  max_us_ = std::max(max_us_, o.max_us_);
}

double LatencyHistogram::PercentileMs(double q) const {
  if (count_ == 0) return 0.0;
  int64_t rank = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(q * count_)));
  int64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += buckets_[b];
    if (seen >= rank) return std::min(UpperBoundUs(b), static_cast<double>(max_us_)) / 1000.0;
  }
  return MaxMs();
}

}  // namespace bazaar::market
