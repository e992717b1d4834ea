// Keyspace commands: DEL UNLINK EXISTS TYPE RENAME RENAMENX KEYS SCAN RANDOMKEY DBSIZE FLUSHDB
// FLUSHALL SWAPDB MOVE COPY SELECT TOUCH, and expiry: EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL
// EXPIRETIME PEXPIRETIME PERSIST.
#include <cerrno>
#include <climits>
#include <cstdlib>

#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/commands/object_encoding.h"
#include "engine/core/eviction.h"
#include "engine/core/glob.h"

namespace bazaar::engine::commands {
namespace {

void DelCommand(CommandContext& ctx, Args args) {
  int64_t removed = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    if (!ctx.keyspace.Delete(ctx.db(), args[i])) continue;
    ctx.keyspace.Notify(ctx.db(), core::events::kGeneric, "del", args[i]);
    ++removed;
  }
  ctx.reply.Integer(removed);
}

void ExistsCommand(CommandContext& ctx, Args args) {
  int64_t found = 0;
  for (size_t i = 1; i < args.size(); ++i) found += ctx.keyspace.FindForRead(ctx.db(), args[i]) != nullptr;
  ctx.reply.Integer(found);
}

void TypeCommand(CommandContext& ctx, Args args) {
  core::Value* v = ctx.keyspace.FindForRead(ctx.db(), args[1]);
  ctx.reply.SimpleString(v ? core::TypeName(v->type()) : "none");
}

void RenameGeneric(CommandContext& ctx, Args args, bool nx) {
  const int db = ctx.db();
  if (!ctx.keyspace.FindForWrite(db, args[1])) return ctx.reply.Error(kNoSuchKeyError);
  if (args[1] == args[2]) return nx ? ctx.reply.Integer(0) : ctx.reply.Ok();
  if (ctx.keyspace.FindForWrite(db, args[2])) {
    if (nx) return ctx.reply.Integer(0);
    ctx.keyspace.Delete(db, args[2]);
  }
  auto taken = ctx.keyspace.Take(db, args[1]);
  ctx.keyspace.Store(db, args[2], std::move(taken->first));
  if (taken->second != -1) ctx.keyspace.SetExpire(db, args[2], taken->second);
  ctx.keyspace.Notify(db, core::events::kGeneric, "rename_from", args[1]);
  ctx.keyspace.Notify(db, core::events::kGeneric, "rename_to", args[2]);
  nx ? ctx.reply.Integer(1) : ctx.reply.Ok();
}

void RenameCommand(CommandContext& ctx, Args args) { RenameGeneric(ctx, args, false); }
void RenameNxCommand(CommandContext& ctx, Args args) { RenameGeneric(ctx, args, true); }

void KeysCommand(CommandContext& ctx, Args args) {
  std::vector<std::string_view> keys;
  const bool all = args[1] == "*";
  ctx.keyspace.ForEachKey(ctx.db(), [&](const std::string& key, const core::Value&) {
    if (all || core::GlobMatch(args[1], key)) keys.push_back(key);
  });
  ctx.reply.ArrayHeader(keys.size());
  for (auto k : keys) ctx.reply.Bulk(k);
}

// Redis's cursor parsing: a whole unsigned decimal number, no leading space.
bool ParseCursor(std::string_view arg, uint64_t* cursor) {
  std::string s(arg);
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  errno = 0;
  char* end;
  *cursor = std::strtoull(s.c_str(), &end, 10);
  return *end == '\0' && errno != ERANGE;
}

void ScanCommand(CommandContext& ctx, Args args) {
  uint64_t cursor;
  if (!ParseCursor(args[1], &cursor)) return ctx.reply.Error("ERR invalid cursor");
  int64_t count = 10;
  std::string_view pattern, type;
  bool use_pattern = false, use_type = false;
  for (size_t i = 2; i < args.size();) {
    size_t left = args.size() - i;
    if (IsOption(args[i], "count") && left >= 2) {
      if (!IntArgOrReply(ctx.reply, args[i + 1], &count)) return;
      if (count < 1) return ctx.reply.Error(kSyntaxError);
      i += 2;
    } else if (IsOption(args[i], "match") && left >= 2) {
      pattern = args[i + 1];
      use_pattern = pattern != "*";
      i += 2;
    } else if (IsOption(args[i], "type") && left >= 2) {
      type = args[i + 1];
      use_type = true;
      i += 2;
    } else {
      return ctx.reply.Error(kSyntaxError);
    }
  }
  std::vector<std::string> keys;
  auto wanted = [&](const std::string& key, const core::Value& v) {
    return (!use_pattern || core::GlobMatch(pattern, key)) &&
           (!use_type || IsOption(type, core::TypeName(v.type())));
  };
  std::vector<std::pair<std::string, const core::Value*>> expired;
  int64_t budget = count * 10;
  do {
    cursor = ctx.keyspace.Scan(
        ctx.db(), cursor,
        [&](const std::string& key, const core::Value& v) {
          if (wanted(key, v)) keys.push_back(key);
        },
        &expired);
    // An expired key SCAN would have returned is deleted now (and logged as its own DEL);
    // chosen first, since deleting may move the other entries.
    std::vector<std::string> due;
    for (const auto& [key, value] : expired) {
      if (wanted(key, *value)) due.push_back(key);
    }
    expired.clear();
    for (const std::string& key : due) ctx.keyspace.ExpireIfNeeded(ctx.db(), key);
  } while (cursor != 0 && budget-- > 0 && static_cast<int64_t>(keys.size()) < count);
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(cursor));
  ctx.reply.ArrayHeader(keys.size());
  for (const auto& k : keys) ctx.reply.Bulk(k);
}

