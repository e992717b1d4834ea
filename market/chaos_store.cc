#include "market/chaos_store.h"

namespace bazaar::market {
namespace {

class ChaosSession : public StoreSession {
 public:
  ChaosSession(std::unique_ptr<StoreSession> inner, RetryEnv* env, ChaosOptions options)
      : inner_(std::move(inner)), env_(env), options_(options) {}

  absl::StatusOr<std::vector<RespReply>> Pipeline(const std::vector<Argv>& commands) override {
    if (!options_.skip_watch) return inner_->Pipeline(commands);
    std::vector<Argv> unwatched = commands;
    for (Argv& argv : unwatched) {
      if (!argv.empty() && argv[0] == "WATCH") argv = {"PING"};
    }
    return inner_->Pipeline(unwatched);
  }

  absl::StatusOr<std::optional<std::vector<RespReply>>> Exec(
      const std::vector<Argv>& commands) override {
    if (options_.conflict_rate > 0 && env_->Uniform01() < options_.conflict_rate) {
      auto r = inner_->Pipeline({{"UNWATCH"}});
      if (!r.ok()) return r.status();
      return std::optional<std::vector<RespReply>>();
    }
    return inner_->Exec(commands);
  }

 private:
  std::unique_ptr<StoreSession> inner_;
  RetryEnv* env_;
  ChaosOptions options_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<StoreSession>> ChaosStore::Open(absl::Time deadline) {
  auto s = inner_->Open(deadline);
  if (!s.ok()) return s;
  return std::unique_ptr<StoreSession>(new ChaosSession(std::move(*s), env_, options_));
}

}  // namespace bazaar::market
