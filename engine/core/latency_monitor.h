// The latency monitor (LATENCY LATEST/HISTORY/RESET/DOCTOR/GRAPH): for each event class
// ("command", "fast-command", "expire-cycle", ...) the last 160 one-second samples of spikes at
// or above latency-monitor-threshold, as Redis keeps them (one sample per second: the worst),
// and the all-time worst. Owned by the server; the loop's thread.
#ifndef BAZAAR_ENGINE_CORE_LATENCY_MONITOR_H_
#define BAZAAR_ENGINE_CORE_LATENCY_MONITOR_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace bazaar::engine::core {

struct LatencySample {
  int64_t time = 0;     // unix seconds; 0 = unused slot
  int64_t latency = 0;  // ms
};

class LatencyMonitor {
 public:
  static constexpr int kSamples = 160;

  struct Event {
    std::array<LatencySample, kSamples> samples{};
    int next = 0;  // where the next sample goes
    int64_t max = 0;
    const LatencySample& latest() const { return samples[(next + kSamples - 1) % kSamples]; }
    // The used samples, oldest first.
    std::vector<LatencySample> History() const;
  };

  // Records `latency_ms` for `event` at `now_s` when threshold_ms > 0 and it is reached.
  void AddSampleIfNeeded(std::string_view event, int64_t latency_ms, int64_t threshold_ms,
                         int64_t now_s);
  void AddSample(std::string_view event, int64_t latency_ms, int64_t now_s);
  const Event* Find(std::string_view event) const;
  const std::map<std::string, Event, std::less<>>& events() const { return events_; }
  // Forgets every event (names empty) or the named ones; returns how many existed.
  int Reset(const std::vector<std::string>& names);
  // LATENCY DOCTOR's report.
  std::string Doctor(int64_t threshold_ms, int64_t now_s) const;
  // LATENCY GRAPH's ASCII chart of one event's samples.
  static std::string Graph(std::string_view name, const Event& event, int64_t now_s);

 private:
  std::map<std::string, Event, std::less<>> events_;
};

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_LATENCY_MONITOR_H_
