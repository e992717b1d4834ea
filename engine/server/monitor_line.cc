#include "engine/server/monitor_line.h"

#include <cstdio>

#include "engine/core/repr.h"

namespace bazaar::engine::server {

std::string FormatMonitorLine(int64_t unix_us, int db, std::string_view client_addr,
                              const std::vector<std::string>& args) {
  char head[64];
  std::snprintf(head, sizeof(head), "+%lld.%06lld [%d ", static_cast<long long>(unix_us / 1000000),
                static_cast<long long>(unix_us % 1000000), db);
  std::string line = head;
  line.append(client_addr.data(), client_addr.size());
  line += "] ";
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) line.push_back(' ');
    core::AppendRepr(&line, args[i]);
  }
  line += "\r\n";
  return line;
}

}  // namespace bazaar::engine::server
