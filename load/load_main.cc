// bazaar-load: simulated sellers and buyers against bazaar-market over gRPC (or, with --direct,
// the same market logic straight over RESP), a final report (table, JSON, HTML) and an invariant
// check read from the store. See load/README.md.
//
// Exit codes: 0 run done and invariants hold (or were not checked: no --store), 1 an invariant
// failed or could not be checked, 2 bad flags or setup failed (market/store unreachable).
#include <sys/utsname.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "build_info.h"
#include "load/backend.h"
#include "load/html_report.h"
#include "load/invariants.h"
#include "load/report.h"
#include "load/runner.h"

ABSL_FLAG(std::string, market, "127.0.0.1:50051",
          "bazaar-market address (gRPC), or several, ip:port,ip:port: calls spread round-robin "
          "(the report's retries are then unknown: each market keeps its own Stats)");
ABSL_FLAG(std::string, store, "",
          "Store host:port: read for the invariant check (empty: skip it); --direct runs on it");
ABSL_FLAG(std::string, store_password, "",
          "AUTH password of --store (default: $BAZAAR_STORE_PASSWORD, which stays out of ps)");
ABSL_FLAG(std::string, key_prefix, "", "The market's key prefix");
ABSL_FLAG(bool, direct, false, "Run the market logic in-process over RESP (no gRPC service)");
ABSL_FLAG(std::string, mode, "fine", "--direct only: contention mode, fine, book or script");
ABSL_FLAG(int, pool, 0, "--direct only: RESP connections (0: one per player)");
ABSL_FLAG(int, max_attempts, 100, "--direct only: transaction attempts per call");
ABSL_FLAG(std::string, scenario, "",
          "Runs, comma-separated: SELLERSxBUYERS (1x1, 5x1, 5x5 are the book's; all: those "
          "three), drop, pricewar, steady, whales (live: those four; each optionally "
          "@SELLERSxBUYERS); empty: --sellers x --buyers");
ABSL_FLAG(int, sellers, 5, "Seller players (without --scenario)");
ABSL_FLAG(int, buyers, 5, "Buyer players (without --scenario)");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(60), "Length of each run");
ABSL_FLAG(int64_t, ops, 0, "Stop each run after this many list+purchase calls (0: no limit)");
ABSL_FLAG(uint64_t, seed, 1, "Random seed of the workload");
ABSL_FLAG(int, items_per_seller, 10, "Items granted to each seller before the run");
ABSL_FLAG(int64_t, price_min, 1, "Lowest listing price");
ABSL_FLAG(int64_t, price_max, 100, "Highest listing price");
ABSL_FLAG(double, hot_skew, 1.0,
          "Buyers pick from the cheapest page with weight 1/(rank+1)^skew (0: uniform)");
ABSL_FLAG(absl::Duration, think_time, absl::ZeroDuration(), "Mean pause between a player's calls");
ABSL_FLAG(int, page_size, 10, "Listings a buyer browses before buying");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10), "Deadline of each call");
ABSL_FLAG(int, channels, 2, "gRPC channels (connections) shared by the players");
ABSL_FLAG(bool, tls, false, "Speak TLS to --market (the API key comes from BAZAAR_API_KEY)");
ABSL_FLAG(std::string, tls_ca_file, "", "PEM roots of the market's certificate (empty: system's)");
ABSL_FLAG(std::string, tls_server_name, "", "Name to check in the market's certificate");
ABSL_FLAG(int, drop_units, 20, "drop: units each seller lists");
ABSL_FLAG(absl::Duration, drop_window, absl::Milliseconds(200),
          "drop: buyers arrive over about this long (Poisson), unless --rate is given");
ABSL_FLAG(int64_t, undercut_step, 1, "pricewar: how far a seller undercuts the cheapest listing");
ABSL_FLAG(double, rate, 0,
          "Open loop: steady's offered sessions per second (0: measure the sustained rate, then "
          "run at 50/80/100% of it); drop's buyer arrivals per second (0: --drop_window)");
ABSL_FLAG(int, item_types, 4, "steady: item types, each with its own sellers and price band");
ABSL_FLAG(int, max_in_flight, 512,
          "steady: sessions in flight at most; later arrivals wait, and their wait counts");
