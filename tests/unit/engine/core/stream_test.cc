// StreamValue: ids, appends, deletes and both trims, and the model of Redis's listpack nodes,
// checked against the real listpacks the RDB code builds from it (same bytes, same split points)
// and read back.
#include "engine/core/stream.h"

#include <string>
#include <vector>

#include "engine/persistence/compact_encodings.h"
#include "engine/persistence/stream_listpacks.h"
#include "gtest/gtest.h"

namespace bazaar::engine::core {
namespace {

constexpr size_t kMaxBytes = 4096;
constexpr size_t kMaxEntries = 100;

void Add(StreamValue& s, uint64_t ms, uint64_t seq, std::vector<std::string_view> fields) {
  s.Append(StreamId{ms, seq}, fields, kMaxBytes, kMaxEntries);
}

std::vector<std::string> Ids(const StreamValue& s) {
  std::vector<std::string> out;
  for (const auto& [id, packed] : s.entries()) out.push_back(id.ToString());
  return out;
}

TEST(StreamIdTest, IncrementAndDecrementCarryAndStopAtTheEnds) {
  StreamId id{1, UINT64_MAX};
  ASSERT_TRUE(id.Increment());
  EXPECT_EQ(id, (StreamId{2, 0}));
  ASSERT_TRUE(id.Decrement());
  EXPECT_EQ(id, (StreamId{1, UINT64_MAX}));
  StreamId max = StreamId::Max();
  EXPECT_FALSE(max.Increment());
  EXPECT_EQ(max, StreamId::Max());
  StreamId zero;
  EXPECT_FALSE(zero.Decrement());
  EXPECT_EQ(StreamId::Max().ToString(), "18446744073709551615-18446744073709551615");
}

TEST(StreamValueTest, PackKeepsEmptyAndLongStrings) {
  std::string big(300, 'x');
  auto packed = StreamValue::Pack({"", "a", big});
  auto back = StreamValue::Unpack(packed);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0], "");
  EXPECT_EQ(back[1], "a");
  EXPECT_EQ(back[2], big);
}

TEST(StreamValueTest, DeleteKeepsBookkeepingAndDropsEmptyNodes) {
  StreamValue s;
  Add(s, 1, 0, {"f", "v"});
  Add(s, 2, 0, {"f", "v"});
  EXPECT_EQ(s.entries_added(), 2u);
  EXPECT_EQ(s.first_id(), (StreamId{1, 0}));
  EXPECT_TRUE(s.Delete(StreamId{1, 0}));
  EXPECT_FALSE(s.Delete(StreamId{1, 0}));
  EXPECT_EQ(s.first_id(), (StreamId{2, 0}));
  ASSERT_EQ(s.nodes().size(), 1u);
  EXPECT_EQ(s.nodes().begin()->second.deleted, 1u);
  EXPECT_TRUE(s.Delete(StreamId{2, 0}));
  EXPECT_TRUE(s.nodes().empty());
  EXPECT_EQ(s.last_id(), (StreamId{2, 0}));
  EXPECT_EQ(s.entries_added(), 2u);
}

TEST(StreamValueTest, NodesSplitAtTheEntryLimitCountingTombstones) {
  StreamValue s;
  for (uint64_t i = 1; i <= 99; ++i) Add(s, i, 0, {"f", "v"});
  s.Delete(StreamId{5, 0});
  Add(s, 100, 0, {"f", "v"});  // the 100th slot of node 1: the tombstone counts
  Add(s, 101, 0, {"f", "v"});
  ASSERT_EQ(s.nodes().size(), 2u);
  EXPECT_EQ(std::next(s.nodes().begin())->first, (StreamId{101, 0}));
}

TEST(StreamValueTest, NodesSplitAtTheByteLimit) {
  StreamValue s;
  const std::string value(1000, 'x');
  for (uint64_t i = 1; i <= 5; ++i) s.Append(StreamId{i, 0}, {"f", value}, kMaxBytes, 0);
  // Four 1 KB values fill a 4096-byte node: the next entry would pass the limit.
  ASSERT_EQ(s.nodes().size(), 2u);
  EXPECT_EQ(std::next(s.nodes().begin())->first, (StreamId{5, 0}));
}

