// Small helpers shared by command handlers: option matching and integer arguments.
#ifndef BAZAAR_ENGINE_COMMANDS_ARG_UTIL_H_
#define BAZAAR_ENGINE_COMMANDS_ARG_UTIL_H_

#include <cctype>
#include <climits>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "absl/types/span.h"
#include "engine/commands/errors.h"
#include "engine/protocol/number.h"
#include "engine/protocol/reply_builder.h"

namespace bazaar::engine::commands {

// Case-insensitive comparison with a lowercase literal option name.
inline bool IsOption(std::string_view arg, std::string_view lower_name) {
  if (arg.size() != lower_name.size()) return false;
  for (size_t i = 0; i < arg.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(arg[i])) != lower_name[i]) return false;
  }
  return true;
}

// Parses an integer argument, replying Redis's error (or `error`) when it is not one.
inline bool IntArgOrReply(protocol::ReplyBuilder& reply, std::string_view arg, int64_t* out,
                          std::string_view error = kNotIntegerError) {
  if (protocol::ParseInt64(arg, out)) return true;
  reply.Error(error);
  return false;
}

// As IntArgOrReply, for arguments Redis reads as a C int (getIntFromObjectOrReply): an integer
// outside int's range has its own error unless the caller names one.
inline bool Int32ArgOrReply(protocol::ReplyBuilder& reply, std::string_view arg, int* out,
                            std::string_view error = kNotIntegerError) {
  int64_t v;
  if (!protocol::ParseInt64(arg, &v)) {
    reply.Error(error);
    return false;
  }
  if (v < INT_MIN || v > INT_MAX) {
    reply.Error(error == kNotIntegerError
                    ? "ERR value is out of range, value must between -2147483648 and 2147483647"
                    : error);
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

// The shared tail of LMPOP BLMPOP ZMPOP BZMPOP: numkeys, the keys, a direction word (one of
// the two lowercase `directions`) and an optional COUNT, checked in Redis's order.
struct MPopArgs {
  absl::Span<const std::string_view> keys;
  bool first_direction = true;  // LEFT (or MIN) rather than RIGHT (or MAX)
  int64_t count = 1;
};

inline bool ParseMPopArgs(protocol::ReplyBuilder& reply, absl::Span<const std::string_view> args,
                          size_t numkeys_index, std::string_view first_direction,
                          std::string_view second_direction, MPopArgs* out) {
  constexpr std::string_view kNumkeys = "ERR numkeys should be greater than 0";
  constexpr std::string_view kCount = "ERR count should be greater than 0";
  int64_t numkeys;
  if (!IntArgOrReply(reply, args[numkeys_index], &numkeys, kNumkeys)) return false;
  if (numkeys < 1) return reply.Error(kNumkeys), false;
  const size_t where = numkeys_index + 1 + static_cast<size_t>(numkeys);
  if (numkeys > static_cast<int64_t>(args.size()) || where >= args.size()) {
    return reply.Error(kSyntaxError), false;
  }
  out->keys = args.subspan(numkeys_index + 1, numkeys);
  out->first_direction = IsOption(args[where], first_direction);
  if (!out->first_direction && !IsOption(args[where], second_direction)) {
    return reply.Error(kSyntaxError), false;
  }
  int64_t count = -1;
  for (size_t j = where + 1; j < args.size(); ++j) {
    if (count == -1 && IsOption(args[j], "count") && j + 1 < args.size()) {
      if (!IntArgOrReply(reply, args[++j], &count, kCount)) return false;
      if (count < 1) return reply.Error(kCount), false;
    } else {
      return reply.Error(kSyntaxError), false;
    }
  }
  out->count = count == -1 ? 1 : count;
  return true;
}

// A HELP reply in Redis's shape: the given lines, then the HELP entry every container has.
inline void ReplyHelp(protocol::ReplyBuilder& reply, std::initializer_list<const char*> lines) {
  reply.ArrayHeader(lines.size() + 2);
  for (const char* line : lines) reply.SimpleString(line);
  reply.SimpleString("HELP");
  reply.SimpleString("    Prints this help.");
}

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_ARG_UTIL_H_
