// StreamGroup: the group PEL and the consumers' PELs kept in step through deliveries, take-overs,
// claims, acks and consumer deletion; and the stream's read counter and lag as Redis 7.0 works
// them out (exact, estimated, unknown after deletions), with figures taken from real Redis.
#include "engine/core/stream_group.h"

#include <string>
#include <vector>

#include "engine/core/stream.h"
#include "gtest/gtest.h"

namespace bazaar::engine::core {
namespace {

std::vector<std::string> Owned(StreamGroup& g, std::string_view consumer) {
  std::vector<std::string> out;
  for (StreamId id : g.FindConsumer(consumer)->pending) out.push_back(id.ToString());
  return out;
}

// Every group PEL entry is in exactly its owner's set, and owners hold nothing else.
void ExpectConsistent(const StreamGroup& g) {
  size_t owned = 0;
  for (const auto& [name, consumer] : g.consumers()) {
    owned += consumer.pending.size();
    for (StreamId id : consumer.pending) {
      auto it = g.pel().find(id);
      ASSERT_NE(it, g.pel().end()) << id.ToString();
      EXPECT_EQ(it->second.consumer, name);
    }
  }
  EXPECT_EQ(owned, g.pel().size());
}

TEST(StreamGroupTest, DeliveryToAnotherConsumerTakesTheEntryOverAndRestartsItsCount) {
  StreamGroup g(StreamId{}, StreamGroup::kUnknownEntriesRead);
  g.FindOrCreateConsumer("alice", 10);
  g.FindOrCreateConsumer("bob", 10);
  g.Deliver(StreamId{1, 0}, "alice", 100);
  g.Deliver(StreamId{2, 0}, "alice", 100);
  g.FindPending(StreamId{1, 0})->delivery_count = 5;
  const StreamPending& p = g.Deliver(StreamId{1, 0}, "bob", 200);
  EXPECT_EQ(p.consumer, "bob");
  EXPECT_EQ(p.delivery_count, 1u);
  EXPECT_EQ(p.delivery_time, 200);
  EXPECT_EQ(Owned(g, "alice"), std::vector<std::string>{"2-0"});
  EXPECT_EQ(Owned(g, "bob"), std::vector<std::string>{"1-0"});
  ExpectConsistent(g);
}

TEST(StreamGroupTest, TransferAckAndDeleteKeepBothListsInStep) {
  StreamGroup g(StreamId{}, 0);
  bool created = false;
  g.FindOrCreateConsumer("alice", 1, &created);
  EXPECT_TRUE(created);
  g.FindOrCreateConsumer("alice", 2, &created);
  EXPECT_FALSE(created);
  EXPECT_EQ(g.FindConsumer("alice")->seen_time, 1);
  for (uint64_t ms = 1; ms <= 4; ++ms) g.Deliver(StreamId{ms, 0}, "alice", 5);
  g.FindOrCreateConsumer("bob", 6);
  g.Transfer(StreamId{3, 0}, "bob");
  g.Transfer(StreamId{3, 0}, "bob");  // already its own: nothing moves
  g.AddPending(StreamId{9, 0}, "bob", 7);
  EXPECT_EQ(Owned(g, "bob"), (std::vector<std::string>{"3-0", "9-0"}));
  ExpectConsistent(g);
  EXPECT_TRUE(g.Ack(StreamId{1, 0}));
  EXPECT_FALSE(g.Ack(StreamId{1, 0}));
  EXPECT_EQ(Owned(g, "alice"), (std::vector<std::string>{"2-0", "4-0"}));
  EXPECT_EQ(g.DeleteConsumer("alice"), 2u);
  EXPECT_EQ(g.DeleteConsumer("alice"), 0u);
  EXPECT_EQ(g.pel().size(), 2u);
  ExpectConsistent(g);
}

TEST(StreamGroupTest, LoadedEntriesNeedAnOwnerInTheGroupPelAndOnlyOne) {
  StreamGroup g(StreamId{}, 0);
  EXPECT_TRUE(g.AddLoadedPending(StreamId{1, 0}, 100, 3));
  EXPECT_FALSE(g.AddLoadedPending(StreamId{1, 0}, 100, 3));
  g.AddLoadedConsumer("alice", 50);
  g.AddLoadedConsumer("bob", 50);
  EXPECT_FALSE(g.AssignLoaded(StreamId{2, 0}, "alice"));
  EXPECT_TRUE(g.AssignLoaded(StreamId{1, 0}, "alice"));
  EXPECT_FALSE(g.AssignLoaded(StreamId{1, 0}, "alice"));
  EXPECT_FALSE(g.AssignLoaded(StreamId{1, 0}, "bob"));
  ExpectConsistent(g);
}

void Add(StreamValue& s, uint64_t ms) {
  std::vector<std::string_view> fields = {"data", "x"};
  s.Append(StreamId{ms, 0}, fields, 4096, 100);
}

StreamGroup& Group(StreamValue& s, const std::string& name, StreamId last,
                   int64_t entries_read = StreamGroup::kUnknownEntriesRead) {
  return s.groups().try_emplace(name, last, entries_read).first->second;
}

void Read(StreamValue& s, StreamGroup& g, uint64_t ms) { s.RecordGroupRead(g, StreamId{ms, 0}); }

// "Consumer group read counter and lag sanity" of Redis's suite.
TEST(StreamLagTest, CountsExactlyWithoutDeletions) {
  StreamValue s;
  for (uint64_t ms = 1; ms <= 5; ++ms) Add(s, ms);
  StreamGroup& g = Group(s, "g1", StreamId{});
  EXPECT_EQ(s.GroupLag(g), 5);
  Read(s, g, 1);
  EXPECT_EQ(g.entries_read(), 1);
  EXPECT_EQ(s.GroupLag(g), 4);
  for (uint64_t ms = 2; ms <= 5; ++ms) Read(s, g, ms);
  EXPECT_EQ(g.entries_read(), 5);
  EXPECT_EQ(s.GroupLag(g), 0);
  Add(s, 6);
  EXPECT_EQ(s.GroupLag(g), 1);
  // A group created at the last id knows its count.
  EXPECT_EQ(s.GroupLag(Group(s, "at-end", StreamId{6, 0})), 0);
  // A future id has no count.
  EXPECT_EQ(s.GroupLag(Group(s, "future", StreamId{9, 0})), std::nullopt);
}

// "Consumer group lag with XDELs" of Redis's suite.
TEST(StreamLagTest, DeletionsMakeTheCounterUnknownUntilReadPast) {
  StreamValue s;
  for (uint64_t ms = 1; ms <= 5; ++ms) Add(s, ms);
  s.Delete(StreamId{3, 0});
  s.set_max_deleted_id(StreamId{3, 0});
  StreamGroup& g1 = Group(s, "g1", StreamId{});
  StreamGroup& g2 = Group(s, "g2", StreamId{});
  EXPECT_EQ(s.GroupLag(g1), std::nullopt);
  for (uint64_t ms : {1, 2, 4}) {
    Read(s, g1, ms);
    EXPECT_EQ(g1.entries_read(), StreamGroup::kUnknownEntriesRead) << ms;
    EXPECT_EQ(s.GroupLag(g1), std::nullopt) << ms;
  }
  Read(s, g1, 5);
  EXPECT_EQ(g1.entries_read(), 5);
  EXPECT_EQ(s.GroupLag(g1), 0);
  Add(s, 6);
  EXPECT_EQ(s.GroupLag(g1), 1);
  StreamTrim trim;
  trim.strategy = StreamTrim::Strategy::kMinId;
  trim.minid = StreamId{3, 0};
  s.Trim(trim);
  EXPECT_EQ(s.GroupLag(g1), 1);
  EXPECT_EQ(s.GroupLag(g2), 3);
  trim.minid = StreamId{5, 0};
  s.Trim(trim);
  EXPECT_EQ(s.GroupLag(g2), 2);
}

// "Consumer group read counter and lag in empty streams" of Redis's suite.
TEST(StreamLagTest, AnEmptiedStreamCountsEverythingAsRead) {
  StreamValue s;
  StreamGroup& g = Group(s, "g1", StreamId{});
  EXPECT_EQ(s.GroupLag(g), 0);
  Add(s, 1);
  s.Delete(StreamId{1, 0});
  s.set_max_deleted_id(StreamId{1, 0});
  EXPECT_EQ(s.GroupLag(g), 0);
  EXPECT_EQ(s.EstimateEntriesRead(StreamId{}), 1);
  EXPECT_EQ(s.EstimateEntriesRead(StreamId{2, 0}), StreamGroup::kUnknownEntriesRead);
}

TEST(StreamLagTest, EstimatesFromTheFirstEntryWhenNoDeletionIsAhead) {
  StreamValue s;
  for (uint64_t ms = 1; ms <= 5; ++ms) Add(s, ms);
  StreamTrim trim;
  trim.strategy = StreamTrim::Strategy::kMaxLen;
  trim.maxlen = 3;
  s.Trim(trim);  // 3-0 .. 5-0 left, 5 added
  EXPECT_EQ(s.EstimateEntriesRead(StreamId{1, 0}), 2);
  EXPECT_EQ(s.EstimateEntriesRead(StreamId{3, 0}), 3);
  EXPECT_EQ(s.EstimateEntriesRead(StreamId{4, 0}), StreamGroup::kUnknownEntriesRead);
  EXPECT_EQ(s.EstimateEntriesRead(StreamId{5, 0}), 5);
  // A counter given by hand past what was added makes a negative lag, as in Redis.
  EXPECT_EQ(s.GroupLag(Group(s, "ahead", StreamId{}, 9)), -4);
}

}  // namespace
}  // namespace bazaar::engine::core
