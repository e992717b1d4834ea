#include "engine/core/hyperloglog.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"

namespace bazaar::engine::core::hll {
namespace {

constexpr uint64_t kHashSeed = 0xadc83b19ULL;
constexpr int kIndexBits = 14;             // P
constexpr int kRunBits = 64 - kIndexBits;  // Q
constexpr size_t kEncodingAt = 4;
constexpr size_t kCountAt = 8;
constexpr size_t kDenseBytes = kDenseSize - kHeaderSize;
constexpr int kSparseMaxValue = 32;
constexpr int kSparseMaxValRun = 4;
constexpr int kSparseMaxZeroRun = 64;
constexpr double kAlphaInf = 0.721347520444481703680;  // 0.5 / ln(2)

uint8_t ByteAt(std::string_view s, size_t i) {
  return i < s.size() ? static_cast<uint8_t>(s[i]) : 0;
}

// --- Dense registers: 6 bits each, register i starting at bit 6*i, low bits first. -----------

uint8_t* DenseRegs(std::string& value) {
  return reinterpret_cast<uint8_t*>(value.data()) + kHeaderSize;
}

uint8_t GetDense(const uint8_t* regs, int i) {
  const size_t byte = static_cast<size_t>(i) * 6 / 8;
  const unsigned shift = static_cast<unsigned>(i) * 6 % 8;
  const unsigned low = regs[byte];
  const unsigned high = byte + 1 < kDenseBytes ? regs[byte + 1] : 0;
  return static_cast<uint8_t>(((low >> shift) | (high << (8 - shift))) & 63);
}

void SetDense(uint8_t* regs, int i, uint8_t v) {
  const size_t byte = static_cast<size_t>(i) * 6 / 8;
  const unsigned shift = static_cast<unsigned>(i) * 6 % 8;
  regs[byte] = static_cast<uint8_t>((regs[byte] & ~(63u << shift)) | (v << shift));
  // The last register ends inside its byte, so there is nothing past the end to touch.
  if (byte + 1 < kDenseBytes) {
    regs[byte + 1] =
        static_cast<uint8_t>((regs[byte + 1] & ~(63u >> (8 - shift))) | (v >> (8 - shift)));
  }
}

Update DenseSet(std::string& value, int index, uint8_t reg_value) {
  uint8_t* regs = DenseRegs(value);
  if (reg_value <= GetDense(regs, index)) return Update::kUnchanged;
  SetDense(regs, index, reg_value);
  return Update::kChanged;
}

// --- Sparse opcodes. -----------------------------------------------------------------------

enum class Op { kZero, kXZero, kVal };
struct Opcode {
  Op op;
  int run;    // registers covered
  int value;  // 0 for ZERO and XZERO
  size_t size;
};

// An XZERO cut short by the end of the string reads its missing byte as 0: Redis reads the
// string's terminator there, and its answers about such a value follow from that.
Opcode ReadOp(std::string_view s, size_t pos) {
  const uint8_t b = ByteAt(s, pos);
  if ((b & 0xc0) == 0) return {Op::kZero, (b & 0x3f) + 1, 0, 1};
  if ((b & 0xc0) == 0x40) return {Op::kXZero, (((b & 0x3f) << 8) | ByteAt(s, pos + 1)) + 1, 0, 2};
  return {Op::kVal, (b & 3) + 1, ((b >> 2) & 0x1f) + 1, 1};
}

char ValByte(int value, int run) { return static_cast<char>(0x80 | (value - 1) << 2 | (run - 1)); }

void AppendZeros(std::string& out, int64_t run) {
  if (run > kSparseMaxZeroRun) {
    out += static_cast<char>(0x40 | (run - 1) >> 8);
    out += static_cast<char>((run - 1) & 0xff);
  } else {
    out += static_cast<char>(run - 1);
  }
}

// Calls fn(first_register, run, value) for each opcode; false unless the runs cover exactly the
// kRegisters registers (stopping before any run that would pass the end).
template <typename F>
bool ForEachRun(std::string_view value, F&& fn) {
  int64_t index = 0;
  for (size_t pos = kHeaderSize; pos < value.size();) {
    const Opcode op = ReadOp(value, pos);
    if (index + op.run > kRegisters) return false;
    fn(static_cast<int>(index), op.run, op.value);
    index += op.run;
    pos += op.size;
  }
  return index == kRegisters;
}

Update Promote(std::string& value, int index, uint8_t reg_value) {
  if (!ToDense(value)) return Update::kCorrupt;
  DenseSet(value, index, reg_value);
  return Update::kChanged;  // promotion only happens for a register that must rise
}

// After an update, VAL opcodes of equal value that now sit side by side are joined (within the
// 4-register limit), looking at up to five opcodes from the one before the change, as Redis
// does: the exact bytes must come out the same.
void JoinNeighbours(std::string& s, size_t from) {
  size_t pos = from;
  for (int looks = 5; pos < s.size() && looks-- > 0;) {
    const Opcode here = ReadOp(s, pos);
    if (here.op != Op::kVal) {
      pos += here.size;
      continue;
    }
    if (pos + 1 < s.size() && (ByteAt(s, pos + 1) & 0x80)) {
      const Opcode next = ReadOp(s, pos + 1);
      if (next.value == here.value && here.run + next.run <= kSparseMaxValRun) {
        s[pos + 1] = ValByte(here.value, here.run + next.run);
        s.erase(pos, 1);
        continue;  // the joined opcode may join the next one too
      }
    }
    ++pos;
  }
}

Update SparseSet(std::string& s, int index, uint8_t reg_value, int64_t sparse_max_bytes) {
  if (reg_value > kSparseMaxValue) return Promote(s, index, reg_value);
  // The opcode covering the register, and the one before it.
  size_t pos = kHeaderSize;
  size_t prev = kHeaderSize;
  int64_t first = 0;
  Opcode op{};
  bool found = false;
  while (pos < s.size()) {
    op = ReadOp(s, pos);
    if (index < first + op.run) {
      found = true;
      break;
    }
    prev = pos;
    pos += op.size;
    first += op.run;
  }
  if (!found) return Update::kCorrupt;
  if (op.op == Op::kVal && op.value >= reg_value) return Update::kUnchanged;

  if (op.run == 1 && op.op != Op::kXZero) {
    s[pos] = ValByte(reg_value, 1);  // a lone register: rewrite it in place
  } else {
    // Split the run into what lies before the register, the register, and what follows.
    std::string seq;
    const int64_t before = index - first;
    const int64_t after = first + op.run - 1 - index;
    if (op.op == Op::kVal) {
      if (before > 0) seq += ValByte(op.value, static_cast<int>(before));
      seq += ValByte(reg_value, 1);
      if (after > 0) seq += ValByte(op.value, static_cast<int>(after));
    } else {
      if (before > 0) AppendZeros(seq, before);
      seq += ValByte(reg_value, 1);
      if (after > 0) AppendZeros(seq, after);
    }
    const int64_t delta = static_cast<int64_t>(seq.size()) - static_cast<int64_t>(op.size);
    const int64_t new_size = static_cast<int64_t>(s.size()) + delta;
    if (delta > 0 && new_size > sparse_max_bytes) return Promote(s, index, reg_value);
    // The size follows the opcode's nominal length, also for an XZERO cut short at the end.
    s.replace(pos, std::min(op.size, s.size() - pos), seq);
    s.resize(static_cast<size_t>(new_size));
  }
  JoinNeighbours(s, prev);
  InvalidateCache(s);
  return Update::kChanged;
}

// --- The estimator (Otmar Ertl, "New cardinality estimation algorithms for HyperLogLog
// sketches", arXiv:1702.01284), from the histogram of register values. ---------------------

double Sigma(double x) {
  if (x == 1.) return INFINITY;
  double y = 1;
  double z = x;
  double previous;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (previous != z);
  return z;
}

double Tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double y = 1.0;
  double z = 1 - x;
  double previous;
  do {
    x = std::sqrt(x);
    previous = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (previous != z);
  return z / 3;
}

// histogram[v]: how many registers hold v (registers hold at most 63).
uint64_t Estimate(const int (&histogram)[64]) {
  const double m = kRegisters;
  double z = m * Tau((m - histogram[kRunBits + 1]) / m);
  for (int v = kRunBits; v >= 1; --v) {
    z += histogram[v];
    z *= 0.5;
  }
  z += m * Sigma(histogram[0] / m);
  return static_cast<uint64_t>(std::llroundl(kAlphaInf * m * m / z));
}

}  // namespace

uint64_t MurmurHash64A(std::string_view data, uint64_t seed) {
  constexpr uint64_t kMul = 0xc6a4a7935bd1e995ULL;
  constexpr int kShift = 47;
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  const size_t len = data.size();
  uint64_t h = seed ^ (len * kMul);
  const size_t whole = len / 8 * 8;
  for (size_t i = 0; i < whole; i += 8) {
    uint64_t k = 0;
    for (int b = 7; b >= 0; --b) k = k << 8 | bytes[i + b];  // little-endian words
    k *= kMul;
    k ^= k >> kShift;
    k *= kMul;
    h ^= k;
    h *= kMul;
  }
  if (len > whole) {
    for (size_t b = len - whole; b-- > 0;) h ^= static_cast<uint64_t>(bytes[whole + b]) << (8 * b);
    h *= kMul;
  }
  h ^= h >> kShift;
  h *= kMul;
  h ^= h >> kShift;
  return h;
}

Pattern PatternOf(std::string_view element) {
  uint64_t hash = MurmurHash64A(element, kHashSeed);
  const int index = static_cast<int>(hash & (kRegisters - 1));
  // A set bit above the Q run bits bounds the run, so the value is at most Q + 1.
  hash = (hash >> kIndexBits) | (uint64_t{1} << kRunBits);
  return {index, static_cast<uint8_t>(__builtin_ctzll(hash) + 1)};
}

std::string NewValue() {
  std::string value("HYLL", 4);
  value.resize(kHeaderSize, '\0');
  value[kEncodingAt] = static_cast<char>(kSparse);
  AppendZeros(value, kRegisters);
  return value;
}

bool LooksValid(std::string_view value) {
  if (value.size() < kHeaderSize || value.substr(0, 4) != "HYLL") return false;
  const uint8_t encoding = ByteAt(value, kEncodingAt);
  if (encoding > kSparse) return false;
  return encoding != kDense || value.size() == kDenseSize;
}

uint8_t EncodingOf(std::string_view value) { return ByteAt(value, kEncodingAt); }

Update SetRegister(std::string& value, int index, uint8_t reg_value, int64_t sparse_max_bytes) {
  switch (EncodingOf(value)) {
    case kDense:
      return DenseSet(value, index, reg_value);
    case kSparse:
      return SparseSet(value, index, reg_value, sparse_max_bytes);
    default:
      return Update::kCorrupt;
  }
}

Update Add(std::string& value, std::string_view element, int64_t sparse_max_bytes) {
  const Pattern p = PatternOf(element);
  return SetRegister(value, p.index, p.value, sparse_max_bytes);
}

bool ToDense(std::string& value) {
  if (EncodingOf(value) == kDense) return true;
  std::string dense(kDenseSize, '\0');
  std::memcpy(dense.data(), value.data(), kHeaderSize);
  dense[kEncodingAt] = static_cast<char>(kDense);
  uint8_t* regs = DenseRegs(dense);
  const bool valid = ForEachRun(value, [&](int first, int run, int v) {
    for (int i = 0; v != 0 && i < run; ++i) SetDense(regs, first + i, static_cast<uint8_t>(v));
  });
  if (!valid) return false;
  value = std::move(dense);
  return true;
}

bool MergeInto(std::string_view value, Registers& max) {
  if (EncodingOf(value) == kDense) {
    const auto* regs = reinterpret_cast<const uint8_t*>(value.data()) + kHeaderSize;
    for (int i = 0; i < kRegisters; ++i) max[i] = std::max(max[i], GetDense(regs, i));
    return true;
  }
  return ForEachRun(value, [&](int first, int run, int v) {
    for (int i = first; i < first + run; ++i) max[i] = std::max<uint8_t>(max[i], v);
  });
}

std::optional<uint64_t> Count(std::string_view value) {
  int histogram[64] = {};
  if (EncodingOf(value) == kDense) {
    const auto* regs = reinterpret_cast<const uint8_t*>(value.data()) + kHeaderSize;
    for (int i = 0; i < kRegisters; ++i) ++histogram[GetDense(regs, i)];
  } else if (!ForEachRun(value, [&](int, int run, int v) { histogram[v] += run; })) {
    return std::nullopt;
  }
  return Estimate(histogram);
}

uint64_t CountRegisters(const Registers& registers) {
  int histogram[64] = {};
  for (uint8_t v : registers) ++histogram[v & 63];
  return Estimate(histogram);
}

bool CacheValid(std::string_view value) { return (ByteAt(value, kCountAt + 7) & 0x80) == 0; }

uint64_t CachedCount(std::string_view value) {
  uint64_t count = 0;
  for (int b = 7; b >= 0; --b) count = count << 8 | ByteAt(value, kCountAt + b);
  return count;
}

void SetCachedCount(std::string& value, uint64_t count) {
  for (int b = 0; b < 8; ++b) value[kCountAt + b] = static_cast<char>(count >> (8 * b) & 0xff);
}

void InvalidateCache(std::string& value) {
  value[kCountAt + 7] = static_cast<char>(ByteAt(value, kCountAt + 7) | 0x80);
}

uint8_t DenseRegister(std::string_view value, int index) {
  return GetDense(reinterpret_cast<const uint8_t*>(value.data()) + kHeaderSize, index);
}

std::string DescribeSparse(std::string_view value) {
  std::string out;
  for (size_t pos = kHeaderSize; pos < value.size();) {
    const Opcode op = ReadOp(value, pos);
    if (!out.empty()) out += ' ';
    switch (op.op) {
      case Op::kZero:
        absl::StrAppend(&out, "z:", op.run);
        break;
      case Op::kXZero:
        absl::StrAppend(&out, "Z:", op.run);
        break;
      case Op::kVal:
        absl::StrAppend(&out, "v:", op.value, ",", op.run);
        break;
    }
    pos += op.size;
  }
  return out;
}

std::string SelfTest(int64_t sparse_max_bytes) {
  std::mt19937_64 random{std::random_device{}()};
  std::string dense(kDenseSize, '\0');
  std::memcpy(dense.data(), "HYLL", 4);
  uint8_t* regs = DenseRegs(dense);
  // Registers keep their values and do not disturb their neighbours.
  Registers expected(kRegisters);
  for (int cycle = 0; cycle < 1000; ++cycle) {
    for (int i = 0; i < kRegisters; ++i) {
      expected[i] = static_cast<uint8_t>(random() & 63);
      SetDense(regs, i, expected[i]);
    }
    for (int i = 0; i < kRegisters; ++i) {
      if (GetDense(regs, i) != expected[i]) {
        return absl::StrCat("TESTFAILED Register ", i, " should be ", expected[i], " but is ",
                            GetDense(regs, i));
      }
    }
  }
  // Estimates: within six standard errors at every power of ten, equal whatever the encoding.
  std::memset(regs, 0, kDenseBytes);
  std::string sparse = NewValue();
  const double relative_error = 1.04 / std::sqrt(kRegisters);
  const uint64_t seed = random();
  int64_t checkpoint = 1;
  for (int64_t n = 1; n <= 10000000; ++n) {
    const uint64_t element = static_cast<uint64_t>(n) ^ seed;
    const std::string_view bytes(reinterpret_cast<const char*>(&element), sizeof element);
    Add(dense, bytes, sparse_max_bytes);
    Add(sparse, bytes, sparse_max_bytes);
    if (n != checkpoint) continue;
    checkpoint *= 10;
    if (n < sparse_max_bytes / 2 && EncodingOf(sparse) != kSparse) {
      return "TESTFAILED sparse encoding not used";
    }
    const uint64_t estimate = *Count(dense);
    if (Count(sparse) != estimate) return "TESTFAILED dense/sparse disagree";
    const int64_t error = std::llabs(n - static_cast<int64_t>(estimate));
    if (error > static_cast<int64_t>(std::ceil(relative_error * 6 * n))) {
      return absl::StrCat("TESTFAILED Too big error. card:", n, " abserr:", error);
    }
  }
  return "";
}

}  // namespace bazaar::engine::core::hll
