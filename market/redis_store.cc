#include "market/redis_store.h"

#include <algorithm>

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
  RedisSession(client::AsyncLease lease, ReplicaAcks acks, const MovedHook* moved)
      : lease_(std::make_shared<client::AsyncLease>(std::move(lease))),
        acks_(acks),
        moved_(moved) {}
  ~RedisSession() override {
    if (!watching_ || (*lease_)->broken()) return;
    // The connection goes back once UNWATCH is answered, so the next user starts clean.
    (*lease_)->Send({{"UNWATCH"}}, [lease = lease_](client::AsyncConnection::Replies r) {
      if (!r.ok() || (*r)[0].is_error()) lease->Discard();
    });
  }

  void Pipeline(std::vector<Argv> commands,
                std::function<void(absl::StatusOr<Replies>)> done) override {
    for (const auto& c : commands) {
      if (IsWatch(c)) watching_ = true;
      if (IsUnwatch(c)) watching_ = false;
    }
    const bool wait = WaitsForReplicas();
    if (wait) commands.push_back(WaitCommand());
    (*lease_)->Send(std::move(commands), [lease = lease_, moved = moved_, wait, acks = acks_,
                                          done = std::move(done)](absl::StatusOr<Replies> replies) {
      if (!replies.ok()) return done(replies.status());
      if (auto refused = ClusterRefusal(*replies, *moved)) {
        lease->Discard();
        return done(*refused);
      }
      if (!wait) return done(std::move(replies));
      RespReply wait = std::move(replies->back());
      replies->pop_back();
      if (absl::Status acked = CheckReplicaAcks(wait, acks); !acked.ok()) return done(acked);
      done(std::move(replies));
    });
  }

  void Exec(std::vector<Argv> commands,
            std::function<void(absl::StatusOr<ExecReplies>)> done) override {
    const bool wait = WaitsForReplicas();
    std::vector<Argv> all;
    all.reserve(commands.size() + 3);
    all.push_back({"MULTI"});
    for (auto& c : commands) all.push_back(std::move(c));
    all.push_back({"EXEC"});
    if (wait) all.push_back(WaitCommand());
    watching_ = false;  // EXEC (even a failed one) unwatches everything
    (*lease_)->Send(std::move(all), [lease = lease_, moved = moved_, wait, acks = acks_,
                                     done = std::move(done)](absl::StatusOr<Replies> replies) {
      if (!replies.ok()) return done(replies.status());
      if (auto refused = ClusterRefusal(*replies, *moved)) {
        lease->Discard();
        return done(*refused);
      }
      std::optional<RespReply> wait_reply;
      if (wait) {
        wait_reply = std::move(replies->back());
        replies->pop_back();
      }
      auto result = UnpackExecReplies(std::move(*replies));
      if (!result.ok()) lease->Discard();  // leave no doubt about the connection's state
      // A watch conflict applied nothing, so there is nothing for replicas to hold.
      if (wait_reply && result.ok() && result->has_value()) {
        if (absl::Status acked = CheckReplicaAcks(*wait_reply, acks); !acked.ok()) {
          return done(acked);
        }
      }
      done(std::move(result));
    });
  }

  void ExpectWrites() override { writes_ = true; }

 private:
  bool WaitsForReplicas() const { return writes_ && acks_.replicas > 0; }
  Argv WaitCommand() const {
    return {"WAIT", std::to_string(acks_.replicas),
            std::to_string(std::max<int64_t>(1, absl::ToInt64Milliseconds(acks_.timeout)))};
  }

  std::shared_ptr<client::AsyncLease> lease_;
  ReplicaAcks acks_;
  const MovedHook* moved_;  // the store's: it outlives its sessions
  bool watching_ = false;
  bool writes_ = false;
};

}  // namespace

std::optional<absl::Status> ClusterRefusal(const Replies& replies, const MovedHook& moved) {
  for (const RespReply& r : replies) {
    std::optional<client::Redirect> redirect;
    if (!r.is_error() || !client::IsClusterRefusal(r.str, &redirect)) continue;
    if (redirect && moved) moved(*redirect);
    return MakeError(absl::StatusCode::kUnavailable, reason::kStoreUnavailable,
                     absl::StrCat("the cluster refused the round trip, nothing applied: ", r.str));
  }
  return std::nullopt;
}

absl::StatusOr<ExecReplies> UnpackExecReplies(Replies replies) {
  if (replies.size() < 2) return absl::InternalError("short MULTI/EXEC reply");
  // A replica (the old primary after a failover) refuses the queued writes and aborts EXEC:
  // nothing was applied, and the connection points at the wrong server.
  for (size_t i = 0; i + 1 < replies.size(); ++i) {
    if (replies[i].is_error() && replies[i].str.rfind("READONLY", 0) == 0) {
      return MakeError(absl::StatusCode::kUnavailable, reason::kStoreUnavailable,
                       absl::StrCat("store is a read-only replica, nothing applied: ",
                                    replies[i].str));
    }
  }
  for (size_t i = 0; i + 1 < replies.size(); ++i) {
    if (replies[i].is_error()) {
      return MakeError(absl::StatusCode::kInternal, reason::kStoreError,
                       absl::StrCat("store refused a queued command: ", replies[i].str));
    }
  }
  RespReply& exec = replies.back();
  if (exec.is_nil()) return ExecReplies();
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
  return ExecReplies(std::move(exec.elements));
}

absl::Status CheckReplicaAcks(const RespReply& wait, const ReplicaAcks& acks) {
  if (wait.is_integer() && wait.integer >= acks.replicas) return absl::OkStatus();
  const std::string got =
      wait.is_integer() ? absl::StrCat("only ", wait.integer, " of ", acks.replicas,
                                       " replicas acknowledged it within ",
                                       absl::FormatDuration(acks.timeout))
                        : absl::StrCat("WAIT for ", acks.replicas, " replicas failed: ", wait.str);
  return MakeError(absl::StatusCode::kUnavailable, reason::kOutcomeUnknown,
                   absl::StrCat("the change is applied on the store's primary, but ", got,
                                "; a failover may lose it"));
}

void RedisStore::Open(absl::Time deadline, OpenDone done) {
  client::AsyncLoop* loop = pool_->loop();
  auto acquire = [this, deadline, done = std::move(done)]() mutable {
    pool_->Acquire(deadline, [acks = acks_, moved = &moved_,
                              done = std::move(done)](absl::StatusOr<client::AsyncLease> lease) {
      if (!lease.ok()) {
        if (lease.status().code() == absl::StatusCode::kDeadlineExceeded) {
          return done(lease.status());
        }
        return done(MakeError(absl::StatusCode::kUnavailable, reason::kStoreUnavailable,
                              std::string(lease.status().message())));
      }
      done(std::unique_ptr<StoreSession>(new RedisSession(std::move(*lease), acks, moved)));
    });
  };
  if (loop->in_loop()) {
    acquire();
  } else {
    loop->Post(std::move(acquire));
  }
}

void RedisStore::After(absl::Duration d, std::function<void()> fn) {
  client::AsyncLoop* loop = pool_->loop();
  if (loop->in_loop()) {
    loop->After(d, std::move(fn));
  } else {
    loop->Post([loop, d, fn = std::move(fn)]() mutable { loop->After(d, std::move(fn)); });
  }
}

double RedisStore::Uniform01() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }

}  // namespace bazaar::market
