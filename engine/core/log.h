// The server log, in redis-server's line format: "pid:M 21 Nov 2026 13:49:11.123 * message".
// Single-threaded use from the event loop (and a forked child, which marks itself with role 'C').
#ifndef BAZAAR_ENGINE_CORE_LOG_H_
#define BAZAAR_ENGINE_CORE_LOG_H_

#include <string>
#include <string_view>

#include "absl/strings/str_format.h"

namespace bazaar::engine::core {

enum class LogLevel { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3 };

// Parses "debug", "verbose", "notice", "warning"; false if unknown.
bool ParseLogLevel(std::string_view name, LogLevel* level);
void SetLogLevel(LogLevel level);
// Empty path logs to stdout. Returns false if the file cannot be opened.
bool SetLogFile(const std::string& path);
void SetLogRole(char role);
bool LogEnabled(LogLevel level);
void LogLine(LogLevel level, std::string_view message);

template <typename... Args>
void Log(LogLevel level, const absl::FormatSpec<Args...>& format, const Args&... args) {
  if (LogEnabled(level)) LogLine(level, absl::StrFormat(format, args...));
}

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_LOG_H_
