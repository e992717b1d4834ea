// Redis-style glob matching for KEYS, SCAN MATCH and CONFIG GET: * ? [abc] [^a] [a-z] and \x.
#ifndef BAZAAR_ENGINE_CORE_GLOB_H_
#define BAZAAR_ENGINE_CORE_GLOB_H_

#include <string_view>

namespace bazaar::engine::core {

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase = false);

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_GLOB_H_
