#include "engine/core/latency_monitor.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace bazaar::engine::core {

std::vector<LatencySample> LatencyMonitor::Event::History() const {
  std::vector<LatencySample> out;
  for (int j = 0; j < kSamples; ++j) {
    const LatencySample& s = samples[(next + j) % kSamples];
    if (s.time != 0) out.push_back(s);
  }
  return out;
}

void LatencyMonitor::AddSampleIfNeeded(std::string_view event, int64_t latency_ms,
                                       int64_t threshold_ms, int64_t now_s) {
  if (threshold_ms > 0 && latency_ms >= threshold_ms) AddSample(event, latency_ms, now_s);
}

void LatencyMonitor::AddSample(std::string_view event, int64_t latency_ms, int64_t now_s) {
  auto it = events_.find(event);
  if (it == events_.end()) it = events_.emplace(std::string(event), Event{}).first;
  Event& e = it->second;
  e.max = std::max(e.max, latency_ms);
  // One sample per second: a second spike in the same second keeps the worst.
  LatencySample& previous = e.samples[(e.next + kSamples - 1) % kSamples];
  if (previous.time == now_s) {
    previous.latency = std::max(previous.latency, latency_ms);
    return;
  }
  e.samples[e.next] = LatencySample{now_s, latency_ms};
  e.next = (e.next + 1) % kSamples;
}

const LatencyMonitor::Event* LatencyMonitor::Find(std::string_view event) const {
  auto it = events_.find(event);
  return it == events_.end() ? nullptr : &it->second;
}

int LatencyMonitor::Reset(const std::vector<std::string>& names) {
  if (names.empty()) {
    int n = static_cast<int>(events_.size());
    events_.clear();
    return n;
  }
  int n = 0;
  for (const auto& name : names) n += static_cast<int>(events_.erase(name));
  return n;
}

std::string LatencyMonitor::Doctor(int64_t threshold_ms, int64_t now_s) const {
  if (threshold_ms == 0) {
    return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis "
           "instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in "
           "order to enable it. If we weren't in a deep space mission I'd suggest to take a look "
           "at https://redis.io/topics/latency-monitor.\n";
  }
  if (events_.empty()) {
    return "Dave, no latency spike was observed during the lifetime of this Redis instance, not "
           "in the slightest bit. I honestly think you ought to sit down calmly, take a stress "
           "pill, and think things over.\n";
  }
  std::string report =
      "Dave, I have observed latency spikes in this Redis instance. You don't mind talking "
      "about it, do you Dave?\n\n";
  int index = 0;
  for (const auto& [name, event] : events_) {
    std::vector<LatencySample> history = event.History();
    if (history.empty()) continue;
    int64_t sum = 0;
    for (const auto& s : history) sum += s.latency;
    int64_t avg = sum / static_cast<int64_t>(history.size());
    int64_t deviation = 0;
    for (const auto& s : history) deviation += std::llabs(s.latency - avg);
    deviation /= static_cast<int64_t>(history.size());
    double period = static_cast<double>(now_s - history.front().time) /
                    static_cast<double>(history.size());
    char line[512];
    std::snprintf(line, sizeof(line),
                  "%d. %s: %zu latency spikes (average %lldms, mean deviation %lldms, period "
                  "%.2f sec). Worst all time event %lldms.\n",
                  ++index, name.c_str(), history.size(), static_cast<long long>(avg),
                  static_cast<long long>(deviation), period,
                  static_cast<long long>(event.max));
    report += line;
  }
  return report + "\n";
}

std::string LatencyMonitor::Graph(std::string_view name, const Event& event, int64_t now_s) {
  constexpr int kColumns = 80, kRows = 4;
  constexpr std::string_view kLevels = "_-`";
  std::vector<LatencySample> history = event.History();
  if (history.size() > static_cast<size_t>(kColumns)) {
    history.erase(history.begin(), history.end() - kColumns);
  }
  int64_t low = history.front().latency, high = low;
  std::vector<std::string> labels;
  for (const auto& s : history) {
    low = std::min(low, s.latency);
    high = std::max(high, s.latency);
    // How long ago, in the largest unit that fits.
    int64_t ago = now_s - s.time;
    labels.push_back(ago < 60      ? std::to_string(ago) + "s"
                     : ago < 3600  ? std::to_string(ago / 60) + "m"
                     : ago < 86400 ? std::to_string(ago / 3600) + "h"
                                   : std::to_string(ago / 86400) + "d");
  }
  std::string out = std::string(name) + " - high " + std::to_string(high) + " ms, low " +
                    std::to_string(low) + " ms (all time high " + std::to_string(event.max) +
                    " ms)\n" + std::string(kColumns, '-') + "\n";
  const int steps = kRows * static_cast<int>(kLevels.size());
  std::vector<int> step;
  for (const auto& s : history) {
    double range = high == low ? 1.0 : static_cast<double>(high - low);
    int st = static_cast<int>(static_cast<double>(s.latency - low) / range * steps);
    step.push_back(std::min(st, steps - 1));
  }
  for (int row = kRows - 1; row >= 0; --row) {
    for (int st : step) {
      int level = st / static_cast<int>(kLevels.size());
      out += level == row ? kLevels[st % kLevels.size()] : level > row ? '|' : ' ';
    }
    out += "\n";
  }
  size_t label_rows = 0;
  for (const auto& l : labels) label_rows = std::max(label_rows, l.size());
  // A blank line, then each label written downwards under its column.
  for (size_t row = 0; row <= label_rows; ++row) {
    for (const auto& l : labels) out += row > 0 && row <= l.size() ? l[row - 1] : ' ';
    out += "\n";
  }
  return out;
}

}  // namespace bazaar::engine::core
