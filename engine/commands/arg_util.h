// Small helpers shared by command handlers: option matching and integer arguments.
#ifndef BAZAAR_ENGINE_COMMANDS_ARG_UTIL_H_
#define BAZAAR_ENGINE_COMMANDS_ARG_UTIL_H_

#include <cctype>
#include <climits>
#include <cstdint>
#include <initializer_list>
#include <string_view>

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

// As IntArgOrReply, for arguments Redis reads as a C int.
inline bool Int32ArgOrReply(protocol::ReplyBuilder& reply, std::string_view arg, int* out,
                            std::string_view error = kNotIntegerError) {
  int64_t v;
  if (!protocol::ParseInt64(arg, &v) || v < INT_MIN || v > INT_MAX) {
    reply.Error(error);
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

// A HELP reply in Redis's shape: the given lines, then the HELP entry every container has.
inline void ReplyHelp(protocol::ReplyBuilder& reply, std::initializer_list<const char*> lines) {
  reply.ArrayHeader(lines.size() + 2);
  for (const char* line : lines) reply.SimpleString(line);
  reply.SimpleString("HELP");
  reply.SimpleString("    Print this help.");
}

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_ARG_UTIL_H_