void RandomKeyCommand(CommandContext& ctx, Args) {
  auto key = ctx.keyspace.RandomKey(ctx.db());
  key ? ctx.reply.Bulk(*key) : ctx.reply.NullBulk();
}

void DbSizeCommand(CommandContext& ctx, Args) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.keyspace.DbSize(ctx.db())));
}

// FLUSHDB / FLUSHALL [ASYNC|SYNC]: both run synchronously here.
bool FlushArgsOk(CommandContext& ctx, Args args) {
  if (args.size() > 2 || (args.size() == 2 && !IsOption(args[1], "sync") &&
                          !IsOption(args[1], "async"))) {
    ctx.reply.Error(kSyntaxError);
    return false;
  }
  return true;
}

void FlushDbCommand(CommandContext& ctx, Args args) {
  if (!FlushArgsOk(ctx, args)) return;
  ctx.keyspace.FlushDb(ctx.db());
  ctx.force_propagation = true;
  ctx.reply.Ok();
}

void FlushAllCommand(CommandContext& ctx, Args args) {
  if (!FlushArgsOk(ctx, args)) return;
  ctx.keyspace.FlushAll();
  ctx.force_propagation = true;
  ctx.reply.Ok();
}

bool DbIndexOk(const CommandContext& ctx, int index) {
  return index >= 0 && index < ctx.keyspace.num_dbs();
}

void SwapDbCommand(CommandContext& ctx, Args args) {
  int a, b;
  if (!Int32ArgOrReply(ctx.reply, args[1], &a, "ERR invalid first DB index")) return;
  if (!Int32ArgOrReply(ctx.reply, args[2], &b, "ERR invalid second DB index")) return;
  if (!DbIndexOk(ctx, a) || !DbIndexOk(ctx, b)) return ctx.reply.Error(kDbIndexError);
  if (a != b) ctx.keyspace.SwapDb(a, b);
  ctx.force_propagation = true;
  ctx.reply.Ok();
}

void SelectCommand(CommandContext& ctx, Args args) {
  int index;
  if (!Int32ArgOrReply(ctx.reply, args[1], &index)) return;
  if (!DbIndexOk(ctx, index)) return ctx.reply.Error(kDbIndexError);
  ctx.client.db = index;
  ctx.reply.Ok();
}

void MoveCommand(CommandContext& ctx, Args args) {
  int target;
  if (!Int32ArgOrReply(ctx.reply, args[2], &target)) return;
  if (!DbIndexOk(ctx, target)) return ctx.reply.Error(kDbIndexError);
  if (target == ctx.db()) return ctx.reply.Error(kSameObjectError);
  if (!ctx.keyspace.FindForWrite(ctx.db(), args[1])) return ctx.reply.Integer(0);
  if (ctx.keyspace.FindForWrite(target, args[1])) return ctx.reply.Integer(0);
  auto taken = ctx.keyspace.Take(ctx.db(), args[1]);
  ctx.keyspace.Store(target, args[1], std::move(taken->first));
  if (taken->second != -1) ctx.keyspace.SetExpire(target, args[1], taken->second);
  ctx.keyspace.Notify(ctx.db(), core::events::kGeneric, "move_from", args[1]);
  ctx.keyspace.Notify(target, core::events::kGeneric, "move_to", args[1]);
  ctx.reply.Integer(1);
}

