#include "engine/commands/logged_args.h"

#include "engine/commands/arg_util.h"

namespace bazaar::engine::commands {
namespace {

constexpr const char* kRedacted = "(redacted)";

bool SensitiveConfig(std::string_view name) {
  return IsOption(name, "requirepass") || IsOption(name, "masterauth") ||
         IsOption(name, "masteruser") || IsOption(name, "tls-key-file-pass") ||
         IsOption(name, "tls-client-key-file-pass");
}

}  // namespace

std::vector<std::string> LoggedArgs(const CommandSpec& spec, Args argv) {
  std::vector<std::string> args(argv.begin(), argv.end());
  if (spec.name == "auth") {
    for (size_t i = 1; i < args.size(); ++i) args[i] = kRedacted;
  } else if (spec.name == "hello") {
    // HELLO's options are read in order; AUTH takes the next two.
    for (size_t i = 2; i < args.size(); ++i) {
      size_t more = args.size() - 1 - i;
      if (IsOption(args[i], "auth") && more >= 2) {
        args[i + 1] = args[i + 2] = kRedacted;
        i += 2;
      } else if (IsOption(args[i], "setname") && more >= 1) {
        ++i;
      } else {
        break;
      }
    }
  } else if (spec.name == "migrate") {
    // The password (and AUTH2's user) among the options, read as MIGRATE reads them.
    for (size_t i = 6; i < args.size(); ++i) {
      const size_t more = args.size() - 1 - i;
      if (IsOption(args[i], "auth") && more >= 1) {
        args[++i] = kRedacted;
      } else if (IsOption(args[i], "auth2") && more >= 2) {
        args[i + 1] = args[i + 2] = kRedacted;
        i += 2;
      } else if (!IsOption(args[i], "copy") && !IsOption(args[i], "replace")) {
        break;
      }
    }
  } else if (spec.name == "config|set") {
    for (size_t i = 2; i + 1 < args.size(); i += 2) {
      if (SensitiveConfig(args[i])) args[i + 1] = kRedacted;
    }
  }
  return args;
}

}  // namespace bazaar::engine::commands
