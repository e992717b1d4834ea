#include "engine/core/bitfield.h"

namespace bazaar::engine::core {
namespace {

// The low `bits` bits of v (bits in 1..64).
uint64_t LowBits(uint64_t v, int bits) { return bits == 64 ? v : v & ((uint64_t{1} << bits) - 1); }

// The field's raw bits read as the type's value: sign-extended for a signed type.
int64_t AsValue(uint64_t raw, BitfieldType type) {
  raw = LowBits(raw, type.bits);
  if (type.is_signed && type.bits < 64 && (raw >> (type.bits - 1)) != 0) {
    raw |= ~uint64_t{0} << type.bits;
  }
  return static_cast<int64_t>(raw);  // two's complement, as GCC and C++20 define it
}

}  // namespace

int64_t ReadBitfield(std::string_view s, uint64_t offset, BitfieldType type) {
  uint64_t raw = 0;
  for (int i = 0; i < type.bits; ++i) {
    const uint64_t bit = offset + static_cast<uint64_t>(i);
    const uint64_t byte = bit >> 3;
    const unsigned b =
        byte < s.size() ? (static_cast<unsigned char>(s[byte]) >> (7 - (bit & 7))) & 1u : 0u;
    raw = (raw << 1) | b;
  }
  return AsValue(raw, type);
}

void WriteBitfield(std::string& s, uint64_t offset, BitfieldType type, int64_t value) {
  const auto raw = static_cast<uint64_t>(value);
  for (int i = 0; i < type.bits; ++i) {
    const uint64_t bit = offset + static_cast<uint64_t>(i);
    const auto mask = static_cast<unsigned char>(0x80u >> (bit & 7));
    auto& byte = reinterpret_cast<unsigned char&>(s[bit >> 3]);
    if ((raw >> (type.bits - 1 - i)) & 1) {
      byte |= mask;
    } else {
      byte &= static_cast<unsigned char>(~mask);
    }
  }
}

std::optional<int64_t> FitBitfield(BitfieldType type, int64_t value, int64_t incr,
                                   BitfieldOverflow overflow) {
  const int bits = type.bits;
  int64_t max, min;
  if (type.is_signed) {
    max = bits == 64 ? INT64_MAX : static_cast<int64_t>((uint64_t{1} << (bits - 1)) - 1);
    min = -max - 1;
  } else {
    max = static_cast<int64_t>((uint64_t{1} << bits) - 1);
    min = 0;
  }
  int direction = 0;  // +1 above max, -1 below min
  int64_t sum = 0;
  if (value > max || value < min) {
    // Only a SET argument can lie outside the field. Redis judges the side with a 64-bit
    // difference that wraps: a negative argument for an unsigned field, and a signed argument
    // at most `max` above INT64_MIN, count as too high (and saturate to max).
    const bool wraps_high = type.is_signed && value <= INT64_MIN + max;
    direction = value > max || !type.is_signed || wraps_high ? 1 : -1;
  } else if (__builtin_add_overflow(value, incr, &sum)) {
    direction = incr > 0 ? 1 : -1;
  } else if (sum > max) {
    direction = 1;
  } else if (sum < min) {
    direction = -1;
  }
  if (direction == 0) return sum;
  switch (overflow) {
    case BitfieldOverflow::kWrap:
      return AsValue(static_cast<uint64_t>(value) + static_cast<uint64_t>(incr), type);
    case BitfieldOverflow::kSat:
      return direction > 0 ? max : min;
    case BitfieldOverflow::kFail:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace bazaar::engine::core
