// bazaar-cli: user create/show, grant, list, cancel, buy, browse and stats against a running
// bazaar-market. `bazaar-cli --help` (or no command) prints the usage and the exit codes.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "client/cli/commands.h"
#include "client/cli/output.h"
#include "client/market_client.h"

ABSL_FLAG(std::string, market, "127.0.0.1:50051", "bazaar-market address host:port");
ABSL_FLAG(bool, json, false, "Print JSON instead of tables");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(5), "Deadline of each RPC");
ABSL_FLAG(int, retries, 2, "Client retries of an UNAVAILABLE call (same request id)");
ABSL_FLAG(std::string, request_id, "", "Request id of a mutating command (default: a fresh one)");
ABSL_FLAG(int, page_size, 0, "browse: listings per page (0: the service default, 50)");
ABSL_FLAG(std::string, cursor, "", "browse: the next_cursor of the previous page");
ABSL_FLAG(std::string, seller, "", "browse: only this seller's listings");
ABSL_FLAG(std::string, item, "", "browse: only listings of this item id");
ABSL_FLAG(bool, all, false, "browse/history: follow the cursor to the last page");
ABSL_FLAG(std::string, from, "", "watch: events after this id (\"\" all, \"$\" new only)");
ABSL_FLAG(std::vector<std::string>, types, {}, "watch: only these event types (comma-separated)");
ABSL_FLAG(std::string, user, "", "watch: only events naming this user");
ABSL_FLAG(int64_t, count, 0, "watch: stop after this many events (0: never)");
ABSL_FLAG(bool, tls, false, "Speak TLS to the market (checked against --tls_ca_file)");
ABSL_FLAG(std::string, tls_ca_file, "",
          "PEM roots the market's certificate must chain to (empty: "
          "the system's)");
ABSL_FLAG(std::string, tls_cert_file, "", "PEM client certificate, for a market asking mTLS");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file");
ABSL_FLAG(std::string, tls_server_name, "", "Name to check in the market's certificate");
ABSL_FLAG(std::string, acting_user, "", "The player a game key acts for (bazaar-user metadata)");

int main(int argc, char** argv) {
  namespace cli = bazaar::client::cli;
  absl::SetProgramUsageMessage(cli::UsageText());
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  std::vector<std::string> args(positional.begin() + 1, positional.end());
  if (args.empty() || args[0] == "help") {
    fputs(cli::UsageText().c_str(), args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  cli::CliOptions options;
  options.json = absl::GetFlag(FLAGS_json);
  options.call.timeout = absl::GetFlag(FLAGS_timeout);
  options.call.request_id = absl::GetFlag(FLAGS_request_id);
  options.page_size = absl::GetFlag(FLAGS_page_size);
  options.cursor = absl::GetFlag(FLAGS_cursor);
  options.seller = absl::GetFlag(FLAGS_seller);
  options.item = absl::GetFlag(FLAGS_item);
  options.all = absl::GetFlag(FLAGS_all);
  options.from = absl::GetFlag(FLAGS_from);
  options.types = absl::GetFlag(FLAGS_types);
  options.user = absl::GetFlag(FLAGS_user);
  options.count = absl::GetFlag(FLAGS_count);
  options.emit = [](const std::string& line) {
    fputs(line.c_str(), stdout);
    fflush(stdout);
  };

  bazaar::client::MarketClientOptions client_options;
  client_options.address = absl::GetFlag(FLAGS_market);
  client_options.timeout = options.call.timeout;
  client_options.max_retries = absl::GetFlag(FLAGS_retries);
  client_options.tls = absl::GetFlag(FLAGS_tls);
  client_options.tls_ca_file = absl::GetFlag(FLAGS_tls_ca_file);
  client_options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  client_options.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  client_options.tls_server_name = absl::GetFlag(FLAGS_tls_server_name);
  // From the environment, not a flag: a key on the command line shows in `ps`.
  if (const char* key = std::getenv("BAZAAR_API_KEY")) client_options.api_key = key;
  client_options.acting_user = absl::GetFlag(FLAGS_acting_user);
  bazaar::client::MarketClient client(client_options);

  std::string out;
  absl::Status status = cli::RunCommand(args, options, &client, &out);
  if (status.ok()) {
    fputs(out.c_str(), stdout);
  } else if (options.json) {
    fputs(cli::RenderError(status, true).c_str(), stdout);
  } else {
    fputs(cli::RenderError(status, false).c_str(), stderr);
    if (cli::ExitCodeFor(status) == 2) fputs("(bazaar-cli --help for usage)\n", stderr);
  }
  return cli::ExitCodeFor(status);
}
