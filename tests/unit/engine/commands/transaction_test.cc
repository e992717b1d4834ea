// Transaction rules through the in-process fixture: no sockets, a fake clock.
#include "engine/txn/watch_table.h"
#include "gtest/gtest.h"
#include "harness/engine_fixture.h"

namespace bazaar::engine::commands {
namespace {

class TransactionTest : public ::testing::Test {
 protected:
  testing::EngineFixture f_;
};

TEST_F(TransactionTest, QueuedCommandsRunAtExec) {
  EXPECT_EQ(f_.Run({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(f_.Run({"SET", "k", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(f_.Run({"INCR", "k"}), "+QUEUED\r\n");
  EXPECT_EQ(f_.Run({"GET", "k"}, 1), "$-1\r\n") << "nothing runs before EXEC";
  EXPECT_EQ(f_.Run({"EXEC"}), "*2\r\n+OK\r\n:2\r\n");
  EXPECT_EQ(f_.stats().exec_count, 1u);
}

TEST_F(TransactionTest, ExecReturnsNilWhenWatchedKeyChangedByAnotherClient) {
  f_.Run({"SET", "k", "1"});
  f_.Run({"WATCH", "k"});
  f_.Run({"SET", "k", "2"}, 1);
  f_.Run({"MULTI"});
  f_.Run({"SET", "k", "3"});
  EXPECT_EQ(f_.Run({"EXEC"}), "*-1\r\n");
  EXPECT_EQ(f_.Run({"GET", "k"}), "$1\r\n2\r\n");
  EXPECT_EQ(f_.stats().exec_aborted_watch, 1u);
}

TEST_F(TransactionTest, ExecReturnsNilWhenWatchedKeyExpires) {
  f_.Run({"SET", "k", "1", "PX", "100"});
  f_.Run({"WATCH", "k"});
  f_.AdvanceMs(100);
  f_.Run({"MULTI"});
  f_.Run({"PING"});
  EXPECT_EQ(f_.Run({"EXEC"}), "*-1\r\n");
}

TEST_F(TransactionTest, WatchingAnAlreadyExpiredKeyIsNotAConflict) {
  f_.Run({"SET", "k", "1", "PX", "100"});
  f_.AdvanceMs(200);
  f_.Run({"WATCH", "k"});
  f_.Run({"MULTI"});
  f_.Run({"PING"});
  EXPECT_EQ(f_.Run({"EXEC"}), "*1\r\n+PONG\r\n");
}

TEST_F(TransactionTest, QueueingErrorAbortsWithExecAbort) {
  f_.Run({"MULTI"});
  f_.Run({"SET", "k", "1"});
  EXPECT_EQ(f_.Run({"NOSUCH"}).substr(0, 21), "-ERR unknown command ");
  EXPECT_EQ(f_.Run({"EXEC"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_EQ(f_.Run({"GET", "k"}), "$-1\r\n");
}

TEST_F(TransactionTest, RuntimeErrorsStayInsideTheExecReplyAndNothingRollsBack) {
  f_.Run({"SET", "s", "text"});
  f_.Run({"MULTI"});
  f_.Run({"INCR", "s"});
  f_.Run({"SET", "k", "v"});
  EXPECT_EQ(f_.Run({"EXEC"}), "*2\r\n-ERR value is not an integer or out of range\r\n+OK\r\n");
  EXPECT_EQ(f_.Run({"GET", "k"}), "$1\r\nv\r\n");
}

TEST_F(TransactionTest, NestedMultiAndWatchInsideMultiAreErrorsThatDoNotAbort) {
  f_.Run({"MULTI"});
  EXPECT_EQ(f_.Run({"MULTI"}), "-ERR MULTI calls can not be nested\r\n");
  EXPECT_EQ(f_.Run({"WATCH", "k"}), "-ERR WATCH inside MULTI is not allowed\r\n");
  f_.Run({"SET", "k", "v"});
  EXPECT_EQ(f_.Run({"EXEC"}), "*1\r\n+OK\r\n");
}

TEST_F(TransactionTest, OwnWriteToWatchedKeyAbortsToo) {
  f_.Run({"WATCH", "k"});
  f_.Run({"SET", "k", "mine"});
  f_.Run({"MULTI"});
  f_.Run({"PING"});
  EXPECT_EQ(f_.Run({"EXEC"}), "*-1\r\n");
}

TEST_F(TransactionTest, ExecAndDiscardUnwatch) {
  f_.Run({"WATCH", "k"});
  f_.Run({"MULTI"});
  f_.Run({"DISCARD"});
  f_.Run({"SET", "k", "other"}, 1);
  f_.Run({"MULTI"});
  f_.Run({"PING"});
  EXPECT_EQ(f_.Run({"EXEC"}), "*1\r\n+PONG\r\n");
}

TEST_F(TransactionTest, FlushAllAbortsWatchersOfExistingKeysOnly) {
  f_.Run({"SET", "present", "1"});
  f_.Run({"WATCH", "present"});
  f_.Run({"WATCH", "absent"}, 1);
  f_.Run({"FLUSHALL"}, 2);
  f_.Run({"MULTI"});
  f_.Run({"MULTI"}, 1);
  EXPECT_EQ(f_.Run({"EXEC"}), "*-1\r\n");
  EXPECT_EQ(f_.Run({"EXEC"}, 1), "*0\r\n");
}

TEST_F(TransactionTest, RenameTouchesBothKeys) {
  f_.Run({"SET", "src", "1"});
  f_.Run({"WATCH", "dst"});
  f_.Run({"RENAME", "src", "dst"}, 1);
  f_.Run({"MULTI"});
  EXPECT_EQ(f_.Run({"EXEC"}), "*-1\r\n");
}

TEST_F(TransactionTest, NoOpWritesDoNotTouchWatchers) {
  f_.Run({"WATCH", "k"});
  f_.Run({"DEL", "k"}, 1);             // nothing to delete
  f_.Run({"SET", "k", "v", "XX"}, 1);  // condition fails
  f_.Run({"EXPIRE", "k", "10"}, 1);    // no such key
  f_.Run({"MULTI"});
  EXPECT_EQ(f_.Run({"EXEC"}), "*0\r\n");
}

TEST_F(TransactionTest, InfoTransactionsNamesTheKeysThatAborted) {
  for (int i = 0; i < 2; ++i) {
    f_.Run({"WATCH", "market:"});
    f_.Run({"ZADD_STANDIN_SET", "x"}, 1);  // unknown: harmless
    f_.Run({"SET", "market:", std::to_string(i)}, 1);
    f_.Run({"MULTI"});
    f_.Run({"EXEC"});
  }
  std::string info = f_.Run({"INFO", "transactions"});
  EXPECT_NE(info.find("exec_aborted_watch:2\r\n"), std::string::npos) << info;
  EXPECT_NE(info.find("top_aborting_key_0:db=0,key=\"market:\",aborts=2\r\n"), std::string::npos)
      << info;
}

TEST_F(TransactionTest, InfoTransactionsCountsAbortsByKeyClass) {
  const char* changed[] = {"users:1", "users:2", "listing:a.s1", "users:1", "plain"};
  for (const char* key : changed) {
    f_.Run({"WATCH", key, "other:watched"});
    f_.Run({"SET", key, "v"}, 1);
    f_.Run({"MULTI"});
    f_.Run({"EXEC"});
  }
  std::string info = f_.Run({"INFO", "transactions"});
  EXPECT_NE(info.find("aborting_key_class_0:class=\"users:\",aborts=3\r\n"
                      "aborting_key_class_1:class=\"\",aborts=1\r\n"
                      "aborting_key_class_2:class=\"listing:\",aborts=1\r\n"),
            std::string::npos)
      << info;
  f_.Run({"CONFIG", "RESETSTAT"});
  EXPECT_EQ(f_.Run({"INFO", "transactions"}).find("aborting_key_class_"), std::string::npos);
}

TEST(KeyClassTest, IsTheKeyUpToItsLastColon) {
  EXPECT_EQ(txn::KeyClassOf("users:42"), "users:");
  EXPECT_EQ(txn::KeyClassOf("{realm1}:listing:sword.s1"), "{realm1}:listing:");
  EXPECT_EQ(txn::KeyClassOf("market:"), "market:");
  EXPECT_EQ(txn::KeyClassOf("plain"), "");
}

TEST_F(TransactionTest, CommandsRefusedInsideMultiAbortTheTransaction) {
  f_.Run({"MULTI"});
  EXPECT_EQ(f_.Run({"SHUTDOWN"}), "-ERR Command not allowed inside a transaction\r\n");
  // SHUTDOWN never reached its handler: the fixture has no ServerControl for it to call.
  EXPECT_EQ(f_.Run({"EXEC"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
}

}  // namespace
}  // namespace bazaar::engine::commands
