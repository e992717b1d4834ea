#include "fake_store.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "market/transaction.h"

namespace bazaar::market::testing {
namespace {

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(toupper(c));
  return s;
}

std::string FormatScore(double d) {
  if (d == static_cast<double>(static_cast<int64_t>(d))) {
    return std::to_string(static_cast<int64_t>(d));
  }
  return absl::StrCat(d);
}

}  // namespace

class FakeSession : public StoreSession {
 public:
  explicit FakeSession(FakeStore* store) : store_(store) {}

  // Answers at once, in the caller's thread.
  void Pipeline(std::vector<Argv> commands,
                std::function<void(absl::StatusOr<Replies>)> done) override {
    done(PipelineNow(commands));
  }
  void Exec(std::vector<Argv> commands,
            std::function<void(absl::StatusOr<ExecReplies>)> done) override {
    done(ExecNow(commands));
  }

 private:
  absl::StatusOr<Replies> PipelineNow(const std::vector<Argv>& commands) {
    if (store_->fail_pipelines > 0) {
      --store_->fail_pipelines;
      return absl::UnavailableError("fake: connection reset");
    }
    std::lock_guard<std::recursive_mutex> lock(store_->mu_);
    std::vector<RespReply> out;
    for (const auto& argv : commands) {
      std::string cmd = Upper(argv[0]);
      if (cmd == "WATCH") {
        for (size_t i = 1; i < argv.size(); ++i) watched_[argv[i]] = store_->Version(argv[i]);
        out.push_back(RespReply::Status("OK"));
      } else if (cmd == "UNWATCH") {
        watched_.clear();
        out.push_back(RespReply::Status("OK"));
      } else {
        out.push_back(store_->RunLocked(argv));
      }
    }
    return out;
  }

  absl::StatusOr<ExecReplies> ExecNow(const std::vector<Argv>& commands) {
    int ordinal = ++store_->execs_;
    if (store_->before_exec) store_->before_exec(ordinal);
    if (store_->fail_pipelines > 0) {
      --store_->fail_pipelines;
      return absl::UnavailableError("fake: connection reset before EXEC");
    }
    std::lock_guard<std::recursive_mutex> lock(store_->mu_);
    bool dirty = false;
    for (const auto& [key, version] : watched_) {
      if (store_->Version(key) != version) dirty = true;
    }
    watched_.clear();
    if (store_->force_conflicts > 0) {
      --store_->force_conflicts;
      dirty = true;
    }
    if (dirty) {
      ++store_->exec_aborts_;
      return std::optional<std::vector<RespReply>>();
    }
    std::vector<RespReply> out;
    for (const auto& argv : commands) {
      // As Redis does with a run-time error inside EXEC: this command fails, the rest apply.
      if (!store_->fail_in_exec.empty() && !argv.empty() && argv[0] == store_->fail_in_exec) {
        store_->fail_in_exec.clear();
        out.push_back(RespReply::Error("ERR increment or decrement would overflow"));
        continue;
      }
      out.push_back(store_->RunLocked(argv));
    }
    if (store_->fail_execs_after_apply > 0) {
      --store_->fail_execs_after_apply;
      return absl::UnavailableError("fake: connection reset after EXEC");
    }
    return ExecReplies(std::move(out));
  }

  FakeStore* store_;
  std::map<std::string, uint64_t> watched_;
};

void FakeStore::Open(absl::Time, OpenDone done) {
  if (unreachable) return done(absl::UnavailableError("STORE_UNAVAILABLE: fake store is down"));
  done(std::unique_ptr<StoreSession>(new FakeSession(this)));
}

uint64_t FakeStore::Version(const std::string& key) const {
  auto it = versions_.find(key);
  return it == versions_.end() ? 0 : it->second;
}

RespReply FakeStore::Run(const Argv& argv) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  return RunLocked(argv);
}

