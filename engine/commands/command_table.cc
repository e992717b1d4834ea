#include "engine/commands/command_table.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace bazaar::engine::commands {
namespace {

// Lowercases into `buf`; false if the name is too long to be any command.
bool LowerName(std::string_view name, char (&buf)[32], std::string_view* out) {
  if (name.size() >= sizeof(buf)) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    buf[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  }
  *out = std::string_view(buf, name.size());
  return true;
}

}  // namespace

CommandSpec* CommandSpec::FindSubcommand(std::string_view sub) {
  char buf[32];
  std::string_view lower;
  if (!LowerName(sub, buf, &lower)) return nullptr;
  for (auto& s : subcommands) {
    std::string_view n = s->name;
    if (n.substr(n.find('|') + 1) == lower) return s.get();
  }
  return nullptr;
}

CommandSpec* CommandTable::Add(CommandSpec spec) {
  auto owned = std::make_unique<CommandSpec>(std::move(spec));
  CommandSpec* raw = owned.get();
  commands_[raw->name] = std::move(owned);
  order_.push_back(raw);
  return raw;
}

CommandSpec* CommandTable::AddSubcommand(CommandSpec* parent, CommandSpec sub) {
  sub.name = parent->name + "|" + sub.name;
  parent->subcommands.push_back(std::make_unique<CommandSpec>(std::move(sub)));
  return parent->subcommands.back().get();
}

CommandSpec* CommandTable::Find(std::string_view name) const {
  char buf[32];
  std::string_view lower;
  if (!LowerName(name, buf, &lower)) return nullptr;
  auto it = commands_.find(absl::string_view(lower.data(), lower.size()));
  return it == commands_.end() ? nullptr : it->second.get();
}

void CommandTable::ResetStats() {
  for (auto* c : order_) {
    c->stats = CommandStats();
    for (auto& s : c->subcommands) s->stats = CommandStats();
  }
}

}  // namespace bazaar::engine::commands
