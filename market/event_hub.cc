#include "market/event_hub.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "market/errors.h"
#include "market/events.h"
#include "market/log.h"

namespace bazaar::market {
namespace {

// Entries read per XRANGE/XREAD round.
constexpr size_t kBatch = 500;

// Stream id order ("<ms>-<seq>"; the ids come from the store or were checked by the service).
std::pair<uint64_t, uint64_t> IdKey(const std::string& id) {
  const size_t dash = id.find('-');
  uint64_t ms = 0, seq = 0;
  absl::SimpleAtoi(id.substr(0, dash), &ms);
  if (dash != std::string::npos) absl::SimpleAtoi(id.substr(dash + 1), &seq);
  return {ms, seq};
}
bool IdLess(const std::string& a, const std::string& b) { return IdKey(a) < IdKey(b); }

}  // namespace

bool WatchFilter::Matches(const MarketEvent& e) const {
  if (!types.empty() && types.count(e.type) == 0) return false;
  if (user_id.empty()) return true;
  for (const auto& [field, value] : e.fields) {
    if ((field == "user" || field == "seller" || field == "buyer") && value == user_id) return true;
  }
  return false;
}

void SpaceSignal::Notify() {
  absl::MutexLock lock(&mu_);
  freed_ = true;
}

void SpaceSignal::Wait(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&freed_), timeout);
  freed_ = false;
}

Subscription::Next Subscription::Take(MarketEvent* event, absl::Status* end) {
  std::shared_ptr<SpaceSignal> space;
  {
    absl::MutexLock lock(&mu_);
    if (end_) {
      *end = *end_;
      return Next::kEnd;
    }
    if (queue_.empty()) return Next::kNone;
    if (queue_.size() == limit_) space = space_;  // it was full: a held-up replay may go on
    *event = std::move(queue_.front());
    queue_.pop_front();
  }
  if (space) space->Notify();  // outside mu_: the hub never waits on it holding the signal
  return Next::kEvent;
}

std::string Subscription::start_id() {
  absl::MutexLock lock(&mu_);
  return start_;
}

bool Subscription::PushLive(MarketEvent event) {
  {
    absl::MutexLock lock(&mu_);
    if (end_) return false;
    if (queue_.size() < limit_) {
      queue_.push_back(std::move(event));
      return true;
    }
  }
  End(MakeError(absl::StatusCode::kResourceExhausted, reason::kWatcherTooSlow,
                absl::StrCat("the watcher fell ", limit_,
                             " events behind; resume from bazaar-last-event-id")));
  return false;
}

void Subscription::End(absl::Status status) {
  {
    absl::MutexLock lock(&mu_);
    if (end_) return;
    end_ = std::move(status);
    queue_.clear();  // the watcher resumes from the last event it received
  }
  Wake();
}

void Subscription::Wake() {
  absl::MutexLock lock(&wake_mu_);
  if (wake_) wake_();
}

void Subscription::Detach() {
  absl::MutexLock lock(&wake_mu_);
  wake_ = nullptr;
}

void EventHub::Start() { thread_ = std::thread([this] { Run(); }); }

bool EventHub::Add(std::shared_ptr<Subscription> sub) {
  {
    absl::MutexLock lock(&sub->mu_);
    sub->space_ = space_;
  }
  absl::MutexLock lock(&mu_);
  if (stopping_) return false;
  subs_.push_back(std::move(sub));
  return true;
}

void EventHub::Remove(const std::shared_ptr<Subscription>& sub) {
  absl::MutexLock lock(&mu_);
  subs_.erase(std::remove(subs_.begin(), subs_.end(), sub), subs_.end());
}

void EventHub::Stop() {
  std::vector<std::shared_ptr<Subscription>> subs;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    subs.swap(subs_);
  }
  if (thread_.joinable()) thread_.join();
  for (auto& s : subs) {
    s->End(MakeError(absl::StatusCode::kUnavailable, reason::kShuttingDown,
                     "the market is shutting down; resume from bazaar-last-event-id elsewhere"));
  }
}

