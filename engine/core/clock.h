// Wall-clock and monotonic time in the units the engine uses.
#ifndef BAZAAR_ENGINE_CORE_CLOCK_H_
#define BAZAAR_ENGINE_CORE_CLOCK_H_

#include <cstdint>

namespace bazaar::engine::core {

int64_t UnixTimeMs();
int64_t UnixTimeUs();
int64_t MonotonicUs();

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_CLOCK_H_
