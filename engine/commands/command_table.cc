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

std::vector<std::string_view> CommandKeys(const CommandSpec& spec, Args argv) {
  std::vector<std::string_view> keys;
  const auto argc = static_cast<int64_t>(argv.size());
  const std::string& n = spec.name;
  if (n == "zunion" || n == "zinter" || n == "zdiff" || n == "zintercard" || n == "sintercard") {
    int64_t count = 0;
    if (argc > 1 && absl::SimpleAtoi(absl::string_view(argv[1].data(), argv[1].size()), &count)) {
      for (int64_t i = 2; i < argc && i < 2 + count; ++i) keys.push_back(argv[i]);
    }
    return keys;
  }
  if (n == "xread") {
    for (int64_t i = 1; i < argc; ++i) {
      if (!absl::EqualsIgnoreCase(absl::string_view(argv[i].data(), argv[i].size()), "streams")) {
        continue;
      }
      const int64_t half = (argc - i - 1) / 2;
      for (int64_t j = i + 1; j <= i + half; ++j) keys.push_back(argv[j]);
      break;
    }
    return keys;
  }
  if (spec.first_key <= 0) return keys;
  const int64_t last = spec.last_key < 0 ? argc + spec.last_key : spec.last_key;
  for (int64_t i = spec.first_key; i <= last && i < argc; i += std::max(spec.key_step, 1)) {
    keys.push_back(argv[i]);
  }
  return keys;
}

void CommandTable::ResetStats() {
  for (auto* c : order_) {
    c->stats = CommandStats();
    for (auto& s : c->subcommands) s->stats = CommandStats();
  }
}

}  // namespace bazaar::engine::commands
