// MEMORY USAGE's estimate of the heap bytes a key and its value take. Blocks are counted at the
// size glibc's malloc hands out for them (the request rounded up to its 16-byte granules, with its
// 8-byte header), which is what used_memory counts too. Packed buffers (short strings' inline
// storage aside, list chunks, compact hashes) are counted exactly; for tables of many elements
// the first `samples` elements (0: all) are measured and their average taken for every element,
// as Redis samples (its default is 5). Loop thread only.
#ifndef BAZAAR_ENGINE_CORE_MEMORY_USAGE_H_
#define BAZAAR_ENGINE_CORE_MEMORY_USAGE_H_

#include <cstddef>
#include <string_view>

#include "engine/core/value.h"

namespace bazaar::engine::core {

// The block glibc's malloc gives for a request of `n` bytes.
size_t MallocBlock(size_t n);

size_t MemoryUsage(std::string_view key, const Value& value, size_t samples);

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_MEMORY_USAGE_H_
