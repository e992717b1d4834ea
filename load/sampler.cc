#include "load/sampler.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "resp/cluster.h"
#include "resp/connection.h"

namespace bazaar::load {

std::map<std::string, int64_t> ParseKeyClassAborts(const std::string& info) {
  // aborting_key_class_0:class="users:",aborts=12 (the class quoted as Redis quotes keys; the
  // market's classes need no escapes, so an escaped one is kept as printed).
  std::map<std::string, int64_t> out;
  for (absl::string_view line : absl::StrSplit(info, '\n')) {
    line = absl::StripSuffix(line, "\r");
    if (!absl::ConsumePrefix(&line, "aborting_key_class_")) continue;
    size_t cls = line.find(":class=\"");
    size_t aborts = line.rfind("\",aborts=");
    int64_t n;
    if (cls == absl::string_view::npos || aborts == absl::string_view::npos || aborts < cls ||
        !absl::SimpleAtoi(line.substr(aborts + 9), &n)) {
      continue;
    }
    out[std::string(line.substr(cls + 8, aborts - cls - 8))] = n;
  }
  return out;
}

Sampler::Sampler(MarketBackend* backend, std::string store, std::string key_prefix,
                 std::string password, const SessionCounters* sessions)
    : backend_(backend),
      store_(std::move(store)),
      key_prefix_(std::move(key_prefix)),
      password_(std::move(password)),
      sessions_(sessions) {}

Sampler::~Sampler() { Stop(); }

void Sampler::Start(int64_t start_us) {
  start_us_ = start_us;
  // Every sample on the sampler's thread, the first at once (even if Stop comes first): the
  // run does not wait for the store or the market's Stats.
  thread_ = std::thread([this, start_us] {
    for (int64_t k = 0;; ++k) {
      const int64_t wait = start_us + k * 1'000'000 - NowMicros();
      if (k > 0 &&
          stop_.WaitForNotificationWithTimeout(absl::Microseconds(std::max<int64_t>(0, wait)))) {
        return;
      }
      samples_.push_back(Take(start_us));
    }
  });
}

std::vector<Sample> Sampler::Stop() {
  if (!thread_.joinable()) return samples_;
  stop_.Notify();
  thread_.join();
  samples_.push_back(Take(start_us_));  // the end, so even a run under a second has a delta
  return samples_;
}

Sample Sampler::Take(int64_t start_us) {
  Sample s;
  s.t = (NowMicros() - start_us) / 1e6;
  if (sessions_ != nullptr) {
    s.offered = sessions_->offered.load();
    s.completed = sessions_->completed.load();
  }
  if (auto conflicts = backend_->WatchConflicts(); conflicts.ok()) s.method_conflicts = *conflicts;
  if (store_.empty()) return s;
  if (conn_ == nullptr) {
    auto options = client::ResolveStoreAddress(store_, key_prefix_, password_);
    if (!options.ok()) return s;
    options->command_timeout = std::chrono::milliseconds(500);
    auto conn = client::RespConnection::Connect(*options);
    if (!conn.ok()) return s;
    conn_ = std::move(*conn);
  }
  auto info = conn_->Command({"INFO", "transactions"});
  if (!info.ok()) {
    conn_.reset();  // reconnect next time
    return s;
  }
  if (info->is_string()) s.key_class_aborts = ParseKeyClassAborts(info->str);
  auto* conn = &conn_;
  const std::string market = key_prefix_ + "market:";
  auto n = (*conn)->Command({"ZCARD", market});
  if (!n.ok() || n->type != client::RespReply::Type::kInteger) {
    conn_.reset();  // e.g. a cluster's MOVED: find the slot's primary again next time
    return s;
  }
  s.listings_open = n->integer;
  if (n->integer == 0) return s;
  const std::string mid = std::to_string(n->integer / 2);
  auto entry = (*conn)->Command({"ZRANGE", market, mid, mid, "WITHSCORES"});
  if (entry.ok() && entry->elements.size() == 2) {
    absl::SimpleAtoi(entry->elements[1].str, &s.median_price);
  }
  return s;
}

}  // namespace bazaar::load
