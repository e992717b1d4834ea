// Reads AOF command files: RESP multibulk commands one after another. A file that ends in the
// middle of a command (or of a MULTI ... EXEC block) is "truncated": everything before the
// incomplete part is valid. Anything else that is not RESP is corruption at an offset.
#ifndef BAZAAR_ENGINE_PERSISTENCE_AOF_LOADER_H_
#define BAZAAR_ENGINE_PERSISTENCE_AOF_LOADER_H_

#include <cstdint>
#include <functional>
#include <string>
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
  // RESP lines of the complete commands (the "*N" line and two per argument), the unit of
  // redis-check-aof's ok_up_to_line.
  uint64_t lines = 0;
  // Corruption: where it goes wrong (the bad command, or its bad argument) and why (empty when
  // there is none).
  // format_error means it does not even start with '*'.
  std::string error;
  size_t error_offset = 0;
  bool format_error = false;
};

// Calls `apply` for every complete command of `data`. Corruption before the end returns a
// DataLoss error whose message names the offset.
absl::StatusOr<AofScan> ScanAofCommands(
    std::string_view data, const std::function<void(const std::vector<std::string_view>&)>& apply);

// Scans without applying and without failing: on corruption the result says where the valid
// prefix ends (valid_bytes) and why it stops (error). For bazaar-check-aof, so it follows
// redis-check-aof's rules, stricter than the loader's: each bulk payload must end in CRLF, and
// MULTI may not nest nor EXEC come without MULTI.
AofScan AnalyzeAofCommands(std::string_view data);

}  // namespace bazaar::engine::persistence

#endif  // BAZAAR_ENGINE_PERSISTENCE_AOF_LOADER_H_
