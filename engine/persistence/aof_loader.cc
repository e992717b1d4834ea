#include "engine/persistence/aof_loader.h"

#include <cctype>

#include "absl/strings/str_format.h"
#include "engine/protocol/request_parser.h"

namespace bazaar::engine::persistence {
namespace {

bool IsCommand(std::string_view arg, std::string_view lower) {
  if (arg.size() != lower.size()) return false;
  for (size_t i = 0; i < arg.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(arg[i])) != lower[i]) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<AofScan> ScanAofCommands(
    std::string_view data,
    const std::function<void(const std::vector<std::string_view>&)>& apply) {
  AofScan scan;
  protocol::RequestParser parser;
  protocol::ParserLimits limits;
  limits.max_bulk_len = INT64_MAX;
  std::vector<std::string_view> argv;
  size_t pos = 0;
  size_t multi_start = 0;
  bool in_multi = false;
  while (pos < data.size()) {
    if (data[pos] != '*') {
      return absl::DataLossError(absl::StrFormat("Bad file format at offset %d", pos));
    }
    size_t consumed = 0;
    auto status = parser.Parse(data.substr(pos), limits, &consumed, &argv);
    if (status == protocol::RequestParser::Status::kNeedMore) {
      scan.truncated = true;
      break;
    }
    if (status == protocol::RequestParser::Status::kError) {
      return absl::DataLossError(absl::StrFormat("Bad file format at offset %d", pos));
    }
    if (status == protocol::RequestParser::Status::kCommand) {
      if (IsCommand(argv[0], "multi")) {
        in_multi = true;
        multi_start = pos;
      } else if (IsCommand(argv[0], "exec")) {
        in_multi = false;
      }
      apply(argv);
      ++scan.commands;
    }
    pos += consumed;
  }
  scan.valid_bytes = in_multi ? multi_start : pos;
  scan.open_transaction = in_multi;
  if (in_multi) scan.truncated = true;
  return scan;
}

}  // namespace bazaar::engine::persistence
