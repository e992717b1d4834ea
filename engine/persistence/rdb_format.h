// Constants of the RDB format (version 10, Redis 7.0). Described in rdb_format.md.
#ifndef BAZAAR_ENGINE_PERSISTENCE_RDB_FORMAT_H_
#define BAZAAR_ENGINE_PERSISTENCE_RDB_FORMAT_H_

#include <cstdint>

namespace bazaar::engine::persistence {

inline constexpr char kRdbMagic[] = "REDIS0010";
inline constexpr int kRdbVersion = 10;

// Opcodes.
inline constexpr uint8_t kRdbOpFunction2 = 0xF5;
inline constexpr uint8_t kRdbOpFunction = 0xF6;
inline constexpr uint8_t kRdbOpModuleAux = 0xF7;
inline constexpr uint8_t kRdbOpIdle = 0xF8;
inline constexpr uint8_t kRdbOpFreq = 0xF9;
inline constexpr uint8_t kRdbOpAux = 0xFA;
inline constexpr uint8_t kRdbOpResizeDb = 0xFB;
inline constexpr uint8_t kRdbOpExpireTimeMs = 0xFC;
inline constexpr uint8_t kRdbOpExpireTime = 0xFD;
inline constexpr uint8_t kRdbOpSelectDb = 0xFE;
inline constexpr uint8_t kRdbOpEof = 0xFF;

// Value types.
inline constexpr uint8_t kRdbTypeString = 0;
inline constexpr uint8_t kRdbTypeList = 1;
inline constexpr uint8_t kRdbTypeSet = 2;
inline constexpr uint8_t kRdbTypeZSet = 3;
inline constexpr uint8_t kRdbTypeHash = 4;
inline constexpr uint8_t kRdbTypeZSet2 = 5;
inline constexpr uint8_t kRdbTypeHashZipmap = 9;
inline constexpr uint8_t kRdbTypeListZiplist = 10;
inline constexpr uint8_t kRdbTypeSetIntset = 11;
inline constexpr uint8_t kRdbTypeZSetZiplist = 12;
inline constexpr uint8_t kRdbTypeHashZiplist = 13;
inline constexpr uint8_t kRdbTypeListQuicklist = 14;
inline constexpr uint8_t kRdbTypeHashListpack = 16;
inline constexpr uint8_t kRdbTypeZSetListpack = 17;
inline constexpr uint8_t kRdbTypeListQuicklist2 = 18;
inline constexpr uint8_t kRdbTypeStreamListpacks = 15;
inline constexpr uint8_t kRdbTypeStreamListpacks2 = 19;

// Length and string encodings.
inline constexpr uint8_t kRdbLen32 = 0x80;
inline constexpr uint8_t kRdbLen64 = 0x81;
inline constexpr uint8_t kRdbEncInt8 = 0xC0;
inline constexpr uint8_t kRdbEncInt16 = 0xC1;
inline constexpr uint8_t kRdbEncInt32 = 0xC2;
inline constexpr uint8_t kRdbEncLzf = 0xC3;

// Quicklist 2 node containers.
inline constexpr uint8_t kQuicklistNodePlain = 1;
inline constexpr uint8_t kQuicklistNodePacked = 2;

}  // namespace bazaar::engine::persistence

#endif  // BAZAAR_ENGINE_PERSISTENCE_RDB_FORMAT_H_
