// Which arguments of a command are keys (COMMAND GETKEYS): the spec's first/last/step range,
// or, for commands whose keys move (kMovableKeys: a numkeys count, SORT's STORE, XREAD's
// STREAMS, GEORADIUS's STORE), the positions Redis 7.0's key specs find. Pure; any thread.
#ifndef BAZAAR_ENGINE_COMMANDS_COMMAND_KEYS_H_
#define BAZAAR_ENGINE_COMMANDS_COMMAND_KEYS_H_

#include <optional>
#include <string_view>
#include <vector>

#include "engine/commands/command_table.h"

namespace bazaar::engine::commands {

// Whether the command takes key arguments at all.
bool HasKeys(const CommandSpec& spec);
// The key positions in argv, or nullopt when the arguments do not parse (a bad numkeys).
std::optional<std::vector<size_t>> KeyPositions(const CommandSpec& spec, Args argv);
// The keys themselves (none when the arguments do not parse): what client tracking records.
std::vector<std::string_view> CommandKeys(const CommandSpec& spec, Args argv);

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_COMMAND_KEYS_H_
