#include "engine/core/keyspace_events.h"

#include <string>
#include <vector>

#include "engine/core/keyspace.h"
#include "gtest/gtest.h"

namespace bazaar::engine::core {
namespace {

TEST(KeyspaceEventsTest, ParsesEveryClassLetter) {
  EXPECT_EQ(events::ParseClasses("KE"), events::kKeyspace | events::kKeyevent);
  EXPECT_EQ(events::ParseClasses("g$lshzxetdnm"),
            events::kAll | events::kNew | events::kKeyMiss);
  EXPECT_EQ(events::ParseClasses(""), 0);
  EXPECT_EQ(events::ParseClasses("A"), events::kAll);
}

TEST(KeyspaceEventsTest, RejectsUnknownLetters) {
  EXPECT_FALSE(events::ParseClasses("Kq").has_value());
  EXPECT_FALSE(events::ParseClasses("a").has_value());
  EXPECT_FALSE(events::ParseClasses("K E").has_value());
}

TEST(KeyspaceEventsTest, FormatsAsRedisDoesWithAHidingNewKeys) {
  EXPECT_EQ(events::FormatClasses(*events::ParseClasses("KEA")), "AKE");
  EXPECT_EQ(events::FormatClasses(*events::ParseClasses("KEAnm")), "AKEm");
  EXPECT_EQ(events::FormatClasses(*events::ParseClasses("EgK")), "gKE");
  EXPECT_EQ(events::FormatClasses(*events::ParseClasses("nK")), "nK");
  EXPECT_EQ(events::FormatClasses(*events::ParseClasses("$lshzxetdKEnm")), "$lshzxetdnKEm");
  EXPECT_EQ(events::FormatClasses(0), "");
}

// Records every observer call in order, notifications as "event key".
class EventLog : public KeyspaceObserver {
 public:
  void KeyModified(int, std::string_view key) override { log.push_back("mod " + std::string(key)); }
  void DbReplaced(int, int) override {}
  void KeyEvent(int db, std::string_view event, std::string_view key) override {
    log.push_back(std::to_string(db) + " " + std::string(event) + " " + std::string(key));
  }
  void Flushed() override { log.push_back("flushed"); }
  std::vector<std::string> log;
};

class KeyspaceNotifyTest : public ::testing::Test {
 protected:
  KeyspaceNotifyTest() : ks_(4) {
    ks_.add_observer(&log_);
    ks_.set_now_ms(1000000);
    ks_.set_notify_classes(events::kAll | events::kNew | events::kKeyMiss);
  }
  Keyspace ks_;
  EventLog log_;
};

TEST_F(KeyspaceNotifyTest, NewKeyIsReportedOnlyWhenCreated) {
  ks_.Store(2, "k", Value(std::string("v")));
  ks_.Store(2, "k", Value(std::string("w")));
  EXPECT_EQ(log_.log, (std::vector<std::string>{"2 new k", "mod k", "mod k"}));
}

TEST_F(KeyspaceNotifyTest, ExpiredComesBeforeTheChangeAndEvictedAfter) {
  ks_.Store(0, "a", Value(std::string("v")));
  ks_.SetExpire(0, "a", 1000001);
  ks_.Store(0, "b", Value(std::string("v")));
  log_.log.clear();
  ks_.set_now_ms(1000001);
  EXPECT_EQ(ks_.FindForRead(0, "a"), nullptr);
  ks_.Evict(0, "b");
  EXPECT_EQ(log_.log, (std::vector<std::string>{"0 expired a", "mod a", "0 keymiss a", "mod b",
                                                "0 evicted b"}));
}

TEST_F(KeyspaceNotifyTest, DisabledClassesAreNotReported) {
  ks_.set_notify_classes(events::kKeyspace | events::kList);
  ks_.Store(0, "k", Value(std::string("v")));
  ks_.Notify(0, events::kString, "set", "k");
  ks_.Notify(0, events::kList, "lpush", "k");
  EXPECT_EQ(log_.log, (std::vector<std::string>{"mod k", "0 lpush k"}));
}

TEST_F(KeyspaceNotifyTest, FlushAllSaysFlushedOnce) {
  ks_.Store(0, "a", Value(std::string("v")));
  ks_.Store(3, "b", Value(std::string("v")));
  log_.log.clear();
  ks_.FlushAll();
  ks_.FlushDb(1);
  EXPECT_EQ(log_.log, (std::vector<std::string>{"flushed", "flushed"}));
}

}  // namespace
}  // namespace bazaar::engine::core
