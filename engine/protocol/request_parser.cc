#include "engine/protocol/request_parser.h"

#include "engine/protocol/number.h"

#include <climits>

namespace bazaar::engine::protocol {
namespace {

// Redis's PROTO_INLINE_MAX_SIZE: the longest line we wait for before calling it an error.
constexpr size_t kInlineMaxSize = 64 * 1024;
// Unauthenticated clients may send only small requests (Redis 7.0's rule).
constexpr int64_t kUnauthMaxArgs = 10;
constexpr int64_t kUnauthMaxBulk = 16384;

}  // namespace

void RequestParser::Reset() {
  args_expected_ = -1;
  pos_ = 0;
  arg_spans_.clear();
}

RequestParser::Status RequestParser::Fail(std::string message) {
  Reset();
  error_ = "ERR Protocol error: " + std::move(message);
  return Status::kError;
}

RequestParser::Status RequestParser::Parse(std::string_view buf, const ParserLimits& limits,
                                           size_t* consumed,
                                           std::vector<std::string_view>* argv) {
  *consumed = 0;
  if (buf.empty()) return Status::kNeedMore;
  if (args_expected_ >= 0 || buf[0] == '*') return ParseMultibulk(buf, limits, consumed, argv);
  return ParseInline(buf, consumed, argv);
}

RequestParser::Status RequestParser::ParseInline(std::string_view buf, size_t* consumed,
                                                 std::vector<std::string_view>* argv) {
  size_t newline = buf.find('\n');
  if (newline == std::string_view::npos) {
    if (buf.size() > kInlineMaxSize) return Fail("too big inline request");
    return Status::kNeedMore;
  }
  size_t line_len = newline;
  if (line_len > 0 && buf[line_len - 1] == '\r') --line_len;
  if (!SplitArgs(buf.substr(0, line_len), &inline_args_)) {
    return Fail("unbalanced quotes in request");
  }
  *consumed = newline + 1;
  if (inline_args_.empty()) return Status::kEmpty;
  argv->clear();
  for (const auto& a : inline_args_) argv->emplace_back(a);
  return Status::kCommand;
}

RequestParser::Status RequestParser::ParseMultibulk(std::string_view buf,
                                                    const ParserLimits& limits,
                                                    size_t* consumed,
                                                    std::vector<std::string_view>* argv) {
  if (args_expected_ < 0) {
    size_t cr = buf.find('\r');
    if (cr == std::string_view::npos) {
      if (buf.size() > kInlineMaxSize) return Fail("too big mbulk count string");
      return Status::kNeedMore;
    }
    if (cr + 1 >= buf.size()) return Status::kNeedMore;  // the '\n' has not arrived
    int64_t count;
    if (!ParseInt64(buf.substr(1, cr - 1), &count) || count > INT_MAX) {
      return Fail("invalid multibulk length");
    }
    if (count > kUnauthMaxArgs && !limits.authenticated) {
      return Fail("unauthenticated multibulk length");
    }
    if (count <= 0) {
      *consumed = cr + 2;
      return Status::kEmpty;
    }
    args_expected_ = count;
    pos_ = cr + 2;
    arg_spans_.clear();
    arg_spans_.reserve(count < 1024 ? count : 1024);
  }
  while (static_cast<int64_t>(arg_spans_.size()) < args_expected_) {
    if (pos_ >= buf.size()) return Status::kNeedMore;
    size_t cr = buf.find('\r', pos_);
    if (cr == std::string_view::npos) {
      if (buf.size() - pos_ > kInlineMaxSize) return Fail("too big bulk count string");
      return Status::kNeedMore;
    }
    if (cr + 1 >= buf.size()) return Status::kNeedMore;
    if (buf[pos_] != '$') {
      return Fail(std::string("expected '$', got '") + buf[pos_] + "'");
    }
    int64_t len;
    if (!ParseInt64(buf.substr(pos_ + 1, cr - pos_ - 1), &len) || len < 0 ||
        len > limits.max_bulk_len) {
      return Fail("invalid bulk length");
    }
    if (len > kUnauthMaxBulk && !limits.authenticated) {
      return Fail("unauthenticated bulk length");
    }
    size_t data = cr + 2;
    // Like Redis, the two bytes after the data are skipped without being checked.
    if (buf.size() - data < static_cast<size_t>(len) + 2) return Status::kNeedMore;
    arg_spans_.emplace_back(data, static_cast<size_t>(len));
    pos_ = data + len + 2;
  }
  argv->clear();
  for (const auto& [offset, len] : arg_spans_) argv->emplace_back(buf.data() + offset, len);
  *consumed = pos_;
  args_expected_ = -1;
  pos_ = 0;
  return Status::kCommand;
}

}  // namespace bazaar::engine::protocol
