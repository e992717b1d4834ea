// Test helpers that run real processes: free loopback ports, temp dirs, child processes stopped by
// PID, and paths of the binaries under test. Used by every integration and differential test.
#ifndef BAZAAR_TESTS_HARNESS_PROCESS_H_
#define BAZAAR_TESTS_HARNESS_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace bazaar::testing {

// Paths baked in at build time.
std::string EngineBinary();       // our bazaar-engine
std::string RedisServerBinary();  // Debian's redis-server (the oracle)
std::string RedisCliBinary();
std::string RedisBenchmarkBinary();
std::string BinaryDir();  // the build's bin/ directory (bazaar-market etc. live there)

// A loopback TCP port that was free when asked (bound with port 0 and released).
int FreeLoopbackPort();

// A fresh directory under $TMPDIR, removed recursively on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A child process started with execv; stdout and stderr go to log_path. The destructor stops it
// (SIGTERM, then SIGKILL after a grace period) so a failing test never leaks a server.
class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const std::string& exe, const std::vector<std::string>& args,
               const std::string& log_path, const std::string& working_dir = "");
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `signal` and waits up to `timeout`; returns the wait status, or -1 on timeout (the
  // process is then killed with SIGKILL).
  int Stop(int signal = 15, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Waits for exit without signalling; returns the wait status or -1 on timeout.
  int Wait(std::chrono::milliseconds timeout);
  const std::string& log_path() const { return log_path_; }
  std::string ReadLog() const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

// Polls until a TCP connect to 127.0.0.1:port succeeds.
bool WaitForPort(int port, std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Waits until the Redis-protocol server on 127.0.0.1:port is `process` (INFO server's
// process_id, after AUTH `password` when not empty) and has finished loading (PING is not
// -LOADING). False as soon as `process` exits (e.g. its port was taken: another test's server
// answering there does not count), when a stranger answers, or after `timeout`.
bool WaitUntilServing(int port, ChildProcess& process, const std::string& password = "",
                      std::chrono::milliseconds timeout = std::chrono::seconds(20));

// A Redis-protocol server on a free port in its own temp dir, ready when constructed.
class ServerUnderTest {
 public:
  enum class Kind { kBazaarEngine, kRealRedis };
  // extra_args are appended to the command line (e.g. {"--requirepass", "x"}); an argument
  // kFreePort becomes another free port, tried anew with the main one (e.g. for --tls-port).
  static constexpr const char* kFreePort = "{free-port}";
  explicit ServerUnderTest(Kind kind, std::vector<std::string> extra_args = {});
  int port() const { return port_; }
  int second_port() const { return second_port_; }  // what kFreePort became
  Kind kind() const { return kind_; }
  const std::string& dir() const { return dir_.path(); }
  ChildProcess& process() { return process_; }
  std::string name() const { return kind_ == Kind::kBazaarEngine ? "bazaar-engine" : "redis"; }

 private:
  Kind kind_;
  TempDir dir_;
  int port_;
  int second_port_ = 0;
  ChildProcess process_;
};

// Runs a shell command line, returning its exit status and stdout (stderr goes to stdout too).
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunCommand(const std::string& command_line);

}  // namespace bazaar::testing

#endif  // BAZAAR_TESTS_HARNESS_PROCESS_H_
