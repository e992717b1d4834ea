#include "engine/commands/acl_categories.h"

#include "absl/strings/str_split.h"

namespace bazaar::engine::commands {
namespace {

constexpr std::pair<uint32_t, std::string_view> kNames[] = {
    {kAclKeyspace, "@keyspace"},
    {kAclRead, "@read"},
    {kAclWrite, "@write"},
    {kAclSet, "@set"},
    {kAclSortedSet, "@sortedset"},
    {kAclList, "@list"},
    {kAclHash, "@hash"},
    {kAclString, "@string"},
    {kAclBitmap, "@bitmap"},
    {kAclHyperLogLog, "@hyperloglog"},
    {kAclGeo, "@geo"},
    {kAclStream, "@stream"},
    {kAclPubSub, "@pubsub"},
    {kAclAdmin, "@admin"},
    {kAclFast, "@fast"},
    {kAclSlow, "@slow"},
    {kAclBlocking, "@blocking"},
    {kAclDangerous, "@dangerous"},
    {kAclConnection, "@connection"},
    {kAclTransaction, "@transaction"},
    {kAclScripting, "@scripting"},
};

// The categories each command has beyond what its flags imply (Redis 7.0's command reference).
// Subcommands are named "parent|sub"; a container itself has none of these.
constexpr std::pair<uint32_t, std::string_view> kExplicit[] = {
    {kAclString,
     "append decr decrby get getdel getex getrange getset incr incrby incrbyfloat lcs mget mset "
     "msetnx psetex set setex setnx setrange strlen substr"},
    {kAclList,
     "blmove blmpop blpop brpop brpoplpush lindex linsert llen lmove lmpop lpop lpos lpush lpushx "
     "lrange lrem lset ltrim rpop rpoplpush rpush rpushx sort sort_ro"},
    {kAclSet,
     "sadd scard sdiff sdiffstore sinter sintercard sinterstore sismember smembers smismember "
     "smove spop srandmember srem sscan sunion sunionstore sort sort_ro"},
    {kAclSortedSet,
     "bzmpop bzpopmax bzpopmin zadd zcard zcount zdiff zdiffstore zincrby zinter zintercard "
     "zinterstore zlexcount zmpop zmscore zpopmax zpopmin zrandmember zrange zrangebylex "
     "zrangebyscore zrangestore zrank zrem zremrangebylex zremrangebyrank zremrangebyscore "
     "zrevrange zrevrangebylex zrevrangebyscore zrevrank zscan zscore zunion zunionstore sort "
     "sort_ro"},
    {kAclHash,
     "hdel hexists hget hgetall hincrby hincrbyfloat hkeys hlen hmget hmset hrandfield hscan hset "
     "hsetnx hstrlen hvals"},
    {kAclBitmap, "bitcount bitfield bitfield_ro bitop bitpos getbit setbit"},
    {kAclHyperLogLog, "pfadd pfcount pfdebug pfmerge pfselftest"},
    {kAclGeo,
     "geoadd geodist geohash geopos georadius georadius_ro georadiusbymember "
     "georadiusbymember_ro geosearch geosearchstore"},
    {kAclStream,
     "xack xadd xautoclaim xclaim xdel xgroup|create xgroup|createconsumer xgroup|delconsumer "
     "xgroup|destroy xgroup|help xgroup|setid xinfo|consumers xinfo|groups xinfo|help "
     "xinfo|stream xlen xpending xrange xread xreadgroup xrevrange xsetid xtrim"},
    {kAclKeyspace,
     "copy dbsize del dump exists expire expireat expiretime move object|encoding object|freq "
     "object|help object|idletime object|refcount persist pexpire pexpireat pexpiretime pttl "
     "randomkey rename renamenx scan touch ttl type unlink flushall flushdb keys migrate restore "
     "restore-asking swapdb"},
    {kAclDangerous,
     "flushall flushdb keys migrate restore restore-asking swapdb sort sort_ro info lastsave "
     "role"},
    {kAclAdmin, "lastsave role"},
    {kAclConnection,
     "asking auth client|caching client|getname client|getredir client|help client|id "
     "client|info client|kill client|list client|no-evict client|pause client|reply "
     "client|setname client|tracking client|trackinginfo client|unblock client|unpause command "
     "command|count command|docs command|getkeys command|help command|info command|list echo "
     "hello ping quit readonly readwrite reset select wait"},
    {kAclTransaction, "discard exec multi unwatch watch"},
    {kAclScripting,
     "eval eval_ro evalsha evalsha_ro fcall fcall_ro function|delete function|dump "
     "function|flush function|help function|kill function|list function|load function|restore "
     "function|stats script|exists script|flush script|help script|kill script|load"},
};

CommandSpec* FindByName(CommandTable& table, std::string_view name) {
  const size_t bar = name.find('|');
  CommandSpec* spec = table.Find(name.substr(0, bar));
  if (spec == nullptr || bar == std::string_view::npos) return spec;
  return spec->FindSubcommand(name.substr(bar + 1));
}

}  // namespace

void AssignAclCategories(CommandTable& table) {
  for (const auto& [category, names] : kExplicit) {
    const absl::string_view list(names.data(), names.size());
    for (absl::string_view name : absl::StrSplit(list, absl::ByChar(' '), absl::SkipEmpty())) {
      // A command we do not have yet is simply not there (command_table_test lists those).
      if (CommandSpec* spec = FindByName(table, std::string_view(name.data(), name.size()))) {
        spec->acl_categories |= category;
      }
    }
  }
}

uint32_t AclCategoriesOf(const CommandSpec& spec) {
  uint32_t c = spec.acl_categories;
  if (spec.flags & kWrite) c |= kAclWrite;
  // A read-only script command is not @read: what it reads is up to the script (as Redis).
  if ((spec.flags & kReadOnly) && !(c & kAclScripting)) c |= kAclRead;
  if (spec.flags & kAdmin) c |= kAclAdmin | kAclDangerous;
  if (spec.flags & kPubSubFlag) c |= kAclPubSub;
  c |= (spec.flags & kFast) ? kAclFast : kAclSlow;
  if (spec.flags & kBlocking) c |= kAclBlocking;
  return c;
}

uint32_t AclCategoryBit(std::string_view name) {
  for (const auto& [bit, n] : kNames) {
    if (n == name) return bit;
  }
  return 0;
}

std::vector<std::string_view> AclCategoryNames(uint32_t categories) {
  std::vector<std::string_view> names;
  for (const auto& [bit, name] : kNames) {
    if (categories & bit) names.push_back(name);
  }
  return names;
}

}  // namespace bazaar::engine::commands
