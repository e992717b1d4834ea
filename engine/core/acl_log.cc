#include "engine/core/acl_log.h"

#include <algorithm>

namespace bazaar::engine::core {
namespace {

constexpr size_t kGroupingLookback = 10;      // entries compared with a new event
constexpr int64_t kGroupingWindowMs = 60000;  // how far apart grouped events may be

}  // namespace

void AclLog::Add(AclLogEntry entry, int64_t max_len) {
  const size_t look = std::min(entries_.size(), kGroupingLookback);
  for (size_t i = 0; i < look; ++i) {
    AclLogEntry& e = entries_[i];
    if (e.reason == entry.reason && e.context == entry.context && e.object == entry.object &&
        e.username == entry.username && entry.time_ms - e.time_ms <= kGroupingWindowMs) {
      e.count += 1;
      e.time_ms = entry.time_ms;
      e.client_info = std::move(entry.client_info);
      return;
    }
  }
  entries_.push_front(std::move(entry));
  while (static_cast<int64_t>(entries_.size()) > max_len) entries_.pop_back();
}

}  // namespace bazaar::engine::core
