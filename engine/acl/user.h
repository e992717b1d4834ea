// One ACL user (Redis 7.0): on/off, its passwords (SHA-256 hashes) or nopass, the payload
// sanitizing flag, a root selector and more selectors. Rules apply one at a time, as ACL SETUSER
// and the ACL file name them (selectors in parentheses, whole); Describe gives ACL LIST's line.
// A value type: Users stages a SETUSER on a copy.
#ifndef BAZAAR_ENGINE_ACL_USER_H_
#define BAZAAR_ENGINE_ACL_USER_H_

#include <string>
#include <string_view>
#include <vector>

#include "engine/acl/selector.h"

namespace bazaar::engine::acl {

class User {
 public:
  // A new user: off, no passwords, a root selector that allows nothing. *all_channels is
  // acl-pubsub-default as it is now (read again by each new selector and by reset); it must
  // outlive the user.
  User(std::string name, const CommandCatalog* catalog, const bool* all_channels);

  // One rule: on off nopass resetpass >pw <pw #hash !hash skip-sanitize-payload
  // sanitize-payload reset clearselectors (selector rules) or a root-selector rule.
  RuleError Apply(std::string_view rule);

  const std::string& name() const { return name_; }
  bool enabled() const { return enabled_; }
  bool nopass() const { return nopass_; }
  // Whether AUTH with this password logs in (a user that is off never does).
  bool Accepts(std::string_view password) const;
  // Whether any of its selectors allows the request; else the denial to report (Redis's: the
  // highest kind, and for one kind the last argument refused).
  Verdict Check(const Request& request) const;
  // Allows everything: the checks can be skipped (the default user, unless restricted). Kept
  // up to date by Apply, since every command asks.
  bool unrestricted() const { return unrestricted_; }
  // Whether one selector allows the request and grants every key for reading: what SORT's BY
  // and GET need, since the keys they read are known only as they run.
  bool ReadsAnyKeyFor(const Request& request) const;
  // Whether any selector allows this channel (a pattern: that very pattern): a subscriber keeps
  // a subscription only while one does.
  bool AllowsChannel(std::string_view channel, bool pattern) const;

  // ACL LIST's line without "user <name> ".
  std::string Describe() const;
  // ACL GETUSER's pieces.
  std::vector<std::string> FlagNames() const;
  const std::vector<std::string>& password_hashes() const { return passwords_; }
  const Selector& root() const { return root_; }
  const std::vector<Selector>& selectors() const { return selectors_; }

 private:
  RuleError ApplyRule(std::string_view rule);

  std::string name_;
  const CommandCatalog* catalog_;
  const bool* all_channels_default_;
  bool enabled_ = false;
  bool nopass_ = false;
  // Neither, or one of them: Redis lists sanitize-payload or skip-sanitize-payload only once set.
  bool sanitize_payload_ = false, skip_sanitize_payload_ = false;
  std::vector<std::string> passwords_;  // SHA-256 hex, in the order added
  Selector root_;
  std::vector<Selector> selectors_;
  bool unrestricted_ = false;
};

// SHA-256 of a password, as lowercase hex (how ACL keeps and lists passwords).
std::string HashPassword(std::string_view password);

}  // namespace bazaar::engine::acl

#endif  // BAZAAR_ENGINE_ACL_USER_H_
