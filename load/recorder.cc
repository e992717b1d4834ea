#include "load/recorder.h"

#include <chrono>

#include "client/market_client.h"

namespace bazaar::load {

const char* OpName(Op op) {
  switch (op) {
    case Op::kGrant: return "grant";
    case Op::kList: return "list";
    case Op::kBrowse: return "browse";
    case Op::kPurchase: return "purchase";
  }
  return "?";
}

bool IsLostRace(const absl::Status& s) {
  std::string r = client::Reason(s);
  return r == "LISTING_NOT_FOUND" || r == "PRICE_CHANGED";
}

bool IsUncertain(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kCancelled:
      return true;
    default:
      return false;
  }
}

int64_t OpStats::calls() const {
  int64_t n = ok;
  for (const auto& [reason, count] : failures) n += count;
  return n;
}

void OpStats::Merge(const OpStats& o) {
  ok += o.ok;
  aborted += o.aborted;
  uncertain += o.uncertain;
  value += o.value;
  for (const auto& [reason, count] : o.failures) failures[reason] += count;
  latency.Merge(o.latency);
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void Recorder::Record(Op op, const absl::Status& status, int64_t begin_us, int64_t end_us,
                      int64_t value) {
  const int i = static_cast<int>(op);
  OpStats& s = ops_[i];
  const int64_t us = end_us - begin_us;
  s.latency.Record(us);
  size_t second = static_cast<size_t>(std::max<int64_t>(0, end_us - start_us_) / 1'000'000);
  if (timeline_.size() <= second) timeline_.resize(second + 1);
  Bucket& b = timeline_[second];
  b.latency[i].Record(us);
  live_->ops.fetch_add(1, std::memory_order_relaxed);
  if (status.ok()) {
    ++s.ok;
    ++b.ok[i];
    s.value += value;
    if (op == Op::kList) live_->listed.fetch_add(1, std::memory_order_relaxed);
    if (op == Op::kPurchase) live_->bought.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  ++b.failed[i];
  ++s.failures[client::Reason(status)];
  if (status.code() == absl::StatusCode::kAborted) {
    ++s.aborted;
    live_->aborted.fetch_add(1, std::memory_order_relaxed);
  } else if (!IsLostRace(status)) {
    live_->failed.fetch_add(1, std::memory_order_relaxed);
  }
  if (IsUncertain(status)) ++s.uncertain;
}

void Recorder::Merge(const Recorder& o) {
  for (int i = 0; i < kOpCount; ++i) ops_[i].Merge(o.ops_[i]);
  if (timeline_.size() < o.timeline_.size()) timeline_.resize(o.timeline_.size());
  for (size_t t = 0; t < o.timeline_.size(); ++t) {
    for (int i = 0; i < kOpCount; ++i) {
      timeline_[t].ok[i] += o.timeline_[t].ok[i];
      timeline_[t].failed[i] += o.timeline_[t].failed[i];
      timeline_[t].latency[i].Merge(o.timeline_[t].latency[i]);
    }
  }
}

}  // namespace bazaar::load
