// Helpers shared by the operation files (internal to market/).
#ifndef BAZAAR_MARKET_OPS_UTIL_H_
#define BAZAAR_MARKET_OPS_UTIL_H_

#include <string>

#include "absl/status/status.h"
#include "market/errors.h"
#include "market/record.h"
#include "market/store.h"

namespace bazaar::market::internal {

// The first failing status, if any: RETURN_IF_ERROR without macros.
inline absl::Status FirstError(std::initializer_list<absl::Status> statuses) {
  for (const auto& s : statuses) {
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

inline bool IsOne(const RespReply& r) { return r.type == RespReply::Type::kInteger && r.integer == 1; }

inline absl::Status Corrupt(const std::string& what) {
  return MakeError(absl::StatusCode::kInternal, reason::kCorruptData, what);
}

// Parses a price (ZSCORE / GET reply) or funds (HGET reply); nil is handled by the caller.
inline absl::Status ParseAmountReply(const RespReply& r, const std::string& what, int64_t* out) {
  if (!r.is_string() || !ParseAmount(r.str, out)) {
    return Corrupt(what + " is not an integer: " + r.DebugString());
  }
  return absl::OkStatus();
}

}  // namespace bazaar::market::internal

#endif  // BAZAAR_MARKET_OPS_UTIL_H_
