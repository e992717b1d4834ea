// Domain types of the market logic, free of gRPC and protobuf so the same logic can run straight
// over RESP (the load tool's --direct mode) and under unit tests.
#ifndef BAZAAR_MARKET_TYPES_H_
#define BAZAAR_MARKET_TYPES_H_

#include <cstdint>
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
  int64_t funds = 0;
  std::vector<std::string> inventory;  // sorted
};

struct Listing {
  std::string item_id;
  std::string seller_id;
  int64_t price = 0;
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
