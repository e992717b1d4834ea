// Bitmaps on strings: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO. Bit 0 is the
// most significant bit of byte 0, as in Redis; offsets and ranges follow Redis 7.0 (BYTE or BIT
// ranges, negative indexes from the end, a bit offset bounded by proto-max-bulk-len bytes).
// BITFIELD's integer arithmetic is core/bitfield.h.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/bitfield.h"

#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"

namespace bazaar::engine::commands {
namespace {

using core::Value;

constexpr std::string_view kBitOffsetError = "ERR bit offset is not an integer or out of range";
constexpr std::string_view kBitValueError = "ERR bit is not an integer or out of range";

// A bit offset whose byte lies below proto-max-bulk-len (so SETBIT cannot make a string longer
// than a client could send). With a field width (BITFIELD), `#N` means N fields of that width;
// the product wraps at 64 bits as Redis's does.
bool BitOffsetOrReply(CommandContext& ctx, std::string_view arg, uint64_t* out,
                      int field_width = 0) {
  const bool in_fields = field_width > 0 && !arg.empty() && arg[0] == '#';
  int64_t offset;
  const auto max_bytes = static_cast<uint64_t>(ctx.server.options.proto_max_bulk_len);
  const bool parsed = protocol::ParseInt64(in_fields ? arg.substr(1) : arg, &offset);
  if (parsed && in_fields) {
    offset =
        static_cast<int64_t>(static_cast<uint64_t>(offset) * static_cast<uint64_t>(field_width));
  }
  if (!parsed || offset < 0 || (static_cast<uint64_t>(offset) >> 3) >= max_bytes) {
    ctx.reply.Error(kBitOffsetError);
    return false;
  }
  *out = static_cast<uint64_t>(offset);
  return true;
}

int BitAt(std::string_view s, uint64_t bit) {
  const uint64_t byte = bit >> 3;
  if (byte >= s.size()) return 0;
  return (static_cast<unsigned char>(s[byte]) >> (7 - (bit & 7))) & 1;
}

void SetBitCommand(CommandContext& ctx, Args args) {
  uint64_t offset;
  if (!BitOffsetOrReply(ctx, args[2], &offset)) return;
  int64_t on;
  if (!protocol::ParseInt64(args[3], &on) || (on & ~int64_t{1}) != 0) {
    return ctx.reply.Error(kBitValueError);
  }
  Value* v = ctx.keyspace.FindForWrite(ctx.db(), args[1]);
  if (v && !v->is_string()) return ctx.reply.Error(kWrongTypeError);
  // As in Redis, only a new key, a longer string or a flipped bit is a change: setting a bit to
  // what it was neither counts as a write nor disturbs a WATCH.
  bool changed = v == nullptr;
  // Reported once below, so a new key counts as one change (Redis's dirty).
  if (!v) v = &ctx.keyspace.StoreUnreported(ctx.db(), args[1], Value(std::string()));
  v->set_raw_string(true);  // Redis unshares the string into a plain buffer, bit set or not
  std::string& s = v->str();
  const uint64_t byte = offset >> 3;
  if (s.size() <= byte) {
    s.resize(byte + 1, '\0');
    changed = true;
  }
  const int old = BitAt(s, offset);
  const unsigned char mask = static_cast<unsigned char>(0x80 >> (offset & 7));
  s[byte] = static_cast<char>(on ? (static_cast<unsigned char>(s[byte]) | mask)
                                 : (static_cast<unsigned char>(s[byte]) & ~mask));
  if (changed || old != on) {
    ctx.keyspace.MarkModified(ctx.db(), args[1]);
    ctx.keyspace.Notify(ctx.db(), core::events::kString, "setbit", args[1]);
  }
  ctx.reply.Integer(old);
}

void GetBitCommand(CommandContext& ctx, Args args) {
  uint64_t offset;
  if (!BitOffsetOrReply(ctx, args[2], &offset)) return;
  Value* v = ctx.keyspace.FindForRead(ctx.db(), args[1]);
  if (!v) return ctx.reply.Integer(0);
  if (!v->is_string()) return ctx.reply.Error(kWrongTypeError);
  ctx.reply.Integer(BitAt(v->str(), offset));
}

// A [first, last] range of bits within a string of `bytes` bytes, from start/end arguments in
// BYTE or BIT units (negative from the end, clamped as Redis clamps); empty when first > last.
struct BitRange {
  int64_t first = 0;
  int64_t last = -1;
};

BitRange ClampRange(int64_t start, int64_t end, int64_t bytes, bool in_bits) {
  const int64_t total = in_bits ? bytes * 8 : bytes;
  if (start < 0 && end < 0 && start > end) return {};
  if (start < 0) start += total;
  if (end < 0) end += total;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  if (start > end) return {};
  return in_bits ? BitRange{start, end} : BitRange{start * 8, end * 8 + 7};
}

// Reads the optional BYTE|BIT unit at args[unit_at]; false after replying an error.
bool RangeUnitOrReply(CommandContext& ctx, Args args, size_t unit_at, bool* in_bits) {
  *in_bits = false;
  if (args.size() <= unit_at) return true;
  if (IsOption(args[unit_at], "bit")) {
    *in_bits = true;
  } else if (!IsOption(args[unit_at], "byte")) {
    ctx.reply.Error(kSyntaxError);
    return false;
  }
  return true;
}

// The set bits of n bytes, eight at a time. Debian's x86-64 baseline has no popcnt instruction,
// without which each count is a library call: the function is built both ways and the loader
// picks the one this CPU runs (over 100 MB that is the difference between 10x slower than Redis
// and as fast).
#if defined(__x86_64__)
__attribute__((target_clones("popcnt", "default")))
#endif
int64_t PopcountBytes(const unsigned char* p, size_t n) {
  int64_t count = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, p + i, 8);
    count += __builtin_popcountll(word);
  }
  for (; i < n; ++i) count += __builtin_popcount(p[i]);
  return count;
}

