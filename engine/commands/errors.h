// Error replies, word for word as Redis 7.0 sends them (without the leading '-').
#ifndef BAZAAR_ENGINE_COMMANDS_ERRORS_H_
#define BAZAAR_ENGINE_COMMANDS_ERRORS_H_

#include <string>
#include <string_view>

namespace bazaar::engine::commands {

// "ERR unknown subcommand or wrong number of arguments for '<sub>'. Try <COMMAND> HELP.", with
// `sub` as the client wrote it and `command` in capitals.
inline std::string WrongSubcommandArgs(std::string_view command, std::string_view sub) {
  return "ERR unknown subcommand or wrong number of arguments for '" + std::string(sub) +
         "'. Try " + std::string(command) + " HELP.";
}

inline constexpr std::string_view kSyntaxError = "ERR syntax error";
inline constexpr std::string_view kWrongTypeError =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kNotIntegerError = "ERR value is not an integer or out of range";
inline constexpr std::string_view kNotFloatError = "ERR value is not a valid float";
inline constexpr std::string_view kOverflowError = "ERR increment or decrement would overflow";
inline constexpr std::string_view kNaNError = "ERR increment would produce NaN or Infinity";
inline constexpr std::string_view kNoSuchKeyError = "ERR no such key";
inline constexpr std::string_view kDbIndexError = "ERR DB index is out of range";
inline constexpr std::string_view kSameObjectError =
    "ERR source and destination objects are the same";
inline constexpr std::string_view kStringTooLongError =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr std::string_view kNoAuthError = "NOAUTH Authentication required.";
inline constexpr std::string_view kWrongPassError =
    "WRONGPASS invalid username-password pair or user is disabled.";
inline constexpr std::string_view kAuthNotConfiguredError =
    "ERR AUTH <password> called without any password configured for the default user. Are you "
    "sure your configuration is correct?";
inline constexpr std::string_view kExecAbortError =
    "EXECABORT Transaction discarded because of previous errors.";
inline constexpr std::string_view kExecWithoutMultiError = "ERR EXEC without MULTI";
inline constexpr std::string_view kDiscardWithoutMultiError = "ERR DISCARD without MULTI";
inline constexpr std::string_view kNestedMultiError = "ERR MULTI calls can not be nested";
inline constexpr std::string_view kWatchInMultiError = "ERR WATCH inside MULTI is not allowed";
inline constexpr std::string_view kNotAllowedInMultiError =
    "ERR Command not allowed inside a transaction";
inline constexpr std::string_view kDebugNotAllowedError =
    "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you "
    "can run it from a local connection, otherwise you need to set this option in the "
    "configuration file, and then restart the server.";
inline constexpr std::string_view kOutOfMemoryError =
    "OOM command not allowed when used memory > 'maxmemory'.";
inline constexpr std::string_view kReadOnlyReplicaError =
    "READONLY You can't write against a read only replica.";
inline constexpr std::string_view kMasterDownError =
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
inline constexpr std::string_view kBusyScriptError =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
inline constexpr std::string_view kMaxClientsError = "ERR max number of clients reached";
// Hashes and sets.
inline constexpr std::string_view kHashValueNotIntegerError = "ERR hash value is not an integer";
inline constexpr std::string_view kHashValueNotFloatError = "ERR hash value is not a float";
inline constexpr std::string_view kNaNOrInfinityArgError = "ERR value is NaN or Infinity";
inline constexpr std::string_view kValueOutOfRangeError = "ERR value is out of range";
inline constexpr std::string_view kMustBePositiveError =
    "ERR value is out of range, must be positive";
inline constexpr std::string_view kRandomCountRangeError =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";
inline constexpr std::string_view kNumkeysError = "ERR numkeys should be greater than 0";
inline constexpr std::string_view kNumkeysArgsError =
    "ERR Number of keys can't be greater than number of args";
inline constexpr std::string_view kLimitNegativeError = "ERR LIMIT can't be negative";
inline constexpr std::string_view kInvalidCursorError = "ERR invalid cursor";

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_ERRORS_H_
