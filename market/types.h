// Domain types of the market logic, free of gRPC and protobuf so the same logic can run straight
// over RESP (the load tool's --direct mode) and under unit tests.
#ifndef BAZAAR_MARKET_TYPES_H_
#define BAZAAR_MARKET_TYPES_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace bazaar::market {

// What list/purchase WATCH (see README.md "Contention modes").
enum class ContentionMode {
  kFine,  // default: per-listing and per-user keys; unrelated trades never abort each other
  kBook,  // "Redis in Action": purchase watches the whole market: sorted set and the buyer
  kScript,  // no WATCH: list, purchase and cancel are one FCALL each (market/market.lua)
};
const char* ContentionModeName(ContentionMode mode);
bool ParseContentionMode(const std::string& text, ContentionMode* mode);

struct User {
  std::string id;
  std::string name;
  int64_t funds = 0;                      // the default currency
  std::vector<std::string> inventory;     // instance ids, sorted
  std::map<std::string, int64_t> wallet;  // every configured currency (the default included)
  std::map<std::string, int64_t> stacks;  // item type -> quantity, none at zero
  bool frozen = false;                    // MarketOps::FreezeUser: their actions are refused
};

// An instance listing of v1 (item_id, keyed by item and seller; quantity 1, the default
// currency, no expiry) or a listing of the economy, a "lot" (listing_id; item_type, quantity
// left, currency, times in Unix ms of the store's clock): a stack listing, or with item_id an
// instance listing (quantity 1, item_type the kind it is browsed under).
struct Listing {
  std::string item_id;
  std::string seller_id;
  int64_t price = 0;  // per unit
  std::string listing_id;
  std::string item_type;
  int64_t quantity = 1;
  std::string currency;
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
};

// The economy's settings (issue 18): currencies, fees, listing durations and caps.
struct EconomyOptions {
  std::vector<std::string> currencies = {"gold"};  // the first is the default ("funds")
  int64_t fee_bps = 0;                             // fee on stack sales, in 1/10000 of the total
  int64_t fee_min = 0;  // per sale, when fee_bps or this is above 0 (never above the total)
  absl::Duration listing_duration = absl::Hours(24);  // when a request gives none
  absl::Duration max_listing_duration = absl::Hours(24 * 30);
  int max_listings_per_seller = 100;  // open stack listings; at most 1000 (see market_ops.h)
  const std::string& default_currency() const { return currencies.front(); }
  bool HasCurrency(const std::string& c) const {
    for (const auto& known : currencies) {
      if (known == c) return true;
    }
    return false;
  }
  // The users:<id> field holding a currency's balance.
  std::string WalletField(const std::string& c) const {
    return c == default_currency() ? "funds" : "funds:" + c;
  }
  // The fee of a sale of `total` (0 <= fee <= total); 128-bit so total * fee_bps cannot wrap.
  int64_t FeeOf(int64_t total) const {
    if (fee_bps <= 0 && fee_min <= 0) return 0;
    int64_t fee = static_cast<int64_t>(static_cast<__int128>(total) * fee_bps / 10000);
    if (fee < fee_min) fee = fee_min;
    return fee < total ? fee : total;
  }
};

// How a mutating call went: attempts taken and whether it was replayed from its request_id.
struct CallInfo {
  int attempts = 0;
  bool replayed = false;
  // The id of the event the call wrote to <prefix>events: (market/events.h); a replay returns
  // the original one. Empty for a definite failure, which writes no event.
  std::string event_id;
};

// Per-call inputs shared by every operation.
struct CallOptions {
  absl::Time deadline = absl::InfiniteFuture();  // the client's deadline
  std::string request_id;                        // empty: not idempotent
  // The player a player action acts for: while they are frozen (MarketOps::FreezeUser) the call
  // is refused with USER_FROZEN inside its transaction. Empty: not a player's action.
  std::string player;
  // Set on an operator's cancel for the seller (MarketAdmin.ForceCancelListing): who did it (the
  // API key's name), written into the `cancelled` event as `forced_by`. Empty: the seller's own.
  std::string forced_by;
};

// Per-call outputs used for statistics (filled even when the call fails).
struct CallTrace {
  int attempts = 0;
  int watch_conflicts = 0;  // EXEC returned nil
  int store_errors = 0;     // attempts lost to a store I/O error before EXEC
};

struct BrowseQuery {
  int page_size = 50;
  std::string cursor;
  std::string seller_id;  // filter when not empty
  std::string item_id;    // filter when not empty
};

struct BrowsePage {
  std::vector<Listing> listings;
  std::string next_cursor;  // empty at the end
  int64_t total = 0;        // stack listings: how many the query matches in all
};

// Browsing stack listings: one market (item type and currency) by price, newest or ending
// soon; or one seller's open listings, newest first.
enum class LotSort { kPrice, kNewest, kEndingSoon };
struct LotQuery {
  std::string item_type;  // with currency: that market
  bool instances = false;  // with item_type: its instance listings instead of its stacks
  std::string currency;   // empty: the default
  std::string seller_id;  // without item_type: this seller's listings (newest first)
  LotSort sort = LotSort::kPrice;
  int64_t min_price = 0, max_price = 0;  // kPrice only; max 0: no upper bound
  int page_size = 50;
  std::string cursor;
};

// One event of the log (market/events.h): its stream id, type, request id and other fields.
struct MarketEvent {
  std::string id;
  std::string type;
  std::string request_id;
  std::vector<std::pair<std::string, std::string>> fields;
};
struct HistoryPage {
  std::vector<MarketEvent> events;  // newest first
  std::string next_cursor;          // empty at the oldest
};

// Limits enforced by validation.
inline constexpr int64_t kMaxAmount = 1'000'000'000'000'000;  // 1e15 < 2^53: exact as a score
inline constexpr size_t kMaxIdBytes = 128;
inline constexpr size_t kMaxNameBytes = 256;
inline constexpr int kMaxPageSize = 1000;
inline constexpr int kDefaultPageSize = 50;

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_TYPES_H_
