// One client described as CLIENT LIST / CLIENT INFO print it, in Redis 7.0's field order (also
// the ACL log's client-info).
//
// Thread: the loop's.
#ifndef BAZAAR_ENGINE_COMMANDS_CLIENT_LINE_H_
#define BAZAAR_ENGINE_COMMANDS_CLIENT_LINE_H_

#include <cstdint>
#include <string>

#include "engine/commands/client_state.h"

namespace bazaar::engine::commands {

// Without the trailing newline; ages from `now_ms`.
std::string ClientLine(const ClientState& c, int64_t now_ms);

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_CLIENT_LINE_H_
