// One ACL selector (Redis 7.0): which commands, keys and Pub/Sub channels it allows. A user has
// a root selector and any number of others in parentheses; a command may run when one of them
// allows all of it. Rules apply one at a time (Apply), exactly as ACL SETUSER names them:
// +cmd -cmd +@cat -@cat +cmd|firstarg allcommands nocommands ~pat %R~pat %W~pat allkeys
// resetkeys &pat allchannels resetchannels. Describe gives the rules back as ACL LIST shows
// them. A value type: users copy selectors to stage a SETUSER.
#ifndef BAZAAR_ENGINE_ACL_SELECTOR_H_
#define BAZAAR_ENGINE_ACL_SELECTOR_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/acl/catalog.h"

namespace bazaar::engine::acl {

// Why a rule was refused; RuleErrorText gives Redis's words.
enum class RuleError {
  kOk,
  kSyntax,          // EINVAL
  kUnknownCommand,  // ENOENT
  kPatternAfterAllKeys,
  kPatternAfterAllChannels,
  kNoSuchPassword,
  kBadPasswordHash,
  kFirstArgOfSubcommand,
};
std::string_view RuleErrorText(RuleError error);

// What a command touches, for a check: the keys with the access their key spec says (a read
// needs %R, a write %W, neither any pattern), and the channels it publishes or subscribes to.
struct KeyRef {
  std::string_view key;
  bool read = false, write = false;
  size_t arg = 0;  // its index in argv
};
struct ChannelRef {
  std::string_view channel;
  bool pattern = false;  // PSUBSCRIBE's: must be granted as that very pattern
  size_t arg = 0;
};
struct Request {
  int command = -1;            // catalog id
  bool exempt = false;         // no-auth commands (AUTH, HELLO) need no command permission
  std::string_view first_arg;  // the argument a +cmd|arg rule would allow ("" when none)
  std::vector<KeyRef> keys;
  // The command has keys but they could not be found in its arguments: only a selector with
  // every key (allkeys) allows it.
  bool unparsed_keys = false;
  std::vector<ChannelRef> channels;
};

// Redis's ACL_DENIED_* in the order ACL picks the one to report (the last wins).
enum class Denial { kNone = 0, kCommand = 1, kKey = 2, kChannel = 4 };
struct Verdict {
  Denial denial = Denial::kNone;
  size_t arg = 0;  // the refused key's or channel's index in argv
  bool ok() const { return denial == Denial::kNone; }
};

class Selector {
 public:
  // A new selector allows nothing; all_channels is acl-pubsub-default's choice.
  Selector(const CommandCatalog* catalog, bool all_channels);

  RuleError Apply(std::string_view rule);
  Verdict Check(const Request& request) const;

  // Whether every command, key and channel is allowed (checks can be skipped).
  bool unrestricted() const;
  bool all_keys() const { return all_keys_; }
  // Whether it grants every key name for reading (and writing): allkeys, or a `*` pattern.
  bool GrantsAllKeys(bool write) const;
  bool all_channels() const { return all_channels_; }
  // Whether a channel (a pattern: that very pattern) is allowed.
  bool AllowsChannel(std::string_view channel, bool pattern) const;

  // ACL LIST's form: keys, channels, then command rules ("~x resetchannels -@all +get").
  std::string Describe() const;
  // ACL GETUSER's fields.
  std::string DescribeCommands() const;
  std::string DescribeKeys() const;
  std::string DescribeChannels() const;

 private:
  struct KeyPattern {
    std::string pattern;
    bool read = false, write = false;
  };
  void SetCommand(int id, bool allowed);  // and its subcommands; clears its first-args
  void SetCategory(uint32_t bit, bool allowed);
  RuleError ApplyKeyPattern(std::string_view rule);
  RuleError ApplyCommandRule(std::string_view rule);

  const CommandCatalog* catalog_;
  std::vector<bool> allowed_;  // by command id
  // Redis's reserved "future commands" bit: set by +@all, cleared by -@all, and what decides
  // whether the description starts from +@all or -@all.
  bool future_commands_ = false;
  bool all_keys_ = false, all_channels_ = false;
  std::vector<KeyPattern> keys_;
  std::vector<std::string> channels_;
  std::map<int, std::vector<std::string>> first_args_;  // +select|0: command id -> args
};

}  // namespace bazaar::engine::acl

#endif  // BAZAAR_ENGINE_ACL_SELECTOR_H_
