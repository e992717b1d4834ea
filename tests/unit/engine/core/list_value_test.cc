// ListValue: both ends, index access, inserts and removals across chunk borders, big elements,
// LTRIM and LREM edge cases, each checked against a std::deque model.
#include "engine/core/list_value.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace bazaar::engine::core {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Contents(const ListValue& list) {
  std::vector<std::string> out;
  list.ForEach([&](std::string_view e) { out.emplace_back(e); });
  return out;
}

// Checks every read path against the model.
void ExpectSame(const ListValue& list, const std::deque<std::string>& model) {
  ASSERT_EQ(list.size(), model.size());
  EXPECT_EQ(Contents(list), std::vector<std::string>(model.begin(), model.end()));
  for (size_t i = 0; i < model.size(); ++i) ASSERT_EQ(list.At(i), model[i]) << "index " << i;
  std::vector<std::string> backwards;
  size_t expected_index = model.size();
  list.Scan(true, [&](std::string_view e, size_t index) {
    EXPECT_EQ(index, --expected_index);
    backwards.emplace_back(e);
    return true;
  });
  EXPECT_EQ(backwards, std::vector<std::string>(model.rbegin(), model.rend()));
}

// "value:00000042"-style elements, 14 bytes like the memory benchmark's.
std::string Element(int i) {
  std::string digits = std::to_string(i);
  return "value:" + std::string(8 - digits.size(), '0') + digits;
}

TEST(ListValueTest, PushesAndPopsAtBothEnds) {
  ListValue list;
  list.PushBack("b");
  list.PushFront("a");
  list.PushBack("c");
  EXPECT_THAT(Contents(list), ElementsAre("a", "b", "c"));
  std::vector<std::string> out;
  list.PopFront(1, &out);
  list.PopBack(1, &out);
  EXPECT_THAT(out, ElementsAre("a", "c"));
  EXPECT_THAT(Contents(list), ElementsAre("b"));
  list.PopBack(5, &out);  // more than there is
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.chunk_count(), 0u);
}

TEST(ListValueTest, EmptyBinaryAndLongElementsRoundTrip) {
  ListValue list;
  const std::string nul("a\0b", 3);
  const std::string long_one(300, 'x');  // two-byte length field
  const std::string longer(20000, 'y');  // three-byte length field, over the bound
  std::deque<std::string> model = {"", nul, long_one, longer, "tail"};
  for (const auto& e : model) list.PushBack(e);
  ExpectSame(list, model);
}

TEST(ListValueTest, ChunksFillToTheBoundFromEitherEnd) {
  ListValue list;
  std::deque<std::string> model;
  // 16 encoded bytes each: 512 fill a chunk exactly.
  for (int i = 0; i < 1024; ++i) {
    list.PushBack(Element(i));
    model.push_back(Element(i));
  }
  EXPECT_EQ(list.chunk_count(), 2u);
  list.PushBack(Element(1024));
  model.push_back(Element(1024));
  EXPECT_EQ(list.chunk_count(), 3u);
  for (int i = 0; i < 600; ++i) {
    list.PushFront(Element(-i));
    model.push_front(Element(-i));
  }
  EXPECT_EQ(list.chunk_count(), 5u);
  ExpectSame(list, model);
}

TEST(ListValueTest, PopsCrossChunkBordersAndFreeEmptyChunks) {
  ListValue list;
  std::deque<std::string> model;
  for (int i = 0; i < 2000; ++i) {
    list.PushBack(Element(i));
    model.push_back(Element(i));
  }
  std::vector<std::string> out;
  list.PopFront(700, &out);
  ASSERT_EQ(out.size(), 700u);
  EXPECT_EQ(out.front(), Element(0));
  EXPECT_EQ(out.back(), Element(699));
  out.clear();
  list.PopBack(700, &out);
  EXPECT_EQ(out.front(), Element(1999));
  EXPECT_EQ(out.back(), Element(1300));
  model.erase(model.begin(), model.begin() + 700);
  model.erase(model.end() - 700, model.end());
  ExpectSame(list, model);
  EXPECT_EQ(list.chunk_count(), 2u);
}

TEST(ListValueTest, BigElementsGetTheirOwnChunk) {
  ListValue list;
  const std::string big(ListValue::kChunkBytes + 1, 'B');
  list.PushBack("a");
  list.PushBack(big);
  list.PushBack("c");
  list.PushFront(big);
  EXPECT_EQ(list.chunk_count(), 4u);
  // Inserting a big element into a chunk with others splits it around the big one.
  list.PushBack("d");
  list.Insert(4, big);  // between "c" and "d"
  ExpectSame(list, {big, "a", big, "c", big, "d"});
  EXPECT_EQ(list.chunk_count(), 6u);
}

TEST(ListValueTest, InsertAndSetSplitFullChunks) {
  ListValue list;
  std::deque<std::string> model;
  for (int i = 0; i < 1024; ++i) {
    list.PushBack(Element(i));
    model.push_back(Element(i));
  }
  // At a chunk border (index 512), in a full chunk's middle, at both ends.
  for (size_t index : {size_t{512}, size_t{100}, size_t{0}, model.size() + 3, size_t{700}}) {
    list.Insert(index, "inserted");
    model.insert(model.begin() + index, "inserted");
  }
  ExpectSame(list, model);
  // Growing one element past the room left splits too.
  list.Set(300, std::string(1000, 's'));
  model[300] = std::string(1000, 's');
  list.Set(0, "");
  model[0] = "";
  list.Set(model.size() - 1, "last");
  model.back() = "last";
  ExpectSame(list, model);
}

