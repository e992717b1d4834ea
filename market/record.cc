#include "market/record.h"

#include <cmath>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "market/errors.h"

namespace bazaar::market {

std::string EncodeFields(const std::vector<std::string>& fields) {
  std::string out;
  for (const auto& f : fields) absl::StrAppend(&out, f.size(), ":", f);
  return out;
}

std::optional<std::vector<std::string>> DecodeFields(const std::string& text) {
  std::vector<std::string> fields;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t colon = text.find(':', pos);
    if (colon == std::string::npos) return std::nullopt;
    uint64_t len;
    if (!absl::SimpleAtoi(absl::string_view(text.data() + pos, colon - pos), &len)) {
      return std::nullopt;
    }
    if (len > text.size() - colon - 1) return std::nullopt;
    fields.push_back(text.substr(colon + 1, len));
    pos = colon + 1 + len;
  }
  return fields;
}

std::string EncodeRecord(const IdempotencyRecord& record) {
  return EncodeRecordPrefix(record) + EncodeFields({record.event_id});
}

std::string EncodeRecordPrefix(const IdempotencyRecord& record) {
  std::vector<std::string> fields = {"r2", record.fingerprint,
                                     std::to_string(static_cast<int>(record.status.code())),
                                     std::string(record.status.message()),
                                     std::to_string(record.attempts)};
  if (record.status.ok()) {
    fields.insert(fields.end(), record.values.begin(), record.values.end());
  } else {
    // A failure has no values: its error fields go there, so a replay answers them too.
    for (const auto& [k, v] : ErrorFieldsOf(record.status)) {
      fields.push_back(k);
      fields.push_back(v);
    }
  }
  return EncodeFields(fields);
}

std::optional<IdempotencyRecord> DecodeRecord(const std::string& text) {
  auto fields = DecodeFields(text);
  if (!fields || fields->size() < 5) return std::nullopt;
  IdempotencyRecord r;
  if ((*fields)[0] == "r2") {
    if (fields->size() < 6) return std::nullopt;
    r.event_id = std::move(fields->back());
    fields->pop_back();
  } else if ((*fields)[0] != "r1") {
    return std::nullopt;
  }
  r.fingerprint = (*fields)[1];
  int code;
  if (!absl::SimpleAtoi((*fields)[2], &code) || !absl::SimpleAtoi((*fields)[4], &r.attempts)) {
    return std::nullopt;
  }
  r.status = absl::Status(static_cast<absl::StatusCode>(code), (*fields)[3]);
  r.values.assign(fields->begin() + 5, fields->end());
  if (!r.status.ok()) {
    ErrorFields error_fields;
    for (size_t i = 0; i + 1 < r.values.size(); i += 2) {
      error_fields.emplace_back(r.values[i], r.values[i + 1]);
    }
    SetErrorFields(error_fields, &r.status);
    r.values.clear();
  }
  return r;
}

std::string EncodeCursor(const BrowseCursor& c) {
  return absl::WebSafeBase64Escape(EncodeFields(
      {"c1", std::to_string(c.price), c.member, c.seller_filter, c.item_filter}));
}

std::optional<BrowseCursor> DecodeCursor(const std::string& text) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(text, &raw)) return std::nullopt;
  auto fields = DecodeFields(raw);
  if (!fields || fields->size() != 5 || (*fields)[0] != "c1") return std::nullopt;
  BrowseCursor c;
  if (!absl::SimpleAtoi((*fields)[1], &c.price)) return std::nullopt;
  c.member = (*fields)[2];
  c.seller_filter = (*fields)[3];
  c.item_filter = (*fields)[4];
  return c;
}

bool ParseAmount(const std::string& text, int64_t* out) {
  if (absl::SimpleAtoi(text, out)) return true;
  double d;
  if (!absl::SimpleAtod(text, &d) || !std::isfinite(d) || d != std::floor(d) ||
      std::fabs(d) > 9e15) {
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

}  // namespace bazaar::market
