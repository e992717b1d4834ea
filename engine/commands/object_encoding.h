// The encoding name OBJECT ENCODING and DEBUG OBJECT report for a value, in Redis's words
// (generic_family.cc explains how each of our forms maps to Redis's). Loop thread only.
#ifndef BAZAAR_ENGINE_COMMANDS_OBJECT_ENCODING_H_
#define BAZAAR_ENGINE_COMMANDS_OBJECT_ENCODING_H_

#include <string_view>

#include "engine/core/value.h"

namespace bazaar::engine::commands {

std::string_view EncodingName(const core::Value& v);

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_OBJECT_ENCODING_H_
