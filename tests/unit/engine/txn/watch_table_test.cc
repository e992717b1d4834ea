#include "engine/txn/watch_table.h"

#include "gtest/gtest.h"

namespace bazaar::engine::txn {
namespace {

using core::Value;

class WatchTableTest : public ::testing::Test {
 protected:
  WatchTableTest() : ks_(16), table_(&ks_) {
    ks_.add_observer(&table_);
    ks_.set_now_ms(1000);
  }
  core::Keyspace ks_;
  WatchTable table_;
  TransactionState a_, b_;
};

TEST_F(WatchTableTest, WriteToWatchedKeyMarksEveryWatcherDirty) {
  table_.Watch(&a_, 0, "k");
  table_.Watch(&b_, 0, "k");
  ks_.Store(0, "k", Value(std::string("v")));
  EXPECT_TRUE(a_.dirty_cas);
  EXPECT_TRUE(b_.dirty_cas);
  EXPECT_EQ(a_.abort_key, "k");
  EXPECT_TRUE(a_.watched.empty()) << "a dirty client stops watching";
  EXPECT_EQ(table_.watched_key_count(), 0u);
}

TEST_F(WatchTableTest, WritesToOtherKeysOrDatabasesDoNotCount) {
  table_.Watch(&a_, 0, "k");
  ks_.Store(0, "other", Value(std::string("v")));
  ks_.Store(1, "k", Value(std::string("v")));
  EXPECT_FALSE(a_.dirty_cas);
}

TEST_F(WatchTableTest, UnwatchAllForgetsKeys) {
  table_.Watch(&a_, 0, "k");
  table_.UnwatchAll(&a_);
  ks_.Store(0, "k", Value(std::string("v")));
  EXPECT_FALSE(a_.dirty_cas);
}

TEST_F(WatchTableTest, KeyThatExpiresAfterWatchCountsAsChanged) {
  ks_.Store(0, "k", Value(std::string("v")));
  ks_.SetExpire(0, "k", 2000);
  table_.Watch(&a_, 0, "k");
  ks_.set_now_ms(2000);
  EXPECT_TRUE(table_.WatchedKeyExpired(&a_));
  EXPECT_TRUE(a_.dirty_cas);
}

TEST_F(WatchTableTest, DeletingAKeyThatWasAlreadyExpiredAtWatchIsNoChange) {
  ks_.Store(0, "k", Value(std::string("v")));
  ks_.SetExpire(0, "k", 1000);  // already expired at now=1000
  table_.Watch(&a_, 0, "k");
  EXPECT_EQ(ks_.FindForRead(0, "k"), nullptr);  // lazy expiry deletes it
  EXPECT_FALSE(a_.dirty_cas);
  EXPECT_FALSE(table_.WatchedKeyExpired(&a_));
  ks_.Store(0, "k", Value(std::string("back")));  // but its return is a change
  EXPECT_TRUE(a_.dirty_cas);
}

TEST_F(WatchTableTest, FlushTouchesOnlyWatchedKeysThatExist) {
  ks_.Store(0, "present", Value(std::string("v")));
  table_.Watch(&a_, 0, "present");
  table_.Watch(&b_, 0, "absent");
  ks_.FlushDb(0);
  EXPECT_TRUE(a_.dirty_cas);
  EXPECT_FALSE(b_.dirty_cas);
}

TEST_F(WatchTableTest, SwapDbTouchesKeysPresentOnEitherSide) {
  ks_.Store(1, "k", Value(std::string("v")));
  table_.Watch(&a_, 0, "k");  // absent in db 0, present in db 1
  table_.Watch(&b_, 0, "none");
  ks_.SwapDb(0, 1);
  EXPECT_TRUE(a_.dirty_cas);
  EXPECT_FALSE(b_.dirty_cas);
}

TEST_F(WatchTableTest, CountsAbortsPerKeyMostFirst) {
  for (int i = 0; i < 3; ++i) {
    TransactionState t;
    table_.Watch(&t, 0, "hot");
    ks_.Store(0, "hot", Value(std::string("v")));
    table_.RecordAbort(t);
  }
  TransactionState t;
  table_.Watch(&t, 2, "cold");
  ks_.Store(2, "cold", Value(std::string("v")));
  table_.RecordAbort(t);
  auto top = table_.TopAbortingKeys(10);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].key, "hot");
  EXPECT_EQ(top[0].aborts, 3u);
  EXPECT_EQ(top[1].db, 2);
  EXPECT_EQ(top[1].key, "cold");
}

}  // namespace
}  // namespace bazaar::engine::txn
