#include "engine/core/latency_histogram.h"

#include <algorithm>

namespace bazaar::engine::core {
namespace {

// Two significant digits need 256 sub-buckets; values below 256 are exact, and each doubling
// above halves the resolution (HDR's bucket_index / sub_bucket_index).
constexpr int kSubBucketMagnitude = 8;
constexpr int64_t kSubBucketMask = (1 << kSubBucketMagnitude) - 1;

int BucketShift(int64_t ns) {
  int bits = 64 - __builtin_clzll(static_cast<uint64_t>(ns | kSubBucketMask));
  return bits - kSubBucketMagnitude;
}

}  // namespace

int64_t LatencyHistogram::LowestEquivalent(int64_t ns) {
  int shift = BucketShift(ns);
  return (ns >> shift) << shift;
}

int64_t LatencyHistogram::HighestEquivalent(int64_t ns) {
  return LowestEquivalent(ns) + (int64_t{1} << BucketShift(ns)) - 1;
}

void LatencyHistogram::Record(int64_t ns) {
  ns = std::clamp(ns, kMinValueNs, kMaxValueNs);
  ++counts_[LowestEquivalent(ns)];
  ++total_;
}

int64_t LatencyHistogram::ValueAtPercentile(double percentile) const {
  double p = std::min(percentile, 100.0);
  auto wanted = static_cast<uint64_t>(p / 100 * static_cast<double>(total_) + 0.5);
  wanted = std::max<uint64_t>(wanted, 1);
  uint64_t seen = 0;
  for (const auto& [lowest, count] : counts_) {
    seen += count;
    if (seen >= wanted) return percentile == 0.0 ? lowest : HighestEquivalent(lowest);
  }
  return 0;
}

std::vector<std::pair<int64_t, uint64_t>> LatencyHistogram::CumulativeMicros() const {
  // HDR's logarithmic iterator: a bucket counts towards the first level at or above it.
  std::vector<std::pair<int64_t, uint64_t>> out;
  int64_t level = 1024;
  uint64_t cumulative = 0;
  auto emit = [&] {
    uint64_t before = out.empty() ? 0 : out.back().second;
    if (cumulative > before) out.emplace_back(HighestEquivalent(level) / 1000, cumulative);
  };
  for (const auto& [lowest, count] : counts_) {
    while (level < lowest) {
      emit();
      level *= 2;
    }
    cumulative += count;
  }
  emit();
  return out;
}

}  // namespace bazaar::engine::core
