#include "market/chaos_store.h"

namespace bazaar::market {
namespace {

class ChaosSession : public StoreSession {
 public:
  ChaosSession(std::unique_ptr<StoreSession> inner, RetryEnv* env, double rate)
      : inner_(std::move(inner)), env_(env), rate_(rate) {}

  absl::StatusOr<std::vector<RespReply>> Pipeline(const std::vector<Argv>& commands) override {
    return inner_->Pipeline(commands);
  }

  absl::StatusOr<std::optional<std::vector<RespReply>>> Exec(
      const std::vector<Argv>& commands) override {
    if (env_->Uniform01() < rate_) {
      auto r = inner_->Pipeline({{"UNWATCH"}});
      if (!r.ok()) return r.status();
      return std::optional<std::vector<RespReply>>();
    }
    return inner_->Exec(commands);
  }

 private:
  std::unique_ptr<StoreSession> inner_;
  RetryEnv* env_;
  double rate_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<StoreSession>> ChaosStore::Open(absl::Time deadline) {
  auto s = inner_->Open(deadline);
  if (!s.ok() || rate_ <= 0) return s;
  return std::unique_ptr<StoreSession>(new ChaosSession(std::move(*s), env_, rate_));
}

}  // namespace bazaar::market
