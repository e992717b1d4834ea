#include "harness/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "harness/resp_client.h"

namespace bazaar::testing {

std::string EngineBinary() { return BAZAAR_ENGINE_BIN; }
std::string RedisServerBinary() { return REDIS_SERVER_BIN; }
std::string RedisCliBinary() { return REDIS_CLI_BIN; }
std::string RedisBenchmarkBinary() { return REDIS_BENCHMARK_BIN; }
std::string BinaryDir() { return BAZAAR_BIN_DIR; }

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    throw std::runtime_error("bind to a free port failed");
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TempDir::TempDir() {
  const char* base = getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/bazaar-test-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

ChildProcess::ChildProcess(const std::string& exe, const std::vector<std::string>& args,
                           const std::string& log_path, const std::string& working_dir)
    : log_path_(log_path) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(exe.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    if (!working_dir.empty() && chdir(working_dir.c_str()) != 0) _exit(126);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) Stop(SIGTERM, std::chrono::seconds(10));
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_), log_path_(std::move(other.log_path_)) {
  other.pid_ = -1;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0) Stop(SIGTERM, std::chrono::seconds(10));
    pid_ = other.pid_;
    log_path_ = std::move(other.log_path_);
    other.pid_ = -1;
  }
  return *this;
}

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  int status;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

int ChildProcess::Wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return status;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

int ChildProcess::Stop(int signal, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  int status = Wait(timeout);
  if (status == -1 && pid_ > 0) {
    kill(pid_, SIGKILL);
    int s;
    waitpid(pid_, &s, 0);
    pid_ = -1;
  }
  return status;
}

std::string ChildProcess::ReadLog() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool WaitForPort(int port, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

bool WaitUntilServing(int port, ChildProcess& process, const std::string& password,
                      std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string our_pid = "process_id:" + std::to_string(process.pid()) + "\r\n";
  bool identified = false;
  while (std::chrono::steady_clock::now() < deadline && process.running()) {
    try {
      RespClient c(port);
      if (!password.empty()) c.Command({"AUTH", password});
      if (!identified) {
        std::string info = c.Command({"INFO", "server"});
        if (info.rfind("$", 0) == 0) {
          if (info.find(our_pid) == std::string::npos) return false;  // someone else's server
          identified = true;
        }
      }
      if (identified && c.Command({"PING"}).rfind("-LOADING", 0) != 0) return true;
    } catch (const std::runtime_error&) {
      // not listening yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

ServerUnderTest::ServerUnderTest(Kind kind, std::vector<std::string> extra_args) : kind_(kind) {
  std::string password;
  for (size_t i = 0; i + 1 < extra_args.size(); ++i) {
    if (extra_args[i] == "--requirepass") password = extra_args[i + 1];
  }
  // A port that was free a moment ago can be taken by another test's server before ours binds
  // it; ours then exits, and we try another.
  for (int attempt = 1;; ++attempt) {
    port_ = FreeLoopbackPort();
    std::vector<std::string> args;
    std::string exe;
    if (kind == Kind::kRealRedis) {
      exe = RedisServerBinary();
      // No config file; the oracle runs with persistence off and DEBUG allowed, like our tests.
      args = {"--port", std::to_string(port_), "--bind", "127.0.0.1", "--dir", dir_.path(),
              "--save", "", "--appendonly", "no", "--enable-debug-command", "yes",
              "--daemonize", "no"};
    } else {
      exe = EngineBinary();
      args = {"--port", std::to_string(port_), "--bind", "127.0.0.1", "--dir", dir_.path(),
              "--enable-debug-command", "yes"};
    }
    for (std::string arg : extra_args) {
      if (arg == kFreePort) {
        second_port_ = FreeLoopbackPort();
        arg = std::to_string(second_port_);
      }
      args.push_back(std::move(arg));
    }
    process_ = ChildProcess(exe, args, dir_.path() + "/server.log", dir_.path());
    if (WaitUntilServing(port_, process_, password)) return;
    if (attempt == 5) {
      throw std::runtime_error(name() + " did not start on port " + std::to_string(port_) +
                               "; log:\n" + process_.ReadLog());
    }
    process_.Stop(SIGKILL, std::chrono::seconds(5));
  }
}

CommandResult RunCommand(const std::string& command_line) {
  CommandResult result;
  std::string cmd = command_line + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return result;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) result.output.append(buf, n);
  int status = pclose(p);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace bazaar::testing
