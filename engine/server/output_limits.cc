#include "engine/server/output_limits.h"

#include "engine/core/log.h"

namespace bazaar::engine::server {

bool OutputLimits::MustClose(const commands::ClientState& client, size_t pending_bytes) {
  if (client.is_replica || client.is_master) return false;
  const config::OutputBufferLimit& limit =
      client.subscribed() ? options_->pubsub_output_limit : options_->normal_output_limit;
  const auto bytes = static_cast<int64_t>(pending_bytes);
  bool over = limit.hard > 0 && bytes > limit.hard;
  if (!over && limit.soft > 0 && bytes > limit.soft) {
    // Whole seconds, as Redis counts them (its clock's seconds): over for longer than the soft
    // seconds means more than that many second boundaries apart.
    const int64_t now_s = now_ms_() / 1000;
    auto [it, first] = over_soft_since_s_.try_emplace(client.id, now_s);
    over = !first && now_s - it->second > limit.soft_seconds;
  } else if (!over) {
    over_soft_since_s_.erase(client.id);
  }
  if (!over) return false;
  over_soft_since_s_.erase(client.id);
  core::Log(core::LogLevel::kWarning,
            "Client id=%d addr=%s scheduled to be closed ASAP for overcoming of output buffer "
            "limits.",
            client.id, client.addr);
  return true;
}

}  // namespace bazaar::engine::server
