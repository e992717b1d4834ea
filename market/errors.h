// Error reasons: every failure the market returns is an absl::Status whose message starts with a
// machine-readable reason, then ": " and a human text, and may carry fields (the figures behind
// it: price, quantity available...) as a status payload. The service sends the status code and
// message as the gRPC status, the reason again as trailing metadata "bazaar-reason", and reason
// and fields as a google.rpc.ErrorInfo in the status details.
#ifndef BAZAAR_MARKET_ERRORS_H_
#define BAZAAR_MARKET_ERRORS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace bazaar::market::reason {

// INVALID_ARGUMENT
inline constexpr char kInvalidArgument[] = "INVALID_ARGUMENT";
inline constexpr char kRequestIdReused[] = "REQUEST_ID_REUSED";
inline constexpr char kBadCursor[] = "BAD_CURSOR";
// NOT_FOUND
inline constexpr char kUserNotFound[] = "USER_NOT_FOUND";
inline constexpr char kListingNotFound[] = "LISTING_NOT_FOUND";
// ALREADY_EXISTS
inline constexpr char kUserExists[] = "USER_EXISTS";
inline constexpr char kItemAlreadyOwned[] = "ITEM_ALREADY_OWNED";
// FAILED_PRECONDITION
inline constexpr char kItemNotInInventory[] = "ITEM_NOT_IN_INVENTORY";
inline constexpr char kPriceChanged[] = "PRICE_CHANGED";
inline constexpr char kInsufficientFunds[] = "INSUFFICIENT_FUNDS";
inline constexpr char kOwnListing[] = "OWN_LISTING";
inline constexpr char kBuyerOwnsItem[] = "BUYER_OWNS_ITEM";
inline constexpr char kFundsLimit[] = "FUNDS_LIMIT";
inline constexpr char kInsufficientQuantity[] = "INSUFFICIENT_QUANTITY";  // stacks, listings
inline constexpr char kStackLimit[] = "STACK_LIMIT";  // a stack would pass 10^15
inline constexpr char kListingExpired[] = "LISTING_EXPIRED";
inline constexpr char kNotExpired[] = "NOT_EXPIRED";  // the reaper came early
inline constexpr char kUserFrozen[] = "USER_FROZEN";  // an operator froze the acting player
// RESOURCE_EXHAUSTED
inline constexpr char kListingLimit[] = "LISTING_LIMIT";  // --max_listings_per_seller
inline constexpr char kRateLimited[] = "RATE_LIMITED";    // market/rate_limit.h
// UNAUTHENTICATED, PERMISSION_DENIED (market/auth.h)
inline constexpr char kUnauthenticated[] = "UNAUTHENTICATED";     // no, or an unknown, API key
inline constexpr char kPermissionDenied[] = "PERMISSION_DENIED";  // not for the key's role
// ABORTED
inline constexpr char kContention[] = "CONTENTION";
// UNAVAILABLE
inline constexpr char kStoreUnavailable[] = "STORE_UNAVAILABLE";
inline constexpr char kOutcomeUnknown[] = "OUTCOME_UNKNOWN";
inline constexpr char kShuttingDown[] = "SHUTTING_DOWN";
inline constexpr char kWatcherTooSlow[] = "WATCHER_TOO_SLOW";  // WatchEvents queue overflowed
// DEADLINE_EXCEEDED
inline constexpr char kDeadline[] = "DEADLINE";
// INTERNAL
inline constexpr char kStoreError[] = "STORE_ERROR";
inline constexpr char kCorruptData[] = "CORRUPT_DATA";

}  // namespace bazaar::market::reason

namespace bazaar::market {

// Named values describing a failure (ErrorInfo.metadata), in the order given.
using ErrorFields = std::vector<std::pair<std::string, std::string>>;

// absl::Status(code, reason + ": " + text), with `fields` as its payload.
absl::Status MakeError(absl::StatusCode code, const char* reason, const std::string& text,
                       const ErrorFields& fields = {});
// The fields of a status made by MakeError (empty when it has none).
ErrorFields ErrorFieldsOf(const absl::Status& status);
// `status` with `fields` as its payload (replaces any).
void SetErrorFields(const ErrorFields& fields, absl::Status* status);
// The reason at the front of a status message ("" for OK; the code's name when absent).
std::string ReasonOf(const absl::Status& status);

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_ERRORS_H_