void EventHub::Run() {
  std::unique_ptr<client::RespConnection> conn;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    if (conn == nullptr || conn->broken() || moved_.exchange(false)) {
      if (address_source_) {
        if (auto a = address_source_(); a.ok()) store_ = *a;
      }
      auto c = client::RespConnection::Connect(store_);
      if (!c.ok()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
      conn = std::move(*c);
    }
    if (absl::Status s = Round(conn.get()); !s.ok()) {
      BAZAAR_LOG(WARNING) << "event hub: " << s.message();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

absl::Status EventHub::Refused(const client::RespReply& reply) {
  std::optional<client::Redirect> redirect;
  if (client::IsClusterRefusal(reply.str, &redirect)) {
    if (redirect && moved_hook_) moved_hook_(*redirect);
    moved_.store(true);  // reconnect, asking the address source again
  }
  return absl::InternalError(reply.str);
}

absl::Status EventHub::Round(client::RespConnection* conn) {
  if (tail_.empty()) {
    // The tail starts at the stream's last entry; watchers get anything older by replay.
    auto top = conn->Command({"XREVRANGE", key_, "+", "-", "COUNT", "1"});
    if (!top.ok()) return top.status();
    if (top->is_error()) return Refused(*top);
    tail_ = top->elements.empty() ? "0-0" : top->elements[0].elements[0].str;
  }
  std::vector<std::shared_ptr<Subscription>> subs;
  {
    absl::MutexLock lock(&mu_);
    subs = subs_;
  }
  bool catching_up = false, held_up = false;
  for (auto& s : subs) {
    if (s->live_) continue;
    if (s->cursor_ == "$") s->cursor_ = tail_;
    {
      absl::MutexLock lock(&s->mu_);
      if (s->start_.empty()) s->start_ = s->cursor_;
      if (s->end_) continue;
    }
    size_t space;
    {
      absl::MutexLock lock(&s->mu_);
      space = s->limit_ - std::min(s->limit_, s->queue_.size());
    }
    // A full queue waits for its watcher (below, without spinning on the store); the replay goes
    // on in the next round.
    if (space == 0) {
      held_up = true;
      continue;
    }
    const size_t want = std::min(space, kBatch);
    // Entries in (cursor, tail]: the tail is where live delivery takes over.
    auto r = conn->Command({"XRANGE", key_, "(" + s->cursor_, tail_, "COUNT", std::to_string(want)});
    if (!r.ok()) return r.status();
    if (r->is_error() && client::IsClusterRefusal(r->str)) {
      return Refused(*r);
    }
    if (r->is_error()) {
      // An id the store cannot parse: this watcher's request was bad, not the hub.
      s->End(MakeError(absl::StatusCode::kInvalidArgument, reason::kBadCursor, r->str));
      continue;
    }
    bool pushed = false;
    {
      absl::MutexLock lock(&s->mu_);
      for (const RespReply& entry : r->elements) {
        auto e = EventFromEntry(entry);
        if (!e.ok()) return e.status();
        s->cursor_ = e->id;
        if (s->filter_.Matches(*e)) {
          s->queue_.push_back(std::move(*e));
          pushed = true;
        }
      }
    }
    if (r->elements.size() < want) {
      // Caught up. A cursor beyond our tail (an id this hub has not read yet, e.g. from another
      // market process or a response) stays: live delivery skips what is not after it.
      if (IdLess(s->cursor_, tail_)) s->cursor_ = tail_;
      s->live_ = true;
    } else {
      catching_up = true;
    }
    if (pushed) s->Wake();
  }
  // Without watchers to catch up it blocks; otherwise it only looks, so replays go on at once. A
  // replay held up by a full queue waits for that watcher to take an event (or a round's time),
  // then looks.
  if (held_up && !catching_up) space_->Wait(absl::Milliseconds(kBlockMs));
  std::vector<std::string> xread = {"XREAD", "COUNT", std::to_string(kBatch)};
  if (!catching_up && !held_up) xread.insert(xread.end(), {"BLOCK", std::to_string(kBlockMs)});
  xread.insert(xread.end(), {"STREAMS", key_, tail_});
  auto r = conn->Command(xread);
  if (!r.ok()) return r.status();
  if (r->is_error()) return Refused(*r);
  if (r->is_nil() || r->elements.empty()) return absl::OkStatus();
  const auto& entries = r->elements[0].elements[1].elements;
  std::vector<Subscription*> woken;
  for (const RespReply& entry : entries) {
    auto e = EventFromEntry(entry);
    if (!e.ok()) return e.status();
    tail_ = e->id;
    for (auto& s : subs) {
      if (!s->live_ || !IdLess(s->cursor_, e->id)) continue;
      s->cursor_ = e->id;
      if (!s->filter_.Matches(*e)) continue;
      if (s->PushLive(*e)) woken.push_back(s.get());
    }
  }
  // Watchers still catching up stay below the old tail: their XRANGE now reaches the new one.
  std::sort(woken.begin(), woken.end());
  woken.erase(std::unique(woken.begin(), woken.end()), woken.end());
  for (Subscription* s : woken) s->Wake();
  return absl::OkStatus();
}

}  // namespace bazaar::market
