// The market's event log. Every mutating call appends one event to <prefix>events: and the same
// event to each involved user's <prefix>history:<user>, queued inside the call's own MULTI/EXEC,
// so a change and its record commit together or not at all (a replayed request writes nothing
// again). Nothing WATCHes these streams, so they add no aborts. Each event is a stream entry of
// string fields: `type`, `request_id` (empty without one), then per type:
//
//   user_created   user, name, funds
//   item_granted   user, item
//   listed         seller, item, price
//   cancelled      seller, item, price
//   sold           buyer, seller, item, price, buyer_funds, seller_funds (both after the sale)
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
  std::map<std::string, int64_t> funds;                    // user -> funds
  std::map<std::string, std::set<std::string>> inventory;  // user -> items
  std::map<std::string, int64_t> listings;                 // <item>.<seller> -> price
  int64_t events = 0;
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
