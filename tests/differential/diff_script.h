// Differential script format: parsing of script files and the reply transformations that the
// directives ask for (sorting unordered arrays, comparing only types or selected fields).
//
// A script is plain text, one step per line; '#' starts a comment line. See README.md beside this
// file for the full format. In short:
//
//   [conn:] [@modifier ...] COMMAND arg ...   a command on connection `conn` (default "main")
//   @server --requirepass secret              extra server arguments (before the first command)
//   @sleep 120                                sleep 120 ms
//   [conn:] @raw N "bytes\r\n" ...             send raw bytes, then read exactly N replies
//   [conn:] @closed                            expect the server to close the connection
//   [conn:] @close                             the client closes its connection
//   [conn:] @hello3                            HELLO 3; later replies on conn are RESP3
//
// Command modifiers: @sort (sort arrays whose order Redis leaves unspecified), @type (compare the
// reply type only), @fields a,b (compare only these fields of a "k=v k=v" or "k:v" text reply),
// @near N (integers within N), @mask (integers and client addresses masked), @scan (iterate a SCAN to cursor 0 and compare the sorted key set).
//
// Arguments are quoted like redis-cli: "double quotes" with \r \n \t \" \\ \xHH escapes, 'single
// quotes' with \' only. Extension: a quoted argument followed directly by *N repeats it N times.
#ifndef BAZAAR_TESTS_DIFFERENTIAL_DIFF_SCRIPT_H_
#define BAZAAR_TESTS_DIFFERENTIAL_DIFF_SCRIPT_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bazaar::testing::diff {

enum class StepKind {
  kCommand,  // send argv, read one reply
  kRaw,      // send raw bytes, read raw_replies replies
  kClosed,   // expect the server to close the connection
  kClose,    // close the client side of the connection
  kHello3,   // switch the connection to RESP3
  kSleep,    // sleep sleep_ms
};

struct Step {
  StepKind kind = StepKind::kCommand;
  int line = 0;
  std::string source;  // the line as written, for failure messages
  std::string conn = "main";
  std::vector<std::string> argv;
  std::string raw;
  int raw_replies = 0;
  int sleep_ms = 0;
  // Modifiers.
  bool sort = false;
  bool type_only = false;
  bool mask = false;
  bool scan = false;
  std::optional<long long> near;
  std::vector<std::string> fields;
};

struct Script {
  std::string path;
  std::vector<std::string> server_args;
  std::vector<Step> steps;
};

// Splits a line the way redis-cli does (plus the *N repetition extension). Each token records
// whether it was quoted, so "@sort" written in quotes is an argument, not a modifier.
struct Token {
  std::string text;
  bool quoted = false;
};
bool SplitArgs(std::string_view line, std::vector<Token>* out, std::string* error);

// Parses a whole script; on error returns false and sets `error` to "file:line: message".
bool ParseScript(const std::string& path, const std::string& text, Script* script,
                 std::string* error);

// A parsed RESP value, keeping its raw bytes.
struct RespValue {
  char type = 0;
  std::string header;  // the first line without type byte and CRLF
  std::string body;    // bulk/verbatim payload
  std::vector<RespValue> children;
  std::string raw;
};
// Parses one complete value from `bytes`; false if not RESP.
bool ParseResp(std::string_view bytes, RespValue* out);
// Re-serialises a (possibly re-ordered) value.
std::string SerializeResp(const RespValue& v);

// Sorts, at every depth, the arrays and sets whose elements are all scalars, and map entries.
std::string SortLeafArrays(std::string_view reply);
// @mask: every integer (at any depth) and every "ip:port" bulk string replaced by a placeholder,
// for replies holding timestamps, durations and client addresses (SLOWLOG GET, LATENCY LATEST).
std::string MaskTimings(std::string_view reply);
// The text of a reply for @fields: a bulk or verbatim string's payload, else the raw bytes.
std::string ExtractFields(std::string_view reply, const std::vector<std::string>& fields);
// Makes bytes readable on one line: \r \n \t \\ \" \xHH, truncated past `limit` bytes.
std::string Escape(std::string_view bytes, size_t limit = 600);

}  // namespace bazaar::testing::diff

#endif  // BAZAAR_TESTS_DIFFERENTIAL_DIFF_SCRIPT_H_
