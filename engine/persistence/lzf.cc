#include "engine/persistence/lzf.h"

#include <cstdint>
#include <algorithm>
#include <cstring>
#include <vector>

namespace bazaar::engine::persistence {
namespace {

// liblzf's parameters as Redis builds it (HLOG 16, VERY_FAST): RDB and DUMP bytes equal Redis's
// only if every choice below is the same, so this follows its algorithm step for step.
constexpr unsigned kHashLog = 16;
constexpr size_t kMaxLiteral = 32;
constexpr size_t kMaxOffset = 1 << 13;
constexpr size_t kMaxMatch = (1 << 8) + (1 << 3);

// The rolling hash: two bytes to start, one more shifted in per position (older bytes stay in
// the high bits until they fall off the 32-bit value, and take part in the index).
uint32_t First(const unsigned char* p) { return (uint32_t{p[0]} << 8) | p[1]; }
uint32_t Next(uint32_t v, const unsigned char* p) { return (v << 8) | p[2]; }
uint32_t Index(uint32_t h) { return ((h >> (24 - kHashLog)) - h * 5) & ((1u << kHashLog) - 1); }

// The hash table of last positions, reused across calls: a slot is valid only when stamped with
// the current call's generation, which spares clearing 64K slots per string.
class PositionTable {
 public:
  void Begin() {
    if (++generation_ == 0) {
      std::fill(slots_.begin(), slots_.end(), 0);
      generation_ = 1;
    }
  }
  // The position last stored in `slot` during this call, or -1.
  int64_t Swap(uint32_t slot, size_t pos) {
    const uint64_t old = slots_[slot];
    slots_[slot] = (uint64_t{generation_} << 32) | pos;
    return old >> 32 == generation_ ? static_cast<int64_t>(old & 0xffffffffu) : -1;
  }
  void Set(uint32_t slot, size_t pos) { slots_[slot] = (uint64_t{generation_} << 32) | pos; }

 private:
  std::vector<uint64_t> slots_ = std::vector<uint64_t>(size_t{1} << kHashLog, 0);
  uint32_t generation_ = 0;
};

}  // namespace

std::optional<std::string> LzfCompress(std::string_view in, size_t max_out) {
  const auto* ip = reinterpret_cast<const unsigned char*>(in.data());
  const size_t n = in.size();
  // Positions are kept in 32 bits; RDB strings are far below that.
  if (n < 3 || n > UINT32_MAX) return std::nullopt;
  thread_local PositionTable table;
  table.Begin();
  // Slack past max_out: the checks below are liblzf's, which may run a few bytes over before
  // the final length test.
  std::string out(max_out + 8, '\0');
  auto put = [&](size_t at, unsigned v) { out[at] = static_cast<char>(v); };
  size_t i = 0, op = 1, lit = 0;  // out[0] is reserved for the first literal run's length
  uint32_t hval = First(ip);
  while (i + 2 < n) {
    hval = Next(hval, ip + i);
    const int64_t ref = table.Swap(Index(hval), i);
    const size_t off = ref > 0 ? i - static_cast<size_t>(ref) - 1 : kMaxOffset;
    // A reference to position 0 is never taken, as in liblzf (it tests ref > start).
    if (ref > 0 && off < kMaxOffset && ip[ref + 2] == ip[i + 2] && ip[ref] == ip[i] &&
        ip[ref + 1] == ip[i + 1]) {
      size_t len = 2;
      const size_t maxlen = std::min(n - i - len, kMaxMatch);
      if (op + 3 + 1 >= max_out && op - (lit == 0) + 3 + 1 >= max_out) return std::nullopt;
      put(op - lit - 1, static_cast<unsigned>(lit - 1));  // close the literal run
      op -= lit == 0;                                      // or drop it if empty
      // liblzf first compares up to 16 more bytes without looking at maxlen, then steps once
      // more before it does: a match can end one byte past maxlen, and Redis's bytes show it.
      bool mismatch = false;
      if (maxlen > 16) {
        for (int k = 0; k < 16 && !mismatch; ++k) {
          ++len;
          mismatch = ip[ref + len] != ip[i + len];
        }
      }
      if (!mismatch) {
        do ++len;
        while (len < maxlen && ip[ref + len] == ip[i + len]);
      }
      len -= 2;  // the match's length minus 2, as the format stores it
      ++i;
      if (len < 7) {
        put(op++, static_cast<unsigned>((off >> 8) + (len << 5)));
      } else {
        put(op++, static_cast<unsigned>((off >> 8) + (7 << 5)));
        put(op++, static_cast<unsigned>(len - 7));
      }
      put(op++, static_cast<unsigned>(off & 0xff));
      lit = 0;
      ++op;  // open the next literal run
      i += len + 1;
      if (i + 2 >= n) break;
      // Hash the match's last two positions (VERY_FAST), then go on after it.
      i -= 2;
      hval = First(ip + i);
      hval = Next(hval, ip + i);
      table.Set(Index(hval), i);
      ++i;
      hval = Next(hval, ip + i);
      table.Set(Index(hval), i);
      ++i;
    } else {
      if (op >= max_out) return std::nullopt;
      ++lit;
      put(op++, ip[i++]);
      if (lit == kMaxLiteral) {
        put(op - lit - 1, static_cast<unsigned>(lit - 1));
        lit = 0;
        ++op;
      }
    }
  }
  if (op + 3 > max_out) return std::nullopt;
  while (i < n) {
    ++lit;
    put(op++, ip[i++]);
    if (lit == kMaxLiteral) {
      put(op - lit - 1, static_cast<unsigned>(lit - 1));
      lit = 0;
      ++op;
    }
  }
  put(op - lit - 1, static_cast<unsigned>(lit - 1));
  op -= lit == 0;
  out.resize(op);
  return out;
}

std::optional<std::string> LzfDecompress(std::string_view in, size_t out_len) {
  // No input byte stands for more than kMaxExpansion output bytes (a 3-byte back-reference
  // copies at most 264), so a larger claimed length is a lie, refused before it is allocated.
  constexpr size_t kMaxExpansion = 88;
  if (out_len / kMaxExpansion > in.size()) return std::nullopt;
  std::string out;
  out.reserve(out_len);
  size_t i = 0;
  while (i < in.size()) {
    unsigned ctrl = static_cast<unsigned char>(in[i++]);
    if (ctrl < 32) {
      size_t run = ctrl + 1;
      if (i + run > in.size() || out.size() + run > out_len) return std::nullopt;
      out.append(in.data() + i, run);
      i += run;
      continue;
    }
    size_t len = ctrl >> 5;
    if (len == 7) {
      if (i >= in.size()) return std::nullopt;
      len += static_cast<unsigned char>(in[i++]);
    }
    len += 2;
    if (i >= in.size()) return std::nullopt;
    size_t back = (((ctrl & 0x1f) << 8) | static_cast<unsigned char>(in[i++])) + 1;
    if (back > out.size() || out.size() + len > out_len) return std::nullopt;
    size_t from = out.size() - back;
    for (size_t k = 0; k < len; ++k) out.push_back(out[from + k]);  // may overlap
  }
  if (out.size() != out_len) return std::nullopt;
  return out;
}

}  // namespace bazaar::engine::persistence
