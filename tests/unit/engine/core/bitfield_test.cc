#include "engine/core/bitfield.h"

#include <cstdint>
#include <optional>
#include <string>

#include "gtest/gtest.h"

namespace bazaar::engine::core {
namespace {

constexpr BitfieldType I(int bits) { return {true, bits}; }
constexpr BitfieldType U(int bits) { return {false, bits}; }
constexpr auto kWrap = BitfieldOverflow::kWrap;
constexpr auto kSat = BitfieldOverflow::kSat;
constexpr auto kFail = BitfieldOverflow::kFail;

TEST(BitfieldTest, ReadsMostSignificantBitFirstAcrossBytes) {
  const std::string s("\x81\x7f\x01\x80", 4);
  EXPECT_EQ(ReadBitfield(s, 0, U(1)), 1);
  EXPECT_EQ(ReadBitfield(s, 0, I(1)), -1);
  EXPECT_EQ(ReadBitfield(s, 7, U(2)), 0b10);
  EXPECT_EQ(ReadBitfield(s, 7, I(2)), -2);
  EXPECT_EQ(ReadBitfield(s, 0, U(8)), 0x81);
  EXPECT_EQ(ReadBitfield(s, 0, I(8)), -127);
  EXPECT_EQ(ReadBitfield(s, 23, U(2)), 0b11);
  EXPECT_EQ(ReadBitfield(s, 4, U(12)), 0x17f);
}

TEST(BitfieldTest, BitsPastTheEndReadAsZeros) {
  const std::string s("\xff", 1);
  EXPECT_EQ(ReadBitfield(s, 0, U(16)), 0xff00);
  EXPECT_EQ(ReadBitfield(s, 4, I(8)), -16);
  EXPECT_EQ(ReadBitfield(s, 8, I(64)), 0);
  EXPECT_EQ(ReadBitfield("", 1000, U(63)), 0);
}

TEST(BitfieldTest, FullWidths) {
  const std::string ones(9, '\xff');
  EXPECT_EQ(ReadBitfield(ones, 3, I(64)), -1);
  EXPECT_EQ(ReadBitfield(ones, 3, U(63)), INT64_MAX);
  EXPECT_EQ(ReadBitfield(ones, 3, I(63)), -1);
  std::string s(10, '\0');
  WriteBitfield(s, 5, I(64), INT64_MIN);
  EXPECT_EQ(ReadBitfield(s, 5, I(64)), INT64_MIN);
  EXPECT_EQ(ReadBitfield(s, 4, U(2)), 1);
  EXPECT_EQ(ReadBitfield(s, 6, U(63)), 0);
}

TEST(BitfieldTest, WriteKeepsNeighbouringBitsAndDropsHighBits) {
  std::string s("\x00\xff\x00", 3);
  WriteBitfield(s, 6, U(4), 0x1f5);  // only 0101 is stored
  EXPECT_EQ(s, std::string("\x01\x7f\x00", 3));
  WriteBitfield(s, 15, I(2), -1);
  EXPECT_EQ(s, std::string("\x01\x7f\x80", 3));
  WriteBitfield(s, 8, U(8), 0);
  EXPECT_EQ(s, std::string("\x01\x00\x80", 3));
}

TEST(BitfieldTest, SignedSumsWrapSaturateOrFail) {
  EXPECT_EQ(FitBitfield(I(8), 100, 27, kFail), 127);
  EXPECT_EQ(FitBitfield(I(8), 100, 28, kWrap), -128);
  EXPECT_EQ(FitBitfield(I(8), 100, 28, kSat), 127);
  EXPECT_EQ(FitBitfield(I(8), 100, 28, kFail), std::nullopt);
  EXPECT_EQ(FitBitfield(I(8), -128, -1, kWrap), 127);
  EXPECT_EQ(FitBitfield(I(8), -128, -1, kSat), -128);
  EXPECT_EQ(FitBitfield(I(8), 0, INT64_MAX, kSat), 127);
  EXPECT_EQ(FitBitfield(I(8), 5, INT64_MAX, kWrap), 4);  // low byte of 5 + 0x7f..ff
  EXPECT_EQ(FitBitfield(I(8), -5, INT64_MIN, kSat), -128);
  EXPECT_EQ(FitBitfield(I(1), 0, 1, kWrap), -1);
  EXPECT_EQ(FitBitfield(I(1), 0, 1, kSat), 0);
  EXPECT_EQ(FitBitfield(I(1), -1, 1, kFail), 0);
}

TEST(BitfieldTest, SixtyFourBitSums) {
  EXPECT_EQ(FitBitfield(I(64), INT64_MAX, 1, kWrap), INT64_MIN);
  EXPECT_EQ(FitBitfield(I(64), INT64_MAX, 1, kSat), INT64_MAX);
  EXPECT_EQ(FitBitfield(I(64), INT64_MIN, -1, kWrap), INT64_MAX);
  EXPECT_EQ(FitBitfield(I(64), INT64_MIN, -1, kSat), INT64_MIN);
  EXPECT_EQ(FitBitfield(I(64), INT64_MIN, -1, kFail), std::nullopt);
  EXPECT_EQ(FitBitfield(I(64), -1, INT64_MIN, kSat), INT64_MIN);
  EXPECT_EQ(FitBitfield(I(64), INT64_MIN, INT64_MAX, kFail), -1);
  EXPECT_EQ(FitBitfield(I(64), INT64_MIN, 0, kFail), INT64_MIN);
}

TEST(BitfieldTest, UnsignedSums) {
  EXPECT_EQ(FitBitfield(U(8), 250, 5, kFail), 255);
  EXPECT_EQ(FitBitfield(U(8), 250, 10, kWrap), 4);
  EXPECT_EQ(FitBitfield(U(8), 250, 10, kSat), 255);
  EXPECT_EQ(FitBitfield(U(8), 5, -10, kWrap), 251);
  EXPECT_EQ(FitBitfield(U(8), 5, -10, kSat), 0);
  EXPECT_EQ(FitBitfield(U(8), 5, -5, kFail), 0);
  EXPECT_EQ(FitBitfield(U(8), 5, -6, kFail), std::nullopt);
  EXPECT_EQ(FitBitfield(U(63), INT64_MAX, 1, kWrap), 0);
  EXPECT_EQ(FitBitfield(U(63), 1, INT64_MAX, kSat), INT64_MAX);
  EXPECT_EQ(FitBitfield(U(63), 1, INT64_MAX, kWrap), 0);
  EXPECT_EQ(FitBitfield(U(63), 0, INT64_MIN, kSat), 0);
  EXPECT_EQ(FitBitfield(U(63), 0, INT64_MIN, kWrap), 0);
  EXPECT_EQ(FitBitfield(U(63), 1, INT64_MIN, kWrap), 1);
  EXPECT_EQ(FitBitfield(U(1), 1, 1, kWrap), 0);
}

// SET passes its argument with no increment; out-of-range arguments keep Redis's quirks.
TEST(BitfieldTest, SetValuesOutsideTheField) {
  EXPECT_EQ(FitBitfield(I(8), 300, 0, kWrap), 44);
  EXPECT_EQ(FitBitfield(I(8), -129, 0, kWrap), 127);
  EXPECT_EQ(FitBitfield(I(8), -129, 0, kSat), -128);
  EXPECT_EQ(FitBitfield(I(8), 128, 0, kFail), std::nullopt);
  EXPECT_EQ(FitBitfield(U(8), 256, 0, kWrap), 0);
  EXPECT_EQ(FitBitfield(U(8), -1, 0, kWrap), 255);
  // A negative argument counts as too high for an unsigned field, as in Redis.
  EXPECT_EQ(FitBitfield(U(8), -1, 0, kSat), 255);
  EXPECT_EQ(FitBitfield(U(63), -1, 0, kSat), INT64_MAX);
  // So does a signed argument within `max` of INT64_MIN.
  EXPECT_EQ(FitBitfield(I(8), INT64_MIN, 0, kSat), 127);
  EXPECT_EQ(FitBitfield(I(8), INT64_MIN + 127, 0, kSat), 127);
  EXPECT_EQ(FitBitfield(I(8), INT64_MIN + 128, 0, kSat), -128);
  EXPECT_EQ(FitBitfield(I(63), INT64_MIN, 0, kSat), (INT64_MAX >> 1));
  EXPECT_EQ(FitBitfield(I(63), INT64_MIN, 0, kWrap), 0);
}

}  // namespace
}  // namespace bazaar::engine::core
