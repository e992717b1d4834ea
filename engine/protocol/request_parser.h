// Incremental, bounded parser for client requests: RESP multibulk ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
// and inline commands ("GET k\r\n"). It keeps its place between calls, so a request arriving a
// byte at a time costs no rescanning. Argument views point into the caller's buffer.
#ifndef BAZAAR_ENGINE_PROTOCOL_REQUEST_PARSER_H_
#define BAZAAR_ENGINE_PROTOCOL_REQUEST_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bazaar::engine::protocol {

struct ParserLimits {
  int64_t max_bulk_len = 512LL * 1024 * 1024;  // proto-max-bulk-len
  bool authenticated = true;  // unauthenticated clients get tight limits, as in Redis
};

class RequestParser {
 public:
  enum class Status {
    kCommand,   // argv holds a full command; `consumed` bytes belong to it
    kEmpty,     // an empty request (blank inline line, "*0"); `consumed` bytes skipped
    kNeedMore,  // the buffer holds only part of a request
    kError,     // protocol error: error() holds Redis's reply text; close after replying
  };

  // Parses the request at the start of `buf`. On kCommand, `argv` views into `buf`, which must
  // stay unchanged until the caller is done with them. The parser remembers progress on a
  // partial request; the caller must then call again with the same bytes at the start of buf
  // (plus more).
  Status Parse(std::string_view buf, const ParserLimits& limits, size_t* consumed,
               std::vector<std::string_view>* argv);

  // Error text without the leading '-', e.g. "ERR Protocol error: invalid bulk length".
  const std::string& error() const { return error_; }
  void Reset();

 private:
  Status ParseInline(std::string_view buf, size_t* consumed, std::vector<std::string_view>* argv);
  Status ParseMultibulk(std::string_view buf, const ParserLimits& limits, size_t* consumed,
                        std::vector<std::string_view>* argv);
  Status Fail(std::string message);

  // Progress through a multibulk request (offsets relative to the request start).
  int64_t args_expected_ = -1;  // -1: header not parsed yet
  size_t pos_ = 0;
  std::vector<std::pair<size_t, size_t>> arg_spans_;  // offset, length
  std::vector<std::string> inline_args_;  // storage for unquoted inline arguments
  std::string error_;
};

// Splits an inline request line as redis-cli and Redis do (sdssplitargs): whitespace separated,
// "double quotes" with \n \r \t \b \a \\ \" \xHH escapes, 'single quotes' with \'. Returns false
// on unbalanced quotes.
bool SplitArgs(std::string_view line, std::vector<std::string>* out);

}  // namespace bazaar::engine::protocol

#endif  // BAZAAR_ENGINE_PROTOCOL_REQUEST_PARSER_H_