// COPY source destination [DB db] [REPLACE]: a deep copy, expiry included; 0 when there is no
// source or the destination exists without REPLACE.
void CopyCommand(CommandContext& ctx, Args args) {
  int target = ctx.db();
  bool replace = false;
  for (size_t j = 3; j < args.size(); ++j) {
    if (IsOption(args[j], "replace")) {
      replace = true;
    } else if (IsOption(args[j], "db") && j + 1 < args.size()) {
      if (!Int32ArgOrReply(ctx.reply, args[++j], &target)) return;
      if (!DbIndexOk(ctx, target)) return ctx.reply.Error(kDbIndexError);
    } else {
      return ctx.reply.Error(kSyntaxError);
    }
  }
  if (target == ctx.db() && args[1] == args[2]) return ctx.reply.Error(kSameObjectError);
  const core::Value* source = ctx.keyspace.FindForRead(ctx.db(), args[1]);
  if (!source) return ctx.reply.Integer(0);
  const int64_t expire = ctx.keyspace.GetExpire(ctx.db(), args[1]);
  if (ctx.keyspace.FindForWrite(target, args[2])) {
    if (!replace) return ctx.reply.Integer(0);
    // Replaced as Redis does, deleted first: the copy is a new key.
    ctx.keyspace.Delete(target, args[2]);
  }
  ctx.keyspace.Store(target, args[2], source->Clone());
  if (expire != -1) ctx.keyspace.SetExpire(target, args[2], expire);
  ctx.keyspace.Notify(target, core::events::kGeneric, "copy_to", args[2]);
  ctx.reply.Integer(1);
}

void TouchCommand(CommandContext& ctx, Args args) {
  int64_t found = 0;
  for (size_t i = 1; i < args.size(); ++i) found += ctx.keyspace.FindForRead(ctx.db(), args[i]) != nullptr;
  ctx.reply.Integer(found);
}

enum ExpireFlag { kExpireNx = 1, kExpireXx = 2, kExpireGt = 4, kExpireLt = 8 };

// EXPIRE PEXPIRE EXPIREAT PEXPIREAT share this, per Redis's expireGenericCommand.
void ExpireGeneric(CommandContext& ctx, Args args, bool relative, bool seconds) {
  int flags = 0;
  for (size_t j = 3; j < args.size(); ++j) {
    if (IsOption(args[j], "nx")) flags |= kExpireNx;
    else if (IsOption(args[j], "xx")) flags |= kExpireXx;
    else if (IsOption(args[j], "gt")) flags |= kExpireGt;
    else if (IsOption(args[j], "lt")) flags |= kExpireLt;
    else return ctx.reply.Error("ERR Unsupported option " + std::string(args[j]));
  }
  if ((flags & kExpireNx) && (flags & (kExpireXx | kExpireGt | kExpireLt))) {
    return ctx.reply.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
  }
  if ((flags & kExpireGt) && (flags & kExpireLt)) {
    return ctx.reply.Error("ERR GT and LT options at the same time are not compatible");
  }
  int64_t when;
  if (!IntArgOrReply(ctx.reply, args[2], &when)) return;
  std::string invalid = "ERR invalid expire time in '" + ctx.spec.name + "' command";
  if (seconds) {
    if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) return ctx.reply.Error(invalid);
    when *= 1000;
  }
  int64_t base = relative ? ctx.keyspace.now_ms() : 0;
  if (when > LLONG_MAX - base) return ctx.reply.Error(invalid);
  when += base;
  const int db = ctx.db();
  if (!ctx.keyspace.FindForWrite(db, args[1])) return ctx.reply.Integer(0);
  int64_t current = ctx.keyspace.GetExpire(db, args[1]);
  if (((flags & kExpireNx) && current != -1) || ((flags & kExpireXx) && current == -1) ||
      ((flags & kExpireGt) && (when <= current || current == -1)) ||
      ((flags & kExpireLt) && current != -1 && when >= current)) {
    return ctx.reply.Integer(0);
  }
  const std::string key(args[1]);
  if (when <= ctx.keyspace.now_ms()) {
    ctx.keyspace.Delete(db, key);
    ctx.keyspace.Notify(db, core::events::kGeneric, "del", key);
    ctx.PropagateAs({"DEL", key});
  } else {
    ctx.keyspace.SetExpire(db, key, when);
    ctx.keyspace.MarkModified(db, key);
    ctx.keyspace.Notify(db, core::events::kGeneric, "expire", key);
    ctx.PropagateAs({"PEXPIREAT", key, std::to_string(when)});
  }
  ctx.reply.Integer(1);
}

