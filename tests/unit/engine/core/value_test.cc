#include "engine/core/value.h"

#include <cmath>
#include <string>

#include "engine/core/encoding_limits.h"
#include "gtest/gtest.h"

namespace bazaar::engine::core {
namespace {

TEST(ValueCloneTest, CopiesAreIndependentOfTheirSource) {
  Value list = Value::NewList();
  list.list().PushBack("a");
  Value copy = list.Clone();
  copy.list().PushBack("b");
  EXPECT_EQ(list.list().size(), 1u);
  EXPECT_EQ(copy.list().size(), 2u);

  Value set = Value::NewSet();
  set.set().Add("x");
  Value set_copy = set.Clone();
  set_copy.set().Remove("x");
  EXPECT_EQ(set.set().size(), 1u);
}

TEST(ValueCloneTest, StreamCopiesEntriesAndIds) {
  Value stream = Value::NewStream();
  const std::string_view fields[] = {"f", "v"};
  stream.stream().Append(StreamId{5, 1}, fields, 4096, 100);
  Value copy = stream.Clone();
  ASSERT_EQ(copy.type(), ValueType::kStream);
  EXPECT_EQ(copy.stream().size(), 1u);
  EXPECT_EQ(copy.stream().last_id().ms, 5u);
  copy.stream().Delete(StreamId{5, 1});
  EXPECT_EQ(stream.stream().size(), 1u);
}

TEST(ValueCloneTest, HashKeepsItsFormEvenWhereANewOneWouldDiffer) {
  Value packed = Value::NewHash();
  packed.hash().Set("f", "v");
  EXPECT_TRUE(packed.Clone().hash().compact());

  EncodingLimits small;
  small.hash_max_entries = 1;
  SetEncodingLimits(small);
  Value table = Value::NewHash();
  table.hash().Set("a", "1");
  table.hash().Set("b", "2");  // converts
  table.hash().Erase("b");
  SetEncodingLimits(EncodingLimits());
  Value copy = table.Clone();
  EXPECT_FALSE(copy.hash().compact()) << "a table stays a table, as Redis's hashTypeDup";
  EXPECT_EQ(copy.hash().Get("a"), "1");
}

TEST(ValueCloneTest, SkiplistSortedSetStaysOneAndKeepsNegativeZero) {
  Value z = Value::NewZSet();
  z.zset().DropCompact();
  z.zset().Set("m", -0.0);
  Value copy = z.Clone();
  EXPECT_FALSE(copy.zset().compact());
  EXPECT_TRUE(std::signbit(*copy.zset().Score("m")));
  Value compact = Value::NewZSet();
  compact.zset().Set("m", 1);
  EXPECT_TRUE(compact.Clone().zset().compact());
}

}  // namespace
}  // namespace bazaar::engine::core
