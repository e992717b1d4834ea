// The integer arithmetic behind BITFIELD: reading and writing a signed or unsigned field of 1 to
// 64 bits at any bit offset of a string (bit 0 is the most significant bit of byte 0, as for
// SETBIT), and fitting a SET value or an INCRBY sum into the field under WRAP, SAT or FAIL.
// Pure functions on caller-owned strings; no state, any thread.
#ifndef BAZAAR_ENGINE_CORE_BITFIELD_H_
#define BAZAAR_ENGINE_CORE_BITFIELD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bazaar::engine::core {

// i1..i64 or u1..u63 (Redis refuses u64: its values would not fit the integer reply).
struct BitfieldType {
  bool is_signed = true;
  int bits = 8;
};

enum class BitfieldOverflow { kWrap, kSat, kFail };

// The field's value; bits past the end of `s` read as zeros.
int64_t ReadBitfield(std::string_view s, uint64_t offset, BitfieldType type);

// Stores the low `type.bits` bits of `value`. Precondition: `s` holds bit offset+bits-1.
void WriteBitfield(std::string& s, uint64_t offset, BitfieldType type, int64_t value);

// What `value + incr` leaves in a field of `type` (SET passes its argument as value with incr
// 0; INCRBY the field's old value): the sum itself when it fits, else wrapped to the field's
// width, clamped to its nearest limit, or nullopt under FAIL (nothing is written).
std::optional<int64_t> FitBitfield(BitfieldType type, int64_t value, int64_t incr,
                                   BitfieldOverflow overflow);

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_BITFIELD_H_
