// The sizes past which small hashes, sorted sets and integer sets leave their compact encodings
// (Redis's hash-max-listpack-entries/-value, zset-max-listpack-entries/-value and
// set-max-intset-entries). One set per process,
// as in Redis: the server sets them from its options at start and after CONFIG SET, and every
// write to those types reads them. Loop thread only (a forked child reads its copy).
#ifndef BAZAAR_ENGINE_CORE_ENCODING_LIMITS_H_
#define BAZAAR_ENGINE_CORE_ENCODING_LIMITS_H_

#include <cstddef>

namespace bazaar::engine::core {

struct EncodingLimits {
  // Redis 7.0's defaults (CONFIG GET on a redis-server started without a config file).
  size_t hash_max_entries = 512;
  size_t hash_max_value = 64;
  size_t zset_max_entries = 128;
  size_t zset_max_value = 64;
  size_t set_max_intset_entries = 512;
  size_t stream_node_max_bytes = 4096;
  size_t stream_node_max_entries = 100;
};

const EncodingLimits& CurrentEncodingLimits();
void SetEncodingLimits(const EncodingLimits& limits);

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_ENCODING_LIMITS_H_
