// MIGRATE's connections to its targets, kept as Redis keeps them: one per host:port, at most 64
// (a 65th target closes one of them), each with the database it last selected, closed when one
// of its operations fails or after 10 s unused (the server's cron calls CloseIdle). INFO's
// migrate_cached_sockets counts them. TargetLink is one blocking connection with a deadline per
// operation, as MIGRATE waits for its target in the event loop.
// Thread affinity: the server's loop thread (the cache is the server's).
#ifndef BAZAAR_ENGINE_COMMANDS_MIGRATE_SOCKETS_H_
#define BAZAAR_ENGINE_COMMANDS_MIGRATE_SOCKETS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace bazaar::engine::commands {

class TargetLink {
 public:
  ~TargetLink();
  bool Connect(const std::string& host, const std::string& port, int timeout_ms);
  bool WriteAll(std::string_view data, int timeout_ms);
  // One reply line without its CRLF; nullopt on a timeout or a closed connection.
  std::optional<std::string> ReadLine(int timeout_ms);
  // The last failure was a timeout (not a closed or reset connection).
  bool timed_out() const { return timed_out_; }

 private:
  bool Wait(short events, int timeout_ms);
  int fd_ = -1;
  bool timed_out_ = false;
  std::string in_;
};

class MigrateSockets {
 public:
  static constexpr size_t kMaxSockets = 64;
  static constexpr int64_t kMaxIdleMs = 10000;

  struct Socket {
    std::unique_ptr<TargetLink> link;
    int64_t last_db = -1;  // -1: none selected yet (or in doubt after an error)
    int64_t last_use_ms = 0;
  };
  // The cached connection to host:port, or a new one; nullptr when it cannot connect in time.
  Socket* Get(const std::string& host, const std::string& port, int timeout_ms, int64_t now_ms);
  // Closes the connection to host:port (after an error its state is unknown).
  void Close(const std::string& host, const std::string& port);
  void CloseIdle(int64_t now_ms);
  size_t size() const { return sockets_.size(); }

 private:
  std::map<std::string, Socket> sockets_;  // "host:port"
};

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_MIGRATE_SOCKETS_H_