int64_t CountBits(std::string_view s, BitRange r) {
  int64_t count = 0;
  int64_t bit = r.first;
  while (bit <= r.last && (bit & 7) != 0) count += BitAt(s, bit++);
  const int64_t whole_bytes = (r.last + 1 - bit) / 8;
  if (whole_bytes > 0) {
    count += PopcountBytes(reinterpret_cast<const unsigned char*>(s.data()) + (bit >> 3),
                           static_cast<size_t>(whole_bytes));
    bit += whole_bytes * 8;
  }
  while (bit <= r.last) count += BitAt(s, bit++);
  return count;
}

// BITCOUNT key [start end [BYTE|BIT]]: a missing key counts 0 before the range is looked at,
// as in Redis.
void BitCountCommand(CommandContext& ctx, Args args) {
  Value* v = ctx.keyspace.FindForRead(ctx.db(), args[1]);
  if (!v) return ctx.reply.Integer(0);
  if (!v->is_string()) return ctx.reply.Error(kWrongTypeError);
  const std::string& s = v->str();
  const int64_t bytes = static_cast<int64_t>(s.size());
  BitRange range{0, bytes * 8 - 1};
  if (args.size() == 4 || args.size() == 5) {
    int64_t start, end;
    if (!IntArgOrReply(ctx.reply, args[2], &start)) return;
    if (!IntArgOrReply(ctx.reply, args[3], &end)) return;
    bool in_bits;
    if (!RangeUnitOrReply(ctx, args, 4, &in_bits)) return;
    range = ClampRange(start, end, bytes, in_bits);
  } else if (args.size() != 2) {
    return ctx.reply.Error(kSyntaxError);
  }
  ctx.reply.Integer(CountBits(s, range));
}

