// One client's MULTI state and watched keys. Rules live in the dispatcher (queueing) and the
// watch table (invalidation); this is just the state they share.
#ifndef BAZAAR_ENGINE_TXN_TRANSACTION_STATE_H_
#define BAZAAR_ENGINE_TXN_TRANSACTION_STATE_H_

#include <string>
#include <vector>

namespace bazaar::engine::commands {
struct CommandSpec;
}  // namespace bazaar::engine::commands

namespace bazaar::engine::txn {

// A command queued inside MULTI, with its command-table entry resolved when it was queued (as
// Redis keeps the resolved command), so EXEC never looks it up again. txn never looks inside.
struct QueuedCommand {
  commands::CommandSpec* spec;
  std::vector<std::string> argv;
};

struct WatchedKey {
  int db;
  std::string key;
  // The key was already expired when WATCH ran: its deletion is then no change (Redis 7.0).
  bool expired_at_watch;
};

struct TransactionState {
  bool in_multi = false;
  // A command was refused while queueing: EXEC answers EXECABORT.
  bool dirty_exec = false;
  // A watched key changed: EXEC answers with a null array.
  bool dirty_cas = false;
  std::vector<QueuedCommand> queued;
  std::vector<WatchedKey> watched;
  // The key whose change set dirty_cas, for the transactions INFO section.
  int abort_db = -1;
  std::string abort_key;

  // Leaves MULTI (EXEC or DISCARD); the caller also unwatches.
  void EndMulti() {
    in_multi = false;
    dirty_exec = false;
    dirty_cas = false;
    queued.clear();
    abort_db = -1;
    abort_key.clear();
  }
};

}  // namespace bazaar::engine::txn

#endif  // BAZAAR_ENGINE_TXN_TRANSACTION_STATE_H_
