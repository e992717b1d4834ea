// A tiny leveled logger (Abseil 20220623 has no absl/log): one line per message to stderr with a
// UTC timestamp and level, written with a single write so lines from threads do not interleave.
//   BAZAAR_LOG(INFO) << "listening on " << address;
#ifndef BAZAAR_MARKET_LOG_H_
#define BAZAAR_MARKET_LOG_H_

#include <sstream>
#include <string>

namespace bazaar::market {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Messages below the level are dropped. Thread-safe.
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Parses "debug", "info", "warning", "error"; false when unknown.
bool ParseLogLevel(const std::string& text, LogLevel* level);

class LogMessage {
 public:
  explicit LogMessage(LogLevel level) : level_(level) {}
  ~LogMessage();
  std::ostream& stream() { return stream_; }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};

}  // namespace bazaar::market

#define BAZAAR_LOG_LEVEL_DEBUG ::bazaar::market::LogLevel::kDebug
#define BAZAAR_LOG_LEVEL_INFO ::bazaar::market::LogLevel::kInfo
#define BAZAAR_LOG_LEVEL_WARNING ::bazaar::market::LogLevel::kWarning
#define BAZAAR_LOG_LEVEL_ERROR ::bazaar::market::LogLevel::kError
#define BAZAAR_LOG(level)                                                  \
  if (BAZAAR_LOG_LEVEL_##level < ::bazaar::market::GetLogLevel()) {       \
  } else                                                                   \
    ::bazaar::market::LogMessage(BAZAAR_LOG_LEVEL_##level).stream()

#endif  // BAZAAR_MARKET_LOG_H_