// The first bit equal to `bit` in range, or -1.
int64_t FindBit(std::string_view s, BitRange r, int bit) {
  const unsigned char skip = bit ? 0x00 : 0xFF;  // bytes that cannot hold the bit
  int64_t pos = r.first;
  const uint64_t skip_word = bit ? 0 : ~uint64_t{0};
  while (pos <= r.last) {
    if ((pos & 63) == 0 && pos + 63 <= r.last) {
      uint64_t word;
      std::memcpy(&word, s.data() + (pos >> 3), 8);
      if (word == skip_word) {
        pos += 64;
        continue;
      }
    }
    if ((pos & 7) == 0 && pos + 7 <= r.last && static_cast<unsigned char>(s[pos >> 3]) == skip) {
      pos += 8;
      continue;
    }
    if (BitAt(s, pos) == bit) return pos;
    ++pos;
  }
  return -1;
}

// BITPOS key bit [start [end [BYTE|BIT]]]. Looking for a 0 without an end, the string counts
// as followed by zeros, so a string of all ones answers the bit right after it.
void BitPosCommand(CommandContext& ctx, Args args) {
  int64_t bit;
  if (!protocol::ParseInt64(args[2], &bit) || (bit != 0 && bit != 1)) {
    return ctx.reply.Error("ERR The bit argument must be 1 or 0.");
  }
  Value* v = ctx.keyspace.FindForRead(ctx.db(), args[1]);
  if (!v) return ctx.reply.Integer(bit ? -1 : 0);
  if (!v->is_string()) return ctx.reply.Error(kWrongTypeError);
  const std::string& s = v->str();
  const int64_t bytes = static_cast<int64_t>(s.size());
  const bool end_given = args.size() >= 5;
  int64_t start = 0, end = -1;
  bool in_bits = false;
  if (args.size() > 6) return ctx.reply.Error(kSyntaxError);
  if (args.size() >= 4 && !IntArgOrReply(ctx.reply, args[3], &start)) return;
  if (end_given && !IntArgOrReply(ctx.reply, args[4], &end)) return;
  if (!RangeUnitOrReply(ctx, args, 5, &in_bits)) return;
  const BitRange range = ClampRange(start, end, bytes, in_bits);
  if (range.first > range.last) return ctx.reply.Integer(-1);
  const int64_t pos = FindBit(s, range, static_cast<int>(bit));
  if (pos < 0 && bit == 0 && !end_given) return ctx.reply.Integer(range.last + 1);
  ctx.reply.Integer(pos);
}

// BITOP AND|OR|XOR|NOT destkey key [key ...]: missing keys are empty strings, shorter ones are
// padded with zero bytes; an empty result deletes destkey. Returns the result's length.
void BitOpCommand(CommandContext& ctx, Args args) {
  enum class Op { kAnd, kOr, kXor, kNot };
  Op op;
  if (IsOption(args[1], "and")) op = Op::kAnd;
  else if (IsOption(args[1], "or")) op = Op::kOr;
  else if (IsOption(args[1], "xor")) op = Op::kXor;
  else if (IsOption(args[1], "not")) op = Op::kNot;
  else return ctx.reply.Error(kSyntaxError);
  if (op == Op::kNot && args.size() != 4) {
    return ctx.reply.Error("ERR BITOP NOT must be called with a single source key.");
  }
  std::vector<std::string_view> sources;
  size_t longest = 0;
  for (size_t i = 3; i < args.size(); ++i) {
    Value* v = ctx.keyspace.FindForRead(ctx.db(), args[i]);
    if (v && !v->is_string()) return ctx.reply.Error(kWrongTypeError);
    sources.push_back(v ? std::string_view(v->str()) : std::string_view());
    longest = std::max(longest, sources.back().size());
  }
  // Shorter sources count as zero-padded. One pass per source over plain byte arrays, which the
  // compiler vectorizes.
  std::string result(longest, '\0');
  auto* out = reinterpret_cast<unsigned char*>(result.data());
  std::memcpy(out, sources[0].data(), sources[0].size());
  for (size_t k = 1; k < sources.size(); ++k) {
    const auto* in = reinterpret_cast<const unsigned char*>(sources[k].data());
    const size_t n = sources[k].size();
    if (op == Op::kAnd) {
      for (size_t j = 0; j < n; ++j) out[j] &= in[j];
      std::memset(out + n, 0, longest - n);
    } else if (op == Op::kOr) {
      for (size_t j = 0; j < n; ++j) out[j] |= in[j];
    } else {
      for (size_t j = 0; j < n; ++j) out[j] ^= in[j];
    }
  }
  if (op == Op::kNot) {
    for (size_t j = 0; j < longest; ++j) out[j] = static_cast<unsigned char>(~out[j]);
  }
  if (longest == 0) {
    if (ctx.keyspace.Delete(ctx.db(), args[2])) {
      ctx.keyspace.Notify(ctx.db(), core::events::kGeneric, "del", args[2]);
    }
  } else {
    ctx.keyspace.Store(ctx.db(), args[2], Value(std::move(result)));
    ctx.keyspace.Notify(ctx.db(), core::events::kString, "set", args[2]);
  }
  ctx.reply.Integer(static_cast<int64_t>(longest));
}

