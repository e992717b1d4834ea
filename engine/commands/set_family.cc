// Set commands (being written for the data-types issue).
#include "engine/commands/families.h"

namespace bazaar::engine::commands {

void RegisterSetFamily(CommandTable& table) {}

}  // namespace bazaar::engine::commands
