// The line a MONITOR client receives for each command, byte for byte as Redis 7.0 writes it:
// "+<unix seconds>.<microseconds> [<db> <client addr>] "arg" "arg"...\r\n", every argument
// quoted by core::AppendRepr. A pure function; any thread.
#ifndef BAZAAR_ENGINE_SERVER_MONITOR_LINE_H_
#define BAZAAR_ENGINE_SERVER_MONITOR_LINE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bazaar::engine::server {

std::string FormatMonitorLine(int64_t unix_us, int db, std::string_view client_addr,
                              const std::vector<std::string>& args);

}  // namespace bazaar::engine::server

#endif  // BAZAAR_ENGINE_SERVER_MONITOR_LINE_H_
