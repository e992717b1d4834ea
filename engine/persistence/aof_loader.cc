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

// Records a line of `data` that does not end in CRLF; `at` is where the two bytes should be.
// The bytes print as redis-check-aof prints them (as signed chars).
void ExpectedCrlf(std::string_view data, size_t at, size_t offset, uint64_t lines, AofScan* scan) {
  auto as_printed = [](char c) { return static_cast<uint32_t>(static_cast<signed char>(c)); };
  scan->error = absl::StrFormat("Expected \\r\\n, got: %02x%02x", as_printed(data[at]),
                                as_printed(data[at + 1]));
  scan->error_offset = offset;
  scan->lines += lines;
}

// redis-check-aof is stricter than the server's loader, which skips the byte after each '\r'
// and the two bytes after a bulk payload unread, and runs a stray MULTI or EXEC as an ordinary
// (failing) command. In strict mode a command breaking those rules is corruption: sets
// scan->error and error_offset (and counts the lines read before the fault, as the tool does)
// and returns false. The parser accepted the command, so its "*N" line ends at the first '\r'
// and each "$len" line ends two bytes before its payload.
bool CheckStrictly(std::string_view data, size_t pos, const std::vector<std::string_view>& argv,
                   bool in_multi, AofScan* scan) {
  size_t line_end = data.find('\r', pos);
  if (data[line_end + 1] != '\n') return ExpectedCrlf(data, line_end, pos, 0, scan), false;
  size_t line_start = line_end + 2;
  for (size_t i = 0; i < argv.size(); ++i) {
    size_t payload = argv[i].data() - data.data();
    if (data[payload - 1] != '\n') {
      return ExpectedCrlf(data, payload - 2, line_start, 1 + 2 * i, scan), false;
    }
    size_t end = payload + argv[i].size();
    if (data.compare(end, 2, "\r\n") != 0) {
      return ExpectedCrlf(data, end, payload, 2 + 2 * i, scan), false;
    }
    line_start = end + 2;
  }
  bool multi = IsCommand(argv[0], "multi"), exec = IsCommand(argv[0], "exec");
  if ((multi && in_multi) || (exec && !in_multi)) {
    scan->error = multi ? "Unexpected MULTI" : "Unexpected EXEC";
    scan->error_offset = pos;
    return false;
  }
  return true;
}

// Both entry points share this loop: the server applies commands, the check tool only counts.
AofScan Scan(std::string_view data, bool strict,
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
    scan.error_offset = pos;
    if (data[pos] != '*') {
      scan.error = "format error";
      scan.format_error = true;
      break;
    }
    size_t consumed = 0;
    auto status = parser.Parse(data.substr(pos), limits, &consumed, &argv);
    if (status == protocol::RequestParser::Status::kNeedMore) {
      scan.truncated = true;
      break;
    }
    if (status == protocol::RequestParser::Status::kError) {
      scan.error = parser.error();
      break;
    }
    const bool command = status == protocol::RequestParser::Status::kCommand;
    if (command && strict && !CheckStrictly(data, pos, argv, in_multi, &scan)) break;
    ++scan.lines;  // "*N", also for an empty command
    if (command) {
      if (IsCommand(argv[0], "multi")) {
        in_multi = true;
        multi_start = pos;
      } else if (IsCommand(argv[0], "exec")) {
        in_multi = false;
      }
      if (apply) apply(argv);
      ++scan.commands;
      scan.lines += 2 * argv.size();
    }
    pos += consumed;
  }
  if (scan.error.empty() && !scan.truncated) scan.error_offset = pos;
  // A transaction counts only once its EXEC is there, as Redis replays it.
  scan.valid_bytes = in_multi ? multi_start : pos;
  scan.open_transaction = in_multi && scan.error.empty();
  if (scan.open_transaction) scan.truncated = true;
  return scan;
}

}  // namespace

absl::StatusOr<AofScan> ScanAofCommands(
    std::string_view data,
    const std::function<void(const std::vector<std::string_view>&)>& apply) {
  AofScan scan = Scan(data, /*strict=*/false, apply);
  if (!scan.error.empty()) {
    return absl::DataLossError(absl::StrFormat("Bad file format at offset %d", scan.error_offset));
  }
  return scan;
}

AofScan AnalyzeAofCommands(std::string_view data) { return Scan(data, /*strict=*/true, nullptr); }

}  // namespace bazaar::engine::persistence
