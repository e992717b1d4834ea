// Reading the little-endian integers of Redis's packed encodings (listpack, ziplist, intset).
// Pure functions, any thread.
#ifndef BAZAAR_ENGINE_CORE_LITTLE_ENDIAN_H_
#define BAZAAR_ENGINE_CORE_LITTLE_ENDIAN_H_

#include <cstdint>

namespace bazaar::engine::core {

// The unsigned value of `bytes` bytes at p, least significant first.
inline uint64_t ReadLE(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Sign-extends the low `bits` of v.
inline int64_t SignExtend(uint64_t v, int bits) {
  const uint64_t sign = 1ULL << (bits - 1);
  v &= (bits == 64) ? ~0ULL : ((1ULL << bits) - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_LITTLE_ENDIAN_H_
