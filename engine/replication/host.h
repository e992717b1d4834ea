// What the two replication roles ask of the server around them, so that neither holds the
// server, its connections or its event loop. The server implements both interfaces; every call
// comes from the event loop's thread.
#ifndef BAZAAR_ENGINE_REPLICATION_HOST_H_
#define BAZAAR_ENGINE_REPLICATION_HOST_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/commands/client_state.h"
#include "engine/protocol/reply_builder.h"
#include "engine/tls/transport.h"

namespace bazaar::engine::replication {

// A client connection as the primary's side sees it: a replica, or a client parked in WAIT.
// Owned by the server; valid until ReplicaSet::Forget is called for it.
class Peer {
 public:
  virtual ~Peer() = default;
  virtual commands::ClientState& state() = 0;
  // Output is appended here and leaves, with every other reply, at the end of the loop turn
  // once QueueWrite was called.
  virtual protocol::ReplyBuilder& reply() = 0;
  virtual void QueueWrite() = 0;
  // Writes everything queued now (before a forked child writes to the same socket); false if
  // the socket failed.
  virtual bool FlushFully() = 0;
  virtual int fd() const = 0;
  // A TLS connection: the snapshot must go through the connection, not from a child straight
  // to the socket (its bytes would not be encrypted), so it syncs from disk.
  virtual bool is_tls() const { return false; }
  virtual size_t pending_output_size() const = 0;
  // Closes the connection at the end of this turn without writing what is still queued.
  virtual void Drop() = 0;
  // A client parked by WAIT got its reply: send it and run what it pipelined meanwhile.
  virtual void Resume() = 0;
};

// The server as replication sees it. (The time is the keyspace's: the loop turn's, or the
// current command's.)
class Host {
 public:
  virtual ~Host() = default;
  // The connection of a client that sent PSYNC, REPLCONF ACK or WAIT; null if it is not one
  // (the AOF loader, the master client).
  virtual Peer* FindPeer(uint64_t client_id) = 0;
  // The master client's id, from the same sequence as every client's.
  virtual uint64_t NewClientId() = 0;
  // How the link to our primary moves bytes on its connected socket `fd` (not owned): TLS
  // under tls-replication, else the socket itself; an error when TLS cannot be set up.
  virtual absl::StatusOr<std::unique_ptr<tls::Transport>> LinkTransport(int fd) = 0;
  // Events on the link's socket (an epoll mask) are handed to PrimaryLink::OnSocketEvent.
  // Watch starts or changes what is waited for; Unwatch stops before the socket closes.
  virtual void WatchLinkSocket(int fd, uint32_t epoll_events) = 0;
  virtual void UnwatchLinkSocket(int fd) = 0;
  // A full sync from our primary replaced the dataset, and the function libraries with
  // `functions` (the code of each, as the primary's RDB held them); the AOF starts over.
  virtual void DatasetReplaced(const std::vector<std::string>& functions) = 0;
};

}  // namespace bazaar::engine::replication

#endif  // BAZAAR_ENGINE_REPLICATION_HOST_H_
