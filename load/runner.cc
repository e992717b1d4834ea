#include "load/runner.h"

#include <unistd.h>

#include <atomic>
#include <deque>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"

namespace bazaar::load {
namespace {

struct Shared {
  const Workload* w;
  MarketBackend* backend;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> trades{0};  // list + purchase calls started
  std::vector<std::string> sellers;
  std::string seller_prefix;
  int64_t start_us = 0;
  int64_t end_us = 0;

  // False when the run is over; counts one trade call otherwise.
  bool NextTrade() {
    if (stop.load(std::memory_order_relaxed) || NowMicros() >= end_us) return false;
    if (w->max_ops > 0 && trades.fetch_add(1) >= w->max_ops) {
      stop = true;
      return false;
    }
    return true;
  }
};

void Think(const Workload& w, std::mt19937_64& rng) {
  if (w.think_time <= absl::ZeroDuration()) return;
  std::exponential_distribution<double> d(1.0 / absl::ToDoubleMicroseconds(w.think_time));
  absl::SleepFor(absl::Microseconds(d(rng)));
}

void Seller(Shared* sh, int index, std::deque<std::string> inventory, Recorder* rec) {
  const Workload& w = *sh->w;
  const std::string& me = sh->sellers[index];
  std::mt19937_64 rng(w.seed * 7919 + index);
  std::uniform_int_distribution<int64_t> price(w.price_min, w.price_max);
  int64_t next_item = static_cast<int64_t>(inventory.size());
  while (sh->NextTrade()) {
    if (inventory.empty()) {
      std::string item = absl::StrCat(me, "-i", next_item++);
      int64_t t0 = NowMicros();
      absl::Status g = sh->backend->GrantItem(me, item);
      rec->Record(Op::kGrant, g, t0, NowMicros());
      if (!g.ok()) continue;
      inventory.push_back(item);
    }
    std::string item = inventory.front();
    inventory.pop_front();
    int64_t p = price(rng);
    int64_t t0 = NowMicros();
    absl::Status r = sh->backend->ListItem(me, item, p);
    rec->Record(Op::kList, r, t0, NowMicros(), p);
    // Not listed for sure (e.g. ABORTED): keep it for a later turn. Uncertain: let it go.
    if (!r.ok() && !IsUncertain(r)) inventory.push_back(item);
    Think(w, rng);
  }
}

void Buyer(Shared* sh, int index, const std::string& me, Recorder* rec) {
  const Workload& w = *sh->w;
  std::mt19937_64 rng(w.seed * 104729 + 1000003 + index);
  std::uniform_real_distribution<double> u(0, 1);
  while (!sh->stop.load(std::memory_order_relaxed) && NowMicros() < sh->end_us) {
    // The cheapest page; if other runs' listings fill it, the page of one of our sellers.
    std::vector<client::MarketListing> mine;  // this run's listings only
    for (int pass = 0; pass < 2 && mine.empty() && !sh->sellers.empty(); ++pass) {
      std::string seller = pass == 0 ? "" : sh->sellers[rng() % sh->sellers.size()];
      int64_t t0 = NowMicros();
      auto page = sh->backend->Browse(w.page_size, seller);
      rec->Record(Op::kBrowse, page.status(), t0, NowMicros());
      if (!page.ok()) break;
      for (auto& l : *page) {
        if (l.seller_id.rfind(sh->seller_prefix, 0) == 0) mine.push_back(std::move(l));
      }
      if (page->size() < static_cast<size_t>(w.page_size) && pass == 0) break;  // all seen
    }
    if (mine.empty()) {
      absl::SleepFor(absl::Milliseconds(1));  // nothing to buy yet
      continue;
    }
    const client::MarketListing& l = mine[SkewedIndex(static_cast<int>(mine.size()), w.hot_skew,
                                                      u(rng))];
    if (!sh->NextTrade()) break;
    int64_t t0 = NowMicros();
    absl::Status r = sh->backend->Purchase(me, l.seller_id, l.item_id, l.price);
    rec->Record(Op::kPurchase, r, t0, NowMicros(), l.price);
    Think(w, rng);
  }
}

void ProgressLoop(const LiveCounters* live, const Shared* sh, FILE* out, absl::Duration every,
                  absl::Notification* done) {
  const bool tty = isatty(fileno(out));
  int64_t last_ops = 0, last_bought = 0, last_us = sh->start_us;
  while (!done->WaitForNotificationWithTimeout(every)) {
    int64_t now = NowMicros();
    int64_t ops = live->ops.load(), bought = live->bought.load();
    double dt = std::max<int64_t>(1, now - last_us) / 1e6;
    fprintf(out, "%s[%6.1fs] %7.0f ops/s %6.0f buys/s  listed %lld  bought %lld  aborted %lld  "
            "failed %lld%s",
            tty ? "\r" : "", (now - sh->start_us) / 1e6, (ops - last_ops) / dt,
            (bought - last_bought) / dt, static_cast<long long>(live->listed.load()),
            static_cast<long long>(bought), static_cast<long long>(live->aborted.load()),
            static_cast<long long>(live->failed.load()), tty ? "   " : "\n");
    fflush(out);
    last_ops = ops;
    last_bought = bought;
    last_us = now;
  }
  if (tty) fputc('\n', out);
}

}  // namespace

int64_t RunResult::Retries(Op op) const {
  if (!watch_conflicts_known) return -1;
  const char* method = op == Op::kGrant      ? "GrantItem"
                       : op == Op::kList     ? "ListItem"
                       : op == Op::kPurchase ? "PurchaseItem"
                                             : "BrowseMarket";
  auto it = watch_conflicts.find(method);
  return it == watch_conflicts.end() ? 0 : it->second;
}

absl::StatusOr<RunResult> RunWorkload(const Workload& w, MarketBackend* backend, FILE* progress,
                                      absl::Duration progress_interval) {
  RunResult result;
  result.run_id = w.run_id;
  Shared sh;
  sh.w = &w;
  sh.backend = backend;
  sh.seller_prefix = w.run_id + "-s";
  for (int i = 0; i < w.sellers; ++i) result.sellers.push_back(absl::StrCat(w.run_id, "-s", i));
  for (int i = 0; i < w.buyers; ++i) result.buyers.push_back(absl::StrCat(w.run_id, "-b", i));
  sh.sellers = result.sellers;

  // Setup (not timed): users and the sellers' first items.
  std::vector<std::deque<std::string>> inventories(w.sellers);
  auto setup_error = [](const std::string& what, const absl::Status& s) {
    return absl::Status(s.code(), absl::StrCat("setup: ", what, ": ", s.message()));
  };
  for (const auto& id : result.sellers) {
    if (absl::Status s = backend->CreateUser(id, 0); !s.ok()) return setup_error("create " + id, s);
    result.initial_funds.push_back(0);
  }
  for (const auto& id : result.buyers) {
    if (absl::Status s = backend->CreateUser(id, w.buyer_funds); !s.ok()) {
      return setup_error("create " + id, s);
    }
    result.initial_funds.push_back(w.buyer_funds);
  }
  for (int i = 0; i < w.sellers; ++i) {
    for (int k = 0; k < w.items_per_seller; ++k) {
      std::string item = absl::StrCat(result.sellers[i], "-i", k);
      if (absl::Status s = backend->GrantItem(result.sellers[i], item); !s.ok()) {
        return setup_error("grant " + item, s);
      }
      inventories[i].push_back(item);
      ++result.setup_grants;
    }
  }

  // Every aborted attempt of the timed run, as the market counts them (before/after).
  auto conflicts_before = backend->WatchConflicts();
  LiveCounters live;
  sh.start_us = NowMicros();
  sh.end_us = sh.start_us + absl::ToInt64Microseconds(w.duration);
  std::vector<std::unique_ptr<Recorder>> recorders;
  std::vector<std::thread> threads;
  for (int i = 0; i < w.sellers + w.buyers; ++i) {
    recorders.push_back(std::make_unique<Recorder>(sh.start_us, &live));
  }
  absl::Notification done;
  std::thread progress_thread;
  if (progress != nullptr) {
    progress_thread = std::thread(ProgressLoop, &live, &sh, progress, progress_interval, &done);
  }
  for (int i = 0; i < w.sellers; ++i) {
    threads.emplace_back(Seller, &sh, i, std::move(inventories[i]), recorders[i].get());
  }
  for (int j = 0; j < w.buyers; ++j) {
    threads.emplace_back(Buyer, &sh, j, result.buyers[j], recorders[w.sellers + j].get());
  }
  for (auto& t : threads) t.join();
  result.seconds = (NowMicros() - sh.start_us) / 1e6;
  done.Notify();
  if (progress_thread.joinable()) progress_thread.join();
  result.totals = std::make_unique<Recorder>(sh.start_us, &live);
  for (const auto& r : recorders) result.totals->Merge(*r);
  auto conflicts_after = backend->WatchConflicts();
  if (conflicts_before.ok() && conflicts_after.ok()) {
    result.watch_conflicts_known = true;
    for (const auto& [method, n] : *conflicts_after) {
      auto before = conflicts_before->find(method);
      result.watch_conflicts[method] =
          n - (before == conflicts_before->end() ? 0 : before->second);
    }
  }
  return result;
}

}  // namespace bazaar::load