TEST(StreamValueTest, ApproxTrimRemovesWholeNodesOnly) {
  StreamValue s;
  for (uint64_t i = 1; i <= 250; ++i) Add(s, i, 0, {"f", "v"});
  StreamTrim trim;
  trim.strategy = StreamTrim::Strategy::kMaxLen;
  trim.maxlen = 120;
  trim.approx = true;
  EXPECT_EQ(s.Trim(trim), 100u);  // node 2 holds 100, removing it would leave 50 < 120
  EXPECT_EQ(s.size(), 150u);
  trim.approx = false;
  EXPECT_EQ(s.Trim(trim), 30u);
  EXPECT_EQ(s.first_id(), (StreamId{131, 0}));
  EXPECT_EQ(s.nodes().begin()->second.deleted, 30u);
}

TEST(StreamValueTest, MinIdTrimAndLimit) {
  StreamValue s;
  for (uint64_t i = 1; i <= 250; ++i) Add(s, i, 0, {"f", "v"});
  StreamTrim trim;
  trim.strategy = StreamTrim::Strategy::kMinId;
  trim.minid = StreamId{205, 0};
  trim.approx = true;
  trim.limit = 150;  // two nodes would be 200 entries
  EXPECT_EQ(s.Trim(trim), 100u);
  trim.limit = 0;
  EXPECT_EQ(s.Trim(trim), 100u);
  trim.approx = false;
  EXPECT_EQ(s.Trim(trim), 4u);
  EXPECT_EQ(Ids(s).front(), "205-0");
}

// The node model's byte count must be the size of the listpack Redis would hold: the writer
// builds real listpacks from the model, so the two must agree entry for entry.
TEST(StreamValueTest, ModelledNodeBytesMatchTheRealListpack) {
  StreamValue s;
  Add(s, 1, 0, {"f", "v"});
  EXPECT_EQ(s.nodes().begin()->second.bytes(), 29u);
  Add(s, 1, 1, {"f", "12345"});
  Add(s, 1000000, 7, {"other", std::string(70, 'y'), "g", "-5000"});
  Add(s, UINT64_MAX / 2, 0, {"f", ""});
  for (int i = 0; i < 300; ++i) Add(s, UINT64_MAX / 2 + 1 + i, 0, {"f", std::to_string(i * 977)});
  ASSERT_GT(s.nodes().size(), 1u);
  for (auto node = s.nodes().begin(); node != s.nodes().end(); ++node) {
    const std::string lp = persistence::StreamNodeListpack(s, node);
    EXPECT_EQ(lp.size(), node->second.bytes()) << node->first.ToString();
    ASSERT_TRUE(persistence::DecodeListpack(lp, /*deep=*/true).has_value());
  }
}

TEST(StreamValueTest, NodesRoundTripThroughListpacks) {
  StreamValue s;
  Add(s, 5, 0, {"a", "1", "b", "2"});
  Add(s, 5, 1, {"a", "3", "b", "4"});
  Add(s, 6, 0, {"c", "x"});
  s.Delete(StreamId{5, 1});
  StreamValue loaded;
  for (auto node = s.nodes().begin(); node != s.nodes().end(); ++node) {
    ASSERT_TRUE(persistence::LoadStreamNode(node->first.Key(),
                                            persistence::StreamNodeListpack(s, node), &loaded));
  }
  EXPECT_EQ(Ids(loaded), (std::vector<std::string>{"5-0", "6-0"}));
  auto fields = StreamValue::Unpack(std::next(loaded.entries().begin())->second);
  EXPECT_EQ(fields, (std::vector<std::string_view>{"c", "x"}));
  EXPECT_FALSE(persistence::LoadStreamNode("short", persistence::StreamNodeListpack(
                                                        s, s.nodes().begin()), &loaded));
}

}  // namespace
}  // namespace bazaar::engine::core
