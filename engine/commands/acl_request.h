// What an ACL check needs to know of one command call (acl::Request): the command's catalog id,
// the argument a +cmd|arg rule names, its keys with the access Redis 7.0's key specs give each
// (read, write, or neither), and the channels it publishes or subscribes to. Also builds the
// ACL's command catalog from the table. Pure; the loop's thread.
#ifndef BAZAAR_ENGINE_COMMANDS_ACL_REQUEST_H_
#define BAZAAR_ENGINE_COMMANDS_ACL_REQUEST_H_

#include <memory>

#include "engine/acl/catalog.h"
#include "engine/acl/selector.h"
#include "engine/commands/command_table.h"

namespace bazaar::engine::commands {

// Every command and subcommand of the table, in its order, with its categories; sets each
// spec's acl_id. Call once, after AssignAclCategories.
std::unique_ptr<acl::CommandCatalog> BuildAclCatalog(CommandTable& table);

// The request for argv, which the dispatcher already resolved to spec (the views point into
// argv).
acl::Request AclRequestFor(const CommandSpec& spec, Args argv);

// The refusal of a denied command, in Redis 7.0's words: as it is sent (NOPERM ...), as EXEC
// answers a queued command the rules no longer allow, and as a script's redis.call sees it.
std::string AclDenialError(acl::Denial denial, const CommandSpec& spec);
std::string AclExecDenialError(acl::Denial denial);
std::string AclScriptDenialError(acl::Denial denial);
// The ACL log's reason for a denial: "command", "key", "channel".
std::string_view AclDenialReason(acl::Denial denial);

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_ACL_REQUEST_H_
