// Small string encodings stored in the store or handed to clients: length-prefixed field lists,
// idempotency records and browse cursors.
#ifndef BAZAAR_MARKET_RECORD_H_
#define BAZAAR_MARKET_RECORD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace bazaar::market {

// "<len>:<bytes>" per field; decodes only what it encoded (nullopt otherwise).
std::string EncodeFields(const std::vector<std::string>& fields);
std::optional<std::vector<std::string>> DecodeFields(const std::string& text);

// The outcome of a mutating call, stored under req:<request_id> in the same EXEC as the change
// (or, for a definite failure, in an EXEC that confirms the state it was based on).
struct IdempotencyRecord {
  std::string fingerprint;  // method and parameters; the same id with others is refused
  absl::Status status;      // OK or the definite failure
  std::vector<std::string> values;  // a success's result (a failure stores its ErrorFields)
  int attempts = 0;
  std::string event_id;  // the event the change wrote; empty for a failure
};
// "r2": the fields, the values, then event_id last, so that a script inside EXEC can append the
// id once XADD made it (transaction.h); "r1" records (no id) still decode.
std::string EncodeRecord(const IdempotencyRecord& record);
// EncodeRecord without the trailing event id.
std::string EncodeRecordPrefix(const IdempotencyRecord& record);
std::optional<IdempotencyRecord> DecodeRecord(const std::string& text);

// Browse cursor: the position (price, member) of the last listing scanned plus the filters it was
// made for, base64url-encoded. Positions are in the market's total order, so listings added or
// removed elsewhere neither shift nor repeat the next page.
struct BrowseCursor {
  int64_t price = 0;
  std::string member;
  std::string seller_filter;
  std::string item_filter;
};
std::string EncodeCursor(const BrowseCursor& cursor);
std::optional<BrowseCursor> DecodeCursor(const std::string& text);

// Parses a price/funds value: an integer, or a score such as "100" / "1e+15" that is integral.
bool ParseAmount(const std::string& text, int64_t* out);

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_RECORD_H_
