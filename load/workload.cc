#include "load/workload.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace bazaar::load {

absl::StatusOr<std::vector<Scenario>> ParseScenarios(const std::string& text) {
  std::string spec = text == "all" ? "1x1,5x1,5x5" : text;
  std::vector<Scenario> out;
  for (absl::string_view part : absl::StrSplit(spec, ',', absl::SkipEmpty())) {
    std::vector<absl::string_view> nm = absl::StrSplit(part, 'x');
    Scenario s;
    s.name = std::string(part);
    if (nm.size() != 2 || !absl::SimpleAtoi(nm[0], &s.sellers) ||
        !absl::SimpleAtoi(nm[1], &s.buyers) || s.sellers < 0 || s.buyers < 0 ||
        s.sellers + s.buyers == 0 || s.sellers > 1000 || s.buyers > 1000) {
      return absl::InvalidArgumentError("bad scenario '" + std::string(part) +
                                        "': expected SELLERSxBUYERS, e.g. 5x5, or all");
    }
    out.push_back(s);
  }
  if (out.empty()) return absl::InvalidArgumentError("no scenario given");
  return out;
}

int SkewedIndex(int n, double skew, double u) {
  if (n <= 1) return 0;
  double total = 0;
  for (int i = 0; i < n; ++i) total += std::pow(i + 1.0, -skew);
  double x = u * total;
  for (int i = 0; i < n; ++i) {
    x -= std::pow(i + 1.0, -skew);
    if (x < 0) return i;
  }
  return n - 1;
}

}  // namespace bazaar::load
