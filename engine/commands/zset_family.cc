// ZSet commands (being written for the data-types issue).
#include "engine/commands/families.h"

namespace bazaar::engine::commands {

void RegisterZSetFamily(CommandTable& table) {}

}  // namespace bazaar::engine::commands
