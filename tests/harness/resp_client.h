// A small blocking RESP client for tests: it sends raw bytes or commands and returns each reply's
// raw bytes, so tests can compare our server's replies with real Redis's byte for byte.
#ifndef BAZAAR_TESTS_HARNESS_RESP_CLIENT_H_
#define BAZAAR_TESTS_HARNESS_RESP_CLIENT_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bazaar::testing {

// Encodes argv as a RESP multibulk request.
std::string EncodeCommand(const std::vector<std::string>& args);

// Length of the complete RESP2/RESP3 value at the start of `buf`; 0 if more bytes are needed,
// -1 if the bytes are not RESP.
long RespValueLength(std::string_view buf);

class RespClient {
 public:
  // Connects to 127.0.0.1:port; throws std::runtime_error on failure.
  explicit RespClient(int port);
  ~RespClient();
  RespClient(const RespClient&) = delete;
  RespClient& operator=(const RespClient&) = delete;

  void SendRaw(std::string_view bytes);
  // Sends one command and returns its raw reply ("" if the connection closed first).
  std::string Command(const std::vector<std::string>& args,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Reads one complete reply. nullopt on timeout or when the peer closed (see closed()).
  std::optional<std::string> ReadReply(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True once the peer closed the connection (observed by a read).
  bool closed() const { return closed_; }
  // Waits until the peer closes the connection, discarding anything it sends meanwhile.
  bool WaitClosed(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  bool FillBuffer(std::chrono::milliseconds timeout);
  int fd_ = -1;
  bool closed_ = false;
  std::string buffer_;
};

}  // namespace bazaar::testing

#endif  // BAZAAR_TESTS_HARNESS_RESP_CLIENT_H_
