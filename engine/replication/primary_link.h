// The replica's side of replication: the link to our primary. It connects, runs the handshake
// (PING, AUTH, REPLCONF listening-port and capa, PSYNC), loads a full snapshot or continues
// from our offset, then applies the primary's stream as the master client: commands run
// through the dispatcher without replies, and the exact bytes go on to our backlog and our own
// replicas so that offsets agree down a chain. A lost link is retried every second with PSYNC.
#ifndef BAZAAR_ENGINE_REPLICATION_PRIMARY_LINK_H_
#define BAZAAR_ENGINE_REPLICATION_PRIMARY_LINK_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/commands/client_state.h"
#include "engine/commands/dispatcher.h"
#include "engine/commands/server_context.h"
#include "engine/config/options.h"
#include "engine/core/keyspace.h"
#include "engine/protocol/reply_builder.h"
#include "engine/protocol/request_parser.h"
#include "engine/replication/backlog.h"
#include "engine/replication/host.h"
#include "engine/replication/replica_set.h"
#include "engine/replication/sync_reader.h"

namespace bazaar::engine::replication {

class PrimaryLink {
 public:
  // All must outlive this object. The time is the keyspace's (the loop turn's).
  PrimaryLink(Host* owner, ReplicationHistory* history, ReplicaSet* replicas,
              core::Keyspace* keyspace, config::Options* options, commands::Dispatcher* dispatcher);
  ~PrimaryLink();

  // Starts following host:port (dropping any current link).
  void Follow(std::string host, int64_t port);
  // REPLICAOF NO ONE: closes the link and forgets the primary.
  void Stop();
  bool active() const { return !host_.empty(); }
  bool up() const { return state_ == State::kConnected; }
  const std::string& host() const { return host_; }
  int64_t port() const { return port_; }
  // Our history (ids, offset) may be continued with PSYNC; `db` is the stream's database.
  void set_resumable(int db) {
    resumable_ = true;
    master_.db = db;
  }
  int stream_db() const { return master_.db; }
  // The master client (CLIENT LIST flag M) while the link is up, else null.
  const commands::ClientState* master_client() const { return up() ? &master_ : nullptr; }
  // CLIENT KILL TYPE master: drops the link; it reconnects and continues with PSYNC.
  void Kill() { Fail("killed by CLIENT KILL"); }

  void Cron();
  // The host's event loop saw `events` (an epoll mask) on the socket it was asked to watch.
  void OnSocketEvent(uint32_t events);
  void FillInfo(commands::ReplicationInfo* info) const;

 private:
  // kTls: the TLS handshake (tls-replication), between the connect and our PING.
  enum class State { kConnect, kConnecting, kTls, kHandshake, kTransfer, kConnected };
  enum class Step { kPong, kAuth, kPort, kIp, kCapa, kPsync };

  void Connect();
  void Fail(const std::string& why);
  void Send(const std::vector<std::string>& argv);
  void SendAck();
  // The link is synced: the master client starts (a client id, addresses, age).
  void Connected();
  void ReadAndProcess();
  // Handles one reply line of the handshake; false when the link failed.
  bool HandshakeLine(const std::string& line);
  bool LoadSnapshot();
  void ApplyStream();

  Host* owner_;
  ReplicationHistory* history_;
  ReplicaSet* replicas_;
  core::Keyspace* keyspace_;
  config::Options* options_;
  commands::Dispatcher* dispatcher_;

  std::string host_;
  int64_t port_ = 0;
  State state_ = State::kConnect;
  Step step_ = Step::kPong;
  int fd_ = -1;
  std::unique_ptr<tls::Transport> transport_;  // on fd_ once connected
  std::string in_;
  SnapshotReader snapshot_;
  std::string master_replid_;  // from +FULLRESYNC
  int64_t master_offset_ = 0;
  bool resumable_ = false;  // PSYNC may ask to continue our history
  commands::ClientState master_;
  std::string scratch_;  // replies to the master client are dropped
  protocol::ReplyBuilder reply_{&scratch_};
  protocol::RequestParser parser_;
  std::vector<std::string_view> argv_;
  int64_t last_attempt_ms_ = 0;
  int64_t last_io_ms_ = 0;
  int64_t last_ack_ms_ = 0;
  int64_t down_since_ms_ = 0;
};

}  // namespace bazaar::engine::replication

#endif  // BAZAAR_ENGINE_REPLICATION_PRIMARY_LINK_H_
