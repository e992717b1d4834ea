#include "engine/core/hash_value.h"

#include <algorithm>
#include <cstring>

#include "engine/core/encoding_limits.h"

namespace bazaar::engine::core {

std::optional<std::string_view> HashValue::Get(std::string_view field) const {
  if (table_) {
    const Table::Entry* e = table_->Find(field);
    if (e == nullptr) return std::nullopt;
    return std::string_view(e->value);
  }
  const size_t pos = FindPacked(field);
  if (pos == kNotFound) return std::nullopt;
  const char* record = packed_.data() + pos;
  const Record r = Parse(record);
  return std::string_view(record + r.header + r.field_len, r.value_len);
}

size_t HashValue::EncodeHeader(char* out, std::string_view field, std::string_view value) {
  size_t at = 0;
  out[at++] = Tag(field);
  for (size_t n : {field.size(), value.size()}) {
    if (n < 255) {
      out[at++] = static_cast<char>(n);
      continue;
    }
    out[at++] = static_cast<char>(0xFF);
    for (int i = 0; i < 4; ++i) out[at++] = static_cast<char>((n >> (8 * i)) & 0xFF);
  }
  return at;
}

bool HashValue::Set(std::string_view field, std::string_view value) {
  const EncodingLimits& limits = CurrentEncodingLimits();
  // Four-byte lengths: a string past 4 GiB could not be packed (Redis's proto-max-bulk-len
  // stops it long before).
  const size_t max_string = std::min<size_t>(limits.hash_max_value, UINT32_MAX);
  if (table_ == nullptr && (field.size() > max_string || value.size() > max_string)) {
    ConvertToTable();
  }
  if (table_) {
    auto [entry, inserted] = table_->FindOrInsert(field);
    entry->value.assign(value.data(), value.size());
    return inserted;
  }
  const size_t pos = FindPacked(field);
  char header[kMaxHeader];
  const size_t header_len = EncodeHeader(header, field, value);
  if (pos != kNotFound) {
    // The record keeps its place (insertion order): the value is replaced, and the header too,
    // whose value length may take another size.
    const Record old = Parse(packed_.data() + pos);
    Splice(pos + old.header + old.field_len, old.value_len, value);
    Splice(pos, old.header, std::string_view(header, header_len));
    return false;
  }
  Reserve(packed_.size() + header_len + field.size() + value.size());
  packed_.insert(packed_.end(), header, header + header_len);
  packed_.insert(packed_.end(), field.begin(), field.end());
  packed_.insert(packed_.end(), value.begin(), value.end());
  ++count_;
  if (count_ > limits.hash_max_entries) ConvertToTable();
  return true;
}

bool HashValue::Erase(std::string_view field) {
  if (table_) return table_->Erase(field);
  const size_t pos = FindPacked(field);
  if (pos == kNotFound) return false;
  Splice(pos, Parse(packed_.data() + pos).size(), {});
  --count_;
  // Give memory back once most of the buffer is unused, as a listpack shrinks on deletion.
  if (packed_.capacity() / 2 > packed_.size()) packed_.shrink_to_fit();
  return true;
}

std::unique_ptr<HashValue> HashValue::Clone() const {
  auto copy = std::make_unique<HashValue>();
  if (!table_) {
    copy->packed_ = packed_;
    copy->count_ = count_;
    return copy;
  }
  copy->table_ = std::make_unique<Table>();
  table_->ForEach([&](const Table::Entry& e) {
    copy->table_->FindOrInsert(e.key).first->value = e.value;
  });
  return copy;
}

size_t HashValue::FindPacked(std::string_view field) const {
  const char* begin = packed_.data();
  const char* p = begin;
  const char* end = begin + packed_.size();
  const char tag = Tag(field);
  while (p < end) {
    const Record r = Parse(p);
    if (p[0] == tag && r.field_len == field.size() &&
        std::memcmp(p + r.header, field.data(), r.field_len) == 0) {
      return p - begin;
    }
    p += r.size();
  }
  return kNotFound;
}

void HashValue::Splice(size_t pos, size_t old_len, std::string_view bytes) {
  if (bytes.size() > old_len) {
    const size_t grow = bytes.size() - old_len;
    Reserve(packed_.size() + grow);
    packed_.insert(packed_.begin() + pos + old_len, grow, '\0');
  } else if (bytes.size() < old_len) {
    packed_.erase(packed_.begin() + pos + bytes.size(), packed_.begin() + pos + old_len);
  }
  if (!bytes.empty()) std::memcpy(packed_.data() + pos, bytes.data(), bytes.size());
}

void HashValue::Reserve(size_t needed) {
  if (needed <= packed_.capacity()) return;
  // An eighth more than needed, rounded up to what glibc malloc hands out anyway (16-byte
  // granules less its 8-byte header): a few reallocations over a hash's growth, little waste.
  size_t capacity = needed + needed / 8;
  capacity = ((capacity + 8 + 15) & ~size_t{15}) - 8;
  packed_.reserve(capacity);
}

void HashValue::ConvertToTable() {
  auto table = std::make_unique<Table>();
  ForEach([&](std::string_view field, std::string_view value) {
    table->FindOrInsert(field).first->value.assign(value.data(), value.size());
  });
  table_ = std::move(table);
  std::vector<char>().swap(packed_);
  count_ = 0;
}

}  // namespace bazaar::engine::core
