// HashValue: the packed (listpack) form, the switch to the table at Redis's limits, and that
// every pair survives the switch.
#include "engine/core/hash_value.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/encoding_limits.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace bazaar::engine::core {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

std::map<std::string, std::string> Contents(const HashValue& hash) {
  std::map<std::string, std::string> out;
  hash.ForEach([&](std::string_view field, std::string_view value) {
    EXPECT_TRUE(out.emplace(field, value).second) << "field visited twice: " << field;
  });
  return out;
}

std::vector<std::pair<std::string, std::string>> InOrder(const HashValue& hash) {
  std::vector<std::pair<std::string, std::string>> out;
  hash.ForEach(
      [&](std::string_view field, std::string_view value) { out.emplace_back(field, value); });
  return out;
}

// Fills fields f0..f<n-1> with values v0..v<n-1>.
void Fill(HashValue& hash, int n) {
  for (int i = 0; i < n; ++i) hash.Set("f" + std::to_string(i), "v" + std::to_string(i));
}

TEST(HashValueTest, SetReportsNewFieldsAndGetSeesTheLatestValue) {
  HashValue hash;
  EXPECT_TRUE(hash.Set("a", "1"));
  EXPECT_TRUE(hash.Set("b", "2"));
  EXPECT_FALSE(hash.Set("a", "longer value"));
  EXPECT_FALSE(hash.Set("b", ""));
  EXPECT_EQ(hash.size(), 2u);
  EXPECT_EQ(hash.Get("a"), "longer value");
  EXPECT_EQ(hash.Get("b"), "");
  EXPECT_EQ(hash.Get("c"), std::nullopt);
  EXPECT_TRUE(hash.compact());
}

TEST(HashValueTest, CompactFormKeepsInsertionOrderAcrossUpdates) {
  HashValue hash;
  hash.Set("x", "1");
  hash.Set("y", "2");
  hash.Set("z", "3");
  hash.Set("y", "twenty-two");  // grows in place
  hash.Set("x", "");            // shrinks in place
  EXPECT_THAT(InOrder(hash), ElementsAre(Pair("x", ""), Pair("y", "twenty-two"), Pair("z", "3")));
}

TEST(HashValueTest, BinaryAndEmptyFieldsAreKept) {
  HashValue hash;
  const std::string nul("a\0b", 3);
  hash.Set(nul, std::string("\0\xff", 2));
  hash.Set("", "empty field");
  EXPECT_EQ(hash.Get(nul), std::string_view("\0\xff", 2));
  EXPECT_EQ(hash.Get("a"), std::nullopt);
  EXPECT_EQ(hash.Get(""), "empty field");
  EXPECT_EQ(hash.size(), 2u);
}

TEST(HashValueTest, StaysCompactUpTo128FieldsAndConvertsAtThe129th) {
  HashValue hash;
  Fill(hash, CurrentEncodingLimits().hash_max_entries);
  EXPECT_TRUE(hash.compact());
  EXPECT_EQ(hash.table(), nullptr);
  EXPECT_TRUE(hash.Set("one more", "x"));
  EXPECT_FALSE(hash.compact());
  ASSERT_NE(hash.table(), nullptr);
  EXPECT_EQ(hash.size(), CurrentEncodingLimits().hash_max_entries + 1);
  EXPECT_EQ(hash.table()->size(), hash.size());
}

TEST(HashValueTest, UpdatingAFullCompactHashDoesNotConvert) {
  HashValue hash;
  Fill(hash, CurrentEncodingLimits().hash_max_entries);
  EXPECT_FALSE(hash.Set("f7", "new"));
  EXPECT_TRUE(hash.compact());
}

TEST(HashValueTest, ConvertsWhenAFieldOrValueExceeds64Bytes) {
  const std::string at_limit(CurrentEncodingLimits().hash_max_value, 'x');
  const std::string over_limit(CurrentEncodingLimits().hash_max_value + 1, 'x');
  HashValue fits;
  fits.Set(at_limit, at_limit);
  EXPECT_TRUE(fits.compact());

  HashValue long_field;
  long_field.Set("a", "1");
  long_field.Set(over_limit, "1");
  EXPECT_FALSE(long_field.compact());

  HashValue long_value;
  long_value.Set("a", "1");
  long_value.Set("a", over_limit);  // an update converts too
  EXPECT_FALSE(long_value.compact());
  EXPECT_EQ(long_value.Get("a"), over_limit);
}

TEST(HashValueTest, ConversionPreservesEveryPair) {
  HashValue hash;
  Fill(hash, 100);
  hash.Set("f3", "changed");
  hash.Erase("f50");
  const auto before = Contents(hash);
  hash.Set("long", std::string(100, 'v'));
  ASSERT_FALSE(hash.compact());
  auto after = Contents(hash);
  EXPECT_EQ(after.size(), before.size() + 1);
  after.erase("long");
  EXPECT_EQ(after, before);
  EXPECT_EQ(hash.Get("f3"), "changed");
  EXPECT_EQ(hash.Get("f50"), std::nullopt);
}

