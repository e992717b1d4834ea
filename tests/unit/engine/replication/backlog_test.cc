#include "engine/replication/backlog.h"

#include <gtest/gtest.h>

#include <string>

namespace bazaar::engine::replication {
namespace {

TEST(ReplicationHistoryTest, OffsetCountsBytesOnlyOnceTheBacklogExists) {
  ReplicationHistory h;
  EXPECT_FALSE(h.backlog_active());
  h.CreateBacklog(16);
  h.Feed("hello");
  EXPECT_EQ(h.master_repl_offset(), 5);
  EXPECT_EQ(h.histlen(), 5);
  EXPECT_EQ(h.first_byte_offset(), 1);
}

TEST(ReplicationHistoryTest, RingKeepsTheNewestBytesAcrossWraparound) {
  ReplicationHistory h;
  h.CreateBacklog(8);
  h.Feed("abcdef");
  h.Feed("ghij");  // 10 bytes fed, 8 kept: "cdefghij"
  EXPECT_EQ(h.histlen(), 8);
  EXPECT_EQ(h.first_byte_offset(), 3);
  EXPECT_EQ(h.CopyFrom(3), "cdefghij");
  EXPECT_EQ(h.CopyFrom(9), "ij");
  EXPECT_EQ(h.CopyFrom(11), "");
  h.Feed(std::string(20, 'z') + "END");  // more than the ring in one feed
  EXPECT_EQ(h.CopyFrom(h.first_byte_offset()), "zzzzzEND");
}

TEST(ReplicationHistoryTest, ContinuesOnlyWithOurIdAndAnOffsetWeHold) {
  ReplicationHistory h;
  h.CreateBacklog(8);
  h.Feed("0123456789");  // holds offsets 3..10
  EXPECT_TRUE(h.CanContinue(h.replid(), 3));
  EXPECT_TRUE(h.CanContinue(h.replid(), 11));  // up to date: nothing to send
  EXPECT_FALSE(h.CanContinue(h.replid(), 2));  // fell out of the ring
  EXPECT_FALSE(h.CanContinue(h.replid(), 12));
  EXPECT_FALSE(h.CanContinue(std::string(40, 'f'), 5));
}

TEST(ReplicationHistoryTest, PromotionKeepsTheOldIdValidUpToWhereItEnded) {
  ReplicationHistory h;
  h.CreateBacklog(64);
  h.Feed("0123456789");
  const std::string old_id = h.replid();
  h.ShiftReplicationId();
  EXPECT_NE(h.replid(), old_id);
  EXPECT_EQ(h.replid2(), old_id);
  EXPECT_EQ(h.second_replid_offset(), 11);
  h.Feed("more");
  EXPECT_TRUE(h.CanContinue(old_id, 11));   // a sibling that had the old history
  EXPECT_FALSE(h.CanContinue(old_id, 12));  // claims bytes of the old history we never had
  EXPECT_TRUE(h.CanContinue(h.replid(), 12));
}

TEST(ReplicationHistoryTest, ResizeKeepsWhatStillFits) {
  ReplicationHistory h;
  h.CreateBacklog(16);
  h.Feed("abcdefghij");
  h.Resize(4);
  EXPECT_EQ(h.master_repl_offset(), 10);
  EXPECT_EQ(h.CopyFrom(h.first_byte_offset()), "ghij");
  h.Resize(32);
  h.Feed("kl");
  EXPECT_EQ(h.CopyFrom(h.first_byte_offset()), "ghijkl");
}

TEST(ReplicationHistoryTest, ResetAndRestoreStartAnEmptyHistoryAtTheGivenOffset) {
  ReplicationHistory h;
  h.CreateBacklog(16);
  h.Feed("abc");
  h.ResetTo(std::string(40, 'a'), 100);
  EXPECT_EQ(h.master_repl_offset(), 100);
  EXPECT_EQ(h.histlen(), 0);
  EXPECT_TRUE(h.CanContinue(std::string(40, 'a'), 101));
  EXPECT_FALSE(h.CanContinue(std::string(40, 'a'), 100));
  h.Restore(std::string(40, 'b'), 7);
  EXPECT_EQ(h.replid(), std::string(40, 'b'));
  EXPECT_EQ(h.master_repl_offset(), 7);
}

}  // namespace
}  // namespace bazaar::engine::replication
