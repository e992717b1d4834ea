#include "market/errors.h"

#include "absl/strings/str_cat.h"

namespace bazaar::market {

absl::Status MakeError(absl::StatusCode code, const char* reason, const std::string& text) {
  return absl::Status(code, absl::StrCat(reason, ": ", text));
}

std::string ReasonOf(const absl::Status& status) {
  if (status.ok()) return "";
  std::string msg(status.message());
  size_t colon = msg.find(": ");
  if (colon != std::string::npos && colon > 0) {
    bool upper = true;
    for (size_t i = 0; i < colon; ++i) {
      char c = msg[i];
      if (!((c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9'))) upper = false;
    }
    if (upper) return msg.substr(0, colon);
  }
  return absl::StatusCodeToString(status.code());
}

}  // namespace bazaar::market
