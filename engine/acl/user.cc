#include "engine/acl/user.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"

namespace bazaar::engine::acl {
namespace {

bool Is(std::string_view a, std::string_view b) {
  return absl::EqualsIgnoreCase(absl::string_view(a.data(), a.size()),
                                absl::string_view(b.data(), b.size()));
}

bool IsPasswordHash(std::string_view hash) {
  return hash.size() == 64 && std::all_of(hash.begin(), hash.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Redis's sdssplitargs, enough for a selector's inside: words split by blanks, with "..." and
// '...' quoting. nullopt on unbalanced quotes.
std::optional<std::vector<std::string>> SplitRules(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (true) {
    while (i < text.size() && absl::ascii_isspace(text[i])) ++i;
    if (i == text.size()) return out;
    std::string word;
    char quote = 0;
    for (; i < text.size(); ++i) {
      const char c = text[i];
      if (quote) {
        if (c == quote) {
          quote = 0;
          if (i + 1 < text.size() && !absl::ascii_isspace(text[i + 1])) return std::nullopt;
        } else {
          word += c;
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (absl::ascii_isspace(c)) {
        break;
      } else {
        word += c;
      }
    }
    if (quote) return std::nullopt;
    out.push_back(std::move(word));
  }
}

}  // namespace

std::string HashPassword(std::string_view password) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(password.data(), password.size(), digest, &size, EVP_sha256(), nullptr);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), size));
}

User::User(std::string name, const CommandCatalog* catalog, const bool* all_channels)
    : name_(std::move(name)),
      catalog_(catalog),
      all_channels_default_(all_channels),
      root_(catalog, *all_channels) {}

RuleError User::Apply(std::string_view rule) {
  const RuleError error = ApplyRule(rule);
  unrestricted_ = root_.unrestricted();
  return error;
}

RuleError User::ApplyRule(std::string_view rule) {
  if (Is(rule, "on")) {
    enabled_ = true;
  } else if (Is(rule, "off")) {
    enabled_ = false;
  } else if (Is(rule, "skip-sanitize-payload")) {
    skip_sanitize_payload_ = true;
    sanitize_payload_ = false;
  } else if (Is(rule, "sanitize-payload")) {
    sanitize_payload_ = true;
    skip_sanitize_payload_ = false;
  } else if (Is(rule, "nopass")) {
    nopass_ = true;
    passwords_.clear();
  } else if (Is(rule, "resetpass")) {
    nopass_ = false;
    passwords_.clear();
  } else if (!rule.empty() && (rule[0] == '>' || rule[0] == '#')) {
    std::string hash = rule[0] == '>' ? HashPassword(rule.substr(1)) : std::string(rule.substr(1));
    if (!IsPasswordHash(hash)) return RuleError::kBadPasswordHash;
    if (std::find(passwords_.begin(), passwords_.end(), hash) == passwords_.end()) {
      passwords_.push_back(std::move(hash));
    }
    nopass_ = false;
  } else if (!rule.empty() && (rule[0] == '<' || rule[0] == '!')) {
    const std::string hash =
        rule[0] == '<' ? HashPassword(rule.substr(1)) : std::string(rule.substr(1));
    if (!IsPasswordHash(hash)) return RuleError::kBadPasswordHash;
    auto it = std::find(passwords_.begin(), passwords_.end(), hash);
    if (it == passwords_.end()) return RuleError::kNoSuchPassword;
    passwords_.erase(it);
    nopass_ = false;
  } else if (rule.size() >= 2 && rule.front() == '(' && rule.back() == ')') {
    Selector selector(catalog_, *all_channels_default_);
    auto rules = SplitRules(rule.substr(1, rule.size() - 2));
    if (!rules) return RuleError::kSyntax;
    for (const std::string& r : *rules) {
      if (RuleError e = selector.Apply(r); e != RuleError::kOk) return e;
    }
    selectors_.push_back(std::move(selector));
  } else if (Is(rule, "clearselectors")) {
    selectors_.clear();
  } else if (Is(rule, "reset")) {
    for (std::string_view r : {"resetpass", "resetkeys", "resetchannels"}) Apply(r);
    if (*all_channels_default_) Apply("allchannels");
    for (std::string_view r : {"off", "sanitize-payload", "clearselectors", "-@all"}) Apply(r);
  } else {
    return root_.Apply(rule);
  }
  return RuleError::kOk;
}

bool User::Accepts(std::string_view password) const {
  if (!enabled_) return false;
  if (nopass_) return true;
  const std::string hash = HashPassword(password);
  bool match = false;
  for (const auto& p : passwords_) {
    // Every hash is compared in full, so the time taken tells nothing.
    match = (CRYPTO_memcmp(p.data(), hash.data(), hash.size()) == 0) || match;
  }
  return match;
}

Verdict User::Check(const Request& request) const {
  Verdict verdict = root_.Check(request);
  if (verdict.ok()) return verdict;
  for (const Selector& s : selectors_) {
    const Verdict v = s.Check(request);
    if (v.ok()) return v;
    if (v.denial > verdict.denial || (v.denial == verdict.denial && v.arg > verdict.arg)) {
      verdict = v;
    }
  }
  return verdict;
}

bool User::ReadsAnyKeyFor(const Request& request) const {
  if (root_.Check(request).ok() && root_.GrantsAllKeys(false)) return true;
  for (const Selector& s : selectors_) {
    if (s.Check(request).ok() && s.GrantsAllKeys(false)) return true;
  }
  return false;
}

bool User::AllowsChannel(std::string_view channel, bool pattern) const {
  if (root_.AllowsChannel(channel, pattern)) return true;
  for (const Selector& s : selectors_) {
    if (s.AllowsChannel(channel, pattern)) return true;
  }
  return false;
}

std::vector<std::string> User::FlagNames() const {
  std::vector<std::string> flags = {enabled_ ? "on" : "off"};
  if (nopass_) flags.push_back("nopass");
  if (skip_sanitize_payload_) flags.push_back("skip-sanitize-payload");
  if (sanitize_payload_) flags.push_back("sanitize-payload");
  return flags;
}

std::string User::Describe() const {
  std::string out;
  for (const auto& f : FlagNames()) out += f + ' ';
  for (const auto& p : passwords_) out += '#' + p + ' ';
  out += root_.Describe();
  for (const Selector& s : selectors_) out += " (" + s.Describe() + ')';
  return out;
}

}  // namespace bazaar::engine::acl
