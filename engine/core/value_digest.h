// DEBUG DIGEST and DEBUG DIGEST-VALUE: Redis's SHA1-based signature of a value and of the whole
// dataset, computed exactly as Redis 7.0 computes it, so the same data gives the same hex string
// here and in Redis (the suite compares digests across a save, a reload or a replica).
// The rules: ordered content (list elements, stream entries) is chained with "mix" (digest =
// SHA1(digest xor SHA1(data))); unordered content (set members, hash pairs, zset pairs, keys) is
// combined with "xor" (digest ^= SHA1(data)), so iteration order never matters. Loop thread only.
#ifndef BAZAAR_ENGINE_CORE_VALUE_DIGEST_H_
#define BAZAAR_ENGINE_CORE_VALUE_DIGEST_H_

#include <array>
#include <cstdint>
#include <string>

#include "engine/core/keyspace.h"
#include "engine/core/value.h"

namespace bazaar::engine::core {

using Digest = std::array<uint8_t, 20>;

// The value's digest (DIGEST-VALUE): its Redis type code, its content, and whether it expires.
Digest ValueDigest(const Value& value, bool has_expire);

// Every database's keys and values (DIGEST); all zeros for an empty dataset.
Digest DatasetDigest(const Keyspace& keyspace);

std::string DigestHex(const Digest& digest);

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_VALUE_DIGEST_H_
