// The slow log (SLOWLOG GET/LEN/RESET): commands that ran for at least slowlog-log-slower-than
// microseconds, newest first, at most slowlog-max-len of them, with their arguments trimmed
// as Redis trims them (32 arguments, 128 bytes each). Owned by the server; the loop's thread.
#ifndef BAZAAR_ENGINE_CORE_SLOW_LOG_H_
#define BAZAAR_ENGINE_CORE_SLOW_LOG_H_

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace bazaar::engine::core {

struct SlowLogEntry {
  int64_t id = 0;
  int64_t time = 0;         // unix seconds
  int64_t duration_us = 0;
  std::vector<std::string> args;  // trimmed
  std::string client_addr;
  std::string client_name;
};

class SlowLog {
 public:
  static constexpr size_t kMaxArgs = 32;
  static constexpr size_t kMaxArgBytes = 128;

  // Adds an entry when threshold_us >= 0 and duration_us reaches it, then drops the oldest
  // beyond max_len.
  void PushIfNeeded(const std::vector<std::string>& args, int64_t duration_us,
                    int64_t threshold_us, size_t max_len, int64_t now_s, std::string client_addr,
                    std::string client_name);
  const std::deque<SlowLogEntry>& entries() const { return entries_; }  // newest first
  // Clears the entries; ids keep counting, as in Redis.
  void Reset() { entries_.clear(); }

  // The argument list as logged: past kMaxArgs the last kept slot says how many were left out,
  // and a long argument keeps kMaxArgBytes bytes and says how many more it had.
  static std::vector<std::string> TrimArgs(const std::vector<std::string>& args);

 private:
  std::deque<SlowLogEntry> entries_;
  int64_t next_id_ = 0;
};

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_SLOW_LOG_H_
