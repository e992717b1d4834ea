#include "engine/acl/users.h"

#include <optional>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace bazaar::engine::acl {
namespace {

// Redis's ACLMergeSelectorArguments: an argument that opens a parenthesis without closing it
// takes the following ones along, joined with spaces, up to the one that closes it. nullopt
// (with the opening argument's index) when none does.
std::optional<std::vector<std::string>> MergeSelectors(const std::vector<std::string_view>& args,
                                                       size_t* unmatched) {
  std::vector<std::string> out;
  std::string selector;
  bool open = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (!open && !a.empty() && a.front() == '(' && a.back() != ')') {
      selector = std::string(a);
      open = true;
      *unmatched = i;
      continue;
    }
    if (open) {
      selector += ' ';
      selector += a;
      if (!a.empty() && a.back() == ')') {
        out.push_back(std::move(selector));
        open = false;
      }
      continue;
    }
    out.emplace_back(a);
  }
  if (open) return std::nullopt;
  return out;
}

}  // namespace

bool ValidUserName(std::string_view name) {
  for (char c : name) {
    if (c == ' ' || c == '\0' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
      return false;
    }
  }
  return true;
}

Users::Users(std::unique_ptr<CommandCatalog> catalog) : catalog_(std::move(catalog)) {
  default_ = StockDefaultUser();
  users_["default"] = default_;
}

std::unique_ptr<User> Users::NewUser(std::string name) const {
  return std::make_unique<User>(std::move(name), catalog_.get(), &all_channels_default_);
}

std::unique_ptr<User> Users::StockDefaultUser() const {
  auto user = NewUser("default");
  for (std::string_view r : {"+@all", "~*", "&*", "on", "nopass"}) user->Apply(r);
  return user;
}

std::shared_ptr<User> Users::Find(std::string_view name) const {
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<User>> Users::All() const {
  std::vector<std::shared_ptr<User>> all;
  for (const auto& [name, user] : users_) all.push_back(user);
  return all;
}

std::string Users::SetUser(std::string_view name, const std::vector<std::string_view>& rules) {
  size_t unmatched = 0;
  auto merged = MergeSelectors(rules, &unmatched);
  if (!merged) {
    return "ERR Unmatched parenthesis in acl selector starting at '" +
           std::string(rules[unmatched]) + "'.";
  }
  std::shared_ptr<User> existing = Find(name);
  User staged = existing ? *existing : *NewUser(std::string(name));
  for (const std::string& rule : *merged) {
    if (RuleError e = staged.Apply(rule); e != RuleError::kOk) {
      return "ERR Error in ACL SETUSER modifier '" + rule + "': " + std::string(RuleErrorText(e));
    }
  }
  if (existing) {
    *existing = std::move(staged);
  } else {
    users_[std::string(name)] = std::make_shared<User>(std::move(staged));
  }
  return "";
}

bool Users::Delete(std::string_view name) {
  auto it = users_.find(name);
  if (it == users_.end() || it->second == default_) return false;
  users_.erase(it);
  return true;
}

void Users::SetDefaultPassword(std::string_view password) {
  default_->Apply("resetpass");
  default_->Apply(password.empty() ? "nopass" : ">" + std::string(password));
}

std::string Users::Load(std::string_view source, std::string_view text, bool keep_default) {
  const std::string file(source);
  std::string errors;
  std::map<std::string, std::shared_ptr<User>, std::less<>> loaded;
  int line_number = 0;
  for (absl::string_view raw : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    ++line_number;
    const absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty()) continue;
    const std::vector<std::string> words = absl::StrSplit(line, ' ');
    const std::string at = file + ":" + std::to_string(line_number);
    if (words[0] != "user" || words.size() < 2) {
      errors += at + " should start with user keyword followed by the username. ";
      continue;
    }
    if (!ValidUserName(words[1])) {
      errors += "'" + at + ": username '" + words[1] + "' contains invalid characters. ";
      continue;
    }
    if (loaded.count(words[1])) {
      errors += "WARNING: Duplicate user '" + words[1] + "' found on line " +
                std::to_string(line_number) + ". ";
      continue;
    }
    std::vector<std::string_view> args(words.begin() + 2, words.end());
    size_t unmatched = 0;
    auto merged = MergeSelectors(args, &unmatched);
    if (!merged) {
      errors += at + ": Unmatched parenthesis in selector definition.";
      continue;
    }
    auto user = NewUser(words[1]);
    if (keep_default && words[1] == "default") user->Apply("reset");
    bool reported = false;
    for (std::string& rule : *merged) {
      rule = std::string(absl::StripAsciiWhitespace(rule));
      const RuleError e = user->Apply(rule);
      if (e == RuleError::kOk) continue;
      // Unknown names are safe to repeat; other errors may quote a secret, so only the first
      // is told, without the rule (as Redis does).
      if (e == RuleError::kUnknownCommand) {
        errors += at + ": Error in applying operation '" + rule +
                  "': " + std::string(RuleErrorText(e)) + ". ";
      } else if (!reported) {
        errors += at + ": " + std::string(RuleErrorText(e)) + ". ";
        reported = true;
      }
    }
    if (errors.empty()) loaded[words[1]] = std::move(user);
  }
  if (!errors.empty()) {
    return errors +
           "WARNING: ACL errors detected, no change to the previously active ACL rules was "
           "performed";
  }
  // The default user object is shared with clients: it keeps its identity, and takes the
  // loaded rules (or the stock ones).
  auto it = loaded.find("default");
  if (it != loaded.end()) {
    *default_ = *it->second;
  } else if (!keep_default) {
    *default_ = *StockDefaultUser();
  }
  loaded["default"] = default_;
  users_ = std::move(loaded);
  return "";
}

std::string Users::Serialize() const {
  std::string out;
  for (const auto& [name, user] : users_) out += "user " + name + " " + user->Describe() + "\n";
  return out;
}

}  // namespace bazaar::engine::acl
