// RegisterAllCommands: the one place that knows every command family.
#include "engine/commands/families.h"

namespace bazaar::engine::commands {

void RegisterAllCommands(CommandTable& table) {
  RegisterStringFamily(table);
  RegisterGenericFamily(table);
  RegisterTransactionFamily(table);
  RegisterConnectionFamily(table);
  RegisterClientFamily(table);
  RegisterClientTrackingFamily(table);  // adds to CLIENT
  RegisterConfigFamily(table);
  RegisterCommandFamily(table);
  RegisterInfoFamily(table);
  RegisterServerFamily(table);
  RegisterDebugFamily(table);
  RegisterHashFamily(table);
  RegisterSetFamily(table);
  RegisterZSetFamily(table);
  RegisterListFamily(table);
  RegisterBlockingFamily(table);
  RegisterReplicationFamily(table);
  RegisterMemoryFamily(table);
  RegisterBitmapFamily(table);
  RegisterPubSubFamily(table);
  RegisterHyperLogLogFamily(table);
  RegisterGeoFamily(table);
  RegisterSortFamily(table);
  RegisterDumpFamily(table);
  RegisterStreamFamily(table);
  RegisterSlowlogFamily(table);
  RegisterLatencyFamily(table);
  RegisterClusterFamily(table);
  RegisterMigrateFamily(table);
  RegisterStreamGroupFamily(table);
  RegisterAclFamily(table);
}

}  // namespace bazaar::engine::commands
