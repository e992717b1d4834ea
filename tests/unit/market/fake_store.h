// FakeStore: an in-memory Store for unit tests of the market logic. It implements the commands the
// market sends (XADD and XRANGE only as far as the event log uses them: ids 1-0, 2-0, ...;
// TIME answers now_ms),
// WATCH/MULTI/EXEC with per-key versions, and fault injection: forced EXEC aborts,
// I/O failures before or during EXEC, an unreachable store, and a hook that runs "another
// client's" commands right before an EXEC.
#ifndef BAZAAR_TESTS_UNIT_MARKET_FAKE_STORE_H_
#define BAZAAR_TESTS_UNIT_MARKET_FAKE_STORE_H_

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "market/retry.h"
#include "market/store.h"

namespace bazaar::market::testing {

// Every call answers at once, in the caller's thread.
class FakeStore : public Store {
 public:
  void Open(absl::Time deadline, OpenDone done) override;

  // Runs one command outside any transaction (test setup and checks, and the hook's writes).
  RespReply Run(const Argv& argv);

  // Fault injection (each counts down as it fires).
  int force_conflicts = 0;        // EXECs that return nil although nothing changed
  int fail_pipelines = 0;         // pipelines that fail with UNAVAILABLE (nothing applied)
  int fail_execs_after_apply = 0; // EXECs that apply, then fail with UNAVAILABLE
  bool unreachable = false;       // Open fails with UNAVAILABLE
  std::string fail_in_exec;       // the next EXEC's first command of this name fails at run time
  int64_t now_ms = 1'000'000'000'000;  // what TIME answers, in Unix ms
  // Called right before each EXEC (outside the store lock) with the EXEC's ordinal (1-based).
  std::function<void(int)> before_exec;

  int execs() const { return execs_; }
  int exec_aborts() const { return exec_aborts_; }

 private:
  friend class FakeSession;
  struct Value {
    std::string str;
    std::map<std::string, std::string> hash;
    std::set<std::string> set;
    std::map<std::string, double> zset;
    std::vector<std::vector<std::string>> stream;  // each entry's fields and values; id = index+1
    char type = 0;  // 's', 'h', 'S', 'z', 'x', 'x'
  };
  RespReply RunLocked(const Argv& argv);
  uint64_t Version(const std::string& key) const;
  void Touch(const std::string& key) { ++versions_[key]; }

  std::recursive_mutex mu_;
  std::map<std::string, Value> data_;
  std::map<std::string, uint64_t> versions_;
  int execs_ = 0;
  int exec_aborts_ = 0;
};

// Manual time for the retry loop: After advances Now by the wait, then runs the function.
class FakeRetryEnv : public RetryEnv {
 public:
  absl::Time Now() override { return now_; }
  void After(absl::Duration d, std::function<void()> fn) override {
    Advance(d);
    if (d > absl::ZeroDuration()) sleeps.push_back(d);
    fn();
  }
  // Kept until the clock gets to `when` (through After or Advance).
  void At(absl::Time when, std::function<void()> fn) override {
    watchdogs_.emplace(when, std::move(fn));
    Advance(absl::ZeroDuration());
  }
  double Uniform01() override { return uniform; }
  // Moves the clock on, then runs the watchdogs it passed, earliest first.
  void Advance(absl::Duration d) {
    now_ += d;
    while (!watchdogs_.empty() && watchdogs_.begin()->first <= now_) {
      auto fn = std::move(watchdogs_.begin()->second);
      watchdogs_.erase(watchdogs_.begin());
      fn();
    }
  }

  double uniform = 0.5;
  std::vector<absl::Duration> sleeps;

 private:
  absl::Time now_ = absl::FromUnixSeconds(1'000'000);
  std::multimap<absl::Time, std::function<void()>> watchdogs_;
};

}  // namespace bazaar::market::testing

#endif  // BAZAAR_TESTS_UNIT_MARKET_FAKE_STORE_H_
