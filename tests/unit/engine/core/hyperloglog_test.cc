#include "engine/core/hyperloglog.h"

#include <random>
#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace bazaar::engine::core::hll {
namespace {

constexpr int64_t kMaxBytes = 3000;

std::string Hex(const std::string& s) { return absl::BytesToHexString(s); }

std::string WithElements(int n, int64_t max_bytes = kMaxBytes) {
  std::string v = NewValue();
  for (int i = 0; i < n; ++i) Add(v, "e" + std::to_string(i), max_bytes);
  return v;
}

// Expected bytes, registers and counts below are what real Redis 7.0 answers for the same input.
TEST(HyperLogLogTest, NewValueIsRedisEmptySparseValue) {
  EXPECT_EQ(Hex(NewValue()), "48594c4c0100000000000000000000007fff");
  EXPECT_TRUE(LooksValid(NewValue()));
  EXPECT_EQ(Count(NewValue()), 0u);
}

TEST(HyperLogLogTest, ElementsLandInRedisRegisters) {
  EXPECT_EQ(PatternOf("a").index, 12711);
  EXPECT_EQ(PatternOf("a").value, 2);
  std::string v = NewValue();
  EXPECT_EQ(Add(v, "a", kMaxBytes), Update::kChanged);
  EXPECT_EQ(DescribeSparse(v), "Z:12711 v:2,1 Z:3672");
  EXPECT_EQ(Add(v, "a", kMaxBytes), Update::kUnchanged);
}

TEST(HyperLogLogTest, SparseBytesMatchRedis) {
  std::string v = NewValue();
  for (const char* e : {"a", "b", "c"}) Add(v, e, kMaxBytes);
  EXPECT_EQ(Hex(v), "48594c4c01000000000000000000008060f38050b1844bfb80425a");
  EXPECT_EQ(DescribeSparse(v), "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603");
  EXPECT_EQ(DescribeSparse(WithElements(10)),
            "Z:1318 v:1,1 Z:1839 v:2,1 Z:4042 v:1,1 Z:1043 v:2,1 Z:2642 v:2,1 Z:782 v:2,1 "
            "Z:260 v:2,1 Z:3770 v:2,1 Z:137 v:1,1 Z:107 v:2,1 Z:434");
}

TEST(HyperLogLogTest, CountsMatchRedis) {
  EXPECT_EQ(Count(WithElements(1)), 1u);
  EXPECT_EQ(Count(WithElements(100)), 100u);
  const std::string thousand = WithElements(1000);
  EXPECT_EQ(EncodingOf(thousand), kSparse);
  EXPECT_EQ(thousand.size(), 1906u);
  EXPECT_EQ(Count(thousand), 1008u);
  const std::string five_thousand = WithElements(5000);
  EXPECT_EQ(EncodingOf(five_thousand), kDense);
  EXPECT_EQ(five_thousand.size(), kDenseSize);
  EXPECT_EQ(Count(five_thousand), 4968u);
  EXPECT_EQ(Count(WithElements(100000)), 100853u);
}

TEST(HyperLogLogTest, SparseAndDenseAgreeOnRandomInput) {
  std::mt19937 random(7);
  for (int round = 0; round < 200; ++round) {
    std::string sparse = NewValue();
    std::string dense = NewValue();
    ASSERT_TRUE(ToDense(dense));
    const int n = static_cast<int>(random() % 300);
    for (int i = 0; i < n; ++i) {
      const std::string e = std::to_string(random());
      EXPECT_EQ(Add(sparse, e, kMaxBytes), Add(dense, e, kMaxBytes));
    }
    ASSERT_EQ(EncodingOf(sparse), kSparse);
    EXPECT_EQ(Count(sparse), Count(dense));
    std::string converted = sparse;
    ASSERT_TRUE(ToDense(converted));
    EXPECT_EQ(converted.substr(kHeaderSize), dense.substr(kHeaderSize));
  }
}

TEST(HyperLogLogTest, NeighbouringValuesJoinIntoOneOpcode) {
  std::string v = NewValue();
  SetRegister(v, 0, 1, kMaxBytes);
  SetRegister(v, 1, 1, kMaxBytes);
  EXPECT_EQ(DescribeSparse(v), "v:1,2 Z:16382");
  SetRegister(v, 3, 1, kMaxBytes);
  SetRegister(v, 2, 1, kMaxBytes);
  EXPECT_EQ(DescribeSparse(v), "v:1,4 Z:16380");
  SetRegister(v, 4, 1, kMaxBytes);  // a fifth cannot join: VAL covers at most 4
  EXPECT_EQ(DescribeSparse(v), "v:1,4 v:1,1 Z:16379");
  SetRegister(v, 1, 3, kMaxBytes);
  EXPECT_EQ(DescribeSparse(v), "v:1,1 v:3,1 v:1,3 Z:16379");  // the split-off tail joins
}

TEST(HyperLogLogTest, ZeroRunsUseShortOpcodesUpTo64) {
  std::string v = NewValue();
  SetRegister(v, 64, 2, kMaxBytes);
  SetRegister(v, 130, 2, kMaxBytes);
  EXPECT_EQ(DescribeSparse(v), "z:64 v:2,1 Z:65 v:2,1 Z:16253");
}

TEST(HyperLogLogTest, ValueAbove32MakesItDense) {
  std::string v = NewValue();
  SetRegister(v, 5, 32, kMaxBytes);
  EXPECT_EQ(EncodingOf(v), kSparse);
  EXPECT_EQ(SetRegister(v, 6, 33, kMaxBytes), Update::kChanged);
  EXPECT_EQ(EncodingOf(v), kDense);
  EXPECT_EQ(DenseRegister(v, 5), 32);
  EXPECT_EQ(DenseRegister(v, 6), 33);
}

TEST(HyperLogLogTest, SparseLimitMakesItDenseBeforeGrowingPastIt) {
  std::string v = NewValue();
  int index = 0;
  while (EncodingOf(v) == kSparse) {
    ASSERT_LE(v.size(), 100u);
    SetRegister(v, index, 1 + index % 2, 100);
    index += 100;
  }
  EXPECT_EQ(v.size(), kDenseSize);
  for (int i = 0; i < index; i += 100) EXPECT_EQ(DenseRegister(v, i), 1 + i % 2) << i;
}

TEST(HyperLogLogTest, DenseRegistersDoNotDisturbNeighbours) {
  std::string v = NewValue();
  ASSERT_TRUE(ToDense(v));
  for (int i = 0; i < kRegisters; ++i) SetRegister(v, i, static_cast<uint8_t>(1 + i % 51), 0);
  for (int i = 0; i < kRegisters; ++i) ASSERT_EQ(DenseRegister(v, i), 1 + i % 51) << i;
  EXPECT_EQ(v.size(), kDenseSize);
}

TEST(HyperLogLogTest, CorruptSparseValuesAreReported) {
  std::string extra = WithElements(3) + "hello";
  EXPECT_TRUE(LooksValid(extra));
  EXPECT_EQ(Count(extra), std::nullopt);
  const std::string before = extra;
  EXPECT_FALSE(ToDense(extra));
  EXPECT_EQ(extra, before);
  Registers max(kRegisters, 0);
  EXPECT_FALSE(MergeInto(extra, max));

  std::string short_runs = NewValue();
  short_runs.back() = '\x00';  // XZERO of 16129: the registers do not add up to 16384
  EXPECT_EQ(Count(short_runs), std::nullopt);
  EXPECT_EQ(SetRegister(short_runs, 16200, 1, kMaxBytes), Update::kCorrupt);  // not covered
  EXPECT_EQ(SetRegister(short_runs, 16000, 1, kMaxBytes), Update::kChanged);
}

TEST(HyperLogLogTest, TypeCheckFollowsRedis) {
  std::string v = WithElements(3);
  EXPECT_FALSE(LooksValid(v.substr(0, 15)));
  std::string magic = v;
  magic[0] = 'X';
  EXPECT_FALSE(LooksValid(magic));
  std::string encoding = v;
  encoding[4] = 2;
  EXPECT_FALSE(LooksValid(encoding));
  std::string dense_size = v;
  dense_size[4] = kDense;  // a dense value must be exactly 12304 bytes
  EXPECT_FALSE(LooksValid(dense_size));
  ASSERT_TRUE(ToDense(v));
  EXPECT_TRUE(LooksValid(v));
}

TEST(HyperLogLogTest, CacheHoldsCountUntilInvalidated) {
  std::string v = WithElements(3);
  EXPECT_TRUE(CacheValid(NewValue()));
  InvalidateCache(v);
  EXPECT_FALSE(CacheValid(v));
  SetCachedCount(v, 0x0102030405060708ULL >> 8);
  EXPECT_TRUE(CacheValid(v));
  EXPECT_EQ(CachedCount(v), 0x01020304050607ULL);
  EXPECT_EQ(Hex(v.substr(8, 8)), "0706050403020100");
  InvalidateCache(v);
  EXPECT_EQ(Hex(v.substr(8, 8)), "0706050403020180");
}

TEST(HyperLogLogTest, UnionCountsLikeOneValueWithAllElements) {
  Registers max(kRegisters, 0);
  std::string a = NewValue(), b = NewValue(), both = NewValue();
  for (int i = 0; i < 2000; ++i) {
    const std::string e = std::to_string(i);
    Add(i % 2 ? a : b, e, kMaxBytes);
    Add(both, e, kMaxBytes);
  }
  ASSERT_TRUE(MergeInto(a, max));
  ASSERT_TRUE(MergeInto(b, max));
  EXPECT_EQ(CountRegisters(max), Count(both));
}

TEST(HyperLogLogTest, EveryTailLengthHashesAsRedis) {
  // Redis's register index and value for the first 0..16 bytes of "0123456789abcdef".
  const int expected[17][2] = {{5938, 2},  {13225, 4}, {10237, 1}, {2874, 1}, {13495, 1},
                               {14243, 2}, {14197, 3}, {8436, 1},  {594, 2},  {7667, 3},
                               {1021, 2},  {13543, 1}, {10985, 2}, {8624, 1}, {11294, 2},
                               {15725, 4}, {5949, 1}};
  const std::string_view data = "0123456789abcdef";
  for (size_t len = 0; len <= data.size(); ++len) {
    const Pattern p = PatternOf(data.substr(0, len));
    EXPECT_EQ(p.index, expected[len][0]) << len;
    EXPECT_EQ(p.value, expected[len][1]) << len;
  }
}

}  // namespace
}  // namespace bazaar::engine::core::hll
