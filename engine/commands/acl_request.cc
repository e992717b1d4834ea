#include "engine/commands/acl_request.h"

#include "absl/container/flat_hash_map.h"
#include "engine/commands/acl_categories.h"
#include "engine/commands/arg_util.h"
#include "engine/commands/command_keys.h"

namespace bazaar::engine::commands {
namespace {

enum Access : uint8_t { kNeither = 0, kRead = 1, kWriteKey = 2, kReadWrite = 3 };

// What Redis 7.0's key specs say of each command's keys (COMMAND INFO's flags: access is a
// read; insert, update and delete are writes), for the first key and for the keys after it.
// kNeither: the command only looks at the key's existence or size (EXISTS, TYPE, STRLEN), so any
// pattern grants it.
struct KeyAccessTable {
  absl::flat_hash_map<std::string_view, std::pair<Access, Access>> by_name;
  KeyAccessTable() {
    auto all = [&](Access a, std::initializer_list<std::string_view> names) {
      for (auto n : names) by_name[n] = {a, a};
    };
    all(kNeither, {"exists", "hexists", "hlen", "hstrlen", "llen", "memory|usage",
                   "object|encoding", "object|freq", "object|idletime", "object|refcount", "scard",
                   "sismember", "strlen", "touch", "type", "watch", "xlen", "zcard"});
    all(kRead, {"bitcount",
                "bitfield_ro",
                "bitpos",
                "dump",
                "eval_ro",
                "evalsha_ro",
                "expiretime",
                "fcall_ro",
                "geodist",
                "geohash",
                "geopos",
                "georadius_ro",
                "georadiusbymember_ro",
                "geosearch",
                "get",
                "getbit",
                "getrange",
                "hget",
                "hgetall",
                "hkeys",
                "hmget",
                "hrandfield",
                "hscan",
                "hvals",
                "lcs",
                "lindex",
                "lpos",
                "lrange",
                "mget",
                "pexpiretime",
                "pfcount",
                "pfdebug",
                "pttl",
                "sdiff",
                "sinter",
                "sintercard",
                "smembers",
                "smismember",
                "srandmember",
                "sscan",
                "substr",
                "sunion",
                "ttl",
                "xinfo|consumers",
                "xinfo|groups",
                "xinfo|stream",
                "xpending",
                "xrange",
                "xread",
                "xreadgroup",
                "xrevrange",
                "zcount",
                "zdiff",
                "zinter",
                "zintercard",
                "zlexcount",
                "zmscore",
                "zrandmember",
                "zrange",
                "zrangebylex",
                "zrangebyscore",
                "zrank",
                "zrevrange",
                "zrevrangebylex",
                "zrevrangebyscore",
                "zrevrank",
                "zscan",
                "zscore",
                "zunion",
                "sort_ro"});
    all(kReadWrite, {"blmpop",      "blpop",   "brpop",   "bzmpop",       "bzpopmax", "bzpopmin",
                     "decr",        "decrby",  "eval",    "evalsha",      "fcall",    "getdel",
                     "getex",       "getset",  "hincrby", "hincrbyfloat", "incr",     "incrby",
                     "incrbyfloat", "lmpop",   "lpop",    "move",         "rpop",     "setbit",
                     "spop",        "zincrby", "zmpop",   "zpopmax",      "zpopmin",  "migrate"});
    all(kWriteKey, {"append",
                    "del",
                    "expire",
                    "expireat",
                    "geoadd",
                    "hdel",
                    "hmset",
                    "hset",
                    "hsetnx",
                    "linsert",
                    "lpush",
                    "lpushx",
                    "lrem",
                    "lset",
                    "ltrim",
                    "mset",
                    "msetnx",
                    "persist",
                    "pexpire",
                    "pexpireat",
                    "pfadd",
                    "psetex",
                    "restore",
                    "restore-asking",
                    "rpush",
                    "rpushx",
                    "sadd",
                    "setex",
                    "setnx",
                    "setrange",
                    "srem",
                    "unlink",
                    "xack",
                    "xadd",
                    "xautoclaim",
                    "xclaim",
                    "xdel",
                    "xgroup|create",
                    "xgroup|createconsumer",
                    "xgroup|delconsumer",
                    "xgroup|destroy",
                    "xgroup|setid",
                    "xsetid",
                    "xtrim",
                    "zadd",
                    "zrem",
                    "zremrangebylex",
                    "zremrangebyrank",
                    "zremrangebyscore"});
    for (auto n : {"copy", "georadius", "georadiusbymember", "sort"})
      by_name[n] = {kRead, kWriteKey};
    by_name["pfmerge"] = {kReadWrite, kRead};
    for (auto n : {"blmove", "brpoplpush", "lmove", "rename", "renamenx", "rpoplpush", "smove"}) {
      by_name[n] = {kReadWrite, kWriteKey};
    }
    for (auto n : {"bitop", "geosearchstore", "sdiffstore", "sinterstore", "sunionstore",
                   "zdiffstore", "zinterstore", "zrangestore", "zunionstore"}) {
      by_name[n] = {kWriteKey, kRead};
    }
  }
};

// SET and BITFIELD's access depends on their arguments (Redis's variable-flags key specs).
Access SetAccess(Args argv) {
  for (size_t i = 3; i < argv.size(); ++i) {
    if (IsOption(argv[i], "get")) return kReadWrite;
  }
  return kWriteKey;
}

Access BitfieldAccess(Args argv) {
  for (size_t i = 2; i < argv.size(); ++i) {
    const size_t more = argv.size() - i - 1;
    if (IsOption(argv[i], "get") && more >= 2) {
      i += 2;
    } else if (IsOption(argv[i], "overflow") && more >= 1) {
      i += 1;
    } else {
      return kReadWrite;  // a write, or a syntax error: safer taken as a write, as Redis does
    }
  }
  return kRead;
}

Access KeyAccessOf(const CommandSpec& spec, Args argv, size_t nth) {
  if (spec.name == "set") return SetAccess(argv);
  if (spec.name == "bitfield") return BitfieldAccess(argv);
  static const KeyAccessTable* table = new KeyAccessTable();
  auto it = table->by_name.find(spec.name);
  if (it == table->by_name.end()) return kReadWrite;  // a command we cannot place: the strictest
  return nth == 0 ? it->second.first : it->second.second;
}

}  // namespace

std::unique_ptr<acl::CommandCatalog> BuildAclCatalog(CommandTable& table) {
  std::vector<std::string> names;
  for (std::string_view n : AclCategoryNames(~0u)) names.emplace_back(n.substr(1));
  auto catalog = std::make_unique<acl::CommandCatalog>(std::move(names));
  table.ForEach([&](CommandSpec& spec) {
    spec.acl_id = catalog->Add(spec.name, AclCategoriesOf(spec));
    for (auto& sub : spec.subcommands) {
      sub->acl_id = catalog->Add(sub->name, AclCategoriesOf(*sub), spec.acl_id);
    }
  });
  return catalog;
}

acl::Request AclRequestFor(const CommandSpec& spec, Args argv) {
  acl::Request request;
  request.command = spec.acl_id;
  request.exempt = (spec.flags & kNoAuth) != 0;
  const size_t first_arg = spec.name.find('|') == std::string::npos ? 1 : 2;
  if (argv.size() > first_arg) request.first_arg = argv[first_arg];
  const std::string& n = spec.name;
  // Shard channels sit where keys would (for the cluster's slot), but are channels.
  const bool shard = n == "spublish" || n == "ssubscribe" || n == "sunsubscribe";
  if (!shard && HasKeys(spec)) {
    const auto positions = KeyPositions(spec, argv);
    if (!positions) {
      // Keys we cannot find (a bad count, a missing keyword) are not keys we may let pass: the
      // request stands for a key no pattern grants, so a restricted user is refused (fail closed;
      // the command would have failed on its arguments anyway).
      request.unparsed_keys = true;
    } else {
      for (size_t i = 0; i < positions->size(); ++i) {
        const size_t at = (*positions)[i];
        const Access access = KeyAccessOf(spec, argv, i);
        request.keys.push_back({argv[at], (access & kRead) != 0, (access & kWriteKey) != 0, at});
      }
    }
  }
  if (n == "publish" || n == "spublish") {
    request.channels.push_back({argv[1], false, 1});
  } else if (n == "subscribe" || n == "ssubscribe" || n == "psubscribe") {
    for (size_t i = 1; i < argv.size(); ++i) {
      request.channels.push_back({argv[i], n == "psubscribe", i});
    }
  }
  return request;
}

std::string AclDenialError(acl::Denial denial, const CommandSpec& spec) {
  switch (denial) {
    case acl::Denial::kCommand:
      return "NOPERM this user has no permissions to run the '" + spec.name + "' command";
    case acl::Denial::kKey:
      return "NOPERM this user has no permissions to access one of the keys used as arguments";
    case acl::Denial::kChannel:
      return "NOPERM this user has no permissions to access one of the channels used as "
             "arguments";
    case acl::Denial::kNone:
      break;
  }
  return "NOPERM no permission";
}

std::string AclExecDenialError(acl::Denial denial) {
  std::string reason = "no permission";
  if (denial == acl::Denial::kCommand) {
    reason = "no permission to execute the command or subcommand";
  } else if (denial == acl::Denial::kKey) {
    reason = "no permission to touch the specified keys";
  } else if (denial == acl::Denial::kChannel) {
    reason = "no permission to access one of the channels used as arguments";
  }
  return "NOPERM ACLs rules changed between the moment the transaction was accumulated and the "
         "EXEC call. This command is no longer allowed for the following reason: " +
         reason;
}

std::string AclScriptDenialError(acl::Denial denial) {
  switch (denial) {
    case acl::Denial::kCommand:
      return "The user executing the script can't run this command or subcommand";
    case acl::Denial::kKey:
      return "The user executing the script can't access at least one of the keys mentioned in "
             "the command arguments";
    case acl::Denial::kChannel:
      return "The user executing the script can't publish to the channel mentioned in the "
             "command";
    case acl::Denial::kNone:
      break;
  }
  return "The user executing the script is lacking the permissions for the command";
}

std::string_view AclDenialReason(acl::Denial denial) {
  switch (denial) {
    case acl::Denial::kCommand:
      return "command";
    case acl::Denial::kKey:
      return "key";
    case acl::Denial::kChannel:
      return "channel";
    case acl::Denial::kNone:
      break;
  }
  return "";
}

}  // namespace bazaar::engine::commands
