// The commands of bazaar-cli, each a function from its operands to a rendered result (a readable
// table or JSON). Kept apart from main() so the parsing and rendering are plain functions.
#ifndef BAZAAR_CLIENT_CLI_COMMANDS_H_
#define BAZAAR_CLIENT_CLI_COMMANDS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "client/market_client.h"

namespace bazaar::client::cli {

struct CliOptions {
  bool json = false;
  CallSettings call;  // timeout and request_id from the flags
  // browse
  int page_size = 0;
  std::string cursor, seller, item;
  bool all = false;  // browse: follow next_cursor to the end
  // history: page_size and cursor above; --all follows every page.
  // watch
  std::string from;                  // --from: "" the whole log, "$" new events, or an id
  std::vector<std::string> types;    // --types
  std::string user;                  // --user
  int64_t count = 0;                 // --count: stop after this many events (0: never)
  // watch prints each event as it arrives through this (stdout, flushed), not through `out`.
  std::function<void(const std::string&)> emit;
};

// Runs args[0] (with its operands args[1..]) against `client`. On success `out` holds what to
// print on stdout. A usage error is INVALID_ARGUMENT with the reason USAGE.
absl::Status RunCommand(const std::vector<std::string>& args, const CliOptions& options,
                        MarketClient* client, std::string* out);

// The usage text (commands, operands, exit codes).
std::string UsageText();

// The process exit code for a command's status (see UsageText and README.md).
int ExitCodeFor(const absl::Status& status);

}  // namespace bazaar::client::cli

#endif  // BAZAAR_CLIENT_CLI_COMMANDS_H_
