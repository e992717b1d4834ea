#include "engine/core/set_value.h"

#include <string>
#include <vector>

#include "engine/core/encoding_limits.h"
#include "engine/core/intset.h"
#include "gtest/gtest.h"

namespace bazaar::engine::core {
namespace {

std::vector<std::string> Members(const SetValue& set) {
  std::vector<std::string> out;
  set.ForEach([&](std::string_view m) { out.emplace_back(m); });
  return out;
}

TEST(IntSetTest, KeepsRedisLayoutAndWidensOnlyWhenNeeded) {
  IntSet ints;
  EXPECT_TRUE(ints.Insert(5));
  EXPECT_TRUE(ints.Insert(-3));
  EXPECT_FALSE(ints.Insert(5));
  // Width 2, count 2, then -3 and 5 little-endian.
  EXPECT_EQ(ints.blob(), std::string("\x02\0\0\0\x02\0\0\0\xfd\xff\x05\0", 12));
  EXPECT_TRUE(ints.Insert(70000));  // needs 4 bytes: every value is rewritten
  EXPECT_EQ(ints.blob().size(), 8u + 3 * 4);
  EXPECT_TRUE(ints.Insert(INT64_MIN));  // needs 8, and goes first
  EXPECT_EQ(ints.At(0), INT64_MIN);
  EXPECT_EQ(ints.At(3), 70000);
  EXPECT_TRUE(ints.Erase(INT64_MIN));
  EXPECT_FALSE(ints.Erase(INT64_MIN));
  EXPECT_EQ(ints.blob().size(), 8u + 3 * 8);  // never narrows, as in Redis
  EXPECT_TRUE(ints.Contains(-3));
  EXPECT_FALSE(ints.Contains(4));
}

TEST(IntSetTest, FromBlobRefusesBadHeadersAndDisorder) {
  IntSet ints;
  ints.Insert(1);
  ints.Insert(2);
  std::string blob(ints.blob());
  EXPECT_TRUE(IntSet::FromBlob(blob).has_value());
  EXPECT_FALSE(IntSet::FromBlob(blob.substr(0, blob.size() - 1)).has_value());
  std::string swapped = blob;
  std::swap(swapped[8], swapped[10]);  // 2 before 1
  EXPECT_FALSE(IntSet::FromBlob(swapped).has_value());
  std::string width3 = blob;
  width3[0] = 3;
  EXPECT_FALSE(IntSet::FromBlob(width3).has_value());
}

TEST(SetValueTest, IntegersStayAnIntsetListedAscending) {
  SetValue set;
  for (const char* m : {"10", "-2", "7"}) EXPECT_TRUE(set.Add(m));
  EXPECT_TRUE(set.is_intset());
  EXPECT_EQ(Members(set), (std::vector<std::string>{"-2", "7", "10"}));
  EXPECT_TRUE(set.Contains("7"));
  EXPECT_FALSE(set.Contains("07"));  // not canonical, so not the member 7
}

TEST(SetValueTest, NonCanonicalIntegersConvertForGood) {
  for (const char* m : {"abc", "+1", "01", "-0", " 1", "99999999999999999999"}) {
    SetValue set;
    set.Add("1");
    EXPECT_TRUE(set.Add(m)) << m;
    EXPECT_FALSE(set.is_intset()) << m;
    EXPECT_TRUE(set.Remove(m));
    EXPECT_FALSE(set.is_intset()) << m;  // removing never converts back
    EXPECT_TRUE(set.Contains("1"));
  }
}

TEST(SetValueTest, ConvertsPastTheEntryLimit) {
  EncodingLimits limits;
  limits.set_max_intset_entries = 3;
  SetEncodingLimits(limits);
  SetValue set;
  for (const char* m : {"1", "2", "3"}) set.Add(m);
  EXPECT_TRUE(set.is_intset());
  set.Add("4");
  EXPECT_FALSE(set.is_intset());
  EXPECT_EQ(set.size(), 4u);

  IntSet four;
  for (int v : {1, 2, 3, 4}) four.Insert(v);
  EXPECT_FALSE(SetValue::FromIntset(four)->is_intset());  // as Redis converts on load
  SetEncodingLimits(EncodingLimits());
  EXPECT_TRUE(SetValue::FromIntset(four)->is_intset());
}

TEST(SetValueTest, CloneKeepsTheEncoding) {
  SetValue table;
  table.Add("1");
  table.Add("x");
  table.Remove("x");
  EXPECT_FALSE(table.Clone()->is_intset());
  SetValue ints;
  ints.Add("1");
  auto copy = ints.Clone();
  EXPECT_TRUE(copy->is_intset());
  copy->Add("2");
  EXPECT_EQ(ints.size(), 1u);
}

}  // namespace
}  // namespace bazaar::engine::core
