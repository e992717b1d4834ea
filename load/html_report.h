// The HTML report of bazaar-load: one self-contained page (inline SVG and CSS, no scripts, no
// network fetches) with, per scenario run, throughput and latency over time, one point per second,
// plus the summary table.
#ifndef BAZAAR_LOAD_HTML_REPORT_H_
#define BAZAAR_LOAD_HTML_REPORT_H_

#include <string>
#include <vector>

#include "load/report.h"

namespace bazaar::load {

std::string HtmlReport(const std::vector<ScenarioRun>& runs, const RunContext& context = {});

}  // namespace bazaar::load

#endif  // BAZAAR_LOAD_HTML_REPORT_H_