void ExpireCommand(CommandContext& ctx, Args args) { ExpireGeneric(ctx, args, true, true); }
void PExpireCommand(CommandContext& ctx, Args args) { ExpireGeneric(ctx, args, true, false); }
void ExpireAtCommand(CommandContext& ctx, Args args) { ExpireGeneric(ctx, args, false, true); }
void PExpireAtCommand(CommandContext& ctx, Args args) { ExpireGeneric(ctx, args, false, false); }

// TTL PTTL EXPIRETIME PEXPIRETIME: -2 no key, -1 no expiry.
void TtlGeneric(CommandContext& ctx, Args args, bool millis, bool absolute) {
  if (!ctx.keyspace.FindForRead(ctx.db(), args[1])) return ctx.reply.Integer(-2);
  int64_t when = ctx.keyspace.GetExpire(ctx.db(), args[1]);
  if (when == -1) return ctx.reply.Integer(-1);
  int64_t value = absolute ? when : std::max<int64_t>(when - ctx.keyspace.now_ms(), 0);
  if (!millis) value = (value + 500) / 1000;
  ctx.reply.Integer(value);
}

void TtlCommand(CommandContext& ctx, Args args) { TtlGeneric(ctx, args, false, false); }
void PTtlCommand(CommandContext& ctx, Args args) { TtlGeneric(ctx, args, true, false); }
void ExpireTimeCommand(CommandContext& ctx, Args args) { TtlGeneric(ctx, args, false, true); }
void PExpireTimeCommand(CommandContext& ctx, Args args) { TtlGeneric(ctx, args, true, true); }

void PersistCommand(CommandContext& ctx, Args args) {
  if (!ctx.keyspace.FindForWrite(ctx.db(), args[1])) return ctx.reply.Integer(0);
  if (!ctx.keyspace.RemoveExpire(ctx.db(), args[1])) return ctx.reply.Integer(0);
  ctx.keyspace.MarkModified(ctx.db(), args[1]);
  ctx.keyspace.Notify(ctx.db(), core::events::kGeneric, "persist", args[1]);
  ctx.reply.Integer(1);
}

const core::Value* ObjectTarget(CommandContext& ctx, Args args) {
  const core::Value* v = ctx.keyspace.Peek(ctx.db(), args[2]);
  if (!v) ctx.reply.NullBulk();
  return v;
}

void ObjectEncodingCommand(CommandContext& ctx, Args args) {
  if (const core::Value* v = ObjectTarget(ctx, args)) ctx.reply.Bulk(EncodingName(*v));
}

void ObjectRefcountCommand(CommandContext& ctx, Args args) {
  const core::Value* v = ObjectTarget(ctx, args);
  if (!v) return;
  // Redis shares the integers 0..9999 (refcount INT_MAX); everything else is referenced once.
  int64_t n;
  bool shared = v->is_string() && protocol::ParseInt64(v->str(), &n) && n >= 0 && n < 10000;
  ctx.reply.Integer(shared ? INT_MAX : 1);
}

void ObjectIdletimeCommand(CommandContext& ctx, Args args) {
  const core::Value* v = ObjectTarget(ctx, args);
  if (!v) return;
  if (ctx.keyspace.lfu_tracking().enabled) {
    return ctx.reply.Error(
        "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
        "switching between policies at runtime LRU and LFU data will take some time to adjust.");
  }
  int64_t idle = ctx.keyspace.now_ms() / 1000 - v->access_time();
  ctx.reply.Integer(idle < 0 ? 0 : idle);
}

void ObjectFreqCommand(CommandContext& ctx, Args args) {
  const core::Value* v = ObjectTarget(ctx, args);
  if (!v) return;
  const core::Keyspace::LfuTracking& lfu = ctx.keyspace.lfu_tracking();
  if (lfu.enabled) {
    return ctx.reply.Integer(core::LfuDecayed(v->lfu_counter(), v->access_time(),
                                              static_cast<uint32_t>(ctx.keyspace.now_ms() / 1000),
                                              lfu.decay_minutes));
  }
  ctx.reply.Error(
      "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
      "that when switching between policies at runtime LRU and LFU data will take some time to "
      "adjust.");
}

void ObjectHelpCommand(CommandContext& ctx, Args) {
  ReplyHelp(ctx.reply, {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
  });
}

}  // namespace

