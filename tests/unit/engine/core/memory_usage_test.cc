// core/memory_usage: MEMORY USAGE's estimate follows what the structures allocate.
#include "engine/core/memory_usage.h"

#include <string>

#include "gtest/gtest.h"

namespace bazaar::engine::core {
namespace {

TEST(MemoryUsageTest, BlocksAreGlibcsSizes) {
  EXPECT_EQ(MallocBlock(1), 32u);
  EXPECT_EQ(MallocBlock(24), 32u);
  EXPECT_EQ(MallocBlock(25), 48u);
  EXPECT_EQ(MallocBlock(100), 112u);
}

TEST(MemoryUsageTest, AStringCountsItsHeapBlockOnlyPastTheInlineBuffer) {
  const size_t inline_string = MemoryUsage("k", Value(std::string("hello")), 5);
  EXPECT_EQ(MemoryUsage("k", Value(std::string(15, 'x')), 5), inline_string);
  EXPECT_EQ(MemoryUsage("k", Value(std::string(100, 'x')), 5),
            inline_string + MallocBlock(101));
  // A long key has a heap block of its own.
  EXPECT_EQ(MemoryUsage(std::string(40, 'k'), Value(std::string("hello")), 5),
            inline_string + MallocBlock(41));
}

TEST(MemoryUsageTest, AggregatesGrowWithTheirContents) {
  Value small = Value::NewHash();
  small.hash().Set("a", "1");
  Value large = Value::NewHash();
  for (int i = 0; i < 1000; ++i) large.hash().Set("f" + std::to_string(i), "v");
  ASSERT_TRUE(small.hash().compact());
  ASSERT_FALSE(large.hash().compact());
  EXPECT_GT(MemoryUsage("h", large, 5), 20 * MemoryUsage("h", small, 5));
  // Sampling every element measures the same kind of entries: the estimates stay close.
  const double sampled = static_cast<double>(MemoryUsage("h", large, 5));
  const double all = static_cast<double>(MemoryUsage("h", large, 0));
  EXPECT_NEAR(sampled / all, 1.0, 0.1);
}

}  // namespace
}  // namespace bazaar::engine::core
