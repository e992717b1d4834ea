// The invariant check of bazaar-load, read from the store itself over RESP after a run (never
// from what the service says). Two parts:
//
// Whole store (every user under the key prefix):
//   - money is conserved per currency: sum(balances) + fee sink == initial funds + credited -
//     debited; no balance is negative or above 10^15;
//   - items are conserved per item type: stacks + stack listings == granted - revoked; every
//     stack listing is in its market's index at its price;
//   - items are conserved: sum(|inventory|) + |market:| == sum(items_granted);
//   - every market: member has its listing:<item>.<seller> key with the same price.
// This run (its users and items):
//   - every item the run granted is in exactly one place: one inventory or one listing;
//   - the successes the clients saw equal the changes in the data: buyers hold `bought` items,
//     the run's listings number `listed - bought`, sellers' inventories `granted - listed`, and
//     the sellers earned exactly what buyers paid (sum of successful purchase prices).
//   Calls whose outcome the client could not know (UNAVAILABLE, DEADLINE_EXCEEDED...) widen the
//   expected counts to a range instead.
// The event log (market/events.h), replayed from empty: every user it created has the funds and
// inventory the store holds, and its listings are market:'s. Users older than the log are
// counted, not checked; a trimmed log (entries-added > length) is not replayed.
#ifndef BAZAAR_LOAD_INVARIANTS_H_
#define BAZAAR_LOAD_INVARIANTS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "load/runner.h"

namespace bazaar::load {

struct InvariantReport {
  bool ok = true;
  std::vector<std::string> problems;  // empty when ok
  // What was found, for the report.
  int64_t store_fees = 0, store_net_credits = 0;  // the default currency's sink, credits - debits
  int64_t store_funds = 0, store_initial_funds = 0, store_items = 0, store_listings = 0,
          store_granted = 0, negative_balances = 0, balances_over_maximum = 0;
  int64_t run_buyer_items = 0, run_listings = 0, run_seller_items = 0, run_seller_funds = 0,
          run_items_seen = 0;
  // The economy: balances per non-default currency, fees per currency, units held or listed
  // per item type, open stack listings.
  std::map<std::string, int64_t> currencies, fee_sink, item_types;
  int64_t stack_listings = 0;
  int64_t instance_listings = 0;  // of the economy (lots with an item); counted with the items
  bool events_replayed = false;  // false: no log, or a trimmed one
  int64_t events = 0, event_users_checked = 0, users_before_log = 0;
};

// Connects to `store` ("host:port", or "cluster://seeds": the primary of the prefix's slot),
// with AUTH `password` when not empty; UNAVAILABLE if it cannot. Keys under `key_prefix`.
absl::StatusOr<InvariantReport> CheckInvariants(const std::string& store,
                                                const std::string& key_prefix, const RunResult& run,
                                                const std::string& password = "");

// The store's INFO transactions exec_aborted_watch (bazaar-engine's section), or -1 when the
// store is unreachable or has no such field (real Redis).
int64_t ReadExecAbortedWatch(const std::string& store, const std::string& key_prefix = "",
                             const std::string& password = "");

}  // namespace bazaar::load

#endif  // BAZAAR_LOAD_INVARIANTS_H_
