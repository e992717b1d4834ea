// What is read from a script's text before it runs: its SHA1 name (the EVALSHA key) and the
// flags of a `#!lua flags=...` first line, with Redis 7.0's error texts.
// Pure functions, any thread.
#ifndef BAZAAR_ENGINE_SCRIPTING_SCRIPT_BODY_H_
#define BAZAAR_ENGINE_SCRIPTING_SCRIPT_BODY_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace bazaar::engine::scripting {

// Lowercase hex SHA1 of `data` (40 characters).
std::string Sha1Hex(std::string_view data);

enum ScriptFlag : unsigned {
  kScriptNoWrites = 1 << 0,
  kScriptAllowOom = 1 << 1,
  kScriptAllowStale = 1 << 2,
  kScriptNoCluster = 1 << 3,
  kScriptAllowCrossSlot = 1 << 4,
};

struct ScriptHeader {
  // Without a shebang the script runs in EVAL's compatibility mode: it may write, and the
  // OOM and stale checks happen per command.
  bool has_shebang = false;
  unsigned flags = 0;
  // Where the Lua code starts: after the shebang, at its newline, so line numbers still count
  // the shebang line.
  size_t code_offset = 0;
};

// Parses the optional shebang; the error is the reply text ("ERR ...").
absl::StatusOr<ScriptHeader> ParseScriptHeader(std::string_view body);

// A function library's mandatory first line, `#!lua name=<library>`.
struct LibraryHeader {
  std::string name;
  size_t code_offset = 0;  // at the shebang's newline, as for scripts
};
absl::StatusOr<LibraryHeader> ParseLibraryHeader(std::string_view code);

// Library and function names: letters, digits and underscores, at least one.
bool IsValidFunctionName(std::string_view name);
// One flag of redis.register_function's flags table (the shebang's words); false if unknown.
bool ParseScriptFlag(std::string_view name, unsigned* flag);
// The names of the flags set, in Redis's order (FUNCTION LIST).
std::vector<std::string_view> ScriptFlagNames(unsigned flags);

}  // namespace bazaar::engine::scripting

#endif  // BAZAAR_ENGINE_SCRIPTING_SCRIPT_BODY_H_
