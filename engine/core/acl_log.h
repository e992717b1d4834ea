// The ACL log (ACL LOG): security events, newest first: failed authentications and commands,
// keys or channels a user was denied. An event like one of the last ten (same reason, context,
// object and user, within 60 s) counts into it instead of adding an entry, as Redis groups them.
// Bounded by acllog-max-len.
//
// Thread: the loop's (owned by the dispatcher).
#ifndef BAZAAR_ENGINE_CORE_ACL_LOG_H_
#define BAZAAR_ENGINE_CORE_ACL_LOG_H_

#include <cstdint>
#include <deque>
#include <string>

namespace bazaar::engine::core {

struct AclLogEntry {
  int64_t count = 1;
  std::string reason;   // "auth", "command", "key", "channel"
  std::string context;  // "toplevel", "multi", "lua"
  std::string object;   // what was refused: the command, key or channel; AUTH's name for "auth"
  std::string username;
  int64_t time_ms = 0;      // of the latest event counted into it
  std::string client_info;  // the client's CLIENT LIST line at that event
};

class AclLog {
 public:
  void Add(AclLogEntry entry, int64_t max_len);
  void Reset() { entries_.clear(); }
  const std::deque<AclLogEntry>& entries() const { return entries_; }

 private:
  std::deque<AclLogEntry> entries_;  // newest first
};

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_ACL_LOG_H_
