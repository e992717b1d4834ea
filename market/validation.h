// Argument checks shared by every entry point (INVALID_ARGUMENT with reason INVALID_ARGUMENT).
#ifndef BAZAAR_MARKET_VALIDATION_H_
#define BAZAAR_MARKET_VALIDATION_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace bazaar::market {

// User ids: 1..128 bytes, no '.', no whitespace or control characters.
absl::Status ValidateUserId(const std::string& field, const std::string& id);
// Item ids: 1..128 bytes, no whitespace or control characters ('.' allowed).
absl::Status ValidateItemId(const std::string& field, const std::string& id);
// Names: 0..256 bytes.
absl::Status ValidateName(const std::string& name);
// Free text such as a ledger memo: 0..256 bytes.
absl::Status ValidateText(const std::string& field, const std::string& text);
// Prices and funds: 0..kMaxAmount (integers by type; the proto has no fractional prices).
absl::Status ValidateAmount(const std::string& field, int64_t amount);
// Request ids: empty, or 1..128 bytes without whitespace or control characters.
absl::Status ValidateRequestId(const std::string& id);
// Quantities: 1..kMaxAmount.
absl::Status ValidateQuantity(const std::string& field, int64_t quantity);
// Currency names in configuration: 1..32 bytes of [a-z0-9_].
absl::Status ValidateCurrencyName(const std::string& name);

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_VALIDATION_H_
