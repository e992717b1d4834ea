#include "engine/protocol/reply_builder.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace bazaar::engine::protocol {

void ReplyBuilder::Header(char type, int64_t n) {
  char buf[24];
  buf[0] = type;
  char* end = std::to_chars(buf + 1, buf + sizeof(buf) - 2, n).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out_->append(buf, end - buf);
}

void ReplyBuilder::SimpleString(std::string_view s) {
  out_->push_back('+');
  out_->append(s.data(), s.size());
  out_->append("\r\n");
}

void ReplyBuilder::CountByPrefix(std::map<std::string, uint64_t, std::less<>>* counts,
                                 std::string_view text) {
  // Redis keeps at most 128 distinct prefixes, so odd errors cannot grow the table unbounded.
  constexpr size_t kMaxPrefixes = 128;
  const std::string_view prefix = text.substr(0, text.find(' '));
  auto it = counts->find(prefix);
  if (it != counts->end()) {
    ++it->second;
  } else if (counts->size() < kMaxPrefixes) {
    counts->emplace(std::string(prefix), 1);
  }
}

void ReplyBuilder::ErrorCountedElsewhere(std::string_view text) {
  ++counted_elsewhere_;
  auto* counts = error_counts_;
  error_counts_ = nullptr;
  Error(text);
  error_counts_ = counts;
}

void ReplyBuilder::Error(std::string_view text) {
  ++errors_;
  if (error_counts_ != nullptr) CountByPrefix(error_counts_, text);
  out_->push_back('-');
  size_t start = out_->size();
  out_->append(text.data(), text.size());
  for (size_t i = start; i < out_->size(); ++i) {
    if ((*out_)[i] == '\r' || (*out_)[i] == '\n') (*out_)[i] = ' ';
  }
  out_->append("\r\n");
}

void ReplyBuilder::Integer(int64_t value) { Header(':', value); }

void ReplyBuilder::Bulk(std::string_view s) {
  Header('$', static_cast<int64_t>(s.size()));
  out_->append(s.data(), s.size());
  out_->append("\r\n");
}

void ReplyBuilder::NullBulk() { out_->append(resp_ >= 3 ? "_\r\n" : "$-1\r\n"); }

void ReplyBuilder::NullArray() { out_->append(resp_ >= 3 ? "_\r\n" : "*-1\r\n"); }

void ReplyBuilder::ArrayHeader(size_t n) { Header('*', static_cast<int64_t>(n)); }

void ReplyBuilder::MapHeader(size_t n) {
  if (resp_ >= 3) {
    Header('%', static_cast<int64_t>(n));
  } else {
    Header('*', static_cast<int64_t>(n * 2));
  }
}

void ReplyBuilder::SetHeader(size_t n) { Header(resp_ >= 3 ? '~' : '*', static_cast<int64_t>(n)); }

void ReplyBuilder::PushHeader(size_t n) { Header(resp_ >= 3 ? '>' : '*', static_cast<int64_t>(n)); }

void ReplyBuilder::Double(double value) {
  char buf[64];
  int len;
  if (std::isinf(value)) {
    len = std::snprintf(buf, sizeof(buf), "%s", value > 0 ? "inf" : "-inf");
  } else {
    len = std::snprintf(buf, sizeof(buf), "%.17g", value);
  }
  if (resp_ >= 3) {
    out_->push_back(',');
    out_->append(buf, len);
    out_->append("\r\n");
  } else {
    Bulk(std::string_view(buf, len));
  }
}

void ReplyBuilder::Verbatim(std::string_view s) {
  if (resp_ < 3) {
    Bulk(s);
    return;
  }
  Header('=', static_cast<int64_t>(s.size() + 4));
  out_->append("txt:");
  out_->append(s.data(), s.size());
  out_->append("\r\n");
}

}  // namespace bazaar::engine::protocol
