#include "load/player.h"

#include "absl/strings/str_cat.h"

namespace bazaar::load {

std::string SellerStock::Take(bool* grant) {
  absl::MutexLock lock(&mu_);
  *grant = items_.empty();
  if (*grant) return absl::StrCat(seller_, "-i", next_++);
  std::string item = std::move(items_.front());
  items_.pop_front();
  return item;
}

void SellerStock::PutBack(std::string item) {
  absl::MutexLock lock(&mu_);
  items_.push_back(std::move(item));
}

bool Shared::NextTrade() {
  if (Over()) return false;
  if (w->max_ops > 0 && trades.fetch_add(1) >= w->max_ops) {
    stop = true;
    return false;
  }
  return true;
}

void Player::Continue() {
  if (pending_.fetch_add(1, std::memory_order_acq_rel) != 0) return;
  do {
    Step();
  } while (pending_.fetch_sub(1, std::memory_order_acq_rel) != 1);
  // Last, since Done may destroy the player (or let the run do so).
  if (finished_) Done();
}

void Player::Sleep(absl::Duration delay) {
  client::AsyncLoop* timers = sh_->timers;
  timers->Post([this, timers, delay] { timers->After(delay, [this] { Continue(); }); });
}

bool Player::Think() {
  const Workload& w = *sh_->w;
  if (w.think_time <= absl::ZeroDuration()) return false;
  std::exponential_distribution<double> d(1.0 / absl::ToDoubleMicroseconds(w.think_time));
  Sleep(absl::Microseconds(d(rng_)));
  return true;
}

void RunPlayers(Shared* sh, LiveCounters* live, Recorder* totals,
                const std::function<std::unique_ptr<Player>(int, Recorder*)>& make) {
  const int n = sh->w->sellers + sh->w->buyers;
  std::vector<std::unique_ptr<Recorder>> recorders;
  for (int i = 0; i < n; ++i) recorders.push_back(std::make_unique<Recorder>(sh->start_us, live));
  absl::BlockingCounter players_left(n);
  sh->players_left = &players_left;
  std::vector<std::unique_ptr<Player>> players;
  for (int i = 0; i < n; ++i) players.push_back(make(i, recorders[i].get()));
  for (auto& p : players) p->Continue();
  players_left.Wait();
  for (const auto& r : recorders) totals->Merge(*r);
}

StatusDone Player::Then() {
  return [this](absl::Status s) {
    status_ = std::move(s);
    Continue();
  };
}

}  // namespace bazaar::load
