#include "market/errors.h"

#include "absl/strings/str_cat.h"
#include "market/record.h"

namespace bazaar::market {
namespace {

// The payload's type URL; its value is the fields flattened and encoded with EncodeFields.
constexpr char kFieldsPayload[] = "bazaar.market/error-fields";

}  // namespace

absl::Status MakeError(absl::StatusCode code, const char* reason, const std::string& text,
                       const ErrorFields& fields) {
  absl::Status status(code, absl::StrCat(reason, ": ", text));
  SetErrorFields(fields, &status);
  return status;
}

void SetErrorFields(const ErrorFields& fields, absl::Status* status) {
  if (fields.empty() || status->ok()) return;
  std::vector<std::string> flat;
  for (const auto& [k, v] : fields) {
    flat.push_back(k);
    flat.push_back(v);
  }
  status->SetPayload(kFieldsPayload, absl::Cord(EncodeFields(flat)));
}

ErrorFields ErrorFieldsOf(const absl::Status& status) {
  ErrorFields fields;
  auto payload = status.GetPayload(kFieldsPayload);
  if (!payload) return fields;
  auto flat = DecodeFields(std::string(*payload));
  for (size_t i = 0; flat && i + 1 < flat->size(); i += 2) {
    fields.emplace_back((*flat)[i], (*flat)[i + 1]);
  }
  return fields;
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