// OBJECT ENCODING names what we hold in Redis's words: our lists are chunked (quicklist), sets
// are intsets or hash tables by Redis's rules, hashes are packed (listpack) while small and hash
// tables beyond. A sorted set
// is a table plus an ordered index either way, but while within zset-max-listpack-* it behaves as
// Redis's listpack ones (ZSCAN returns it whole, -0 is kept as 0), so it answers listpack then,
// skiplist beyond.
std::string_view EncodingName(const core::Value& v) {
  switch (v.type()) {
    case core::ValueType::kString: {
      int64_t n;
      if (v.raw_string()) return "raw";
      if (v.str().size() <= 20 && protocol::ParseInt64(v.str(), &n)) return "int";
      return v.str().size() <= 44 ? "embstr" : "raw";
    }
    case core::ValueType::kList: return "quicklist";
    case core::ValueType::kSet: return v.set().is_intset() ? "intset" : "hashtable";
    case core::ValueType::kZSet: return v.zset().compact() ? "listpack" : "skiplist";
    case core::ValueType::kHash: return v.hash().compact() ? "listpack" : "hashtable";
    case core::ValueType::kStream: return "stream";
  }
  return "unknown";
}

void RegisterGenericFamily(CommandTable& table) {
  table.Add({"del", -2, kWrite, 1, -1, 1, DelCommand});
  table.Add({"unlink", -2, kWrite | kFast, 1, -1, 1, DelCommand});
  table.Add({"exists", -2, kReadOnly | kFast, 1, -1, 1, ExistsCommand});
  table.Add({"type", 2, kReadOnly | kFast, 1, 1, 1, TypeCommand});
  table.Add({"rename", 3, kWrite, 1, 2, 1, RenameCommand});
  table.Add({"renamenx", 3, kWrite | kFast, 1, 2, 1, RenameNxCommand});
  table.Add({"keys", 2, kReadOnly, 0, 0, 0, KeysCommand});
  table.Add({"scan", -2, kReadOnly | kTouchesArbitraryKeys, 0, 0, 0, ScanCommand});
  table.Add({"randomkey", 1, kReadOnly | kTouchesArbitraryKeys, 0, 0, 0, RandomKeyCommand});
  table.Add({"dbsize", 1, kReadOnly | kFast, 0, 0, 0, DbSizeCommand});
  table.Add({"flushdb", -1, kWrite, 0, 0, 0, FlushDbCommand});
  table.Add({"flushall", -1, kWrite, 0, 0, 0, FlushAllCommand});
  table.Add({"swapdb", 3, kWrite | kFast, 0, 0, 0, SwapDbCommand});
  table.Add({"select", 2, kLoading | kStale | kFast, 0, 0, 0, SelectCommand});
  table.Add({"move", 3, kWrite | kFast, 1, 1, 1, MoveCommand});
  table.Add({"copy", -3, kWrite | kDenyOom, 1, 2, 1, CopyCommand});
  table.Add({"touch", -2, kReadOnly | kFast, 1, -1, 1, TouchCommand});
  table.Add({"expire", -3, kWrite | kFast, 1, 1, 1, ExpireCommand});
  table.Add({"pexpire", -3, kWrite | kFast, 1, 1, 1, PExpireCommand});
  table.Add({"expireat", -3, kWrite | kFast, 1, 1, 1, ExpireAtCommand});
  table.Add({"pexpireat", -3, kWrite | kFast, 1, 1, 1, PExpireAtCommand});
  table.Add({"ttl", 2, kReadOnly | kFast, 1, 1, 1, TtlCommand});
  table.Add({"pttl", 2, kReadOnly | kFast, 1, 1, 1, PTtlCommand});
  table.Add({"expiretime", 2, kReadOnly | kFast, 1, 1, 1, ExpireTimeCommand});
  table.Add({"pexpiretime", 2, kReadOnly | kFast, 1, 1, 1, PExpireTimeCommand});
  table.Add({"persist", 2, kWrite | kFast, 1, 1, 1, PersistCommand});
  CommandSpec* object = table.Add({"object", -2, 0, 0, 0, 0, nullptr});
  table.AddSubcommand(object, {"encoding", 3, kReadOnly, 2, 2, 1, ObjectEncodingCommand});
  table.AddSubcommand(object, {"refcount", 3, kReadOnly, 2, 2, 1, ObjectRefcountCommand});
  table.AddSubcommand(object, {"idletime", 3, kReadOnly, 2, 2, 1, ObjectIdletimeCommand});
  table.AddSubcommand(object, {"freq", 3, kReadOnly, 2, 2, 1, ObjectFreqCommand});
  table.AddSubcommand(object, {"help", 2, kLoading | kStale, 0, 0, 0, ObjectHelpCommand});
}

}  // namespace bazaar::engine::commands
