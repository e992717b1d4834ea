// Errors below the reply layer, and their way out: an Op function fails with an absl::Status
// whose message is Redis's reply text ("WRONGTYPE ...", "ERR ..."); the handler sends it with
// ReplyError. Shared by every command family.
#ifndef BAZAAR_ENGINE_COMMANDS_STATUS_REPLY_H_
#define BAZAAR_ENGINE_COMMANDS_STATUS_REPLY_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/protocol/reply_builder.h"

namespace bazaar::engine::commands {

// absl::string_view is not std::string_view in Debian's Abseil: the one conversion.
inline std::string_view ToView(absl::string_view s) { return std::string_view(s.data(), s.size()); }

// An error Status carrying Redis's reply text.
absl::Status RedisError(std::string_view text);

// Writes `status`'s message (Redis's text) as an error reply. `status` is not OK.
void ReplyError(protocol::ReplyBuilder& reply, const absl::Status& status);

// "ERR wrong number of arguments for '<command>' command", `command` as COMMAND names it
// ("get", "config|set").
std::string WrongArityError(std::string_view command);

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_STATUS_REPLY_H_