constexpr std::string_view kBitfieldTypeError =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
    "i64 is.";

// i1..i64 or u1..u63; the sign letter is lowercase only, as in Redis.
bool BitfieldTypeOrReply(CommandContext& ctx, std::string_view arg, core::BitfieldType* out) {
  if (arg.empty() || (arg[0] != 'i' && arg[0] != 'u')) {
    return ctx.reply.Error(kBitfieldTypeError), false;
  }
  out->is_signed = arg[0] == 'i';
  // Redis reads the width as a C string, so it ends at a NUL byte.
  std::string_view width = arg.substr(1);
  width = width.substr(0, width.find('\0'));
  int64_t bits;
  if (!protocol::ParseInt64(width, &bits) || bits < 1 || bits > (out->is_signed ? 64 : 63)) {
    return ctx.reply.Error(kBitfieldTypeError), false;
  }
  out->bits = static_cast<int>(bits);
  return true;
}

struct BitfieldOp {
  enum class Kind { kGet, kSet, kIncrBy };
  Kind kind = Kind::kGet;
  core::BitfieldType type;
  uint64_t offset = 0;
  int64_t value = 0;  // SET's value or INCRBY's increment
  core::BitfieldOverflow overflow = core::BitfieldOverflow::kWrap;
};

// Reads the subcommands left to right, checking each as Redis does (the word and its argument
// count, then type, offset, value); an OVERFLOW applies to the SETs and INCRBYs after it. False
// after replying an error.
bool ParseBitfieldOps(CommandContext& ctx, Args args, std::vector<BitfieldOp>* ops) {
  using Kind = BitfieldOp::Kind;
  auto overflow = core::BitfieldOverflow::kWrap;
  for (size_t j = 2; j < args.size(); ++j) {
    const size_t left = args.size() - j - 1;
    BitfieldOp op;
    if (IsOption(args[j], "get") && left >= 2) {
      op.kind = Kind::kGet;
    } else if (IsOption(args[j], "set") && left >= 3) {
      op.kind = Kind::kSet;
    } else if (IsOption(args[j], "incrby") && left >= 3) {
      op.kind = Kind::kIncrBy;
    } else if (IsOption(args[j], "overflow") && left >= 1) {
      const std::string_view mode = args[++j];
      if (IsOption(mode, "wrap"))
        overflow = core::BitfieldOverflow::kWrap;
      else if (IsOption(mode, "sat"))
        overflow = core::BitfieldOverflow::kSat;
      else if (IsOption(mode, "fail"))
        overflow = core::BitfieldOverflow::kFail;
      else
        return ctx.reply.Error("ERR Invalid OVERFLOW type specified"), false;
      continue;
    } else {
      return ctx.reply.Error(kSyntaxError), false;
    }
    if (!BitfieldTypeOrReply(ctx, args[j + 1], &op.type)) return false;
    if (!BitOffsetOrReply(ctx, args[j + 2], &op.offset, op.type.bits)) return false;
    if (op.kind != Kind::kGet && !IntArgOrReply(ctx.reply, args[j + 3], &op.value)) return false;
    op.overflow = overflow;
    ops->push_back(op);
    j += op.kind == Kind::kGet ? 2 : 3;
  }
  return true;
}

// BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset increment]
// [OVERFLOW WRAP|SAT|FAIL] ..., and BITFIELD_RO with GETs only. The string grows (zero-filled)
// to the last bit written before anything runs; GETs read missing bits as zeros. As in Redis,
// the command changes the key (dirty, WATCH, propagation) only when a SET or INCRBY not refused
// by FAIL creates it, lengthens it or alters a field; otherwise a new or longer string stays
// unreported.
void BitfieldGeneric(CommandContext& ctx, Args args, bool read_only_variant) {
  using Kind = BitfieldOp::Kind;
  std::vector<BitfieldOp> ops;
  if (!ParseBitfieldOps(ctx, args, &ops)) return;
  uint64_t end_bit = 0;  // one past the last bit any SET or INCRBY writes
  for (const BitfieldOp& op : ops) {
    if (op.kind != Kind::kGet) end_bit = std::max(end_bit, op.offset + op.type.bits);
  }
  Value* v;
  bool reshaped = false;  // created or lengthened
  if (end_bit == 0) {
    v = ctx.keyspace.FindForRead(ctx.db(), args[1]);
    if (v && !v->is_string()) return ctx.reply.Error(kWrongTypeError);
  } else {
    if (read_only_variant) {
      return ctx.reply.Error("ERR BITFIELD_RO only supports the GET subcommand");
    }
    v = ctx.keyspace.FindForWrite(ctx.db(), args[1]);
    if (v && !v->is_string()) return ctx.reply.Error(kWrongTypeError);
    if (!v) {
      v = &ctx.keyspace.StoreUnreported(ctx.db(), args[1], Value(std::string()));
      reshaped = true;
    }
    v->set_raw_string(true);
    const uint64_t bytes = (end_bit + 7) / 8;
    if (v->str().size() < bytes) {
      v->str().resize(bytes, '\0');
      reshaped = true;
    }
  }
  bool changed = false;
  ctx.reply.ArrayHeader(ops.size());
  for (const BitfieldOp& op : ops) {
    const int64_t old = v ? core::ReadBitfield(v->str(), op.offset, op.type) : 0;
    if (op.kind == Kind::kGet) {
      ctx.reply.Integer(old);
      continue;
    }
    const bool incr = op.kind == Kind::kIncrBy;
    const std::optional<int64_t> stored =
        core::FitBitfield(op.type, incr ? old : op.value, incr ? op.value : 0, op.overflow);
    if (!stored) {
      ctx.reply.NullBulk();
      continue;
    }
    core::WriteBitfield(v->str(), op.offset, op.type, *stored);
    changed = changed || reshaped || *stored != old;
    ctx.reply.Integer(incr ? *stored : old);
  }
  if (changed) {
    ctx.keyspace.MarkModified(ctx.db(), args[1]);
    ctx.keyspace.Notify(ctx.db(), core::events::kString, "setbit", args[1]);
  }
}

void BitfieldCommand(CommandContext& ctx, Args args) { BitfieldGeneric(ctx, args, false); }

void BitfieldRoCommand(CommandContext& ctx, Args args) { BitfieldGeneric(ctx, args, true); }

}  // namespace

void RegisterBitmapFamily(CommandTable& table) {
  table.Add({"setbit", 4, kWrite | kDenyOom, 1, 1, 1, SetBitCommand});
  table.Add({"getbit", 3, kReadOnly | kFast, 1, 1, 1, GetBitCommand});
  table.Add({"bitcount", -2, kReadOnly, 1, 1, 1, BitCountCommand});
  table.Add({"bitpos", -3, kReadOnly, 1, 1, 1, BitPosCommand});
  table.Add({"bitop", -4, kWrite | kDenyOom, 2, -1, 1, BitOpCommand});
  table.Add({"bitfield", -2, kWrite | kDenyOom, 1, 1, 1, BitfieldCommand});
  table.Add({"bitfield_ro", -2, kReadOnly | kFast, 1, 1, 1, BitfieldRoCommand});
}

}  // namespace bazaar::engine::commands
