// Where the effects of write commands go (the server fans them out to the AOF and the
// replicas). The dispatcher hands over each top-level command's writes as one batch, after the
// command ran, and expired keys' DELs likewise; commands never call it.
#ifndef BAZAAR_ENGINE_COMMANDS_PROPAGATOR_H_
#define BAZAAR_ENGINE_COMMANDS_PROPAGATOR_H_

#include <string>
#include <vector>

namespace bazaar::engine::commands {

struct PropagatedCommand {
  int db;
  std::vector<std::string> argv;
  bool replicas_only = false;  // PUBLISH: the stream carries it, the AOF does not
};

class Propagator {
 public:
  virtual ~Propagator() = default;
  // A batch of more than one command (EXEC, or a write plus the expired keys it deleted) must
  // apply atomically: the sinks write it as ForEachLogged gives it.
  virtual void Propagate(const std::vector<PropagatedCommand>& batch) = 0;
};

// Calls fn(db, argv) for each command a batch becomes in the AOF (for_aof) or the replication
// stream: more than one command is wrapped in MULTI ... EXEC, so that it loads and applies
// atomically.
template <typename Fn>
void ForEachLogged(const std::vector<PropagatedCommand>& batch, bool for_aof, Fn&& fn) {
  static const std::vector<std::string> kMulti = {"MULTI"}, kExec = {"EXEC"};
  const PropagatedCommand* first = nullptr;
  const PropagatedCommand* last = nullptr;
  size_t n = 0;
  for (const auto& c : batch) {
    if (for_aof && c.replicas_only) continue;
    if (!first) first = &c;
    last = &c;
    ++n;
  }
  if (n > 1) fn(first->db, kMulti);
  for (const auto& c : batch) {
    if (!(for_aof && c.replicas_only)) fn(c.db, c.argv);
  }
  if (n > 1) fn(last->db, kExec);
}

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_PROPAGATOR_H_
