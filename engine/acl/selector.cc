#include "engine/acl/selector.h"

#include <climits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "engine/core/glob.h"

namespace bazaar::engine::acl {
namespace {

bool Is(std::string_view a, std::string_view b) {
  return absl::EqualsIgnoreCase(absl::string_view(a.data(), a.size()),
                                absl::string_view(b.data(), b.size()));
}

}  // namespace

std::string_view RuleErrorText(RuleError error) {
  switch (error) {
    case RuleError::kOk:
      return "";
    case RuleError::kSyntax:
      return "Syntax error";
    case RuleError::kUnknownCommand:
      return "Unknown command or category name in ACL";
    case RuleError::kPatternAfterAllKeys:
      return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does "
             "not have any effect. Try 'resetkeys' to start with an empty list of patterns";
    case RuleError::kPatternAfterAllChannels:
      return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and "
             "does not have any effect. Try 'resetchannels' to start with an empty list of "
             "channels";
    case RuleError::kNoSuchPassword:
      return "The password you are trying to remove from the user does not exist";
    case RuleError::kBadPasswordHash:
      return "The password hash must be exactly 64 characters and contain only lowercase "
             "hexadecimal characters";
    case RuleError::kFirstArgOfSubcommand:
      return "Allowing first-arg of a subcommand is not supported";
  }
  return "Wrong format";
}

Selector::Selector(const CommandCatalog* catalog, bool all_channels)
    : catalog_(catalog), allowed_(catalog->entries().size(), false), all_channels_(all_channels) {}

void Selector::SetCommand(int id, bool allowed) {
  allowed_[id] = allowed;
  first_args_.erase(id);
  for (int sub : catalog_->entry(id).subcommands) allowed_[sub] = allowed;
}

void Selector::SetCategory(uint32_t bit, bool allowed) {
  // In the table's order, a container before its subcommands: a container in the category
  // takes all of its subcommands along, as Redis's does.
  const auto& entries = catalog_->entries();
  for (size_t id = 0; id < entries.size(); ++id) {
    if (entries[id].categories & bit) SetCommand(static_cast<int>(id), allowed);
  }
}

RuleError Selector::Apply(std::string_view rule) {
  if (Is(rule, "allkeys") || rule == "~*") {
    all_keys_ = true;
    keys_.clear();
  } else if (Is(rule, "resetkeys")) {
    all_keys_ = false;
    keys_.clear();
  } else if (Is(rule, "allchannels") || rule == "&*") {
    all_channels_ = true;
    channels_.clear();
  } else if (Is(rule, "resetchannels")) {
    all_channels_ = false;
    channels_.clear();
  } else if (Is(rule, "allcommands") || Is(rule, "+@all")) {
    allowed_.assign(allowed_.size(), true);
    future_commands_ = true;
    first_args_.clear();
  } else if (Is(rule, "nocommands") || Is(rule, "-@all")) {
    allowed_.assign(allowed_.size(), false);
    future_commands_ = false;
    first_args_.clear();
  } else if (!rule.empty() && (rule[0] == '~' || rule[0] == '%')) {
    return ApplyKeyPattern(rule);
  } else if (!rule.empty() && rule[0] == '&') {
    if (all_channels_) return RuleError::kPatternAfterAllChannels;
    std::string pattern(rule.substr(1));
    bool known = false;
    for (const auto& c : channels_) known = known || c == pattern;
    if (!known) channels_.push_back(std::move(pattern));
  } else if (rule.size() >= 2 && (rule[0] == '+' || rule[0] == '-') && rule[1] == '@') {
    const uint32_t bit = catalog_->CategoryBit(rule.substr(2));
    if (bit == 0) return RuleError::kUnknownCommand;
    SetCategory(bit, rule[0] == '+');
  } else if (!rule.empty() && (rule[0] == '+' || rule[0] == '-')) {
    return ApplyCommandRule(rule);
  } else {
    return RuleError::kSyntax;
  }
  return RuleError::kOk;
}

RuleError Selector::ApplyKeyPattern(std::string_view rule) {
  if (all_keys_) return RuleError::kPatternAfterAllKeys;
  bool read = true, write = true;
  size_t offset = 1;
  if (rule[0] == '%') {
    read = write = false;
    for (; offset < rule.size(); ++offset) {
      const char c = absl::ascii_toupper(rule[offset]);
      if (c == 'R' && !read) {
        read = true;
      } else if (c == 'W' && !write) {
        write = true;
      } else if (rule[offset] == '~') {
        ++offset;
        break;
      } else {
        return RuleError::kSyntax;
      }
    }
    // Real Redis 7.0.15 takes "%R" (no '~') as the empty pattern, and so do we.
    if (!read && !write) return RuleError::kSyntax;
  }
  const std::string_view pattern = rule.substr(offset);
  for (KeyPattern& p : keys_) {
    if (p.pattern == pattern) {  // the same pattern again widens its access
      p.read = p.read || read;
      p.write = p.write || write;
      return RuleError::kOk;
    }
  }
  keys_.push_back({std::string(pattern), read, write});
  return RuleError::kOk;
}

RuleError Selector::ApplyCommandRule(std::string_view rule) {
  const bool allow = rule[0] == '+';
  const std::string_view name = rule.substr(1);
  const size_t bar = name.rfind('|');
  if (!allow || bar == std::string_view::npos) {
    const int id = catalog_->Find(name);
    if (id < 0) return RuleError::kUnknownCommand;
    SetCommand(id, allow);
    return RuleError::kOk;
  }
  const int base = catalog_->Find(name.substr(0, bar));
  if (base < 0) return RuleError::kUnknownCommand;
  if (catalog_->entry(base).parent >= 0) return RuleError::kFirstArgOfSubcommand;
  const std::string_view arg = name.substr(bar + 1);
  if (arg.empty()) return RuleError::kSyntax;
  if (!catalog_->entry(base).subcommands.empty()) {
    const int sub = catalog_->Find(name);
    if (sub < 0) return RuleError::kUnknownCommand;
    SetCommand(sub, true);
    return RuleError::kOk;
  }
  // +select|0: one first argument of an otherwise refused command (deprecated in Redis 7.0,
  // still honoured).
  auto& args = first_args_[base];
  for (const auto& a : args) {
    if (Is(a, arg)) return RuleError::kOk;
  }
  args.emplace_back(arg);
  return RuleError::kOk;
}

bool Selector::unrestricted() const {
  if (!all_keys_ || !all_channels_) return false;
  for (bool a : allowed_) {
    if (!a) return false;
  }
  return true;
}

bool Selector::GrantsAllKeys(bool write) const {
  if (all_keys_) return true;
  for (const KeyPattern& p : keys_) {
    if (p.pattern == "*" && p.read && (p.write || !write)) return true;
  }
  return false;
}

bool Selector::AllowsChannel(std::string_view channel, bool pattern) const {
  if (all_channels_) return true;
  for (const auto& p : channels_) {
    if (pattern ? p == channel : core::GlobMatch(p, channel)) return true;
  }
  return false;
}

Verdict Selector::Check(const Request& request) const {
  if (!request.exempt && !allowed_[request.command]) {
    auto it = first_args_.find(request.command);
    bool granted = false;
    if (it != first_args_.end() && !request.first_arg.empty()) {
      for (const auto& a : it->second) granted = granted || Is(a, request.first_arg);
    }
    if (!granted) return {Denial::kCommand, 0};
  }
  if (!all_keys_) {
    if (request.unparsed_keys) return {Denial::kKey, 0};
    for (const KeyRef& k : request.keys) {
      bool ok = false;
      for (const KeyPattern& p : keys_) {
        if ((k.read && !p.read) || (k.write && !p.write)) continue;
        if (core::GlobMatch(p.pattern, k.key)) {
          ok = true;
          break;
        }
      }
      if (!ok) return {Denial::kKey, k.arg};
    }
  }
  for (const ChannelRef& c : request.channels) {
    if (!AllowsChannel(c.channel, c.pattern)) return {Denial::kChannel, c.arg};
  }
  return {};
}

std::string Selector::DescribeKeys() const {
  if (all_keys_) return "~*";
  std::string out;
  for (const KeyPattern& p : keys_) {
    if (!out.empty()) out += ' ';
    out += p.read && p.write ? "~" : p.read ? "%R~" : "%W~";
    out += p.pattern;
  }
  return out;
}

std::string Selector::DescribeChannels() const {
  if (all_channels_) return "&*";
  std::string out;
  for (const auto& c : channels_) {
    if (!out.empty()) out += ' ';
    out += '&' + c;
  }
  return out;
}

std::string Selector::Describe() const {
  std::string out;
  const std::string keys = DescribeKeys();
  if (!keys.empty()) out += keys + ' ';
  if (!all_channels_) out += "resetchannels ";
  const std::string channels = DescribeChannels();
  if (!channels.empty()) out += channels + ' ';
  return out + DescribeCommands();
}

// Redis's approximation: start from +@all or -@all, take the category that best matches what
// is still unexplained (more commands in common than apart, fewest apart), again and again, then
// name the single commands that still differ, in the table's order.
std::string Selector::DescribeCommands() const {
  const bool additive = !future_commands_;
  std::string rules = additive ? "-@all " : "+@all ";
  Selector fake(catalog_, true);
  fake.Apply(additive ? "-@all" : "+@all");
  Selector unexplained(*this);
  const auto& entries = catalog_->entries();
  const auto& categories = catalog_->category_names();
  std::vector<bool> applied(categories.size(), false);
  while (true) {
    int best = -1;
    size_t min_diff = SIZE_MAX, max_same = 0;
    for (size_t c = 0; c < categories.size(); ++c) {
      if (applied[c]) continue;
      size_t on = 0, off = 0;
      for (size_t id = 0; id < entries.size(); ++id) {
        if (!(entries[id].categories & (1u << c))) continue;
        (unexplained.allowed_[id] ? on : off)++;
      }
      const size_t diff = additive ? off : on, same = additive ? on : off;
      if (same > diff && (diff < min_diff || (diff == min_diff && same > max_same))) {
        best = static_cast<int>(c);
        min_diff = diff;
        max_same = same;
      }
    }
    if (best < 0) break;
    fake.SetCategory(1u << best, additive);
    unexplained.SetCategory(1u << best, !additive);
    rules += (additive ? "+@" : "-@") + categories[best] + ' ';
    applied[best] = true;
  }
  for (size_t id = 0; id < entries.size(); ++id) {
    const int cmd = static_cast<int>(id);
    if (entries[id].parent >= 0) continue;  // with its container, below
    auto single = [&](int c) {
      if (allowed_[c] != fake.allowed_[c]) {
        rules += (allowed_[c] ? "+" : "-") + entries[c].name + ' ';
        fake.SetCommand(c, allowed_[c]);
      }
    };
    single(cmd);
    for (int sub : entries[id].subcommands) single(sub);
    auto it = first_args_.find(cmd);
    if (!allowed_[cmd] && it != first_args_.end()) {
      for (const auto& a : it->second) rules += '+' + entries[id].name + '|' + a + ' ';
    }
  }
  rules.pop_back();
  return rules;
}

}  // namespace bazaar::engine::acl
