#include "engine/core/listpack.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bazaar::engine::core {
namespace {

std::vector<std::string> Elements(const Listpack& lp) {
  std::vector<std::string> out;
  char buf[24];
  for (size_t p = lp.First(); !lp.AtEnd(p); p = lp.Next(p)) {
    out.emplace_back(lp.Get(p).Text(buf));
  }
  return out;
}

std::vector<std::string> ElementsBackwards(const Listpack& lp) {
  std::vector<std::string> out;
  char buf[24];
  if (lp.empty()) return out;
  for (size_t p = lp.Last();; p = lp.Prev(p)) {
    out.emplace_back(lp.Get(p).Text(buf));
    if (p == lp.First()) break;
  }
  return out;
}

TEST(ListpackTest, EmptyIsSevenBytes) {
  Listpack lp;
  EXPECT_EQ(lp.blob(), std::string_view("\x07\x00\x00\x00\x00\x00\xff", 7));
  EXPECT_TRUE(lp.AtEnd(lp.First()));
}

// The bytes real Redis 7.0.15 DUMPs (uncompressed) for ZADD y 1 <39 x 'a'>.
TEST(ListpackTest, MatchesRedisBytesForAStringAndASmallInt) {
  Listpack lp;
  lp.Append(std::string(39, 'a'));
  lp.Append("1");
  std::string want("2\x00\x00\x00\x02\x00\xa7", 7);
  want += std::string(39, 'a');
  want += std::string("(\x01\x01\xff", 4);
  EXPECT_EQ(lp.blob(), want);
}

// Integer scores and members as Redis encodes them (from the same DUMP of a real zset):
// -5000 is a 16-bit int, 100000 a 24-bit one, 0.1 the 19-byte text of %.17g.
TEST(ListpackTest, IntegerWidthsMatchRedis) {
  Listpack lp;
  lp.Append("-5000");
  lp.Append("100000");
  EXPECT_EQ(lp.blob().substr(6), std::string_view("\xf1x\xec\x03\xf2\xa0\x86\x01\x04\xff", 10));
}

TEST(ListpackTest, RoundTripsEveryEncodingBothWays) {
  std::vector<std::string> values = {"0", "127", "128", "-1", "-4096", "4095", "-4097", "32767",
                                     "-32768", "32768", "8388607", "-8388608", "8388608",
                                     "2147483647", "-2147483648", "2147483648",
                                     "9223372036854775807", "-9223372036854775808",
                                     "9223372036854775808", "01", "-0", "+1", "", "x",
                                     std::string(63, 'b'), std::string(64, 'c'),
                                     std::string(4095, 'd'), std::string(4096, 'e'),
                                     std::string(20000, 'f')};
  Listpack lp;
  for (const std::string& v : values) lp.Append(v);
  EXPECT_EQ(lp.size(), values.size());
  EXPECT_EQ(Elements(lp), values);
  std::vector<std::string> back(values.rbegin(), values.rend());
  EXPECT_EQ(ElementsBackwards(lp), back);
  auto copy = Listpack::FromBlob(lp.blob());
  ASSERT_TRUE(copy.has_value());
  EXPECT_EQ(Elements(*copy), values);
  EXPECT_TRUE(lp.Get(lp.Seek(1)).is_int);
  EXPECT_FALSE(lp.Get(lp.Seek(19)).is_int);  // "01" is not canonical
  EXPECT_EQ(lp.Get(lp.Seek(values.size() - 1)).str.size(), 20000u);
}

TEST(ListpackTest, InsertEraseReplaceKeepHeader) {
  Listpack lp;
  lp.Append("a");
  lp.Append("c");
  lp.Insert(lp.Seek(1), "b");
  EXPECT_EQ(Elements(lp), (std::vector<std::string>{"a", "b", "c"}));
  lp.Replace(lp.Seek(0), "12345");
  EXPECT_EQ(Elements(lp), (std::vector<std::string>{"12345", "b", "c"}));
  lp.Erase(lp.Seek(1), 2);
  EXPECT_EQ(Elements(lp), (std::vector<std::string>{"12345"}));
  EXPECT_EQ(lp.size(), 1u);
  auto again = Listpack::FromBlob(lp.blob());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->size(), 1u);
  EXPECT_EQ(static_cast<unsigned char>(lp.blob()[0]), lp.bytes());
}

TEST(ListpackTest, CountSaturatesAt65535) {
  Listpack lp;
  for (int i = 0; i < 70000; ++i) lp.AppendInt(i);
  EXPECT_EQ(lp.size(), 70000u);
  EXPECT_EQ(lp.blob().substr(4, 2), std::string_view("\xff\xff", 2));
  auto copy = Listpack::FromBlob(lp.blob());
  ASSERT_TRUE(copy.has_value());
  EXPECT_EQ(copy->size(), 70000u);
}

TEST(ListpackTest, FromBlobRejectsDamage) {
  Listpack lp;
  lp.Append("hello");
  lp.Append("world");
  std::string good(lp.blob());
  ASSERT_TRUE(Listpack::FromBlob(good).has_value());
  std::string bad = good;
  bad[0] = 3;  // total size wrong
  EXPECT_FALSE(Listpack::FromBlob(bad).has_value());
  bad = good;
  bad[4] = 3;  // count wrong
  EXPECT_FALSE(Listpack::FromBlob(bad).has_value());
  bad = good;
  bad[6] = static_cast<char>(0x8f);  // string length runs past the end
  EXPECT_FALSE(Listpack::FromBlob(bad).has_value());
  bad = good;
  bad[12] = 9;  // back-length disagrees with the entry
  EXPECT_FALSE(Listpack::FromBlob(bad).has_value());
  bad = good;
  bad.back() = 0;  // no end byte
  EXPECT_FALSE(Listpack::FromBlob(bad).has_value());
  EXPECT_FALSE(Listpack::FromBlob(good.substr(0, 6)).has_value());
}

}  // namespace
}  // namespace bazaar::engine::core
