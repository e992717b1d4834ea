#include "engine/core/keyspace.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace bazaar::engine::core {
namespace {

class RecordingObserver : public KeyspaceObserver {
 public:
  void KeyModified(int db, std::string_view key) override {
    events.push_back(std::to_string(db) + ":" + std::string(key));
  }
  void DbReplaced(int db, int with) override {
    events.push_back("replaced " + std::to_string(db) + " " + std::to_string(with));
  }
  std::vector<std::string> events;
};

class KeyspaceTest : public ::testing::Test {
 protected:
  KeyspaceTest() : ks_(16) {
    ks_.add_observer(&observer_);
    ks_.set_now_ms(1000000);
  }
  Keyspace ks_;
  RecordingObserver observer_;
};

TEST_F(KeyspaceTest, KeyIsVisibleUntilItsExpiryMillisecond) {
  ks_.Store(0, "k", Value(std::string("v")));
  ks_.SetExpire(0, "k", 1000100);
  ks_.set_now_ms(1000099);
  EXPECT_NE(ks_.FindForRead(0, "k"), nullptr);
  ks_.set_now_ms(1000100);
  EXPECT_EQ(ks_.FindForRead(0, "k"), nullptr);
  EXPECT_EQ(ks_.DbSize(0), 0u);
  EXPECT_EQ(ks_.stats().expired_keys, 1u);
}

TEST_F(KeyspaceTest, LazyExpiryTellsTheObserver) {
  ks_.Store(0, "k", Value(std::string("v")));
  ks_.SetExpire(0, "k", 1000001);
  observer_.events.clear();
  ks_.set_now_ms(1000001);
  ks_.FindForWrite(0, "k");
  EXPECT_EQ(observer_.events, std::vector<std::string>{"0:k"});
}

TEST_F(KeyspaceTest, ActiveExpiryRemovesExpiredKeysWithoutAccess) {
  for (int i = 0; i < 1000; ++i) {
    std::string key = "k" + std::to_string(i);
    ks_.Store(3, key, Value(std::string("v")));
    ks_.SetExpire(3, key, i % 2 ? 1000500 : 2000000);
  }
  ks_.set_now_ms(1000500);
  size_t removed = 0;
  for (int i = 0; i < 100 && removed < 500; ++i) removed += ks_.ActiveExpireCycle(1000000);
  EXPECT_EQ(removed, 500u);
  EXPECT_EQ(ks_.DbSize(3), 500u);
  EXPECT_EQ(ks_.ExpiresCount(3), 500u);
}

TEST_F(KeyspaceTest, StoreDropsTheTtlUnlessAskedToKeepIt) {
  ks_.Store(0, "k", Value(std::string("v")));
  ks_.SetExpire(0, "k", 2000000);
  ks_.Store(0, "k", Value(std::string("w")), /*keep_ttl=*/true);
  EXPECT_EQ(ks_.GetExpire(0, "k"), 2000000);
  ks_.Store(0, "k", Value(std::string("x")));
  EXPECT_EQ(ks_.GetExpire(0, "k"), -1);
}

TEST_F(KeyspaceTest, SwapDbExchangesKeysAndExpiries) {
  ks_.Store(0, "a", Value(std::string("1")));
  ks_.SetExpire(0, "a", 5000000);
  ks_.Store(1, "b", Value(std::string("2")));
  ks_.SwapDb(0, 1);
  EXPECT_NE(ks_.FindForRead(1, "a"), nullptr);
  EXPECT_EQ(ks_.GetExpire(1, "a"), 5000000);
  EXPECT_NE(ks_.FindForRead(0, "b"), nullptr);
}

TEST_F(KeyspaceTest, FlushTellsTheObserverBeforeEmptying) {
  ks_.Store(2, "a", Value(std::string("1")));
  observer_.events.clear();
  ks_.FlushDb(2);
  EXPECT_EQ(observer_.events, std::vector<std::string>{"replaced 2 -1"});
  EXPECT_EQ(ks_.DbSize(2), 0u);
}

TEST_F(KeyspaceTest, TakeReturnsValueAndExpiry) {
  ks_.Store(0, "a", Value(std::string("1")));
  ks_.SetExpire(0, "a", 3000000);
  auto taken = ks_.Take(0, "a");
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->first.str(), "1");
  EXPECT_EQ(taken->second, 3000000);
  EXPECT_EQ(ks_.FindForRead(0, "a"), nullptr);
}

}  // namespace
}  // namespace bazaar::engine::core
