// The arguments of a command as the slow log and MONITOR show them: secrets replaced by
// "(redacted)" as Redis redacts them (AUTH's arguments, HELLO's AUTH pair, the values of
// CONFIG SET's sensitive parameters). Pure functions; any thread.
#ifndef BAZAAR_ENGINE_COMMANDS_LOGGED_ARGS_H_
#define BAZAAR_ENGINE_COMMANDS_LOGGED_ARGS_H_

#include <string>
#include <vector>

#include "engine/commands/command_table.h"

namespace bazaar::engine::commands {

std::vector<std::string> LoggedArgs(const CommandSpec& spec, Args argv);

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_LOGGED_ARGS_H_
