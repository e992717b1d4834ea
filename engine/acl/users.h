// The ACL users (Redis 7.0): `default` always exists (requirepass is its password), others come
// from ACL SETUSER, `user` lines in the config file or the ACL file. A SETUSER applies all of its
// rules or none. Users are shared with the clients logged in as them: a change shows to those
// clients at their next command, and a deleted user lives on only until its clients are gone
// (the server disconnects them). Thread: the loop's.
#ifndef BAZAAR_ENGINE_ACL_USERS_H_
#define BAZAAR_ENGINE_ACL_USERS_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/acl/catalog.h"
#include "engine/acl/user.h"

namespace bazaar::engine::acl {

class Users {
 public:
  explicit Users(std::unique_ptr<CommandCatalog> catalog);

  const CommandCatalog& catalog() const { return *catalog_; }
  const std::shared_ptr<User>& default_user() const { return default_; }
  // nullptr when there is no such user.
  std::shared_ptr<User> Find(std::string_view name) const;
  // Every user, by name (ACL LIST, USERS and SAVE's order).
  std::vector<std::shared_ptr<User>> All() const;

  // ACL SETUSER: creates the user if needed and applies every rule, or changes nothing. Rules
  // split over several arguments ("(~x" "+get)") form one selector. Returns the error reply
  // (with ERR), or "" on success.
  std::string SetUser(std::string_view name, const std::vector<std::string_view>& rules);
  // ACL DELUSER of one name (never `default`): whether it existed.
  bool Delete(std::string_view name);
  // requirepass changed: the default user's only password becomes it (empty: nopass).
  void SetDefaultPassword(std::string_view password);
  // acl-pubsub-default: whether new users and selectors start with allchannels.
  void set_all_channels_default(bool all) { all_channels_default_ = all; }

  // The ACL file's text (or the config file's `user` lines, one per line) replaces every user,
  // all or nothing. `keep_default` (the config file's lines): a `user default` line starts from
  // a reset default user, and without one the default user stays as it is (requirepass's);
  // otherwise (the ACL file) a file without `default` gets the stock one. `source` names the
  // file in errors. Returns Redis's error text (no ERR), or "" on success.
  std::string Load(std::string_view source, std::string_view text, bool keep_default);
  // The ACL file's text for the users now: "user <name> <rules>" lines.
  std::string Serialize() const;

 private:
  std::unique_ptr<User> NewUser(std::string name) const;
  std::unique_ptr<User> StockDefaultUser() const;

  std::unique_ptr<CommandCatalog> catalog_;
  bool all_channels_default_ = false;
  std::shared_ptr<User> default_;
  std::map<std::string, std::shared_ptr<User>, std::less<>> users_;  // default included
};

// Whether a user name is usable: no spaces or NUL bytes (Redis's ACLStringHasSpaces).
bool ValidUserName(std::string_view name);

}  // namespace bazaar::engine::acl

#endif  // BAZAAR_ENGINE_ACL_USERS_H_