RespReply FakeStore::RunLocked(const Argv& a) {
  const std::string cmd = Upper(a[0]);
  auto find = [&](const std::string& key) -> Value* {
    auto it = data_.find(key);
    return it == data_.end() ? nullptr : &it->second;
  };
  auto make = [&](const std::string& key, char type) -> Value& {
    Value& v = data_[key];
    v.type = type;
    return v;
  };
  auto drop_if_empty = [&](const std::string& key) {
    Value* v = find(key);
    if (v && ((v->type == 'h' && v->hash.empty()) || (v->type == 'S' && v->set.empty()) ||
              (v->type == 'z' && v->zset.empty()))) {
      data_.erase(key);
    }
  };
  if (cmd == "EXISTS") return RespReply::Integer(find(a[1]) ? 1 : 0);
  if (cmd == "GET") {
    Value* v = find(a[1]);
    return v ? RespReply::String(v->str) : RespReply::Nil();
  }
  if (cmd == "SET") {  // SET key value [PX ms] (expiry ignored)
    make(a[1], 's').str = a[2];
    Touch(a[1]);
    return RespReply::Status("OK");
  }
  if (cmd == "DEL") {
    int n = 0;
    for (size_t i = 1; i < a.size(); ++i) {
      if (data_.erase(a[i])) {
        ++n;
        Touch(a[i]);
      }
    }
    return RespReply::Integer(n);
  }
  if (cmd == "HSET") {
    Value& v = make(a[1], 'h');
    int added = 0;
    for (size_t i = 2; i + 1 < a.size(); i += 2) added += v.hash.insert_or_assign(a[i], a[i + 1]).second;
    Touch(a[1]);
    return RespReply::Integer(added);
  }
  if (cmd == "HGET") {
    Value* v = find(a[1]);
    if (!v || !v->hash.count(a[2])) return RespReply::Nil();
    return RespReply::String(v->hash[a[2]]);
  }
  if (cmd == "HEXISTS") {
    Value* v = find(a[1]);
    return RespReply::Integer(v && v->hash.count(a[2]) ? 1 : 0);
  }
  if (cmd == "HMGET") {
    Value* v = find(a[1]);
    std::vector<RespReply> out;
    for (size_t i = 2; i < a.size(); ++i) {
      out.push_back(v && v->hash.count(a[i]) ? RespReply::String(v->hash[a[i]]) : RespReply::Nil());
    }
    return RespReply::Array(std::move(out));
  }
  if (cmd == "HGETALL") {
    Value* v = find(a[1]);
    std::vector<RespReply> out;
    for (const auto& [f, val] : v ? v->hash : std::map<std::string, std::string>{}) {
      out.push_back(RespReply::String(f));
      out.push_back(RespReply::String(val));
    }
    return RespReply::Array(std::move(out));
  }
  if (cmd == "HDEL") {
    Value* v = find(a[1]);
    int n = 0;
    for (size_t i = 2; v && i < a.size(); ++i) n += static_cast<int>(v->hash.erase(a[i]));
    if (n) Touch(a[1]);
    drop_if_empty(a[1]);
    return RespReply::Integer(n);
  }
  if (cmd == "TIME") {
    return RespReply::Array({RespReply::String(std::to_string(now_ms / 1000)),
                             RespReply::String(std::to_string(now_ms % 1000 * 1000))});
  }
  if (cmd == "ZRANGE") {  // ZRANGE key start stop [WITHSCORES], by rank (start, stop >= 0)
    Value* v = find(a[1]);
    std::vector<std::pair<double, std::string>> sorted;
    for (const auto& [m, score] : v ? v->zset : std::map<std::string, double>{}) {
      sorted.emplace_back(score, m);
    }
    std::sort(sorted.begin(), sorted.end());
    const bool scores = a.size() > 4;
    std::vector<RespReply> out;
    for (size_t i = std::stoul(a[2]); i <= std::stoul(a[3]) && i < sorted.size(); ++i) {
      out.push_back(RespReply::String(sorted[i].second));
      if (scores) out.push_back(RespReply::String(FormatScore(sorted[i].first)));
    }
    return RespReply::Array(std::move(out));
  }
  if (cmd == "ZRANGEBYSCORE") {  // ZRANGEBYSCORE key -inf max WITHSCORES LIMIT 0 n
    Value* v = find(a[1]);
    std::vector<std::pair<double, std::string>> sorted;
    const double max = strtod(a[3].c_str(), nullptr);
    for (const auto& [m, score] : v ? v->zset : std::map<std::string, double>{}) {
      if (score <= max) sorted.emplace_back(score, m);
    }
    std::sort(sorted.begin(), sorted.end());
    std::vector<RespReply> out;
    for (size_t i = 0; i < sorted.size() && i < std::stoul(a[7]); ++i) {
      out.push_back(RespReply::String(sorted[i].second));
      out.push_back(RespReply::String(FormatScore(sorted[i].first)));
    }
    return RespReply::Array(std::move(out));
  }
  if (cmd == "HINCRBY") {
    Value& v = make(a[1], 'h');
    int64_t cur = 0, by = 0;
    if (v.hash.count(a[2])) absl::SimpleAtoi(v.hash[a[2]], &cur);
    absl::SimpleAtoi(a[3], &by);
    v.hash[a[2]] = std::to_string(cur + by);
    Touch(a[1]);
    return RespReply::Integer(cur + by);
  }
  if (cmd == "SADD") {
    Value& v = make(a[1], 'S');
    int n = 0;
    for (size_t i = 2; i < a.size(); ++i) n += v.set.insert(a[i]).second;
    Touch(a[1]);
    return RespReply::Integer(n);
  }
  if (cmd == "SREM") {
    Value* v = find(a[1]);
    int n = 0;
    if (v) {
      for (size_t i = 2; i < a.size(); ++i) n += static_cast<int>(v->set.erase(a[i]));
      if (n) Touch(a[1]);
      drop_if_empty(a[1]);
    }
    return RespReply::Integer(n);
  }
  if (cmd == "SISMEMBER") {
    Value* v = find(a[1]);
    return RespReply::Integer(v && v->set.count(a[2]) ? 1 : 0);
  }
  if (cmd == "SMEMBERS" || cmd == "SCARD") {
    Value* v = find(a[1]);
    if (cmd == "SCARD") return RespReply::Integer(v ? static_cast<int64_t>(v->set.size()) : 0);
    std::vector<RespReply> out;
    if (v) {
      for (const auto& m : v->set) out.push_back(RespReply::String(m));
    }
    return RespReply::Array(std::move(out));
  }
  if (cmd == "ZADD") {
    Value& v = make(a[1], 'z');
    v.zset[a[3]] = strtod(a[2].c_str(), nullptr);
    Touch(a[1]);
    return RespReply::Integer(1);
  }
  if (cmd == "ZREM") {
    Value* v = find(a[1]);
    int n = v ? static_cast<int>(v->zset.erase(a[2])) : 0;
    if (n) Touch(a[1]);
    drop_if_empty(a[1]);
    return RespReply::Integer(n);
  }
  if (cmd == "ZSCORE") {
    Value* v = find(a[1]);
    if (!v || !v->zset.count(a[2])) return RespReply::Nil();
    return RespReply::String(FormatScore(v->zset[a[2]]));
  }
  if (cmd == "ZCARD") {
    Value* v = find(a[1]);
    return RespReply::Integer(v ? static_cast<int64_t>(v->zset.size()) : 0);
  }
  if (cmd == "XADD") {  // XADD key [MAXLEN ~ n] * field value ... (no trimming)
    Value& v = make(a[1], 'x');
    size_t i = a[2] == "MAXLEN" ? 5 : 2;
    v.stream.emplace_back(a.begin() + i + 1, a.end());
    Touch(a[1]);
    return RespReply::String(std::to_string(v.stream.size()) + "-0");
  }
  if (cmd == "EVAL" && a.size() == 7 && a[1] == kRecordWithEventIdScript) {
    // The one script the market sends (transaction.h): the top id of KEYS[1] appended to the
    // record stored under KEYS[2].
    Value* v = find(a[3]);
    if (!v || v->stream.empty()) return RespReply::Error("ERR fake store: empty stream");
    const std::string top = std::to_string(v->stream.size()) + "-0";
    make(a[4], 's').str = a[5] + std::to_string(top.size()) + ":" + top;
    Touch(a[4]);
    return RespReply::String(top);
  }
  if (cmd == "XRANGE") {  // XRANGE key - + (the whole stream)
    Value* v = find(a[1]);
    std::vector<RespReply> out;
    for (size_t i = 0; v && i < v->stream.size(); ++i) {
      std::vector<RespReply> fields;
      for (const auto& f : v->stream[i]) fields.push_back(RespReply::String(f));
      out.push_back(RespReply::Array(
          {RespReply::String(std::to_string(i + 1) + "-0"), RespReply::Array(std::move(fields))}));
    }
    return RespReply::Array(std::move(out));
  }
  return RespReply::Error("ERR fake store: unknown command '" + a[0] + "'");
}

}  // namespace bazaar::market::testing
