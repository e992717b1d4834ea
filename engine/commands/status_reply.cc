#include "engine/commands/status_reply.h"

namespace bazaar::engine::commands {

absl::Status RedisError(std::string_view text) {
  return absl::InvalidArgumentError(absl::string_view(text.data(), text.size()));
}

void ReplyError(protocol::ReplyBuilder& reply, const absl::Status& status) {
  reply.Error(ToView(status.message()));
}

std::string WrongArityError(std::string_view command) {
  return "ERR wrong number of arguments for '" + std::string(command) + "' command";
}

}  // namespace bazaar::engine::commands
