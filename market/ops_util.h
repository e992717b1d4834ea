// Helpers shared by the operation files (internal to market/).
#ifndef BAZAAR_MARKET_OPS_UTIL_H_
#define BAZAAR_MARKET_OPS_UTIL_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "market/errors.h"
#include "market/record.h"
#include "market/store.h"
#include "market/transaction.h"
#include "market/types.h"

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

// As ParseAmountReply, with nil (a field or key not there yet) read as 0.
inline absl::Status ParseAmountOrZero(const RespReply& r, const std::string& what, int64_t* out) {
  *out = 0;
  return r.is_nil() ? absl::OkStatus() : ParseAmountReply(r, what, out);
}

// A Run's outcome whose one value is a number (a stack's quantity, a balance), into `R`.
template <typename R>
Done<TxnOutcome> NumberOutcome(Done<R> done, int64_t R::*number) {
  return [done = std::move(done), number](absl::StatusOr<TxnOutcome> out) {
    if (!out.ok()) return done(out.status());
    R result;
    if (out->values.empty() || !ParseAmount(out->values[0], &(result.*number))) {
      return done(Corrupt("bad result in request record"));
    }
    result.info = out->info;
    done(std::move(result));
  };
}

// A stack listing from HGETALL lot:<id>: NOT_FOUND when the hash is gone, CORRUPT_DATA when a
// field is missing or not a number (lot_ops.cc).
absl::StatusOr<Listing> LotFromHash(const std::string& listing_id, const RespReply& r);

// The store's clock from a TIME reply, in Unix ms.
inline absl::Status ParseTimeReply(const RespReply& r, int64_t* ms) {
  int64_t sec, usec;
  if (!r.is_array() || r.elements.size() != 2 || !ParseAmount(r.elements[0].str, &sec) ||
      !ParseAmount(r.elements[1].str, &usec)) {
    return Corrupt("TIME reply " + r.DebugString());
  }
  *ms = sec * 1000 + usec / 1000;
  return absl::OkStatus();
}

// Fees pile up in sink:, which nothing watches; a sale is refused while its currency's sink is
// above this, so the HINCRBY could only overflow after 2^62 / 10^15 (4.6 million) sales that
// all read the sink below the mark at once.
inline constexpr int64_t kSinkFull = int64_t{1} << 62;

}  // namespace bazaar::market::internal

#endif  // BAZAAR_MARKET_OPS_UTIL_H_
