// What happens when a command that came from elsewhere fails here: one from the primary on a
// replica, or one of the AOF while loading (Redis's propagation-error-behavior). The data no
// longer matches what was sent, so it is logged as Redis logs it and, when asked, the process
// stops.
//
// Thread: the loop's.
#ifndef BAZAAR_ENGINE_CORE_PROPAGATION_ERROR_H_
#define BAZAAR_ENGINE_CORE_PROPAGATION_ERROR_H_

#include <string_view>

namespace bazaar::engine::core {

// `sender` answered `receiver` with the error `reply` ("-ERR ...\r\n") to `command` (its name as
// sent). Logs "== CRITICAL == This <sender> is sending an error to its <receiver>: ..."; with
// `panic`, logs that and aborts.
void ReportPropagationError(std::string_view sender, std::string_view receiver,
                            std::string_view command, std::string_view reply, bool panic);

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_PROPAGATION_ERROR_H_