ABSL_FLAG(int, accounts, 100, "whales: buyer accounts the buyer agents buy for");
ABSL_FLAG(int, whales, 3, "whales: accounts that are whales");
ABSL_FLAG(double, whale_share, 0.8, "whales: share of the money and of the purchases of whales");
ABSL_FLAG(std::string, second_currency, "gems",
          "economy: the currency of the odd item types (must be in the market's --currencies; "
          "empty: every type in the default currency)");
ABSL_FLAG(double, expiring_share, 0.3, "economy: share of stack listings that expire soon");
ABSL_FLAG(absl::Duration, short_listing, absl::Seconds(2),
          "economy: how long the expiring listings live");
ABSL_FLAG(int64_t, stack_stock, 1000, "economy: units of each type a seller is granted");
ABSL_FLAG(std::string, currencies, "gold,gems",
          "--direct only: the market's currencies, the first the default (bazaar-market's flag)");
ABSL_FLAG(int64_t, fee_bps, 0, "--direct only: fee on stack sales, 1/10000 of the total");
ABSL_FLAG(int64_t, fee_min, 0, "--direct only: smallest fee per stack sale");
ABSL_FLAG(std::string, run_id, "", "Prefix of the run's user ids (default: time-based)");
ABSL_FLAG(bool, json, false, "Print the JSON report on stdout instead of the table");
ABSL_FLAG(std::string, json_out, "", "Also write the JSON report to this file");
ABSL_FLAG(std::string, html, "bazaar-load-report.html", "Write the HTML report here (empty: no)");
ABSL_FLAG(bool, progress, true, "Live progress line on stderr");

namespace bazaar::load {
namespace {

// The commit, the machine and every flag of this tool, for the report.
RunContext CollectContext() {
  RunContext c;
  c.commit = BAZAAR_GIT_COMMIT;
  c.cores = static_cast<int>(std::thread::hardware_concurrency());
  struct utsname u;
  if (uname(&u) == 0) c.machine = absl::StrCat(u.sysname, " ", u.release, " ", u.machine);
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (absl::StrContains(flag->Filename(), "load_main"))
      c.flags[std::string(name)] = flag->CurrentValue();
  }
  return c;
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  return static_cast<bool>(f);
}

int Run(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "bazaar-load: simulated sellers and buyers against bazaar-market, with a report and an "
      "invariant check.\n  bazaar-load --market=HOST:PORT --store=HOST:PORT --scenario=5x5 "
      "--duration=10s\n  bazaar-load --direct --store=HOST:PORT --mode=book --scenario=all");
  absl::ParseCommandLine(argc, argv);
  std::vector<Scenario> scenarios;
  if (absl::GetFlag(FLAGS_scenario).empty()) {
    scenarios.push_back(
        {absl::StrCat(absl::GetFlag(FLAGS_sellers), "x", absl::GetFlag(FLAGS_buyers)),
         ScenarioKind::kBook, absl::GetFlag(FLAGS_sellers), absl::GetFlag(FLAGS_buyers)});
  } else {
    auto parsed = ParseScenarios(absl::GetFlag(FLAGS_scenario));
    if (!parsed.ok()) {
      fprintf(stderr, "bazaar-load: %s\n", std::string(parsed.status().message()).c_str());
      return 2;
    }
    scenarios = *parsed;
  }
  Workload base;
  base.duration = absl::GetFlag(FLAGS_duration);
  base.max_ops = absl::GetFlag(FLAGS_ops);
  base.seed = absl::GetFlag(FLAGS_seed);
  base.items_per_seller = absl::GetFlag(FLAGS_items_per_seller);
  base.price_min = absl::GetFlag(FLAGS_price_min);
  base.price_max = absl::GetFlag(FLAGS_price_max);
  base.hot_skew = absl::GetFlag(FLAGS_hot_skew);
  base.think_time = absl::GetFlag(FLAGS_think_time);
  base.page_size = absl::GetFlag(FLAGS_page_size);
  base.drop_units = absl::GetFlag(FLAGS_drop_units);
  base.drop_window = absl::GetFlag(FLAGS_drop_window);
  base.undercut_step = absl::GetFlag(FLAGS_undercut_step);
  base.rate = absl::GetFlag(FLAGS_rate);
  base.item_types = absl::GetFlag(FLAGS_item_types);
  base.max_in_flight = absl::GetFlag(FLAGS_max_in_flight);
  base.accounts = absl::GetFlag(FLAGS_accounts);
  base.whales = absl::GetFlag(FLAGS_whales);
  base.whale_share = absl::GetFlag(FLAGS_whale_share);
  base.second_currency = absl::GetFlag(FLAGS_second_currency);
  base.expiring_share = absl::GetFlag(FLAGS_expiring_share);
  base.short_listing = absl::GetFlag(FLAGS_short_listing);
  base.stack_stock = absl::GetFlag(FLAGS_stack_stock);
  if (base.price_min < 0 || base.price_max < base.price_min || base.page_size < 1 ||
      base.items_per_seller < 0 || base.hot_skew < 0 || base.drop_units < 1 ||
      base.drop_units > 100000 || base.undercut_step < 0 || base.rate < 0 || base.item_types < 1 ||
      base.max_in_flight < 1 || base.accounts < 1 || base.accounts > 100000 || base.whales < 0 ||
      base.whales > base.accounts || base.whale_share < 0 || base.whale_share > 1) {
    fprintf(stderr,
            "bazaar-load: need 0 <= price_min <= price_max, page_size >= 1, "
            "items_per_seller >= 0, hot_skew >= 0, 1 <= drop_units <= 100000, "
            "undercut_step >= 0, rate >= 0, item_types >= 1, max_in_flight >= 1, "
            "1 <= accounts <= 100000, 0 <= whales <= accounts, 0 <= whale_share <= 1\n");
    return 2;
  }
  std::string run_id = absl::GetFlag(FLAGS_run_id);
  if (run_id.empty()) run_id = absl::StrCat("load", absl::ToUnixMillis(absl::Now()) % 1000000000);
  const std::string store = absl::GetFlag(FLAGS_store);
  std::string store_password = absl::GetFlag(FLAGS_store_password);
  if (const char* env = std::getenv("BAZAAR_STORE_PASSWORD"); store_password.empty() && env) {
    store_password = env;
  }
  const bool direct = absl::GetFlag(FLAGS_direct);
  if (direct && store.empty()) {
    fprintf(stderr, "bazaar-load: --direct needs --store\n");
    return 2;
  }

