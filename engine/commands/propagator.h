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
};

class Propagator {
 public:
  virtual ~Propagator() = default;
  // A batch of more than one command (EXEC, or a write plus the expired keys it deleted) must
  // apply atomically: the sink wraps it in MULTI ... EXEC.
  virtual void Propagate(const std::vector<PropagatedCommand>& batch) = 0;
};

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_PROPAGATOR_H_
