// Redis 7.0's ACL command categories: what COMMAND INFO lists for each command (and what ACL
// rules such as +@read will name). Some follow from a command's flags (write, readonly, admin,
// pubsub, fast, blocking), as Redis derives them; the others are facts per command, kept in one
// table (acl_categories.cc) and set on the command table once every family has registered.
//
// Thread: the main thread (the table is built before serving and never changes after).
#ifndef BAZAAR_ENGINE_COMMANDS_ACL_CATEGORIES_H_
#define BAZAAR_ENGINE_COMMANDS_ACL_CATEGORIES_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/commands/command_table.h"

namespace bazaar::engine::commands {

// In Redis's order, which is the order COMMAND INFO lists them in.
enum AclCategory : uint32_t {
  kAclKeyspace = 1u << 0,
  kAclRead = 1u << 1,
  kAclWrite = 1u << 2,
  kAclSet = 1u << 3,
  kAclSortedSet = 1u << 4,
  kAclList = 1u << 5,
  kAclHash = 1u << 6,
  kAclString = 1u << 7,
  kAclBitmap = 1u << 8,
  kAclHyperLogLog = 1u << 9,
  kAclGeo = 1u << 10,
  kAclStream = 1u << 11,
  kAclPubSub = 1u << 12,
  kAclAdmin = 1u << 13,
  kAclFast = 1u << 14,
  kAclSlow = 1u << 15,
  kAclBlocking = 1u << 16,
  kAclDangerous = 1u << 17,
  kAclConnection = 1u << 18,
  kAclTransaction = 1u << 19,
  kAclScripting = 1u << 20,
};

// Sets CommandSpec::acl_categories (the categories flags do not imply) on every command and
// subcommand the table names; call once, after every family has registered.
void AssignAclCategories(CommandTable& table);

// All of a command's categories: its own and those its flags imply, as Redis 7.0 derives them.
uint32_t AclCategoriesOf(const CommandSpec& spec);

// "@read", "@string", ... for the bits set, in Redis's order.
std::vector<std::string_view> AclCategoryNames(uint32_t categories);
// The bit of a category named as AclCategoryNames names it ("@read"); 0 if none is.
uint32_t AclCategoryBit(std::string_view name);

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_ACL_CATEGORIES_H_
