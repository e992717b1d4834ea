#include "engine/core/slow_log.h"

namespace bazaar::engine::core {

std::vector<std::string> SlowLog::TrimArgs(const std::vector<std::string>& args) {
  size_t kept = args.size() > kMaxArgs ? kMaxArgs - 1 : args.size();
  std::vector<std::string> out;
  out.reserve(kept + 1);
  for (size_t i = 0; i < kept; ++i) {
    const std::string& arg = args[i];
    if (arg.size() > kMaxArgBytes) {
      out.push_back(arg.substr(0, kMaxArgBytes) + "... (" +
                    std::to_string(arg.size() - kMaxArgBytes) + " more bytes)");
    } else {
      out.push_back(arg);
    }
  }
  if (kept < args.size()) {
    out.push_back("... (" + std::to_string(args.size() - kept) + " more arguments)");
  }
  return out;
}

void SlowLog::PushIfNeeded(const std::vector<std::string>& args, int64_t duration_us,
                           int64_t threshold_us, size_t max_len, int64_t now_s,
                           std::string client_addr, std::string client_name) {
  if (threshold_us < 0 || duration_us < threshold_us) return;
  entries_.push_front(SlowLogEntry{next_id_++, now_s, duration_us, TrimArgs(args),
                                   std::move(client_addr), std::move(client_name)});
  while (entries_.size() > max_len) entries_.pop_back();
}

}  // namespace bazaar::engine::core
