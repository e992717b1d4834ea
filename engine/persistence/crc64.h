// CRC-64/Jones as Redis uses it for the RDB trailer: reflected polynomial 0x95ac9329ac4bc9b5,
// init 0, no final xor. Check value of "123456789" is 0xe9c6d914c4b8d9ca.
#ifndef BAZAAR_ENGINE_PERSISTENCE_CRC64_H_
#define BAZAAR_ENGINE_PERSISTENCE_CRC64_H_

#include <cstddef>
#include <cstdint>

namespace bazaar::engine::persistence {

uint64_t Crc64(uint64_t crc, const void* data, size_t len);

}  // namespace bazaar::engine::persistence

#endif  // BAZAAR_ENGINE_PERSISTENCE_CRC64_H_
