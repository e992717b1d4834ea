#include "market/redis_store.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "market/errors.h"

namespace bazaar::market {
namespace {

bool IsWatch(const Argv& argv) {
  return !argv.empty() && (argv[0] == "WATCH" || argv[0] == "watch");
}
bool IsUnwatch(const Argv& argv) {
  return !argv.empty() && (argv[0] == "UNWATCH" || argv[0] == "unwatch");
}

class RedisSession : public StoreSession {
 public:
  explicit RedisSession(client::PooledConnection conn) : conn_(std::move(conn)) {}
  ~RedisSession() override {
    if (watching_ && !conn_->broken()) {
      auto r = conn_->Command({"UNWATCH"});
      if (!r.ok() || r->is_error()) conn_.Discard();
    }
  }

  absl::StatusOr<std::vector<RespReply>> Pipeline(const std::vector<Argv>& commands) override {
    for (const auto& c : commands) {
      if (IsWatch(c)) watching_ = true;
      if (IsUnwatch(c)) watching_ = false;
    }
    return conn_->Pipeline(commands);
  }

  absl::StatusOr<std::optional<std::vector<RespReply>>> Exec(
      const std::vector<Argv>& commands) override {
    std::vector<Argv> all;
    all.reserve(commands.size() + 2);
    all.push_back({"MULTI"});
    for (const auto& c : commands) all.push_back(c);
    all.push_back({"EXEC"});
    watching_ = false;  // EXEC (even a failed one) unwatches everything
    auto replies = conn_->Pipeline(all);
    if (!replies.ok()) return replies.status();
    auto result = UnpackExecReplies(std::move(*replies));
    if (!result.ok()) conn_.Discard();  // leave no doubt about the connection's state
    return result;
  }

 private:
  client::PooledConnection conn_;
  bool watching_ = false;
};

}  // namespace

absl::StatusOr<std::optional<std::vector<RespReply>>> UnpackExecReplies(
    std::vector<RespReply> replies) {
  if (replies.size() < 2) return absl::InternalError("short MULTI/EXEC reply");
  for (size_t i = 0; i + 1 < replies.size(); ++i) {
    if (replies[i].is_error()) {
      return MakeError(absl::StatusCode::kInternal, reason::kStoreError,
                       absl::StrCat("store refused a queued command: ", replies[i].str));
    }
  }
  RespReply& exec = replies.back();
  if (exec.is_nil()) return std::optional<std::vector<RespReply>>();
  if (exec.is_error()) {
    return MakeError(absl::StatusCode::kInternal, reason::kStoreError,
                     absl::StrCat("EXEC failed: ", exec.str));
  }
  if (!exec.is_array()) {
    return MakeError(absl::StatusCode::kInternal, reason::kStoreError, "EXEC reply not an array");
  }
  for (const auto& r : exec.elements) {
    if (r.is_error()) {
      return MakeError(absl::StatusCode::kInternal, reason::kStoreError,
                       absl::StrCat("command inside EXEC failed: ", r.str));
    }
  }
  return std::optional<std::vector<RespReply>>(std::move(exec.elements));
}

absl::StatusOr<std::unique_ptr<StoreSession>> RedisStore::Open(absl::Time deadline) {
  absl::Duration left = std::min(deadline - absl::Now(), absl::Seconds(10));
  if (left < absl::ZeroDuration()) left = absl::ZeroDuration();
  auto steady_deadline =
      std::chrono::steady_clock::now() + absl::ToChronoMicroseconds(left);
  auto conn = pool_->Acquire(steady_deadline);
  if (!conn.ok()) {
    if (conn.status().code() == absl::StatusCode::kDeadlineExceeded) return conn.status();
    return MakeError(absl::StatusCode::kUnavailable, reason::kStoreUnavailable,
                     std::string(conn.status().message()));
  }
  return std::unique_ptr<StoreSession>(new RedisSession(std::move(*conn)));
}

}  // namespace bazaar::market