TEST(HashValueTest, EraseInCompactFormKeepsTheOtherPairsInOrder) {
  HashValue hash;
  Fill(hash, 5);
  EXPECT_TRUE(hash.Erase("f0"));
  EXPECT_TRUE(hash.Erase("f2"));
  EXPECT_FALSE(hash.Erase("f2"));
  EXPECT_TRUE(hash.Erase("f4"));
  EXPECT_THAT(InOrder(hash), ElementsAre(Pair("f1", "v1"), Pair("f3", "v3")));
  EXPECT_EQ(hash.size(), 2u);
  EXPECT_TRUE(hash.Erase("f1"));
  EXPECT_TRUE(hash.Erase("f3"));
  EXPECT_TRUE(hash.empty());
  EXPECT_TRUE(hash.Set("again", "1"));
  EXPECT_EQ(hash.Get("again"), "1");
}

TEST(HashValueTest, EraseInTableFormNeverConvertsBack) {
  HashValue hash;
  const int n = static_cast<int>(CurrentEncodingLimits().hash_max_entries) + 10;
  Fill(hash, n);
  ASSERT_FALSE(hash.compact());
  for (int i = 0; i < n - 10; ++i) EXPECT_TRUE(hash.Erase("f" + std::to_string(i)));
  EXPECT_FALSE(hash.Erase("f0"));
  EXPECT_EQ(hash.size(), 10u);
  EXPECT_FALSE(hash.compact()) << "Redis does not convert back on shrinking";
  EXPECT_EQ(hash.Get("f" + std::to_string(n - 1)), "v" + std::to_string(n - 1));
  EXPECT_TRUE(hash.Set("f0", "back"));
  EXPECT_EQ(hash.size(), 11u);
}

// CONFIG SET hash-max-listpack-entries / -value take effect on the next write, as in Redis.
TEST(HashValueTest, TheConfiguredLimitsDecideWhenAHashConverts) {
  const EncodingLimits saved = CurrentEncodingLimits();
  EncodingLimits small = saved;
  small.hash_max_entries = 2;
  small.hash_max_value = 8;
  SetEncodingLimits(small);
  HashValue few;
  few.Set("a", "1");
  few.Set("b", "2");
  EXPECT_TRUE(few.compact());
  few.Set("c", "3");
  EXPECT_FALSE(few.compact());
  HashValue wide;
  wide.Set("a", std::string(8, 'x'));
  EXPECT_TRUE(wide.compact());
  wide.Set("b", std::string(9, 'x'));
  EXPECT_FALSE(wide.compact());
  SetEncodingLimits(saved);
}

// Strings of 255 bytes and more take five-byte lengths; a limit that allows them keeps the
// hash compact, in insertion order, across updates that change a length's size either way.
TEST(HashValueTest, LongStringsStayPackedWhenTheLimitAllowsThem) {
  const EncodingLimits saved = CurrentEncodingLimits();
  EncodingLimits large = saved;
  large.hash_max_value = 100000;
  SetEncodingLimits(large);
  HashValue h;
  h.Set("short", "1");
  h.Set("long", std::string(65535, 'x'));
  h.Set(std::string(300, 'f'), "field over 255");
  h.Set("tail", std::string(254, 'y'));
  EXPECT_TRUE(h.compact());
  EXPECT_EQ(h.Get("long"), std::string(65535, 'x'));
  EXPECT_EQ(h.Get(std::string(300, 'f')), "field over 255");
  h.Set("short", std::string(1000, 'z'));  // one-byte length to five
  h.Set("long", "now short");              // five to one
  h.Set("tail", std::string(255, 'y'));    // 254 -> 255: the first five-byte length
  std::vector<std::string> order;
  h.ForEach([&](std::string_view f, std::string_view v) {
    order.push_back(std::string(f.substr(0, 5)) + "=" + std::to_string(v.size()));
  });
  EXPECT_EQ(order, (std::vector<std::string>{"short=1000", "long=9", "fffff=14", "tail=255"}));
  EXPECT_TRUE(h.Erase("long"));
  EXPECT_EQ(h.Get("tail"), std::string(255, 'y'));
  EXPECT_EQ(h.size(), 3u);
  h.Set("big", std::string(100001, 'b'));  // past the limit: the table
  EXPECT_FALSE(h.compact());
  EXPECT_EQ(h.Get("short"), std::string(1000, 'z'));
  SetEncodingLimits(saved);
}

}  // namespace
}  // namespace bazaar::engine::core
