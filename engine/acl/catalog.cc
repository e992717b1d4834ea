#include "engine/acl/catalog.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace bazaar::engine::acl {

CommandCatalog::CommandCatalog(std::vector<std::string> category_names)
    : category_names_(std::move(category_names)) {}

int CommandCatalog::Add(std::string name, uint32_t categories, int parent) {
  const int id = static_cast<int>(entries_.size());
  ids_[name] = id;
  entries_.push_back({std::move(name), categories, parent, {}});
  if (parent >= 0) entries_[parent].subcommands.push_back(id);
  return id;
}

int CommandCatalog::Find(std::string_view name) const {
  auto it = ids_.find(absl::AsciiStrToLower(absl::string_view(name.data(), name.size())));
  return it == ids_.end() ? -1 : it->second;
}

uint32_t CommandCatalog::CategoryBit(std::string_view name) const {
  for (size_t i = 0; i < category_names_.size(); ++i) {
    if (absl::EqualsIgnoreCase(category_names_[i], absl::string_view(name.data(), name.size()))) {
      return 1u << i;
    }
  }
  return 0;
}

}  // namespace bazaar::engine::acl
