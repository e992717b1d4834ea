// HyperLogLog values in Redis 7.0's own byte layout, so a value written here reads the same in
// real Redis and the other way round (the bytes are a plain string in the keyspace, and so in
// dumps, the AOF and the replication stream).
//
// Layout: a 16-byte header ("HYLL", an encoding byte, 3 unused bytes, the cached cardinality as
// 8 little-endian bytes whose top bit marks the cache stale), then the 16384 registers (P = 14)
// either dense (6 bits each, least significant bits first: 12288 bytes) or sparse, a run-length
// code of ZERO (00xxxxxx: 1-64 zero registers), XZERO (01xxxxxx yyyyyyyy: 1-16384 zero
// registers) and VAL (1vvvvvxx: 1-4 registers of value 1-32) opcodes. A sparse value becomes
// dense when a register needs more than 32 or its bytes would pass hll-sparse-max-bytes.
// Elements hash with MurmurHash64A (seed 0xadc83b19): the low 14 bits pick the register, the
// run of zeros above them (Q = 50 bits) plus one is its candidate value. Counts use Otmar
// Ertl's improved estimator, as Redis does, so counts agree with Redis's exactly.
//
// Functions work on the caller's string and keep no state; a sparse value that does not decode
// to exactly 16384 registers is corrupt and reported as such (never read past the string).
#ifndef BAZAAR_ENGINE_CORE_HYPERLOGLOG_H_
#define BAZAAR_ENGINE_CORE_HYPERLOGLOG_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bazaar::engine::core::hll {

inline constexpr int kRegisters = 1 << 14;
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kDenseSize = kHeaderSize + kRegisters * 6 / 8;
inline constexpr uint8_t kDense = 0;
inline constexpr uint8_t kSparse = 1;

// One register per entry (the union of several values, for PFCOUNT and PFMERGE).
using Registers = std::vector<uint8_t>;

uint64_t MurmurHash64A(std::string_view data, uint64_t seed);

// The register an element lands in and the value it offers that register (1..51).
struct Pattern {
  int index;
  uint8_t value;
};
Pattern PatternOf(std::string_view element);

// An empty value as Redis creates one: sparse, every register zero, cached count 0.
std::string NewValue();
// Redis's type check: the magic, a known encoding, and a dense value's exact size. Sparse
// contents are checked only when used.
bool LooksValid(std::string_view value);
// Precondition for the rest: LooksValid(value).
uint8_t EncodingOf(std::string_view value);

enum class Update { kUnchanged, kChanged, kCorrupt };
// Raises register `index` to `value` if it is lower (sparse values may become dense on the way,
// when the value needs more than 32 or the bytes would pass sparse_max_bytes).
Update SetRegister(std::string& value, int index, uint8_t reg_value, int64_t sparse_max_bytes);
Update Add(std::string& value, std::string_view element, int64_t sparse_max_bytes);
// Rewrites a sparse value as dense (header kept, encoding byte changed); false when corrupt, and
// then the value is left as it was. A dense value is left alone.
bool ToDense(std::string& value);

// Raises each of `max`'s kRegisters entries to the value's register; false when corrupt.
bool MergeInto(std::string_view value, Registers& max);
// The estimate from the registers; nullopt for a corrupt sparse value.
std::optional<uint64_t> Count(std::string_view value);
uint64_t CountRegisters(const Registers& registers);

// The cached cardinality in the header: valid until the value changes.
bool CacheValid(std::string_view value);
uint64_t CachedCount(std::string_view value);
void SetCachedCount(std::string& value, uint64_t count);
void InvalidateCache(std::string& value);

// A dense value's register (PFDEBUG GETREG).
uint8_t DenseRegister(std::string_view value, int index);
// A sparse value's opcodes as PFDEBUG DECODE prints them: "Z:12711 v:2,1 z:3".
std::string DescribeSparse(std::string_view value);

// PFSELFTEST: dense registers keep what is stored in them, and sparse and dense values fed the
// same elements agree and stay near the true count up to ten million elements. Returns "" or
// the reason it failed.
std::string SelfTest(int64_t sparse_max_bytes);

}  // namespace bazaar::engine::core::hll

#endif  // BAZAAR_ENGINE_CORE_HYPERLOGLOG_H_
