// OpenLoop: the open-loop dispatcher's bookkeeping, no clock or thread of its own (the runner's
// timer calls it), so it is testable with made-up times. Arrivals come from an IntentStream at
// their intended times whatever the calls in flight do: an arrival that finds `max_in_flight`
// sessions running waits in order and starts when one finishes, keeping its intended time, so the
// latency measured from Intent::at_us includes the wait (no coordinated omission). Not
// thread-safe: the caller locks.
#ifndef BAZAAR_LOAD_ARRIVALS_H_
#define BAZAAR_LOAD_ARRIVALS_H_

#include <cstdint>
#include <deque>
#include <vector>

#include "load/workload.h"

namespace bazaar::load {

class OpenLoop {
 public:
  // Arrivals waiting beyond this are dropped (counted), so an overloaded market cannot make the
  // tool grow without bound.
  static constexpr size_t kMaxWaiting = 100000;

  OpenLoop(IntentStream* stream, double rate, int max_in_flight);
  // From `now_us` on, arrivals come at `rate` per second (a phase change; > 0).
  void SetRate(double rate, int64_t now_us);
  // The arrivals to start at `now_us`: every one intended by then, as far as free slots allow,
  // oldest first. Each counts as in flight until Finished().
  std::vector<Intent> Due(int64_t now_us);
  void Finished();
  // Forgets the arrivals still waiting (a phase ended); returns how many.
  size_t DiscardWaiting();
  // The intended time of the next arrival not yet returned or waiting.
  int64_t NextAt() const { return next_.at_us; }

  int64_t offered() const { return offered_; }  // intended by the last Due()
  int64_t dropped() const { return dropped_; }
  int in_flight() const { return in_flight_; }
  size_t waiting() const { return waiting_.size(); }

 private:
  IntentStream* stream_;
  double rate_;
  int max_in_flight_;
  Intent next_;
  std::deque<Intent> waiting_;
  int in_flight_ = 0;
  int64_t offered_ = 0, dropped_ = 0;
};

}  // namespace bazaar::load

#endif  // BAZAAR_LOAD_ARRIVALS_H_