  BackendOptions options;
  options.timeout = absl::GetFlag(FLAGS_timeout);
  int max_players = 0;
  for (const auto& s : scenarios) max_players = std::max(max_players, s.sellers + s.buyers);
  std::unique_ptr<MarketBackend> backend;
  std::string target;
  if (direct) {
    DirectOptions d;
    d.store = store;
    d.store_password = store_password;
    d.mode = absl::GetFlag(FLAGS_mode);
    d.key_prefix = absl::GetFlag(FLAGS_key_prefix);
    d.pool_size = absl::GetFlag(FLAGS_pool) > 0 ? absl::GetFlag(FLAGS_pool) : max_players;
    d.max_attempts = absl::GetFlag(FLAGS_max_attempts);
    d.economy.currencies = absl::StrSplit(absl::GetFlag(FLAGS_currencies), ',', absl::SkipEmpty());
    if (d.economy.currencies.empty()) d.economy.currencies = {"gold"};
    d.economy.fee_bps = absl::GetFlag(FLAGS_fee_bps);
    d.economy.fee_min = absl::GetFlag(FLAGS_fee_min);
    auto b = NewDirectBackend(d, options);
    if (!b.ok()) {
      fprintf(stderr, "bazaar-load: %s\n", std::string(b.status().message()).c_str());
      return 2;
    }
    backend = std::move(*b);
    target = "store " + store;
  } else {
    client::MarketClientOptions client;
    client.address = absl::GetFlag(FLAGS_market);
    client.channels = absl::GetFlag(FLAGS_channels);
    client.tls = absl::GetFlag(FLAGS_tls);
    client.tls_ca_file = absl::GetFlag(FLAGS_tls_ca_file);
    client.tls_server_name = absl::GetFlag(FLAGS_tls_server_name);
    // The key from the environment, as bazaar-cli: an admin key (the load creates users).
    if (const char* key = std::getenv("BAZAAR_API_KEY")) client.api_key = key;
    backend = NewGrpcBackend(std::move(client), options);
    target = "market " + absl::GetFlag(FLAGS_market);
  }
  const std::string mode = backend->Mode();
  if (mode == "?") {
    fprintf(stderr, "bazaar-load: cannot reach the market at %s\n",
            absl::GetFlag(FLAGS_market).c_str());
    return 2;
  }

