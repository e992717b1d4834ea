// MarketServiceImpl::WatchEvents: one ServerWriteReactor per watcher over an EventHub
// Subscription. At most one gRPC operation (a Write or the Finish) is in flight per watcher: it
// is started by whoever holds the `busy_` token (the hub's wake, OnWriteDone, OnCancel), so the
// reactor is never deleted (OnDone) while a thread is still about to use it.
#include "absl/strings/str_cat.h"
#include "market/errors.h"
#include "market/events.h"
#include "market/log.h"
#include "market/service.h"
#include "market/validation.h"

namespace bazaar::market {
namespace {

constexpr char kLastEventIdKey[] = "bazaar-last-event-id";
constexpr char kWatchEvents[] = "WatchEvents";

class WatchReactor : public grpc::ServerWriteReactor<v1::Event> {
 public:
  WatchReactor(grpc::CallbackServerContext* ctx, EventHub* hub, Stats* stats, std::string from_id,
               WatchFilter filter, size_t limit)
      : ctx_(ctx), hub_(hub), stats_(stats), last_sent_(from_id) {
    sub_ = std::make_shared<Subscription>(std::move(from_id), std::move(filter), limit,
                                          [this] { Pump(); });
    if (!hub_->Add(sub_)) {
      busy_ = true;
      FinishWith(MakeError(absl::StatusCode::kUnavailable, reason::kShuttingDown,
                           "the market is shutting down; retry on another instance"));
    }
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {  // the client went away
      return FinishWith(absl::CancelledError("the watcher's stream broke"));
    }
    {
      absl::MutexLock lock(&mu_);
      last_sent_ = pending_id_;
    }
    Step();
  }
  void OnCancel() override {
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      if (busy_) return;  // the token holder sees it
      busy_ = true;
    }
    Step();
  }
  void OnDone() override {
    sub_->Detach();
    hub_->Remove(sub_);
    delete this;
  }

 private:
  // From the hub: something to do. Takes the token unless another thread holds it.
  void Pump() {
    {
      absl::MutexLock lock(&mu_);
      if (busy_) return;
      busy_ = true;
    }
    Step();
  }
  // With the token: writes the next event, or finishes, or gives the token back.
  void Step() {
    MarketEvent event;
    absl::Status end;
    {
      absl::MutexLock lock(&mu_);
      if (cancelled_) {
        end = absl::CancelledError("cancelled by the client");
      } else {
        switch (sub_->Take(&event, &end)) {
          case Subscription::Next::kEvent:
            pending_id_ = event.id;
            break;
          case Subscription::Next::kEnd:
            break;
          case Subscription::Next::kNone:
            busy_ = false;
            return;
        }
      }
    }
    if (!end.ok()) return FinishWith(end);
    out_.Clear();
    FillEvent(event, &out_);
    StartWrite(&out_);
  }
  // Keeps the token for good, so no wake starts anything after Finish. (No Detach here: a wake
  // may be the caller, holding the subscription's wake lock; OnDone detaches.)
  void FinishWith(const absl::Status& status) {
    std::string resume;
    {
      absl::MutexLock lock(&mu_);
      resume = last_sent_;
    }
    // Nothing sent from "$": the start the hub resolved it to.
    if (resume == "$" && !sub_->start_id().empty()) resume = sub_->start_id();
    ctx_->AddTrailingMetadata(kLastEventIdKey, resume.empty() ? "0-0" : resume);
    if (!status.ok()) ctx_->AddTrailingMetadata("bazaar-reason", ReasonOf(status));
    BAZAAR_LOG(DEBUG) << "WatchEvents ends at " << resume << ": " << status.message();
    // Stats counts a watcher when it ends, its latency being how long it watched.
    stats_->Record(kWatchEvents, status, CallTrace{}, absl::Now() - start_);
    Finish(ToGrpcStatus(status));
  }

  grpc::CallbackServerContext* ctx_;
  EventHub* hub_;
  Stats* stats_;
  const absl::Time start_ = absl::Now();
  std::shared_ptr<Subscription> sub_;
  absl::Mutex mu_;
  bool busy_ = false;
  bool cancelled_ = false;
  std::string pending_id_;
  std::string last_sent_;
  v1::Event out_;  // the write in flight
};

}  // namespace

grpc::ServerWriteReactor<v1::Event>* MarketServiceImpl::WatchEvents(
    Context* ctx, const v1::WatchEventsRequest* req) {
  auto refuse = [ctx, stats = stats_](absl::Status status) {
    class Refused : public grpc::ServerWriteReactor<v1::Event> {
     public:
      explicit Refused(grpc::Status s) { Finish(s); }
      void OnDone() override { delete this; }
    };
    ctx->AddTrailingMetadata("bazaar-reason", ReasonOf(status));
    stats->Record(kWatchEvents, status, CallTrace{}, absl::ZeroDuration());
    return new Refused(ToGrpcStatus(status));
  };
  // Events are reads: any valid key (a game server acts for all its players anyway).
  if (absl::Status s = auth_->Check(*ctx, Access{Access::kRead}); !s.ok()) return refuse(s);
  const std::string& from = req->from_id();
  if (!from.empty() && from != "$" && !IsStreamId(from)) {
    return refuse(MakeError(absl::StatusCode::kInvalidArgument, reason::kBadCursor,
                            "from_id must be empty, \"$\" or an event id"));
  }
  if (!req->user_id().empty()) {
    if (absl::Status s = ValidateUserId("user_id", req->user_id()); !s.ok()) return refuse(s);
  }
  if (hub_ == nullptr) {
    return refuse(MakeError(absl::StatusCode::kUnavailable, reason::kStoreUnavailable,
                            "this market serves no event stream"));
  }
  WatchFilter filter;
  filter.types.insert(req->types().begin(), req->types().end());
  filter.user_id = req->user_id();
  return new WatchReactor(ctx, hub_, stats_, from, std::move(filter), watch_queue_limit_);
}

}  // namespace bazaar::market
