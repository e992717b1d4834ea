// What the ACL knows of the command table: every command and subcommand with an id, its full
// name ("client|id"), its ACL categories and its family, in the table's order. The command layer
// builds it once (commands/acl_request.h's BuildAclCatalog, when the dispatcher first needs its
// users, after every family registered), and it never changes after; selectors keep one bit
// per id. Pure data; any thread once built.
#ifndef BAZAAR_ENGINE_ACL_CATALOG_H_
#define BAZAAR_ENGINE_ACL_CATALOG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace bazaar::engine::acl {

struct CommandEntry {
  std::string name;         // lowercase full name: "get", "client|id"
  uint32_t categories = 0;  // bit i is category_names()[i]
  int parent = -1;          // a subcommand's container
  std::vector<int> subcommands;
};

class CommandCatalog {
 public:
  // Category names without '@', in Redis's order ("keyspace", "read", ...).
  explicit CommandCatalog(std::vector<std::string> category_names);

  // Adds a command (parent -1) or a container's subcommand; returns its id.
  int Add(std::string name, uint32_t categories, int parent = -1);

  const std::vector<CommandEntry>& entries() const { return entries_; }
  const CommandEntry& entry(int id) const { return entries_[id]; }
  // The id of a full name, any case; -1 when there is none.
  int Find(std::string_view name) const;
  const std::vector<std::string>& category_names() const { return category_names_; }
  // The bit of a category name (no '@', any case); 0 when there is none.
  uint32_t CategoryBit(std::string_view name) const;

 private:
  std::vector<std::string> category_names_;
  std::vector<CommandEntry> entries_;
  absl::flat_hash_map<std::string, int> ids_;
};

}  // namespace bazaar::engine::acl

#endif  // BAZAAR_ENGINE_ACL_CATALOG_H_
