// Sampler: once a second during a run, on its own thread, what the market and the store say (the
// per-second view of the report): the market's watch conflicts per method
// (MarketBackend::WatchConflicts: its Stats over gRPC), bazaar-engine's watch aborts per key
// class (INFO transactions aborting_key_class_N; absent on real Redis), the market's open
// listings and median price (ZCARD and the middle ZRANGE entry of market:, every run's), and the
// open loop's offered count. A failed read leaves that field unknown; it never stops the run.
#ifndef BAZAAR_LOAD_SAMPLER_H_
#define BAZAAR_LOAD_SAMPLER_H_

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "load/backend.h"
#include "load/runner.h"
#include "resp/connection.h"

namespace bazaar::load {

class Sampler {
 public:
  // `store` may be empty (no store reads), `password` is its AUTH (empty: none); `sessions`
  // may be null (a closed loop).
  Sampler(MarketBackend* backend, std::string store, std::string key_prefix, std::string password,
          const SessionCounters* sessions);
  ~Sampler();
  // Samples at start_us, + 1 s, + 2 s... on its own thread until Stop(), which takes a last
  // one.
  void Start(int64_t start_us);
  std::vector<Sample> Stop();

 private:
  Sample Take(int64_t start_us);
  MarketBackend* backend_;
  std::string store_, key_prefix_, password_;
  const SessionCounters* sessions_;
  absl::Notification stop_;
  std::thread thread_;
  int64_t start_us_ = 0;
  std::unique_ptr<client::RespConnection> conn_;  // the thread's: the store, when reachable
  std::vector<Sample> samples_;                   // the thread's until Stop() joins it
};

// bazaar-engine's INFO transactions aborts per key class, from the text of INFO; empty when the
// section has none (no aborts yet, or real Redis).
std::map<std::string, int64_t> ParseKeyClassAborts(const std::string& info);

}  // namespace bazaar::load

#endif  // BAZAAR_LOAD_SAMPLER_H_
