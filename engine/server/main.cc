// bazaar-engine: a Redis 7.0-compatible server. Started like redis-server:
//   bazaar-engine [/path/to/bazaar.conf] [--port 6380] [--bind 127.0.0.1] [--requirepass x] ...
#include <signal.h>
#include <unistd.h>

#include <clocale>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "engine/config/config_file.h"
#include "engine/core/log.h"
#include "engine/server/server.h"

namespace {

constexpr char kVersion[] = "0.1.0";

void PrintUsage() {
  std::fprintf(stderr,
               "Usage: bazaar-engine [/path/to/bazaar.conf] [options]\n"
               "       bazaar-engine -v or --version\n"
               "       bazaar-engine -h or --help\n\n"
               "Options use redis.conf names: --port 6380 --bind 127.0.0.1 --requirepass x\n"
               "--dir /var/lib/bazaar --loglevel verbose ...\n");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace bazaar::engine;  // NOLINT: main only
  // SIGTERM/SIGINT are read from a signalfd by the loop; block them before any thread starts
  // (the AOF sync thread) so none of those threads takes the default action instead.
  sigset_t shutdown_signals;
  sigemptyset(&shutdown_signals);
  sigaddset(&shutdown_signals, SIGTERM);
  sigaddset(&shutdown_signals, SIGINT);
  sigprocmask(SIG_BLOCK, &shutdown_signals, nullptr);
  // SORT ... ALPHA collates by the environment's locale, as redis-server does.
  std::setlocale(LC_COLLATE, "");
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "-v" || args[0] == "--version")) {
    std::printf("bazaar-engine v=%s (Redis 7.0.15 compatible)\n", kVersion);
    return 0;
  }
  if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) {
    PrintUsage();
    return 0;
  }
  config::Options options;
  std::string error;
  if (!config::LoadConfig(args, &options, &error)) {
    std::fprintf(stderr, "%s", error.c_str());
    return 1;
  }
  if (!core::SetLogFile(options.logfile)) {
    std::fprintf(stderr, "Can't open the log file: %s\n", options.logfile.c_str());
    return 1;
  }
  core::LogLevel level;
  if (core::ParseLogLevel(options.loglevel, &level)) core::SetLogLevel(level);
  core::Log(core::LogLevel::kNotice, "oO0OoO0OoO0Oo bazaar-engine is starting oO0OoO0OoO0Oo");
  core::Log(core::LogLevel::kNotice,
            "bazaar-engine version=%s (Redis 7.0.15 compatible), bits=64, pid=%d, just started",
            kVersion, static_cast<int>(getpid()));
  std::string config_file;
  if (!args.empty() && args[0].rfind("--", 0) != 0) {
    config_file = args[0];
    core::Log(core::LogLevel::kNotice, "Configuration loaded");
  } else {
    core::Log(core::LogLevel::kWarning,
              "Warning: no config file specified, using the default config. In order to specify "
              "a config file use bazaar-engine /path/to/bazaar.conf");
  }
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  std::string executable = n > 0 ? std::string(exe, n) : argv[0];
  server::Server srv(options, config_file, executable);
  if (absl::Status acl = srv.LoadAclUsers(); !acl.ok()) {
    core::Log(core::LogLevel::kWarning, "%s", std::string(acl.message()));
    return 1;
  }
  absl::Status loaded = srv.LoadData();
  if (!loaded.ok()) {
    core::Log(core::LogLevel::kWarning, "Fatal error loading the DB: %s. Exiting.",
              std::string(loaded.message()));
    return 1;
  }
  if (!srv.Listen(&error)) {
    core::Log(core::LogLevel::kWarning, "%s", error);
    // Redis's last words when the port is taken (what scripts retrying a port look for).
    if (absl::StrContains(error, "TCP listening socket")) {
      const bool tls = options.tls_port != 0 &&
                       absl::StrContains(error, ":" + std::to_string(options.tls_port) + ":");
      core::Log(core::LogLevel::kWarning, "Failed listening on port %d (%s), aborting.",
                tls ? options.tls_port : options.port, tls ? "TLS" : "TCP");
    }
    return 1;
  }
  if (!options.pidfile.empty()) std::ofstream(options.pidfile) << getpid() << "\n";
  // Redis shows its logo on a terminal (or always, when asked); ours is one line, with the same
  // " PID: n" that tools such as Redis's test suite wait for.
  if (options.always_show_logo || (options.logfile.empty() && isatty(STDOUT_FILENO))) {
    core::Log(core::LogLevel::kNotice,
              "bazaar-engine %s (Redis 7.0.15 compatible) 64 bit, standalone mode, Port: %d, "
              "PID: %d",
              kVersion, options.port, static_cast<int>(getpid()));
  } else {
    core::Log(core::LogLevel::kNotice, "Running mode=standalone, port=%d.", options.port);
  }
  core::Log(core::LogLevel::kNotice, "Server initialized, listening on port %d", options.port);
  srv.Run();
  if (!options.pidfile.empty()) unlink(options.pidfile.c_str());
  return 0;
}
