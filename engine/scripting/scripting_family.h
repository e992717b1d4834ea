// Registers the scripting commands: EVAL and friends with SCRIPT (scripting_family.cc), and
// FCALL with FUNCTION (function_family.cc). Called by the server, which owns the ScriptEngine
// they run on (ServerContext::scripting). Single-threaded.
#ifndef BAZAAR_ENGINE_SCRIPTING_SCRIPTING_FAMILY_H_
#define BAZAAR_ENGINE_SCRIPTING_SCRIPTING_FAMILY_H_

#include "engine/commands/command_context.h"
#include "engine/commands/command_table.h"
#include "engine/scripting/script_engine.h"

namespace bazaar::engine::scripting {

void RegisterScriptingFamily(commands::CommandTable& table);
void RegisterFunctionFamily(commands::CommandTable& table);
// FUNCTION DUMP and RESTORE (function_payload.cc), under the FUNCTION container.
void RegisterFunctionPayloadCommands(commands::CommandTable& table,
                                     commands::CommandSpec* function);

// The handlers' ScriptEngine: the server's ScriptingControl is one.
inline ScriptEngine& EngineOf(commands::CommandContext& ctx) {
  return *static_cast<ScriptEngine*>(ctx.server.scripting);
}

}  // namespace bazaar::engine::scripting

#endif  // BAZAAR_ENGINE_SCRIPTING_SCRIPTING_FAMILY_H_
