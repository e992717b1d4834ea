#include "market/reaper.h"

#include "market/log.h"

namespace bazaar::market {
namespace {

constexpr int kBatch = 64;

CallOptions RoundOptions() {
  CallOptions options;
  options.deadline = absl::Now() + absl::Seconds(5);
  return options;
}

}  // namespace

void Reaper::Start() {
  thread_ = std::thread([this] {
    while (!stop_.WaitForNotificationWithTimeout(interval_)) {
      // A full batch means more may be due: go again without waiting.
      while (!stop_.HasBeenNotified() && !RunOnce()) {
      }
    }
  });
}

void Reaper::Stop() {
  if (!thread_.joinable()) return;
  stop_.Notify();
  thread_.join();
}

bool Reaper::RunOnce() {
  CallTrace trace;
  auto due = MarketOps::Await<std::vector<std::string>>(
      [&](auto done) { ops_->DueListings(kBatch, RoundOptions(), &trace, done); });
  if (!due.ok()) {
    ++failed_rounds_;
    BAZAAR_LOG(DEBUG) << "reaper: " << due.status().message();
    return true;  // try again next period
  }
  for (const std::string& id : *due) {
    CallTrace t;
    auto r = MarketOps::Await<ListingResult>(
        [&](auto done) { ops_->ExpireListing(id, RoundOptions(), &t, done); });
    if (r.ok()) {
      ++expired_;
      BAZAAR_LOG(DEBUG) << "reaper: returned listing " << id << " to " << r->listing.seller_id;
    } else if (r.status().code() != absl::StatusCode::kNotFound &&
               r.status().code() != absl::StatusCode::kFailedPrecondition) {
      // NOT_FOUND: sold or taken by another reaper; NOT_EXPIRED cannot be due yet.
      ++failed_rounds_;
      BAZAAR_LOG(WARNING) << "reaper: listing " << id << ": " << r.status().message();
      return true;
    }
  }
  return static_cast<int>(due->size()) < kBatch;
}

}  // namespace bazaar::market
