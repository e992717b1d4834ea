// The final report of bazaar-load: per scenario run, a table per operation (calls, ok, failures
// by reason, latency avg/p50/p90/p99/max, throughput), the book's columns ("Redis in Action"
// Table 6.3, WATCH rows) beside ours, and the invariant check; as text and as JSON.
#ifndef BAZAAR_LOAD_REPORT_H_
#define BAZAAR_LOAD_REPORT_H_

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

std::string TextReport(const std::vector<ScenarioRun>& runs);
std::string JsonReport(const std::vector<ScenarioRun>& runs);

}  // namespace bazaar::load

#endif  // BAZAAR_LOAD_REPORT_H_