TEST(ListValueTest, RemoveHonoursCountAndDirection) {
  ListValue list;
  for (const char* e : {"x", "a", "x", "b", "x", "c", "x"}) list.PushBack(e);
  EXPECT_EQ(list.Remove("x", 2), 2u);
  EXPECT_THAT(Contents(list), ElementsAre("a", "b", "x", "c", "x"));
  EXPECT_EQ(list.Remove("x", -1), 1u);
  EXPECT_THAT(Contents(list), ElementsAre("a", "b", "x", "c"));
  EXPECT_EQ(list.Remove("nope", 0), 0u);
  EXPECT_EQ(list.Remove("x", INT64_MIN), 1u);
  EXPECT_EQ(list.Remove("a", 0), 1u);
  EXPECT_THAT(Contents(list), ElementsAre("b", "c"));
  EXPECT_EQ(list.Remove("b", 0) + list.Remove("c", -5), 2u);
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.chunk_count(), 0u);
}

TEST(ListValueTest, RemoveAcrossChunksMergesWhatIsLeft) {
  ListValue list;
  std::deque<std::string> model;
  for (int i = 0; i < 3000; ++i) {
    const std::string e = i % 3 == 0 ? "keep" : Element(i % 2);
    list.PushBack(e);
    model.push_back(e);
  }
  const size_t chunks_before = list.chunk_count();
  EXPECT_EQ(list.Remove(Element(1), -700), 700u);
  for (size_t i = model.size(), removed = 0; i-- > 0 && removed < 700;) {
    if (model[i] == Element(1)) {
      model.erase(model.begin() + i);
      ++removed;
    }
  }
  ExpectSame(list, model);
  EXPECT_EQ(list.Remove(Element(0), 0), 1000u);
  model.erase(std::remove(model.begin(), model.end(), Element(0)), model.end());
  ExpectSame(list, model);
  EXPECT_LT(list.chunk_count(), chunks_before);
}

TEST(ListValueTest, TrimKeepsTheMiddle) {
  ListValue list;
  std::deque<std::string> model;
  for (int i = 0; i < 1500; ++i) {
    list.PushBack(Element(i));
    model.push_back(Element(i));
  }
  list.Trim(0, 0);
  ExpectSame(list, model);
  list.Trim(513, 511);
  model.erase(model.begin(), model.begin() + 513);
  model.erase(model.end() - 511, model.end());
  ExpectSame(list, model);
  list.Trim(list.size(), 0);
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.chunk_count(), 0u);
}

TEST(ListValueTest, ForRangeAndScanStopEarly) {
  ListValue list;
  for (int i = 0; i < 1200; ++i) list.PushBack(Element(i));
  std::vector<std::string> range;
  list.ForRange(510, 515, [&](std::string_view e) { range.emplace_back(e); });
  EXPECT_THAT(range,
              ElementsAre(Element(510), Element(511), Element(512), Element(513), Element(514)));
  size_t visited = 0;
  list.Scan(false, [&](std::string_view, size_t index) {
    ++visited;
    return index < 600;
  });
  EXPECT_EQ(visited, 601u);
}

TEST(ListValueTest, RandomOperationsMatchADeque) {
  std::mt19937 rng(7);
  ListValue list;
  std::deque<std::string> model;
  auto random_value = [&] {
    const int kind = rng() % 20;
    if (kind == 0) return std::string(rng() % 12000, 'L');
    return std::string(rng() % 40, static_cast<char>('a' + rng() % 3));
  };
  for (int step = 0; step < 20000; ++step) {
    const int op = rng() % 10;
    if (op <= 2) {
      std::string v = random_value();
      list.PushBack(v);
      model.push_back(v);
    } else if (op <= 4) {
      std::string v = random_value();
      list.PushFront(v);
      model.push_front(v);
    } else if (op == 5 && !model.empty()) {
      const size_t n = rng() % 4;
      const bool front = rng() % 2;
      std::vector<std::string> out;
      front ? list.PopFront(n, &out) : list.PopBack(n, &out);
      ASSERT_EQ(out.size(), std::min(n, model.size()));
      for (const std::string& e : out) {
        ASSERT_EQ(front ? model.front() : model.back(), e);
        front ? model.pop_front() : model.pop_back();
      }
    } else if (op == 6) {
      const size_t index = rng() % (model.size() + 1);
      std::string v = random_value();
      list.Insert(index, v);
      model.insert(model.begin() + index, v);
    } else if (op == 7 && !model.empty()) {
      const size_t index = rng() % model.size();
      std::string v = random_value();
      list.Set(index, v);
      model[index] = v;
    } else if (op == 8 && !model.empty() && rng() % 8 == 0) {
      const std::string v = model[rng() % model.size()];
      const int64_t count = static_cast<int64_t>(rng() % 5) - 2;
      size_t expected = 0;
      const size_t limit = count == 0 ? SIZE_MAX : static_cast<size_t>(std::abs(count));
      if (count >= 0) {
        for (auto it = model.begin(); it != model.end() && expected < limit;) {
          if (*it == v) {
            it = model.erase(it);
            ++expected;
          } else {
            ++it;
          }
        }
      } else {
        for (size_t i = model.size(); i-- > 0 && expected < limit;) {
          if (model[i] == v) {
            model.erase(model.begin() + i);
            ++expected;
          }
        }
      }
      ASSERT_EQ(list.Remove(v, count), expected);
    } else if (op == 9 && rng() % 16 == 0 && !model.empty()) {
      const size_t front = rng() % (model.size() / 4 + 1);
      const size_t back = rng() % (model.size() / 4 + 1);
      list.Trim(front, back);
      model.erase(model.begin(), model.begin() + front);
      model.erase(model.end() - back, model.end());
    }
    if (step % 1000 == 0) ExpectSame(list, model);
  }
  ExpectSame(list, model);
}

}  // namespace
}  // namespace bazaar::engine::core
