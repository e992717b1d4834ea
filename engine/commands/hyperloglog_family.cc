// HyperLogLogs: PFADD PFCOUNT PFMERGE, and PFDEBUG / PFSELFTEST (not gated by
// enable-debug-command: Redis 7.0 does not gate them either). The values are plain strings in
// Redis's byte layout (core/hyperloglog.h), so they persist, replicate and WATCH as strings do.
#include <string>

#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/core/hyperloglog.h"

namespace bazaar::engine::commands {
namespace {

namespace hll = core::hll;
using core::Value;

constexpr std::string_view kNotHllError = "WRONGTYPE Key is not a valid HyperLogLog string value.";
constexpr std::string_view kCorruptError = "INVALIDOBJ Corrupted HLL object detected";

// A value PF* commands may use; false after replying Redis's error.
bool HllOrReply(CommandContext& ctx, const Value& v) {
  if (!v.is_string()) return ctx.reply.Error(kWrongTypeError), false;
  if (!hll::LooksValid(v.str())) return ctx.reply.Error(kNotHllError), false;
  return true;
}

int64_t SparseMaxBytes(const CommandContext& ctx) {
  return ctx.server.options.hll_sparse_max_bytes;
}

// PFADD key [element ...]: 1 if the key was created or a register rose. Like Redis, every
// raised register counts as a change (dirty), the key being signalled once.
void PfAddCommand(CommandContext& ctx, Args args) {
  Value* v = ctx.keyspace.FindForWrite(ctx.db(), args[1]);
  const bool created = v == nullptr;
  if (created) {
    v = &ctx.keyspace.Store(ctx.db(), args[1], Value(hll::NewValue()));
  } else if (!HllOrReply(ctx, *v)) {
    return;
  }
  uint64_t changes = created ? 1 : 0;  // Redis's dirty: the creation and each raised register
  for (size_t i = 2; i < args.size(); ++i) {
    const hll::Update u = hll::Add(v->str(), args[i], SparseMaxBytes(ctx));
    if (u == hll::Update::kCorrupt) return ctx.reply.Error(kCorruptError);
    if (u == hll::Update::kChanged) ++changes;
  }
  if (changes == 0) return ctx.reply.Integer(0);
  hll::InvalidateCache(v->str());
  if (!created) ctx.keyspace.MarkModified(ctx.db(), args[1]);  // Store signalled a new key
  ctx.keyspace.Notify(ctx.db(), core::events::kString, "pfadd", args[1]);
  ctx.keyspace.AddDirty(changes - 1);
  ctx.reply.Integer(1);
}

// PFCOUNT key [key ...]. One key answers its cached count, or computes it and writes it back
// into the value (a change, propagated as Redis does although the command is read-only);
// several keys count their union and change nothing.
void PfCountCommand(CommandContext& ctx, Args args) {
  if (args.size() > 2) {
    hll::Registers max(hll::kRegisters, 0);
    for (size_t i = 1; i < args.size(); ++i) {
      const Value* v = ctx.keyspace.FindForRead(ctx.db(), args[i]);
      if (!v) continue;
      if (!HllOrReply(ctx, *v)) return;
      if (!hll::MergeInto(v->str(), max)) return ctx.reply.Error(kCorruptError);
    }
    return ctx.reply.Integer(static_cast<int64_t>(hll::CountRegisters(max)));
  }
  Value* v = ctx.keyspace.FindForRead(ctx.db(), args[1]);
  if (!v) return ctx.reply.Integer(0);
  if (!HllOrReply(ctx, *v)) return;
  std::string& value = v->str();
  if (hll::CacheValid(value)) {
    return ctx.reply.Integer(static_cast<int64_t>(hll::CachedCount(value)));
  }
  const std::optional<uint64_t> count = hll::Count(value);
  if (!count) return ctx.reply.Error(kCorruptError);
  hll::SetCachedCount(value, *count);
  ctx.keyspace.MarkModified(ctx.db(), args[1]);
  ctx.propagate_read_only = true;
  ctx.reply.Integer(static_cast<int64_t>(*count));
}

// PFMERGE destkey [sourcekey ...]: destkey (itself one of the sources) gets the registers'
// maximum; it becomes dense if any source is, else it stays sparse as long as it can.
void PfMergeCommand(CommandContext& ctx, Args args) {
  hll::Registers max(hll::kRegisters, 0);
  bool any_dense = false;
  for (size_t i = 1; i < args.size(); ++i) {
    const Value* v = ctx.keyspace.FindForRead(ctx.db(), args[i]);
    if (!v) continue;
    if (!HllOrReply(ctx, *v)) return;
    any_dense |= hll::EncodingOf(v->str()) == hll::kDense;
    if (!hll::MergeInto(v->str(), max)) return ctx.reply.Error(kCorruptError);
  }
  Value* dest = ctx.keyspace.FindForWrite(ctx.db(), args[1]);
  const bool created = dest == nullptr;
  if (created) dest = &ctx.keyspace.Store(ctx.db(), args[1], Value(hll::NewValue()));
  std::string& value = dest->str();
  if (any_dense && !hll::ToDense(value)) return ctx.reply.Error(kCorruptError);
  for (int i = 0; i < hll::kRegisters; ++i) {
    if (max[i] != 0) hll::SetRegister(value, i, max[i], SparseMaxBytes(ctx));
  }
  hll::InvalidateCache(value);
  if (!created) ctx.keyspace.MarkModified(ctx.db(), args[1]);
  ctx.keyspace.Notify(ctx.db(), core::events::kString, "pfadd", args[1]);
  ctx.reply.SimpleString("OK");
}

// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key. A conversion to dense counts as a write (so it
// is propagated) without signalling the key, as in Redis.
void PfDebugCommand(CommandContext& ctx, Args args) {
  const std::string_view sub = args[1];
  Value* v = ctx.keyspace.FindForWrite(ctx.db(), args[2]);
  if (!v) return ctx.reply.Error("ERR The specified key does not exist");
  if (!HllOrReply(ctx, *v)) return;
  std::string& value = v->str();
  const bool known = IsOption(sub, "getreg") || IsOption(sub, "decode") ||
                     IsOption(sub, "encoding") || IsOption(sub, "todense");
  if (!known) return ctx.reply.Error("ERR Unknown PFDEBUG subcommand '" + std::string(sub) + "'");
  const bool sparse = hll::EncodingOf(value) == hll::kSparse;
  if (IsOption(sub, "getreg") || IsOption(sub, "todense")) {
    if (sparse) {
      if (!hll::ToDense(value)) return ctx.reply.Error(kCorruptError);
      ctx.keyspace.AddDirty(1);
    }
    if (IsOption(sub, "todense")) return ctx.reply.Integer(sparse ? 1 : 0);
    ctx.reply.ArrayHeader(hll::kRegisters);
    for (int i = 0; i < hll::kRegisters; ++i) ctx.reply.Integer(hll::DenseRegister(value, i));
  } else if (IsOption(sub, "decode")) {
    if (!sparse) return ctx.reply.Error("ERR HLL encoding is not sparse");
    ctx.reply.Bulk(hll::DescribeSparse(value));
  } else {
    ctx.reply.SimpleString(sparse ? "sparse" : "dense");
  }
}

void PfSelfTestCommand(CommandContext& ctx, Args) {
  const std::string failure = hll::SelfTest(SparseMaxBytes(ctx));
  if (!failure.empty()) return ctx.reply.Error("ERR " + failure);
  ctx.reply.SimpleString("OK");
}

}  // namespace

void RegisterHyperLogLogFamily(CommandTable& table) {
  table.Add({"pfadd", -2, kWrite | kDenyOom | kFast, 1, 1, 1, PfAddCommand});
  table.Add({"pfcount", -2, kReadOnly | kMayReplicate, 1, -1, 1, PfCountCommand});
  table.Add({"pfmerge", -2, kWrite | kDenyOom, 1, -1, 1, PfMergeCommand});
  table.Add({"pfdebug", 3, kWrite | kDenyOom | kAdmin, 2, 2, 1, PfDebugCommand});
  table.Add({"pfselftest", 1, kAdmin, 0, 0, 0, PfSelfTestCommand});
}

}  // namespace bazaar::engine::commands
