#include "engine/core/propagation_error.h"

#include <cstdlib>
#include <string>

#include "absl/strings/ascii.h"
#include "engine/core/log.h"

namespace bazaar::engine::core {

void ReportPropagationError(std::string_view sender, std::string_view receiver,
                            std::string_view command, std::string_view reply, bool panic) {
  const std::string name = absl::AsciiStrToLower(std::string(command));
  const std::string error(reply.substr(1, reply.find("\r\n") - 1));
  const std::string from(sender), to(receiver);
  Log(LogLevel::kWarning,
      "== CRITICAL == This %s is sending an error to its %s: '%s' after processing the command "
      "'%s'",
      from, to, error, name);
  if (!panic) return;
  Log(LogLevel::kWarning,
      "This %s panicked sending an error to its %s after processing the command '%s'", from, to,
      name);
  std::abort();
}

}  // namespace bazaar::engine::core
