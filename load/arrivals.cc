#include "load/arrivals.h"

namespace bazaar::load {

OpenLoop::OpenLoop(IntentStream* stream, double rate, int max_in_flight)
    : stream_(stream), rate_(rate), max_in_flight_(max_in_flight) {
  next_ = stream_->NextArrival(rate_);
}

void OpenLoop::SetRate(double rate, int64_t now_us) {
  rate_ = rate;
  stream_->SetClock(now_us);
  next_ = stream_->NextArrival(rate_);
}

std::vector<Intent> OpenLoop::Due(int64_t now_us) {
  while (next_.at_us <= now_us) {
    ++offered_;
    if (waiting_.size() < kMaxWaiting) {
      waiting_.push_back(next_);
    } else {
      ++dropped_;
    }
    next_ = stream_->NextArrival(rate_);
  }
  std::vector<Intent> out;
  while (!waiting_.empty() && in_flight_ < max_in_flight_) {
    out.push_back(waiting_.front());
    waiting_.pop_front();
    ++in_flight_;
  }
  return out;
}

void OpenLoop::Finished() { --in_flight_; }

size_t OpenLoop::DiscardWaiting() {
  const size_t n = waiting_.size();
  waiting_.clear();
  return n;
}

}  // namespace bazaar::load
