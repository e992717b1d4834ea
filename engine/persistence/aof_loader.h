// Reads AOF command files: RESP multibulk commands one after another. A file that ends in the
// middle of a command (or of a MULTI ... EXEC block) is "truncated": everything before the
// incomplete part is valid. Anything else that is not RESP is corruption at an offset.
#ifndef BAZAAR_ENGINE_PERSISTENCE_AOF_LOADER_H_
#define BAZAAR_ENGINE_PERSISTENCE_AOF_LOADER_H_

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace bazaar::engine::persistence {

struct AofScan {
  uint64_t commands = 0;
  // Bytes of whole commands, not counting an unfinished MULTI block at the end.
  size_t valid_bytes = 0;
  bool truncated = false;
  // Commands of an unfinished MULTI block at the end (they were applied as queued, not run).
  bool open_transaction = false;
};

// Calls `apply` for every complete command of `data`. Corruption before the end returns a
// DataLoss error whose message names the offset.
absl::StatusOr<AofScan> ScanAofCommands(
    std::string_view data, const std::function<void(const std::vector<std::string_view>&)>& apply);

}  // namespace bazaar::engine::persistence

#endif  // BAZAAR_ENGINE_PERSISTENCE_AOF_LOADER_H_
