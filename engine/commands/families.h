// Registration of each command family (one file each). RegisterAllCommands calls them all.
#ifndef BAZAAR_ENGINE_COMMANDS_FAMILIES_H_
#define BAZAAR_ENGINE_COMMANDS_FAMILIES_H_

#include "engine/commands/command_table.h"

namespace bazaar::engine::commands {

// Fills `table` with every command family (families.cc).
void RegisterAllCommands(CommandTable& table);

void RegisterStringFamily(CommandTable& table);
void RegisterGenericFamily(CommandTable& table);
void RegisterTransactionFamily(CommandTable& table);
void RegisterConnectionFamily(CommandTable& table);
void RegisterClientFamily(CommandTable& table);
void RegisterClientTrackingFamily(CommandTable& table);
void RegisterConfigFamily(CommandTable& table);
void RegisterCommandFamily(CommandTable& table);
void RegisterInfoFamily(CommandTable& table);
void RegisterServerFamily(CommandTable& table);
void RegisterDebugFamily(CommandTable& table);
void RegisterHashFamily(CommandTable& table);
void RegisterSetFamily(CommandTable& table);
void RegisterZSetFamily(CommandTable& table);
void RegisterListFamily(CommandTable& table);
void RegisterBlockingFamily(CommandTable& table);
void RegisterReplicationFamily(CommandTable& table);
void RegisterMemoryFamily(CommandTable& table);
void RegisterBitmapFamily(CommandTable& table);
void RegisterPubSubFamily(CommandTable& table);
void RegisterHyperLogLogFamily(CommandTable& table);
void RegisterGeoFamily(CommandTable& table);
void RegisterSortFamily(CommandTable& table);
void RegisterDumpFamily(CommandTable& table);
void RegisterStreamFamily(CommandTable& table);
void RegisterSlowlogFamily(CommandTable& table);
void RegisterLatencyFamily(CommandTable& table);
void RegisterClusterFamily(CommandTable& table);
void RegisterMigrateFamily(CommandTable& table);
void RegisterAclFamily(CommandTable& table);
void RegisterStreamGroupFamily(CommandTable& table);

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_FAMILIES_H_
