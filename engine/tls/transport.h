// How a connection moves bytes: straight through its socket, or through a TLS session on it.
// Non-blocking either way: an operation that cannot go on says what it waits for, and the
// caller waits for that in its event loop. A TLS session may hold decrypted input the socket
// no longer signals (buffered()), which the caller must read before waiting again.
// Thread: the owning connection's (the loop's).
#ifndef BAZAAR_ENGINE_TLS_TRANSPORT_H_
#define BAZAAR_ENGINE_TLS_TRANSPORT_H_

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>

namespace bazaar::engine::tls {

struct IoResult {
  enum Kind {
    kDone,       // `bytes` moved (> 0)
    kWantRead,   // wait until the socket is readable, then call again
    kWantWrite,  // wait until the socket is writable, then call again
    kClosed,     // the peer closed (a read)
    kError,      // the connection is broken; `error` says why
  };
  Kind kind = kDone;
  size_t bytes = 0;
  std::string error;
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual IoResult Read(char* data, size_t size) = 0;
  virtual IoResult Write(const char* data, size_t size) = 0;
  // TLS: one step of the handshake (kDone when finished); plain sockets have none.
  virtual IoResult Handshake() { return {}; }
  // Input already received and decrypted, that no socket event will announce.
  virtual bool buffered() const { return false; }
  virtual bool is_tls() const { return false; }
};

// The socket itself (not owned: the connection closes it).
std::unique_ptr<Transport> PlainTransport(int fd);

}  // namespace bazaar::engine::tls

#endif  // BAZAAR_ENGINE_TLS_TRANSPORT_H_
