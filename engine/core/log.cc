#include "engine/core/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace bazaar::engine::core {
namespace {

LogLevel g_level = LogLevel::kNotice;
FILE* g_file = nullptr;
char g_role = 'M';

}  // namespace

bool ParseLogLevel(std::string_view name, LogLevel* level) {
  if (name == "debug") *level = LogLevel::kDebug;
  else if (name == "verbose") *level = LogLevel::kVerbose;
  else if (name == "notice") *level = LogLevel::kNotice;
  else if (name == "warning") *level = LogLevel::kWarning;
  else return false;
  return true;
}

void SetLogLevel(LogLevel level) { g_level = level; }

bool SetLogFile(const std::string& path) {
  if (path.empty()) {
    g_file = nullptr;
    return true;
  }
  FILE* f = std::fopen(path.c_str(), "a");
  if (!f) return false;
  g_file = f;
  return true;
}

void SetLogRole(char role) { g_role = role; }

bool LogEnabled(LogLevel level) { return level >= g_level; }

void LogLine(LogLevel level, std::string_view message) {
  static const char kMarks[] = ".-*#";
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm local;
  localtime_r(&tv.tv_sec, &local);
  char stamp[64];
  size_t n = std::strftime(stamp, sizeof(stamp), "%d %b %Y %H:%M:%S.", &local);
  std::snprintf(stamp + n, sizeof(stamp) - n, "%03d", static_cast<int>(tv.tv_usec / 1000));
  FILE* out = g_file ? g_file : stdout;
  std::fprintf(out, "%d:%c %s %c %.*s\n", static_cast<int>(getpid()), g_role, stamp,
               kMarks[static_cast<int>(level)], static_cast<int>(message.size()), message.data());
  std::fflush(out);
}

}  // namespace bazaar::engine::core
