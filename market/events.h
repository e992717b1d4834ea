// The market's event log. Every mutating call appends one event to <prefix>events: and the same
// event to each involved user's <prefix>history:<user>, queued inside the call's own MULTI/EXEC,
// so a change and its record commit together or not at all (a replayed request writes nothing
// again). Nothing WATCHes these streams, so they add no aborts. Each event is a stream entry of
// string fields: `type`, `request_id` (empty without one), then per type:
//
//   user_created   user, name, funds, currency (the default currency, which funds are in)
//   item_granted   user, item
//   listed         seller, item, price
//   cancelled      seller, item, price
//   sold           buyer, seller, item, price, buyer_funds, seller_funds (both after the sale)
//
// The economy's events (issue 18). Stacks:
//   item_granted   user, item_type, quantity, held (the user's quantity afterwards)
//   item_revoked   user, item_type, quantity, held
// Wallets (the ledger):
//   credited       user, currency, amount, balance (afterwards), memo
//   debited        user, currency, amount, balance, memo
// Stack listings (listing_id present; price is per unit):
//   listed         listing_id, seller, item_type, quantity, price, currency, expires
//   cancelled      listing_id, seller, item_type, quantity (what went back), price, currency
//   expired        the same as cancelled, written by the reaper
//   sold           listing_id, seller, item_type, quantity (bought), price, currency, buyer,
//                  left, total, fee, buyer_funds, seller_funds (balances in that currency)
//   An instance listing of the economy is a stack listing of quantity 1 whose events also carry
//   `item` (the instance's id; item_type is its kind).
// Operators (MarketAdmin, issue 20):
//   user_frozen    user, reason      user_thawed    user, reason
//   A force-cancel writes the seller's `cancelled` event with `forced_by` (the operator's key).
//
// ReplayEvents rebuilds funds, inventories and listings from the log alone, which the load tool
// compares with the store: a second account of the data, independent of its counters.
//
// Thread affinity: none (pure functions).
#ifndef BAZAAR_MARKET_EVENTS_H_
#define BAZAAR_MARKET_EVENTS_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "market/types.h"
#include "market/key_schema.h"
#include "market/store.h"

namespace bazaar::market {

struct Event {
  std::string type;
  std::string request_id;
  std::vector<std::pair<std::string, std::string>> fields;  // after type and request_id
  std::vector<std::string> users;                           // whose history it joins
};

// The XADDs that record `event`; `max_len` > 0 trims each stream to about that many entries
// (MAXLEN ~), 0 keeps everything.
std::vector<Argv> EventWrites(const KeySchema& keys, int64_t max_len, const Event& event);

// What the log says the market holds.
struct ReplayState {
  std::map<std::string, int64_t> funds;                    // user -> funds (default currency)
  std::map<std::string, std::set<std::string>> inventory;  // user -> items
  std::map<std::string, int64_t> listings;                 // <item>.<seller> -> price
  int64_t events = 0;
  // The economy. The default currency is learned from user_created events.
  std::string default_currency;
  std::map<std::string, std::map<std::string, int64_t>> wallets;  // user -> other currencies
  std::map<std::string, std::map<std::string, int64_t>> stacks;   // user -> type -> quantity
  struct Lot {
    std::string seller, item_type, currency;
    int64_t quantity = 0, price = 0;
    std::string item;  // an instance listing's item; empty for a stack
  };
  std::map<std::string, Lot> lots;      // listing id -> what is left
  std::map<std::string, int64_t> sink;  // currency -> fees
};

// Applies one entry's field/value list in log order. An event that contradicts the state so far
// (an unknown user, an item not where it should be, recorded funds that disagree) is an error
// naming the event; the state is left as far as it got.
// "<ms>-<seq>", both decimal: the only event ids and cursors this service issues.
bool IsStreamId(const std::string& s);
// One XRANGE/XREAD entry [id, [field, value, ...]] as a MarketEvent (CORRUPT_DATA otherwise).
absl::StatusOr<MarketEvent> EventFromEntry(const RespReply& entry);

absl::Status ApplyEvent(const std::vector<std::string>& fields_and_values, ReplayState* state);

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_EVENTS_H_
