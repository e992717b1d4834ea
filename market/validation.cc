#include "market/validation.h"

#include "absl/strings/str_cat.h"
#include "market/errors.h"
#include "market/types.h"

namespace bazaar::market {
namespace {

absl::Status Invalid(const std::string& text) {
  return MakeError(absl::StatusCode::kInvalidArgument, reason::kInvalidArgument, text);
}

absl::Status ValidateToken(const std::string& field, const std::string& id, bool allow_dot) {
  if (id.empty()) return Invalid(field + " is empty");
  if (id.size() > kMaxIdBytes) {
    return Invalid(absl::StrCat(field, " is longer than ", kMaxIdBytes, " bytes"));
  }
  for (unsigned char c : id) {
    if (c <= 0x20 || c == 0x7f) return Invalid(field + " contains whitespace or a control byte");
    if (!allow_dot && c == '.') return Invalid(field + " contains '.'");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateUserId(const std::string& field, const std::string& id) {
  return ValidateToken(field, id, /*allow_dot=*/false);
}

absl::Status ValidateItemId(const std::string& field, const std::string& id) {
  return ValidateToken(field, id, /*allow_dot=*/true);
}

absl::Status ValidateName(const std::string& name) { return ValidateText("name", name); }

absl::Status ValidateText(const std::string& field, const std::string& text) {
  if (text.size() > kMaxNameBytes) {
    return Invalid(absl::StrCat(field, " is longer than ", kMaxNameBytes, " bytes"));
  }
  return absl::OkStatus();
}

absl::Status ValidateAmount(const std::string& field, int64_t amount) {
  if (amount < 0) return Invalid(absl::StrCat(field, " is negative (", amount, ")"));
  if (amount > kMaxAmount) return Invalid(absl::StrCat(field, " exceeds ", kMaxAmount));
  return absl::OkStatus();
}

absl::Status ValidateQuantity(const std::string& field, int64_t quantity) {
  if (quantity < 1 || quantity > kMaxAmount) {
    return Invalid(absl::StrCat(field, " must be 1..", kMaxAmount, ", got ", quantity));
  }
  return absl::OkStatus();
}

absl::Status ValidateCurrencyName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 32;
  for (char c : name) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  if (!ok) {
    return Invalid("a currency name is 1..32 of a-z, 0-9, _: '" + name + "'");
  }
  return absl::OkStatus();
}

absl::Status ValidateRequestId(const std::string& id) {
  if (id.empty()) return absl::OkStatus();
  return ValidateToken("request_id", id, /*allow_dot=*/true);
}

}  // namespace bazaar::market
