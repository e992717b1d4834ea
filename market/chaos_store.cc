#include "market/chaos_store.h"

namespace bazaar::market {
namespace {

class ChaosSession : public StoreSession {
 public:
  ChaosSession(std::unique_ptr<StoreSession> inner, RetryEnv* env, ChaosOptions options)
      : inner_(std::move(inner)), env_(env), options_(options) {}

  void Pipeline(std::vector<Argv> commands,
                std::function<void(absl::StatusOr<Replies>)> done) override {
    if (options_.skip_watch) {
      for (Argv& argv : commands) {
        if (!argv.empty() && argv[0] == "WATCH") argv = {"PING"};
      }
    }
    inner_->Pipeline(std::move(commands), std::move(done));
  }

  void Exec(std::vector<Argv> commands,
            std::function<void(absl::StatusOr<ExecReplies>)> done) override {
    if (options_.conflict_rate > 0 && env_->Uniform01() < options_.conflict_rate) {
      inner_->Pipeline({{"UNWATCH"}}, [done = std::move(done)](absl::StatusOr<Replies> r) {
        if (!r.ok()) return done(r.status());
        done(ExecReplies());
      });
      return;
    }
    inner_->Exec(std::move(commands), std::move(done));
  }

  void ExpectWrites() override { inner_->ExpectWrites(); }

 private:
  std::unique_ptr<StoreSession> inner_;
  RetryEnv* env_;
  ChaosOptions options_;
};

}  // namespace

void ChaosStore::Open(absl::Time deadline, OpenDone done) {
  inner_->Open(deadline, [this, done = std::move(done)](
                             absl::StatusOr<std::unique_ptr<StoreSession>> s) {
    if (!s.ok()) return done(std::move(s));
    done(std::unique_ptr<StoreSession>(new ChaosSession(std::move(*s), env_, options_)));
  });
}

}  // namespace bazaar::market
