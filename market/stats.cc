#include "market/stats.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "market/errors.h"

namespace bazaar::market {

void Stats::Record(const std::string& method, const absl::Status& status, const CallTrace& trace,
                   absl::Duration latency) {
  absl::MutexLock lock(&mu_);
  for (auto* map : {&methods_, &window_}) {
    Method& m = (*map)[method];
    ++m.calls;
    if (status.ok()) {
      ++m.ok;
    } else {
      ++m.errors[absl::StatusCodeToString(status.code())];
      ++m.reasons[ReasonOf(status)];
    }
    m.attempts += trace.attempts;
    if (trace.watch_conflicts) m.aborts["watch_conflict"] += trace.watch_conflicts;
    if (trace.store_errors) m.aborts["store_error"] += trace.store_errors;
    m.latency.Record(absl::ToInt64Microseconds(latency));
  }
}

std::vector<MethodSnapshot> Stats::Snapshot() const {
  absl::MutexLock lock(&mu_);
  std::vector<MethodSnapshot> out;
  for (const auto& [name, m] : methods_) {
    MethodSnapshot s;
    s.method = name;
    s.calls = m.calls;
    s.ok = m.ok;
    s.errors = m.errors;
    s.reasons = m.reasons;
    s.attempts = m.attempts;
    s.aborts = m.aborts;
    s.avg_ms = m.latency.MeanMs();
    s.p50_ms = m.latency.PercentileMs(0.50);
    s.p90_ms = m.latency.PercentileMs(0.90);
    s.p99_ms = m.latency.PercentileMs(0.99);
    s.max_ms = m.latency.MaxMs();
    s.latency = m.latency;
    out.push_back(std::move(s));
  }
  return out;
}

std::string Stats::LogLineSinceLast() {
  absl::MutexLock lock(&mu_);
  if (window_.empty()) return "no calls";
  std::string line;
  for (const auto& [name, m] : window_) {
    int64_t conflicts = m.aborts.count("watch_conflict") ? m.aborts.at("watch_conflict") : 0;
    absl::StrAppend(&line, line.empty() ? "" : " | ",
                    absl::StrFormat("%s calls=%d ok=%d err=%d attempts=%d conflicts=%d "
                                    "p50=%.2fms p99=%.2fms max=%.2fms",
                                    name, m.calls, m.ok, m.calls - m.ok, m.attempts, conflicts,
                                    m.latency.PercentileMs(0.5), m.latency.PercentileMs(0.99),
                                    m.latency.MaxMs()));
  }
  window_.clear();
  return line;
}

}  // namespace bazaar::market
