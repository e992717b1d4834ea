// The final report of bazaar-load: per scenario run, a table per operation (calls, ok, failures
// by reason, latency avg/p50/p90/p99/max, throughput), the book's columns ("Redis in Action"
// Table 6.3, WATCH rows) beside ours, and the invariant check; as text and as JSON.
#ifndef BAZAAR_LOAD_REPORT_H_
#define BAZAAR_LOAD_REPORT_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "load/invariants.h"
#include "load/runner.h"
#include "load/workload.h"

namespace bazaar::load {

struct ScenarioRun {
  Scenario scenario;
  std::string backend;  // "grpc" or "direct"
  std::string mode;     // "fine" or "book"
  std::string target;   // market or store address
  const RunResult* run = nullptr;
  std::optional<InvariantReport> invariants;  // absent: not checked
  std::string invariant_error;                // the check itself failed (store unreachable...)
};

// The book's figures for a scenario name ("1x1", "5x1", "5x5"); false for others.
struct BookFigures {
  const char* listed;
  const char* bought;
  const char* retries;
  const char* wait;
};
bool BookFiguresFor(const std::string& scenario, BookFigures* out);

// What a report records about where it ran, for reproducing it.
struct RunContext {
  std::string commit;   // git describe of the build
  std::string machine;  // uname
  int cores = 0;
  std::map<std::string, std::string> flags;  // every flag of bazaar-load, as in effect
};

// One second of a run, from the recorder's timeline and the sampler's samples. -1: unknown.
struct SecondView {
  int second = 0;
  double offered = -1, achieved = -1;  // open loop: sessions intended / completed in it
  int64_t calls = 0;                   // calls completed in it
  int64_t ok[kOpCount] = {};
  double purchase_p50 = 0, purchase_p99 = 0, list_p50 = 0, list_p99 = 0;  // ms
  std::map<std::string, int64_t> key_class_aborts;  // bazaar-engine, in this second
  std::map<std::string, int64_t> method_conflicts;  // the market's Stats, in this second
  int64_t listings_open = -1, median_price = -1;    // at its end
};
std::vector<SecondView> PerSecond(const RunResult& run);

// How a key class is shown: as it is, or "" for keys without a ':'.
std::string KeyClassLabel(const std::string& key_class);

// Watch aborts per key class over the whole run (last sample minus first); empty when unknown.
std::map<std::string, int64_t> KeyClassAbortsOverRun(const RunResult& run);

std::string TextReport(const std::vector<ScenarioRun>& runs);
std::string JsonReport(const std::vector<ScenarioRun>& runs, const RunContext& context = {});

}  // namespace bazaar::load

#endif  // BAZAAR_LOAD_REPORT_H_