  std::vector<std::unique_ptr<RunResult>> results;
  std::vector<ScenarioRun> runs;
  bool invariants_ok = true;
  FILE* progress = absl::GetFlag(FLAGS_progress) ? stderr : nullptr;
  for (size_t i = 0; i < scenarios.size(); ++i) {
    Workload w = base;
    w.kind = scenarios[i].kind;
    w.sellers = scenarios[i].sellers;
    w.buyers = scenarios[i].buyers;
    w.run_id = scenarios.size() == 1 ? run_id : absl::StrCat(run_id, "-", scenarios[i].name);
    if (progress != nullptr) {
      fprintf(progress, "bazaar-load: %s, %s (mode %s), %s, run %s\n  %s\n",
              scenarios[i].name.c_str(), backend->kind().c_str(), mode.c_str(), target.c_str(),
              w.run_id.c_str(), DescribeWorkload(w).c_str());
    }
    const int64_t aborted_before =
        store.empty()
            ? -1
            : ReadExecAbortedWatch(store, absl::GetFlag(FLAGS_key_prefix), store_password);
    RunOptions run_options;
    run_options.progress = progress;
    run_options.store = store;
    run_options.store_password = store_password;
    run_options.key_prefix = absl::GetFlag(FLAGS_key_prefix);
    auto result = RunWorkload(w, backend.get(), run_options);
    if (!result.ok()) {
      fprintf(stderr, "bazaar-load: %s\n", std::string(result.status().message()).c_str());
      return 2;
    }
    const int64_t aborted_after =
        store.empty()
            ? -1
            : ReadExecAbortedWatch(store, absl::GetFlag(FLAGS_key_prefix), store_password);
    if (aborted_before >= 0 && aborted_after >= 0) {
      result->store_exec_aborted_watch = aborted_after - aborted_before;
    }
    results.push_back(std::make_unique<RunResult>(std::move(*result)));
    ScenarioRun sr{scenarios[i], backend->kind(), mode, target, results.back().get(), {}, {}};
    if (!store.empty()) {
      auto check =
          CheckInvariants(store, absl::GetFlag(FLAGS_key_prefix), *results.back(), store_password);
      if (check.ok()) {
        sr.invariants = std::move(*check);
        invariants_ok = invariants_ok && sr.invariants->ok;
      } else {
        sr.invariant_error = std::string(check.status().message());
        invariants_ok = false;
      }
    }
    runs.push_back(std::move(sr));
  }

  const RunContext context = CollectContext();
  const std::string json = JsonReport(runs, context);
  fputs(absl::GetFlag(FLAGS_json) ? json.c_str() : TextReport(runs).c_str(), stdout);
  fflush(stdout);
  if (!absl::GetFlag(FLAGS_json_out).empty() && !WriteFile(absl::GetFlag(FLAGS_json_out), json)) {
    fprintf(stderr, "bazaar-load: cannot write %s\n", absl::GetFlag(FLAGS_json_out).c_str());
  }
  if (!absl::GetFlag(FLAGS_html).empty()) {
    if (WriteFile(absl::GetFlag(FLAGS_html), HtmlReport(runs, context))) {
      fprintf(stderr, "bazaar-load: report written to %s\n", absl::GetFlag(FLAGS_html).c_str());
    } else {
      fprintf(stderr, "bazaar-load: cannot write %s\n", absl::GetFlag(FLAGS_html).c_str());
    }
  }
  return invariants_ok ? 0 : 1;
}

}  // namespace
}  // namespace bazaar::load

int main(int argc, char** argv) {
  // As in bazaar-market: Debian's Abseil runs mutex deadlock detection on every lock (ours and
  // gRPC's), about 7% of this tool's CPU in a profile of the 5x5.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return bazaar::load::Run(argc, argv);
}
